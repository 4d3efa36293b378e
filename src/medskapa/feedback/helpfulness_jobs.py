"""The retention job for the reasons given with "Hjälpte informationen på sidan dig?", run
hourly inside each server process (rows another process holds are skipped, so every worker
may run it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from litestar import Litestar

from medskapa.clock import utc_now
from medskapa.feedback.helpfulness import erase_old_reasons
from medskapa.periodic import counting_lifespan
from medskapa.settings import Settings

log = logging.getLogger("medskapa.feedback")


def reason_purge_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    return counting_lifespan(
        "helpfulness-reason-purge",
        settings,
        lambda conn: erase_old_reasons(conn, utc_now(), settings.helpfulness_reason_retention_days),
        logger=log,
        done="helpfulness reasons erased",
        first_after=150.0,
        every=3600.0,
    )
