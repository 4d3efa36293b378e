"""A job every worker runs on a timer, started and stopped with the app. The jobs themselves
are safe to run from many processes at once (they lock what they touch); this only schedules."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from litestar import Litestar

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
