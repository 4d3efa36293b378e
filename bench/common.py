"""Shared pieces of the benchmarks: a database to run against, a server, a load generator."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import msgspec

from medskapa.audit.keys import AuditKeys, bind
from medskapa.catalogue.demo import load_demo
from medskapa.db.embedded import EmbeddedPostgres
from medskapa.db.migrations import migrate
from medskapa.db.pool import init_connection

# The demo goes through the importer, which writes the audit trail: it needs keys.
BENCH_SECRET = "bench-secret-key-that-is-long-enough-0123456789"
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@contextmanager
def bench_server_url() -> Iterator[tuple[str, str]]:
    """(URL of a server database we may create databases from, a description of the server).
    ``MEDSKAPA_BENCH_DATABASE_URL`` names one; otherwise an embedded PostgreSQL is started."""
    configured = os.environ.get("MEDSKAPA_BENCH_DATABASE_URL")
    if configured:
        yield configured, f"PostgreSQL at MEDSKAPA_BENCH_DATABASE_URL ({settings(configured)})"
        return
    folder = Path(tempfile.mkdtemp(prefix="medskapa-bench-"))
    server = EmbeddedPostgres(folder)
    try:
        url = server.start()
        yield url, f"embedded PostgreSQL (pgserver; {settings(url)})"
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


# What a figure depends on beyond the schema: without autovacuum (a CI server's setting, seen on
# this project's machines) no table is analysed during a run, and a plan chosen when a table was
# small stays as it grows; with fsync or synchronous commit off, a write costs no flush.
SHOWN_SETTINGS = ("server_version", "autovacuum", "fsync", "synchronous_commit", "shared_buffers")


def settings(url: str) -> str:
    """The server's settings a benchmark's figures depend on, as "name value, ..."."""

    async def read() -> str:
        conn = await asyncpg.connect(url)
        try:
            values = [await conn.fetchval(f"SHOW {name}") for name in SHOWN_SETTINGS]
        finally:
            await conn.close()
        return ", ".join(f"{n} {v}" for n, v in zip(SHOWN_SETTINGS, values, strict=True))

    # The benchmarks call this from inside their own event loop.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def process_tree(root: int) -> list[int]:
    """A server's process and the processes it started (uvicorn's or granian's workers)."""
    children: list[int] = []
    for task in Path(f"/proc/{root}/task").iterdir():
        try:
            children += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:  # a thread that ended meanwhile (isso starts one per request)
            continue
    return [root, *children]


def with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def fresh_database(server_url: str, name: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(server_url, name)
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        bind(conn, AuditKeys.from_secret(BENCH_SECRET))
        await migrate(conn)
        await load_demo(conn)
    finally:
        await conn.close()
    return url


class Result(msgspec.Struct):
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
        return ordered[index]


async def run_closed_loop(
    name: str,
    operation: Callable[[int], Awaitable[bool]],
    *,
    concurrency: int,
    total: int,
    max_seconds: float,
) -> Result:
    """``concurrency`` workers call ``operation`` back to back until ``total`` calls are made
    or ``max_seconds`` pass: bounded in count and in time."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + max_seconds

    async def worker() -> None:
        nonlocal errors, issued
        while issued < total and time.perf_counter() < deadline:
            issued += 1
            started = time.perf_counter()
            ok = await operation(issued)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(name, len(latencies), errors, time.perf_counter() - started, latencies)


async def reusable(server_url: str, name: str, items: int, *, vacuum: bool = False) -> str | None:
    """The URL of an earlier run's database ``name`` when it holds ``items`` items, migrated
    to now and analysed (vacuumed too when the bench reads by index only, which wants the
    visibility map set); None when there is none to reuse."""
    url = with_database(server_url, name)
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        await init_connection(conn)
        if await conn.fetchval("SELECT count(*) FROM feedback") != items:
            return None
        await migrate(conn)
        await conn.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        return url
    finally:
        await conn.close()


def machine() -> str:
    return (
        f"{platform.node() or 'host'}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def record(text: str) -> None:
    """Print a run's section and append it to docs/benchmarks.md."""
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmarks\n\nEach section is one run of a `bench/` command.\n")
    with RESULTS.open("a") as fh:
        fh.write(text)


def today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
