"""Giving a connection back to the pool when the server has gone in the meantime."""

from __future__ import annotations

import asyncpg
import pytest

from medskapa.db.pool import HeldConnection, acquire


class ServerGoneOnRelease:
    """A real pool, except that giving a connection back meets a server that has just gone,
    as asyncpg's own release does under a fast PostgreSQL shutdown (tests/faults): it closes
    the connection to give it back, the close fails with a broken pipe, and asyncpg drops the
    connection, which frees its place in the pool, then raises."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def acquire(self, timeout: float) -> asyncpg.Connection:  # noqa: ASYNC109 - asyncpg.Pool.acquire's
        return await self.pool.acquire(timeout=timeout)

    async def release(self, conn: asyncpg.Connection) -> None:
        conn.terminate()
        raise BrokenPipeError(32, "Broken pipe")

    async def expire_connections(self) -> None:
        await self.pool.expire_connections()


@pytest.fixture
async def pool(database_url: str):  # type: ignore[no-untyped-def]
    pool = await asyncpg.create_pool(database_url, min_size=0, max_size=1)
    yield pool
    await pool.close()


async def test_a_request_whose_work_is_done_is_answered_though_its_connection_broke(
    pool: asyncpg.Pool,
) -> None:
    """The request had its answer ready (what it wrote was committed); only giving the dead
    connection back failed. That is not the request's error (it was a 500 under load)."""
    held = HeldConnection(ServerGoneOnRelease(pool), 2)  # type: ignore[arg-type]
    conn = await held.get()
    assert await conn.fetchval("SELECT 1") == 1
    await held.release()
    # Its one place in the pool is free again.
    async with acquire(pool, 2) as again:
        assert await again.fetchval("SELECT 2") == 2


async def test_a_job_whose_work_is_done_goes_on_though_its_connection_broke(
    pool: asyncpg.Pool,
) -> None:
    async with acquire(ServerGoneOnRelease(pool), 2) as conn:  # type: ignore[arg-type]
        assert await conn.fetchval("SELECT 1") == 1
    async with acquire(pool, 2) as again:
        assert await again.fetchval("SELECT 2") == 2
