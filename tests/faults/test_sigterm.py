"""SIGTERM while requests are in flight: they finish and are stored; new ones are turned away."""

from __future__ import annotations

import asyncio
import signal

import asyncpg
import httpx
import pytest

from tests.faults.conftest import stored_ids
from tests.live import running_server

pytestmark = [pytest.mark.slow, pytest.mark.fault]


async def test_sigterm_lets_requests_in_flight_finish(
    own_database: str, document_slug: str
) -> None:
    body = {"document": document_slug, "category": "other", "role": "patient", "text": "Text."}
    blocker = await asyncpg.connect(own_database)
    with running_server(own_database, env={"MEDSKAPA_SUBMIT_LIMIT": "1000"}) as (base_url, proc):
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE feedback IN ACCESS EXCLUSIVE MODE")
            in_flight = [
                asyncio.create_task(client.post("/api/v1/feedback", json=body)) for _ in range(3)
            ]
            await asyncio.sleep(1.0)
            proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(1.0)
            # Shutting down: no new connections are taken.
            with pytest.raises(httpx.TransportError):
                async with httpx.AsyncClient(base_url=base_url, timeout=3) as newcomer:
                    await newcomer.get("/healthz")
            await transaction.rollback()
            answered = await asyncio.gather(*in_flight)
        await asyncio.to_thread(proc.wait, 30)
    await blocker.close()

    assert [r.status_code for r in answered] == [201, 201, 201]
    assert {r.json()["id"] for r in answered} <= await stored_ids(own_database)
