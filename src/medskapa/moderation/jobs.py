"""The retention job for redaction originals, run inside each server process.

Every worker runs it; the purge skips rows another process has locked, so running it in several
processes at once destroys each original once. ``medskapa moderation purge`` runs the same job
for an external scheduler (cron, a Kubernetes CronJob) where the web processes should not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from litestar import Litestar

from medskapa.clock import utc_now
from medskapa.moderation.service import ModerationService
from medskapa.periodic import counting_lifespan
from medskapa.settings import Settings

log = logging.getLogger("medskapa.moderation")

FIRST_RUN_AFTER_SECONDS = 60.0
EVERY_SECONDS = 3600.0


def purge_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    return counting_lifespan(
        "redaction-purge",
        settings,
        lambda conn: ModerationService(conn, utc_now).purge_originals(
            settings.redaction_retention_days
        ),
        logger=log,
        done="redaction originals destroyed",
        first_after=FIRST_RUN_AFTER_SECONDS,
        every=EVERY_SECONDS,
    )
