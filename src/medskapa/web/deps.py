"""Request-scoped dependencies shared by several areas."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from medskapa.clock import Clock, utc_now
from medskapa.db.pool import UNAVAILABLE_ERRORS, HeldConnection
from medskapa.security.secrets import RECEIPT_KEY, derive, instance_secret

Conn = NamedDependency[asyncpg.Connection]
# A bigint key in a path. A number outside 1..2⁶³−1 names no row, and PostgreSQL would refuse
# the query with an error instead of finding nothing, so it is refused as a bad parameter.
RowId = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]

# The ASGI scope key of the request's HeldConnection (ASGI lets servers and apps add keys).
HELD = "medskapa.connection"


def request_connection(app: ASGIApp) -> ASGIApp:
    """ASGI middleware that owns each request's database connection, so that no error, in a
    dependency, a handler or the client's connection, can leave one checked out.

    The connection is taken when something first asks for ``conn`` and given back before the
    response starts (a slow reader never holds one), or, for a streamed body that reads from
    it, when the body is done or the client has left. The ``finally`` gives back whatever a
    request that ended otherwise still holds."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        state = scope["litestar_app"].state
        held = HeldConnection(state.pool, state.settings.db_acquire_timeout)
        scope[HELD] = held  # type: ignore[literal-required]

        async def send_after_release(message: Message) -> None:
            if message["type"] == "http.response.start" and not held.streaming:
                await held.release()
            await send(message)

        try:
            await app(scope, receive, send_after_release)
        finally:
            await held.release()

    return middleware


def held_connection(scope: Scope) -> HeldConnection:
    return scope[HELD]  # type: ignore[literal-required]


async def provide_connection(scope: Scope) -> asyncpg.Connection:
    """The ``conn`` dependency: the request's connection, given back by the middleware."""
    return await held_connection(scope).get()


async def note_database_failure(exc: BaseException, scope: Scope) -> None:
    """Litestar ``after_exception`` hook: the database went away while the request held its
    connection, so the pool's other connections are dropped when it is given back."""
    held = scope.get(HELD)
    if isinstance(exc, UNAVAILABLE_ERRORS) and isinstance(held, HeldConnection):
        held.database_failed = True


async def receipt_key(state: State, conn: Conn) -> bytes:
    # The key never changes once created, so each process fetches it once.
    key = getattr(state, "receipt_key", None)
    if key is None:
        key = await instance_secret(conn, RECEIPT_KEY)
        state.receipt_key = key
    return key


def clock() -> Clock:
    return utc_now


def client_id(request: Request[Any, Any, Any], key: bytes) -> str:
    """A keyed hash of the client address: enough to count requests, useless to identify."""
    host = request.client.host if request.client else "unknown"
    return derive(key, "client", host).hex()[:32]
