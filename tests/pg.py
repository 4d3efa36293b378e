"""Test databases: a real PostgreSQL, never a stand-in.

``MEDSKAPA_TEST_DATABASE_URL`` names a server (and a database on it whose user may create
databases); without it the test session starts a throwaway embedded PostgreSQL and removes it
afterwards. Each test gets its own database, copied from a migrated template with the demo
catalogue, and dropped after the test.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from medskapa.db.embedded import EmbeddedPostgres


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


# A throwaway server need not survive a crash: without fsync a test database is created and
# dropped in ~0.1 s instead of ~2 s (DROP DATABASE waits for a checkpoint's writes to reach
# the disk), which was most of the suite's time. Only this test server runs like this; the
# server `medskapa serve` starts, and any server named in MEDSKAPA_TEST_DATABASE_URL, keep
# their settings.
THROWAWAY_SETTINGS = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}


async def _throwaway(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for name, value in THROWAWAY_SETTINGS.items():
            await conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


@contextmanager
def server_url() -> Iterator[str]:
    """URL of a database on the test server from which databases can be created."""
    configured = os.environ.get("MEDSKAPA_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    folder = Path(tempfile.mkdtemp(prefix="medskapa-test-pg-"))
    server = EmbeddedPostgres(folder)
    try:
        url = server.start()
        asyncio.run(_throwaway(url))
        yield url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
