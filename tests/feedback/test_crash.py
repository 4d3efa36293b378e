"""kill -9 of the server in the middle of a stream of submissions loses nothing acknowledged."""

from __future__ import annotations

import asyncio
import os
import signal

import asyncpg
import httpx
import pytest

from tests.factories import first_document
from tests.live import running_server

STREAMS = 8


@pytest.mark.slow
async def test_kill_during_submissions_loses_no_acknowledged_one(
    database_url: str, conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    acknowledged: list[str] = []
    failed = 0
    enough = asyncio.Event()

    async def stream(client: httpx.AsyncClient, base_url: str, stop: asyncio.Event) -> None:
        nonlocal failed
        n = 0
        while not stop.is_set():
            n += 1
            try:
                response = await client.post(
                    f"{base_url}/api/v1/feedback",
                    json={
                        "document": slug,
                        "category": "other",
                        "role": "patient",
                        "text": f"Synpunkt nummer {n} i en ström av synpunkter.",
                    },
                )
            except httpx.TransportError:
                failed += 1
                await asyncio.sleep(0.01)
                continue
            if response.status_code == 201:
                acknowledged.append(response.json()["id"])
                if len(acknowledged) >= 200:
                    enough.set()

    with running_server(database_url, env={"MEDSKAPA_SUBMIT_LIMIT": "1000000"}) as (base_url, proc):
        stop = asyncio.Event()
        async with httpx.AsyncClient(timeout=5) as client:
            tasks = [asyncio.create_task(stream(client, base_url, stop)) for _ in range(STREAMS)]
            await asyncio.wait_for(enough.wait(), timeout=60)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            await asyncio.sleep(0.3)
            stop.set()
            await asyncio.gather(*tasks)

    assert failed > 0, "the kill should have interrupted some requests"
    stored = {str(r["id"]) for r in await conn.fetch("SELECT id FROM feedback")}
    assert set(acknowledged) <= stored
    # No half-written item: every stored feedback has its audit event.
    orphans = await conn.fetchval(
        "SELECT count(*) FROM feedback f WHERE NOT EXISTS (SELECT 1 FROM audit_events a "
        "WHERE a.subject_type = 'feedback' AND a.subject_id = f.id::text)"
    )
    assert orphans == 0
