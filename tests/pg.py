"""Test databases: a real PostgreSQL, never a stand-in.

``MEDSKAPA_TEST_DATABASE_URL`` names a server (and a database on it whose user may create
databases); without it the test session starts a throwaway embedded PostgreSQL and removes it
afterwards. Each test gets its own database, copied from a migrated template with the demo
catalogue, and dropped after the test.

``MEDSKAPA_TEST_PG_REPORT`` (a folder) makes the throwaway server log every connection and
every DDL statement and, when the session ends, leaves its log and the CPU seconds its
processes used in that folder, one pair per worker: how the suite's database costs are counted
(docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import json
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
# WAL is written for every copied database (~11 MB each) and kept up to max_wal_size (1 GB by
# default) before it is recycled: capped, so that a server in memory (below) stays small.
THROWAWAY_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_wal_size": "128MB",
    "min_wal_size": "32MB",
}
REPORT_SETTINGS = {"log_connections": "on", "log_statement": "ddl"}

# Where a throwaway cluster's files go. Copying the template creates ~600 files, and creating
# a file costs what the file system makes it cost: on the shared CI machine ~0.7 ms of kernel
# time in /tmp against ~0.01 ms in /dev/shm (a memory file system), so that CREATE DATABASE
# took ~270 ms of the server's CPU there instead of ~25 ms (docs/benchmarks.md). A cluster
# needs a few hundred MB at most (the template, a copy or two, WAL up to max_wal_size); it goes
# to /dev/shm when that has room for it, else to the usual temporary folder.
MEMORY_FOLDER = Path("/dev/shm")
MEMORY_NEEDED = 1 << 30


def copy_clause() -> str:
    """How CREATE DATABASE copies the template here. On the throwaway server it copies the
    files (FILE_COPY): ~18 ms of the server's CPU per copy and drop instead of ~45 ms, as no
    11 MB of WAL is written for each copy. FILE_COPY makes the server checkpoint, twice per
    copy: free without fsync, not on a configured server, which copies as it is set to."""
    return "" if os.environ.get("MEDSKAPA_TEST_DATABASE_URL") else " STRATEGY FILE_COPY"


def cluster_folder(prefix: str) -> Path:
    """A new, empty folder for a throwaway PostgreSQL cluster; the caller removes it."""
    in_memory = (
        MEMORY_FOLDER.is_dir()
        and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK)
        and shutil.disk_usage(MEMORY_FOLDER).free >= MEMORY_NEEDED
    )
    return Path(tempfile.mkdtemp(prefix=prefix, dir=MEMORY_FOLDER if in_memory else None))


async def _throwaway(url: str, settings: dict[str, str]) -> None:
    conn = await asyncpg.connect(url)
    try:
        for name, value in settings.items():
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
    report = os.environ.get("MEDSKAPA_TEST_PG_REPORT")
    folder = cluster_folder("medskapa-test-pg-")
    server = EmbeddedPostgres(folder)
    try:
        url = server.start()
        asyncio.run(_throwaway(url, THROWAWAY_SETTINGS | (REPORT_SETTINGS if report else {})))
        yield url
    finally:
        if report:
            _leave_report(Path(report), server.pgdata)
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _leave_report(folder: Path, pgdata: Path) -> None:
    """The server's log, and the CPU seconds of the postmaster and of its processes: the ones
    that ended (backends) and, so far, the ones still running (checkpointer, writers)."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    ticks = os.sysconf("SC_CLK_TCK")
    user = system = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        pid, parent = int(entry.name), int(fields[1])
        if pid == postmaster:
            user += (int(fields[11]) + int(fields[13])) / ticks
            system += (int(fields[12]) + int(fields[14])) / ticks
        elif parent == postmaster:
            user += int(fields[11]) / ticks
            system += int(fields[12]) / ticks
    folder.mkdir(parents=True, exist_ok=True)
    name = f"worker-{os.getpid()}"
    shutil.copy(pgdata / "log", folder / f"{name}.log")
    cpu = {"user_seconds": round(user, 2), "system_seconds": round(system, 2)}
    (folder / f"{name}.json").write_text(json.dumps(cpu))
