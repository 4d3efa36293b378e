"""kill -9 of the server at random moments, many times, during streams of submissions:
every acknowledged submission is stored, nothing is half-written, and the audit trail still
verifies."""

from __future__ import annotations

import asyncio
import os
import random
import signal

import asyncpg
import httpx
import pytest

from medskapa.audit.keys import AuditKeys, bind
from medskapa.audit.verify import verify
from medskapa.db.pool import init_connection
from tests.factories import TEST_SECRET
from tests.faults.conftest import TEXT
from tests.live import running_server

pytestmark = [pytest.mark.slow, pytest.mark.fault]

KILLS = 8
STREAMS = 6


async def test_repeated_kill9_loses_nothing_acknowledged(
    own_database: str, document_slug: str
) -> None:
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

    env = {"MEDSKAPA_SUBMIT_LIMIT": "1000000"}
    for _ in range(KILLS):
        with running_server(own_database, env=env) as (base_url, proc):
            stop = asyncio.Event()
            async with httpx.AsyncClient(timeout=10) as client:
                tasks = [
                    asyncio.create_task(stream(client, base_url, stop)) for _ in range(STREAMS)
                ]
                await asyncio.sleep(rng.uniform(0.2, 1.0))
                os.kill(proc.pid, signal.SIGKILL)
                await asyncio.to_thread(proc.wait)
                stop.set()
                await asyncio.gather(*tasks)

    assert interrupted > 0, "the kills should have interrupted requests"
    assert len(acknowledged) > KILLS * 10
    conn = await asyncpg.connect(own_database)
    try:
        await init_connection(conn)
        bind(conn, AuditKeys.from_secret(TEST_SECRET))
        stored = {str(r["id"]) for r in await conn.fetch("SELECT id FROM feedback")}
        assert set(acknowledged) <= stored
        # Nothing half-written: every item has its contact (all of these left one) and its
        # first audit event, and the whole trail verifies.
        without_contact = await conn.fetchval(
            "SELECT count(*) FROM feedback WHERE contact_id IS NULL"
        )
        assert without_contact == 0
        report = await verify(conn)
        assert report.intact, report.first_break
        assert report.events >= len(acknowledged)
    finally:
        await conn.close()
