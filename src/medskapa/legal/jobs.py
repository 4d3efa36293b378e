"""The retention job for reports of accessibility problems (site feedback items: their text,
page and address are erased after MEDSKAPA_ACCESSIBILITY_REPORT_RETENTION_DAYS), run hourly inside
each server process (rows another process holds are skipped, so every worker may run it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from litestar import Litestar

from medskapa.clock import utc_now
from medskapa.db.pool import acquire
from medskapa.legal.service import AccessibilityReports
from medskapa.periodic import periodic_lifespan
from medskapa.settings import Settings

log = logging.getLogger("medskapa.legal")


async def purge_once(app: Litestar, settings: Settings) -> int:
    async with acquire(app.state.pool, settings.db_acquire_timeout) as conn:
        return await AccessibilityReports(conn, utc_now).purge(
            settings.accessibility_report_retention_days
        )


async def _purge(app: Litestar, settings: Settings) -> None:
    erased = await purge_once(app, settings)
    if erased:
        log.info("accessibility reports erased", extra={"count": erased})


def report_purge_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    return periodic_lifespan(
        "accessibility-report-purge",
        lambda app: _purge(app, settings),
        first_after=120.0,
        every=3600.0,
    )
