"""The database goes away or gets slow under load: the app says 503 meanwhile, comes back by
itself, and nothing it acknowledged is lost."""

from __future__ import annotations

import asyncio
import collections
import time

import asyncpg
import httpx
import pytest

from medskapa.db.embedded import EmbeddedPostgres
from tests.faults.conftest import Submitted, stop_and_start, stored_ids, submit_until
from tests.live import running_server

pytestmark = [pytest.mark.slow, pytest.mark.fault]

CLIENTS = 4
UNLIMITED = {"MEDSKAPA_SUBMIT_LIMIT": "1000000", "MEDSKAPA_DB_ACQUIRE_TIMEOUT": "1"}


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_postgresql_restart_under_load(
    own_pg: EmbeddedPostgres, own_database: str, document_slug: str, mode: str
) -> None:
    results: list[Submitted] = []
    stop = asyncio.Event()
    with running_server(own_database, env=UNLIMITED) as (base_url, _):
        clients = [
            asyncio.create_task(submit_until(base_url, document_slug, stop, results))
            for _ in range(CLIENTS)
        ]
        await asyncio.sleep(1.0)
        restart = asyncio.create_task(asyncio.to_thread(stop_and_start, own_pg, mode, 2.0))
        health_meanwhile: list[int] = []
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as probe:
            while not restart.done():
                health_meanwhile.append((await probe.get("/healthz")).status_code)
                await asyncio.sleep(0.2)
            await restart
            back_at = time.monotonic()
            # Recovery without restarting the app: submissions succeed again soon.
            deadline = back_at + 20
            while time.monotonic() < deadline:
                if any(r.status == 201 and r.at > back_at for r in results):
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)
            stop.set()
            await asyncio.gather(*clients)
            assert (await probe.get("/healthz")).status_code == 200

    statuses = collections.Counter(r.status for r in results)
    assert 503 in health_meanwhile, health_meanwhile
    # While PostgreSQL is away the answer is 503 (never a 500, never a hang).
    assert set(statuses) <= {201, 503}, statuses
    assert statuses[503] > 0, statuses
    assert any(r.status == 201 and r.at > back_at for r in results), "no recovery"
    acknowledged = {r.id for r in results if r.status == 201}
    assert acknowledged <= await stored_ids(own_database)


async def test_pool_exhaustion_gives_503_with_retry_after_and_recovers(
    own_database: str, document_slug: str
) -> None:
    """Slow queries hold every request connection: further requests wait a bounded time and
    get 503 with Retry-After, /healthz still answers, and all is well once the queries end."""
    env = {**UNLIMITED, "MEDSKAPA_DB_POOL_MAX_SIZE": "2"}
    body = {"document": document_slug, "category": "other", "role": "patient", "text": "Text."}
    blocker = await asyncpg.connect(own_database)
    with running_server(own_database, env=env) as (base_url, _):
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            # Every submission now waits for the lock: a slow query in each request connection.
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE feedback IN ACCESS EXCLUSIVE MODE")
            slow = [
                asyncio.create_task(client.post("/api/v1/feedback", json=body)) for _ in range(2)
            ]
            await asyncio.sleep(1.0)

            started = time.monotonic()
            refused = await client.post("/api/v1/feedback", json=body)
            waited = time.monotonic() - started
            page = await client.get("/kunskapsstod")
            health = await client.get("/healthz")

            await transaction.rollback()
            held = await asyncio.gather(*slow)
            after = await client.post("/api/v1/feedback", json=body)
            health_after = await client.get("/healthz")
    await blocker.close()

    assert refused.status_code == 503
    assert refused.headers["retry-after"]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert waited < 5, f"waited {waited:.1f} s for a connection"
    assert page.status_code == 503
    assert "Tjänsten är tillfälligt otillgänglig" in page.text
    assert health.status_code == 200
    assert health.json()["connections_in_use"] == 2
    assert [r.status_code for r in held] == [201, 201]
    assert after.status_code == 201
    assert health_after.json()["connections_in_use"] == 0
    stored = await stored_ids(own_database)
    assert {r.json()["id"] for r in [*held, after]} <= stored
