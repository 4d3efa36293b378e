"""A job every worker runs on a timer, started and stopped with the app. The jobs themselves
are safe to run from many processes at once (they lock what they touch); this schedules them
(and, for the retention jobs, takes their connection and logs how many rows they handled)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import asyncpg
from litestar import Litestar

from medskapa.db.pool import acquire
from medskapa.settings import Settings

log = logging.getLogger("medskapa")


def periodic_lifespan(
    name: str,
    job: Callable[[Litestar], Awaitable[object]],
    *,
    first_after: float,
    every: float,
) -> Callable[[Litestar], object]:
    async def loop(app: Litestar) -> None:
        await asyncio.sleep(first_after)
        while True:
            try:
                await job(app)
            except Exception as exc:  # a database away for a while must not end the loop
                log.warning("periodic job failed", extra={"job": name, "error": type(exc).__name__})
            await asyncio.sleep(every)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(app), name=name)
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return lifespan


def counting_lifespan(
    name: str,
    settings: Settings,
    job: Callable[[asyncpg.Connection], Awaitable[int]],
    *,
    logger: logging.Logger,
    done: str,
    first_after: float,
    every: float,
) -> Callable[[Litestar], object]:
    """A retention job on a timer: ``job`` runs on a connection from the app's pool and answers
    how many rows it erased or destroyed; when there were any, ``done`` is logged with the count
    (only the count: never what the rows held)."""

    async def run(app: Litestar) -> None:
        async with acquire(app.state.pool, settings.db_acquire_timeout) as conn:
            count = await job(conn)
        if count:
            logger.info(done, extra={"count": count})

    return periodic_lifespan(name, run, first_after=first_after, every=every)
