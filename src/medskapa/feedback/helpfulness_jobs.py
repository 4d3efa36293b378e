"""The retention job for the reasons given with "Hjälpte informationen på sidan dig?", run
hourly inside each server process (rows another process holds are skipped, so every worker
may run it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from litestar import Litestar

from medskapa.clock import utc_now
from medskapa.db.pool import acquire
from medskapa.feedback.helpfulness import erase_old_reasons
from medskapa.periodic import periodic_lifespan
from medskapa.settings import Settings

log = logging.getLogger("medskapa.feedback")


async def purge_once(app: Litestar, settings: Settings) -> int:
    async with acquire(app.state.pool, settings.db_acquire_timeout) as conn:
        return await erase_old_reasons(conn, utc_now(), settings.helpfulness_reason_retention_days)


async def _purge(app: Litestar, settings: Settings) -> None:
    erased = await purge_once(app, settings)
    if erased:
        log.info("helpfulness reasons erased", extra={"count": erased})


def reason_purge_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    return periodic_lifespan(
        "helpfulness-reason-purge",
        lambda app: _purge(app, settings),
        first_after=150.0,
        every=3600.0,
    )
