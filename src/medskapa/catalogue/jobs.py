"""The follower retention job, run inside each server process: addresses that never confirmed a
follow are erased once the link to confirm has expired. Rows another process holds are skipped,
so every worker may run it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from litestar import Litestar

from medskapa.catalogue.following import erase_lapsed
from medskapa.clock import utc_now
from medskapa.periodic import counting_lifespan
from medskapa.settings import Settings

log = logging.getLogger("medskapa.catalogue")

FIRST_RUN_AFTER_SECONDS = 90.0
EVERY_SECONDS = 3600.0


def lapsed_followers_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    return counting_lifespan(
        "lapsed-followers",
        settings,
        lambda conn: erase_lapsed(conn, utc_now()),
        logger=log,
        done="unconfirmed follower addresses erased",
        first_after=FIRST_RUN_AFTER_SECONDS,
        every=EVERY_SECONDS,
    )
