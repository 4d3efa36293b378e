"""The relay and the scheduled notices inside each server process, started and stopped with
the app.

Runs only when SMTP is configured (``MEDSKAPA_SMTP_HOST``) and ``MEDSKAPA_OUTBOX_RELAY`` is on.
At shutdown the relay finishes the message it is sending and gives back the rest of its batch,
so a restart neither loses nor delays mail by a lease.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from litestar import Litestar

from medskapa.clock import utc_now
from medskapa.periodic import periodic_lifespan
from medskapa.security.secrets import OUTBOX_KEY, instance_secret
from medskapa.settings import Settings

from .notices import ItemPath, send_digests, send_queue_notice
from .relay import Relay

log = logging.getLogger("medskapa.outbox")

STOP_WAIT_SECONDS = 15.0


async def relay_key(pool: object) -> bytes:
    async with pool.acquire() as conn:  # type: ignore[attr-defined]
        return await instance_secret(conn, OUTBOX_KEY)


def relay_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if settings.smtp_host is None or not settings.outbox_relay:
            yield
            return
        stop = asyncio.Event()

        async def start() -> None:
            # The database may still be down at start; the key waits for it.
            while not stop.is_set():
                try:
                    key = await relay_key(app.state.pool)
                    break
                except Exception as exc:
                    log.warning("outbox relay waits", extra={"error": type(exc).__name__})
                    with suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 5.0)
            else:
                return
            await Relay(app.state.pool, settings, key).run(stop)

        task = asyncio.create_task(start(), name="outbox-relay")
        try:
            yield
        finally:
            stop.set()
            try:
                await asyncio.wait_for(task, STOP_WAIT_SECONDS)
            except TimeoutError:
                log.warning("outbox relay did not stop in time")

    return lifespan


NOTICES_FIRST_AFTER_SECONDS = 60.0
NOTICES_EVERY_SECONDS = 900.0


ITEM_ROUTE = "triage-item"
"""The route where a group member opens an item (triage); digests link to it."""


def item_path(app: Litestar) -> ItemPath:
    """The path of an item's page, from the app's route of that name."""
    return lambda feedback_id: app.route_reverse(ITEM_ROUTE, feedback_id=feedback_id)


async def send_notices(app: Litestar, settings: Settings) -> tuple[int, int]:
    """(digests queued, moderators told); safe from every worker at once."""
    alert = dt.timedelta(hours=settings.moderation_alert_hours)
    async with app.state.pool.acquire() as conn:
        digests = await send_digests(conn, utc_now(), item_path(app))
        told = await send_queue_notice(conn, alert, utc_now())
    return digests, told


def notices_lifespan(settings: Settings) -> Callable[[Litestar], object]:
    """Every worker checks every 15 minutes whether a digest or a queue notice is due."""
    return periodic_lifespan(
        "scheduled-notices",
        lambda app: send_notices(app, settings),
        first_after=NOTICES_FIRST_AFTER_SECONDS,
        every=NOTICES_EVERY_SECONDS,
    )
