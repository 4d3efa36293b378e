"""The follower retention job, run inside each server process: addresses that never confirmed a
follow are erased once the link to confirm has expired. Rows another process holds are skipped,
so every worker may run it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from litestar import Litestar

from medskapa.catalogue.following import erase_lapsed
from medskapa.clock import utc_now
from medskapa.db.pool import acquire
from medskapa.periodic import periodic_lifespan
from medskapa.settings import Settings

log = logging.getLogger("medskapa.catalogue")

FIRST_RUN_AFTER_SECONDS = 90.0
EVERY_SECONDS = 3600.0


async def erase_lapsed_once(app: Litestar, settings: Settings) -> int:
    async with acquire(app.state.pool, settings.db_acquire_timeout) as conn:
        return await erase_lapsed(conn, utc_now())


async def _erase(app: Litestar, settings: Settings) -> None:
    erased = await erase_lapsed_once(app, settings)
    if erased:
        log.info("unconfirmed follower addresses erased", extra={"count": erased})


def lapsed_followers_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    return periodic_lifespan(
        "lapsed-followers",
        lambda app: _erase(app, settings),
        first_after=FIRST_RUN_AFTER_SECONDS,
        every=EVERY_SECONDS,
    )
