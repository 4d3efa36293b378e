"""The asyncpg pool and the errors that mean "the database is not reachable"."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Concatenate, ParamSpec, Protocol, TypeVar

import asyncpg
import msgspec

from medskapa.settings import Settings

log = logging.getLogger("medskapa")

T = TypeVar("T")
P = ParamSpec("P")

# How many times a use case runs when PostgreSQL picks its transaction as a deadlock's victim.
DEADLOCK_ATTEMPTS = 3

# A stopping process closes its pools within this (its orchestrator kills it 30 s after SIGTERM).
POOL_CLOSE_SECONDS = 5

# Errors that say the database (or the way to it) is down, not that a query was wrong.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    # A pooled connection whose server went away mid-conversation can be left in a protocol
    # state asyncpg refuses to continue from ("another operation is in progress"); seen under
    # a fast PostgreSQL shutdown with requests in flight (tests/faults). The connection is
    # unusable, not the query wrong.
    asyncpg.InternalClientError,
)


class DatabaseUnavailable(Exception):
    """The database cannot be reached right now; the request may be retried later."""


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: b"\x01" + msgspec.json.encode(value),
        decoder=lambda data: msgspec.json.decode(data[1:]),
        schema="pg_catalog",
        format="binary",
    )


async def reset_connection(conn: asyncpg.Connection) -> None:
    """What a connection needs before it goes back to the pool. asyncpg's default also
    unlistens, releases advisory locks and resets settings: a round trip on every release that
    the app does not need, since it never listens, locks or changes session settings on a
    pooled connection."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def still_there(conn: asyncpg.Connection, seconds: float) -> None:
    """A round trip that fails (UNAVAILABLE_ERRORS) when the connection or server is gone: the
    check a long-lived connection (web/caching.py's listener) makes now and then."""
    await conn.execute("SELECT 1", timeout=seconds)


ConnectionSetUp = Callable[[asyncpg.Connection], None]
"""What else each new connection needs, handed in by whoever opens the pool (the app binds the
audit keys with it: audit/keys.py)."""


async def create_pool(
    settings: Settings,
    dsn: str,
    *,
    size: int | None = None,
    set_up: ConnectionSetUp | None = None,
) -> asyncpg.Pool:
    """Open a pool (of ``size`` connections at most, default from the settings). With
    ``min_size`` 0 no connection is made until one is needed, so that the app starts (and
    answers /healthz with 503) while the database is still down. ``set_up`` runs on every new
    connection, after the codecs."""

    async def init(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        if set_up is not None:
            set_up(conn)

    server_settings = {"application_name": "medskapa", "timezone": "UTC"}
    if not settings.db_transaction_pooling:
        server_settings["statement_timeout"] = str(settings.db_statement_timeout_ms)
    return await asyncpg.create_pool(
        dsn,
        min_size=0 if size is not None else settings.db_pool_min_size,
        max_size=size or settings.db_pool_max_size,
        init=init,
        reset=reset_connection,
        max_inactive_connection_lifetime=300,
        # 0: unnamed statements only, which a transaction pooler can hand to any server.
        statement_cache_size=0 if settings.db_transaction_pooling else 100,
        server_settings=server_settings,
    )


async def close_pool(pool: asyncpg.Pool) -> None:
    """Close gracefully; a connection still held by then, or whose server no longer answers
    (seen when two replicas, and the outbox relay, stop behind PgBouncer: Pool.close() waited
    past the grace period and the pod was killed), is cut off."""
    try:
        await asyncio.wait_for(pool.close(), POOL_CLOSE_SECONDS)
    except TimeoutError:
        log.warning("connections still in use at shutdown were closed")
        pool.terminate()


async def _checkout(pool: asyncpg.Pool, wait_seconds: float) -> asyncpg.Connection:
    try:
        return await pool.acquire(timeout=wait_seconds)
    except (TimeoutError, *UNAVAILABLE_ERRORS) as exc:
        raise DatabaseUnavailable(type(exc).__name__) from exc


async def give_back(pool: asyncpg.Pool, conn: asyncpg.Connection) -> None:
    """Return ``conn`` to ``pool``. When the server has gone meanwhile, asyncpg's release
    fails while it closes or resets the connection (a broken pipe under a fast PostgreSQL
    shutdown), after it has dropped the connection and freed its place in the pool. Nothing is
    left to give back then, and the work done on the connection stands (what was committed is
    committed): that is no error of the request or job that used it, whose answer was ready."""
    try:
        await pool.release(conn)
    except UNAVAILABLE_ERRORS as exc:
        log.info(
            "a connection was dropped as it was given back", extra={"error": type(exc).__name__}
        )


class _OnConnection(Protocol):
    _conn: asyncpg.Connection


S = TypeVar("S", bound=_OnConnection)


def retries_deadlocks(
    method: Callable[Concatenate[S, P], Awaitable[T]],
) -> Callable[Concatenate[S, P], Awaitable[T]]:
    """A service's use case, run again when PostgreSQL picks its transaction as a deadlock's
    victim, as PostgreSQL's manual advises: the victim's transaction is rolled back whole. Only
    for a use case that is one transaction of its own on the service's ``_conn`` and writes
    nothing outside the database; inside a caller's transaction the error is the caller's.
    A safety net: the counters kept by triggers are taken in one order (sql/0035), but a
    transaction's statements can still take them in another (a forward)."""

    @functools.wraps(method)
    async def run(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
            try:
                return await method(self, *args, **kwargs)
            except asyncpg.DeadlockDetectedError:
                if attempt == DEADLOCK_ATTEMPTS or self._conn.is_in_transaction():
                    raise
                log.info("a deadlock's victim runs again", extra={"attempt": attempt})
        raise AssertionError("not reached")

    return run


@asynccontextmanager
async def acquire(pool: asyncpg.Pool, wait_seconds: float) -> AsyncIterator[asyncpg.Connection]:
    """A connection from the pool, or ``DatabaseUnavailable`` if none can be had in time."""
    conn = await _checkout(pool, wait_seconds)
    try:
        yield conn
    except UNAVAILABLE_ERRORS:
        # The server went away under open connections: drop them all, so that the next
        # requests connect afresh instead of each finding another dead one.
        await pool.expire_connections()
        raise
    finally:
        await give_back(pool, conn)


class HeldConnection:
    """A request's one pool connection: checked out on first use, given back once.

    Whoever creates it must call ``release`` whatever happens (web/connection.py does, from
    outside the request). A generator dependency cannot promise that: Litestar drops one
    without closing it when another dependency raises, and the connection then stays checked
    out until the garbage collector finds it."""

    __slots__ = ("_body", "_conn", "_pool", "_wait_seconds", "database_failed")

    def __init__(self, pool: asyncpg.Pool, wait_seconds: float) -> None:
        self._pool = pool
        self._wait_seconds = wait_seconds
        self._conn: asyncpg.Connection | None = None
        self._body: AsyncGenerator[bytes, None] | None = None
        # Set when the database went away during the request: the pool's other connections
        # are then as dead as this one (see ``acquire``).
        self.database_failed = False

    async def get(self) -> asyncpg.Connection:
        if self._conn is not None:
            return self._conn
        conn = await _checkout(self._pool, self._wait_seconds)
        if self._conn is not None:  # another task of the same request was quicker
            await give_back(self._pool, conn)
            return self._conn
        self._conn = conn
        return conn

    def stream(self, body: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
        """Keep the connection for a response body that reads from it while it is sent; the
        body is closed (its transaction ended) before the connection goes back, also when the
        client leaves midway."""
        self._body = body
        return self._watch(body)

    async def _watch(self, body: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
        # Litestar reports no error once the response has started, so notice it here.
        try:
            async for chunk in body:
                yield chunk
        except UNAVAILABLE_ERRORS:
            self.database_failed = True
            raise

    @property
    def streaming(self) -> bool:
        return self._body is not None

    async def release(self) -> None:
        body, self._body = self._body, None
        try:
            if body is not None:
                await body.aclose()
        finally:
            conn, self._conn = self._conn, None
            if conn is not None:
                try:
                    if self.database_failed:
                        await self._pool.expire_connections()
                finally:
                    await give_back(self._pool, conn)


def is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, (DatabaseUnavailable, *UNAVAILABLE_ERRORS))
