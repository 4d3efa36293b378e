"""The embedded PostgreSQL (`medskapa serve` without a database URL, the tests' throwaway
server): one start at a time on a machine."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from pathlib import Path

import asyncpg
import pytest

from medskapa.db.embedded import START_LOCK, EmbeddedPostgres

pytestmark = pytest.mark.slow


async def test_a_start_waits_while_another_start_is_under_way(tmp_path: Path) -> None:
    """Run as root, pgserver creates its system user on first use; two processes doing that at
    once (the suite's workers on a fresh machine) both ran useradd, and one's cluster went to a
    uid the user did not end up with (initdb: "could not change permissions"). So a start waits
    for the lock another start holds, and goes on when it is released."""
    server = EmbeddedPostgres(tmp_path)
    started: list[str] = []
    lock = os.open(START_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another start under way
        thread = threading.Thread(target=lambda: started.append(server.start()))
        thread.start()
        await asyncio.sleep(1)  # what a start takes here: ~0.6 s
        assert thread.is_alive()
        assert not (server.pgdata / "PG_VERSION").exists()
    finally:
        os.close(lock)  # the other start is done
    await asyncio.to_thread(thread.join, 60)
    try:
        assert started, "the start did not go on once the lock was free"
        conn = await asyncpg.connect(started[0])
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    finally:
        server.stop()
