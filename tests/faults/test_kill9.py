"""kill -9 of the server at random moments, many times, during streams of submissions:
every acknowledged submission is stored, nothing is half-written, and the audit trail still
verifies.

Only the server process is killed, never PostgreSQL, so the test's own database on the shared
test server is enough: no PostgreSQL of its own to start, migrate and stop (conftest.py's
own_pg is for the tests that restart or crash PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import random
import signal

import asyncpg
import httpx
import pytest

from medskapa.audit.verify import verify
from tests.faults.conftest import TEXT
from tests.faults.forked_server import forked_servers

pytestmark = [pytest.mark.slow, pytest.mark.fault]

KILLS = 8
STREAMS = 6


async def test_repeated_kill9_loses_nothing_acknowledged(
    database_url: str, conn: asyncpg.Connection
) -> None:
    document_slug = await conn.fetchval(
        "SELECT slug FROM guidance_documents WHERE status = 'published' ORDER BY slug LIMIT 1"
    )
    rng = random.Random(20261123)  # reproducible "random" moments
    acknowledged: list[str] = []
    interrupted = 0

    async def stream(client: httpx.AsyncClient, base_url: str, stop: asyncio.Event) -> None:
        nonlocal interrupted
        while not stop.is_set():
            body = {
                "document": document_slug,
                "category": "own_experience",
                "role": "relative",
                "text": TEXT,
                "email": f"narstaende{rng.randrange(10**6)}@example.se",
                "consent_contact": True,
            }
            try:
                response = await client.post(f"{base_url}/api/v1/feedback", json=body)
            except httpx.TransportError:
                interrupted += 1
                return
            if response.status_code == 201:
                acknowledged.append(response.json()["id"])

    # Each server a new process, forked from one that has imported the app (forked_server.py).
    with forked_servers(database_url, {"MEDSKAPA_SUBMIT_LIMIT": "1000000"}) as servers:
        base_url = servers.base_url
        for _ in range(KILLS):
            pid = await asyncio.to_thread(servers.start)
            stop = asyncio.Event()
            async with httpx.AsyncClient(timeout=10) as client:
                tasks = [
                    asyncio.create_task(stream(client, base_url, stop)) for _ in range(STREAMS)
                ]
                await asyncio.sleep(rng.uniform(0.2, 1.0))
                os.kill(pid, signal.SIGKILL)
                status = await asyncio.to_thread(servers.wait, pid)
                assert os.WIFSIGNALED(status), status
                assert os.WTERMSIG(status) == signal.SIGKILL, status
                stop.set()
                await asyncio.gather(*tasks)

    assert interrupted > 0, "the kills should have interrupted requests"
    assert len(acknowledged) > KILLS * 10
    stored = {str(r["id"]) for r in await conn.fetch("SELECT id FROM feedback")}
    assert set(acknowledged) <= stored
    # Nothing half-written: every item has its contact (all of these left one) and its
    # first audit event, and the whole trail verifies.
    without_contact = await conn.fetchval("SELECT count(*) FROM feedback WHERE contact_id IS NULL")
    assert without_contact == 0
    report = await verify(conn)
    assert report.intact, report.first_break
    assert report.events >= len(acknowledged)
