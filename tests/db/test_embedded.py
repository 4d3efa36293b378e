"""The embedded PostgreSQL (`medskapa serve` without a database URL, the tests' throwaway
server): one start at a time on a machine."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import asyncpg
import pytest

from medskapa.db.embedded import START_LOCK, EmbeddedPostgres, one_start_at_a_time

pytestmark = pytest.mark.slow


def _waiting_for(path: Path) -> bool:
    """Whether a thread of this process waits for the lock on ``path``: the kernel lists a
    waiting flock in /proc/locks with "->", beside the holder's pid and the file's inode."""
    pid, inode = f" {os.getpid()} ", f":{path.stat().st_ino} "
    return any(
        "->" in line and "FLOCK" in line and pid in line and inode in line
        for line in Path("/proc/locks").read_text().splitlines()
    )


async def test_a_start_waits_while_another_start_is_under_way(tmp_path: Path) -> None:
    """Run as root, pgserver creates its system user on first use; two processes doing that at
    once (the suite's workers on a fresh machine) both ran useradd, and one's cluster went to a
    uid the user did not end up with (initdb: "could not change permissions"). So a start waits
    for the lock another start holds, and goes on when it is released."""
    server = EmbeddedPostgres(tmp_path)
    started: list[str] = []
    thread = threading.Thread(target=lambda: started.append(server.start()))
    try:
        with one_start_at_a_time():  # another start under way
            thread.start()
            for _ in range(600):  # up to 30 s
                if _waiting_for(START_LOCK):
                    break
                await asyncio.sleep(0.05)
            assert _waiting_for(START_LOCK), "the start did not wait for the lock"
            assert not (server.pgdata / "PG_VERSION").exists()
        await asyncio.to_thread(thread.join, 60)
        assert started, "the start did not go on once the lock was free"
        conn = await asyncpg.connect(started[0])
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    finally:
        if thread.is_alive():
            await asyncio.to_thread(thread.join, 60)
        server.stop()
