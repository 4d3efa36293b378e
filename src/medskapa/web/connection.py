"""Each request's database connection, owned by one ASGI middleware, so that nothing a request
does or suffers (an error in any dependency or handler, a client that leaves or stops reading)
can leave a pool connection checked out.

The connection is taken when something first asks for the ``conn`` dependency, and given back
before the response starts, so a slow reader of an ordinary page never holds one. A streamed
body that reads from it (``HeldConnection.stream``) keeps it until the body is done, the client
has left, or the client has taken nothing for ``MEDSKAPA_BODY_TIMEOUT`` seconds. The
``finally`` gives back whatever a request that ended any other way still holds.

Why not a generator dependency: Litestar resolves dependencies in batches and enters their
cleanup only once all have resolved. When one raises (a query parameter over its max_length,
say) while another has already checked out a connection, that generator is dropped unclosed,
and the connection stays checked out until the garbage collector happens to finalise it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from medskapa.db.pool import UNAVAILABLE_ERRORS, HeldConnection

log = logging.getLogger("medskapa.web")

# The ASGI scope key of the request's HeldConnection (ASGI lets applications add keys).
HELD = "medskapa.connection"


class ClientStalled(Exception):
    """The client took no part of a streamed body for the body timeout."""


def request_connection(app: ASGIApp) -> ASGIApp:
    """Middleware for Litestar's ``middleware=[...]``."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        state = scope["litestar_app"].state
        held = HeldConnection(state.pool, state.settings.db_acquire_timeout)
        scope[HELD] = held  # type: ignore[literal-required]
        stall_seconds = state.settings.body_timeout

        async def send_after_release(message: Message) -> None:
            if not held.streaming:
                if message["type"] == "http.response.start":
                    await held.release()
                await send(message)
                return
            try:
                async with asyncio.timeout(stall_seconds):
                    await send(message)
            except TimeoutError:
                raise ClientStalled from None

        try:
            await app(scope, receive, send_after_release)
        except Exception as exc:
            if not _caused_by(exc, ClientStalled):
                raise
            # The server closes the connection: the response is cut short, not completed.
            log.info("client stopped reading", extra={"route": scope.get("path_template", "-")})
        finally:
            await held.release()

    return middleware


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is behind ``exc``: Litestar re-raises an error after the response has
    started as its own, from the task group's exception group of the streamed body."""
    while exc is not None:
        if isinstance(exc, kind):
            return True
        if isinstance(exc, BaseExceptionGroup):
            return any(_caused_by(inner, kind) for inner in exc.exceptions)
        exc = exc.__cause__
    return False


def held_connection(scope: Scope) -> HeldConnection:
    return scope[HELD]  # type: ignore[literal-required]


async def provide_connection(scope: Scope) -> asyncpg.Connection:
    """The ``conn`` dependency: the request's connection, given back by the middleware."""
    return await held_connection(scope).get()


async def request_conn(request: Request[Any, Any, Any]) -> asyncpg.Connection:
    """The request's connection, for a handler that needs one only sometimes (a page served
    from the cache takes none)."""
    return await held_connection(request.scope).get()


async def note_database_failure(exc: BaseException, scope: Scope) -> None:
    """Litestar ``after_exception`` hook: the database went away while the request held its
    connection, so the pool's other connections are dropped when it is given back."""
    held = scope.get(HELD)
    if isinstance(exc, UNAVAILABLE_ERRORS) and isinstance(held, HeldConnection):
        held.database_failed = True
