"""The retention job for reports of accessibility problems (site feedback items: their text,
page and address are erased after MEDSKAPA_ACCESSIBILITY_REPORT_RETENTION_DAYS), run hourly inside
each server process (rows another process holds are skipped, so every worker may run it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from litestar import Litestar

from medskapa.clock import utc_now
from medskapa.legal.service import AccessibilityReports
from medskapa.periodic import counting_lifespan
from medskapa.settings import Settings

log = logging.getLogger("medskapa.legal")


def report_purge_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    return counting_lifespan(
        "accessibility-report-purge",
        settings,
        lambda conn: AccessibilityReports(conn, utc_now).purge(
            settings.accessibility_report_retention_days
        ),
        logger=log,
        done="accessibility reports erased",
        first_after=120.0,
        every=3600.0,
    )
