from __future__ import annotations

import shutil
from collections.abc import Iterator

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from medskapa.app import create_app
from medskapa.audit.keys import AuditKeys, bind
from medskapa.catalogue.demo import load_demo
from medskapa.db.embedded import EmbeddedPostgres
from medskapa.db.migrations import migrate
from medskapa.settings import Settings
from tests.factories import TEST_SECRET
from tests.pg import cluster_folder


async def test_healthz_reports_database_and_schema(client: AsyncTestClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["schema_version"] >= 1
    assert response.headers["cache-control"] == "no-store"


async def test_openapi_document_is_served(client: AsyncTestClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/documents" in paths
    assert "/api/v1/documents/{slug}" in paths


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this test's own, so that it can be stopped and started again."""
    folder = cluster_folder("medskapa-outage-")
    server = EmbeddedPostgres(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
async def test_database_outage_gives_503_and_recovers_without_restart(
    own_server: EmbeddedPostgres,
) -> None:
    url = own_server.url
    conn = await asyncpg.connect(url)
    bind(conn, AuditKeys.from_secret(TEST_SECRET))
    await migrate(conn)
    await load_demo(conn)
    await conn.close()

    app = create_app(Settings(database_url=url, db_acquire_timeout=2, secret_key=TEST_SECRET))
    async with AsyncTestClient(app=app, base_url="https://127.0.0.1") as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/kunskapsstod")).status_code == 200

        own_server.stop()

        health = await client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["database"] == "unreachable"
        assert health.headers["retry-after"] == "5"
        page = await client.get("/kunskapsstod")
        assert page.status_code == 503
        assert "Tjänsten är tillfälligt otillgänglig" in page.text
        assert "Ingenting du redan skickat har gått förlorat" in page.text
        api = await client.get("/api/v1/documents")
        assert api.status_code == 503
        assert api.headers["content-type"].startswith("application/problem+json")
        assert api.json()["status"] == 503

        assert own_server.start() == url

        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/kunskapsstod")).status_code == 200
        assert (await client.get("/api/v1/documents")).status_code == 200
