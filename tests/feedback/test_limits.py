from __future__ import annotations

import asyncpg
from litestar.testing import AsyncTestClient

from medskapa.app import create_app
from medskapa.feedback.service import RECEIPT_MAILS_PER_ADDRESS
from medskapa.settings import Settings
from tests.factories import TEST_SECRET, first_document


async def test_submission_limit_is_shared_by_every_worker(
    database_url: str, conn: asyncpg.Connection
) -> None:
    """Two app instances (as two worker processes would be) share one count in PostgreSQL."""
    slug, _, _ = await first_document(conn)
    body = {"document": slug, "category": "other", "role": "patient", "text": "Kort text."}
    settings = Settings(database_url=database_url, submit_limit=3, secret_key=TEST_SECRET)
    first_app, second_app = create_app(settings), create_app(settings)
    async with (
        AsyncTestClient(app=first_app, base_url="https://127.0.0.1") as first,
        AsyncTestClient(app=second_app, base_url="https://127.0.0.1") as second,
    ):
        await first.get("/")
        first.headers["x-csrf-token"] = first.cookies["__Host-csrf"]
        statuses = [
            (await client.post("/api/v1/feedback", json=body)).status_code
            for client in (first, second, first)
        ]
        assert statuses == [201, 201, 201]
        refused = await second.post("/api/v1/feedback", json=body)
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 600
        assert refused.headers["content-type"].startswith("application/problem+json")
        page = await first.post(
            f"/kunskapsstod/{slug}/synpunkt",
            data={"category": "other", "role": "patient", "text": "Kort text."},
        )
        assert page.status_code == 429
        assert "För många förfrågningar" in page.text
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 3
    stored_buckets = await conn.fetch("SELECT bucket FROM rate_limits")
    assert all("testclient" not in row["bucket"] for row in stored_buckets)


async def test_receipt_lookups_are_limited(database_url: str) -> None:
    app = create_app(
        Settings(database_url=database_url, receipt_lookup_limit=2, secret_key=TEST_SECRET)
    )
    async with AsyncTestClient(app=app, base_url="https://127.0.0.1") as client:
        codes = [
            (await client.post("/api/v1/receipts/lookup", json={"code": "0000-0000-0000-0000"}))
            for _ in range(3)
        ]
    assert [c.status_code for c in codes] == [404, 404, 429]


async def test_receipt_mail_to_one_address_is_limited(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    """Anyone may leave any address: the form must not flood someone's inbox. Every item is
    stored and gets its receipt code on screen; only the mails stop."""
    slug, _, _ = await first_document(conn)
    body = {
        "document": slug,
        "category": "other",
        "role": "patient",
        "text": "Kort text.",
        "email": "Offer@Exempel.se",
    }
    answers = [(await client.post("/api/v1/feedback", json=body)) for _ in range(12)]
    assert {a.status_code for a in answers} == {201}
    assert all(a.json()["receipt_code"] for a in answers)
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 12
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM outbox_messages WHERE template = 'feedback_received'"
        )
        == RECEIPT_MAILS_PER_ADDRESS
    )
    other = await client.post("/api/v1/feedback", json={**body, "email": "annan@exempel.se"})
    assert other.status_code == 201
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM outbox_messages WHERE template = 'feedback_received'"
        )
        == RECEIPT_MAILS_PER_ADDRESS + 1
    )
