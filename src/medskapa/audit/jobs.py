"""The audit checkpoint inside each server process, started and stopped with the app.

Every worker looks once an hour; the one that gets the advisory lock appends a checkpoint when
the file's last line is older than ``MEDSKAPA_AUDIT_CHECKPOINT_HOURS``, so however many workers
run, one line is written per period. Runs only when there is a checkpoint file
(``MEDSKAPA_AUDIT_CHECKPOINTS``; ``serve`` sets one in the data folder for the embedded
database). ``medskapa audit checkpoint`` writes the same line for an external scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from litestar import Litestar

from medskapa.audit.verify import TrailBroken, checkpoint
from medskapa.clock import utc_now
from medskapa.db.pool import acquire
from medskapa.periodic import periodic_lifespan
from medskapa.settings import Settings

log = logging.getLogger("medskapa.audit")

FIRST_LOOK_AFTER_SECONDS = 300.0
LOOK_EVERY_SECONDS = 3600.0


async def checkpoint_once(app: Litestar, settings: Settings) -> None:
    assert settings.audit_checkpoints is not None
    async with acquire(app.state.pool, settings.db_acquire_timeout) as conn:
        try:
            written = await checkpoint(
                conn,
                settings.audit_checkpoints,
                utc_now,
                wait=False,
                every=settings.audit_checkpoint_hours * 3600.0,
            )
        except TrailBroken as exc:
            # Ids and subjects only, never content.
            log.error(
                "audit trail does not verify; no checkpoint written", extra={"problem": str(exc)}
            )
            return
    if written is not None:
        log.info(
            "audit checkpoint written",
            extra={"events": written.events, "chains": written.chains},
        )


def checkpoint_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    if settings.audit_checkpoints is None or settings.audit_checkpoint_hours == 0:

        @asynccontextmanager
        async def off(app: Litestar) -> AsyncIterator[None]:
            yield

        return off
    return periodic_lifespan(
        "audit-checkpoint",
        lambda app: checkpoint_once(app, settings),
        first_after=FIRST_LOOK_AFTER_SECONDS,
        every=LOOK_EVERY_SECONDS,
    )
