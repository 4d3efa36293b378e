from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import uuid
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from medskapa.app import create_app
from medskapa.feedback.forms import try_again_at
from medskapa.feedback.service import RECEIPT_MAILS_PER_ADDRESS
from medskapa.security import ratelimit
from medskapa.security.ratelimit import ATTEMPTS_PER_SUBMISSION
from medskapa.settings import Settings
from tests.apps import app_for
from tests.factories import TEST_SECRET, csrf_follows_cookie, first_document


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
        # The form below is sent as from the page it is on (no session: the origin is checked).
        csrf_follows_cookie(first)
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
        assert "Vänta till klockan" in page.text
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


# ------------------------------------------------------------------ what counts


def limited_app(database_url: str, submit_limit: int) -> AsyncTestClient:
    settings = Settings(
        database_url=database_url, submit_limit=submit_limit, secret_key=TEST_SECRET
    )
    return AsyncTestClient(app=app_for(settings, "limited"), base_url="https://127.0.0.1")


async def browser(client: AsyncTestClient) -> AsyncTestClient:
    csrf_follows_cookie(client)
    await client.get("/")
    return client


TEXT = "Jag förstår inte vad som menas med uppföljning efter sex veckor."
PERSONAL = "Jag heter Agneta och mitt nummer är 070-123 45 67, ring mig om uppföljningen."


def form(**values: str) -> dict[str, str]:
    return {
        "lang": "sv",
        "role": "patient",
        "category": "hard_to_understand",
        "text": TEXT,
        "formular_id": uuid.uuid4().hex,
        **values,
    }


async def stored(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM feedback")


@pytest.mark.parametrize("htmx", [False, True], ids=["form page", "htmx form"])
async def test_form_errors_and_personal_data_warnings_do_not_use_up_the_limit(
    database_url: str, conn: asyncpg.Connection, htmx: bool
) -> None:
    slug, _, _ = await first_document(conn)
    path = f"/kunskapsstod/{slug}/synpunkt"
    headers = {"HX-Request": "true"} if htmx else {}
    async with limited_app(database_url, 2) as client:
        await browser(client)
        for _ in range(3):
            invalid = await client.post(path, data=form(category=""), headers=headers)
            assert invalid.status_code == 422
            warned = await client.post(path, data=form(text=PERSONAL), headers=headers)
            assert warned.status_code == 200
            assert "Skicka ändå" in warned.text
        assert await stored(conn) == 0

        for _ in range(2):
            accepted = await client.post(path, data=form(), headers=headers)
            assert accepted.status_code == 200
            assert "receipt-code" in accepted.text
        refused = await client.post(
            path, data=form(text=PERSONAL, pd_confirmed="ja"), headers=headers
        )
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 600
    # The form again, with what was typed, and nothing stored.
    assert "receipt-code" not in refused.text
    assert html.escape(PERSONAL, quote=False) in refused.text
    assert "Vänta till klockan" in refused.text
    assert await stored(conn) == 2


async def test_without_javascript_a_limited_submission_keeps_the_text_and_says_when(
    database_url: str, conn: asyncpg.Connection
) -> None:
    slug, _, key = await first_document(conn)
    path = f"/kunskapsstod/{slug}/synpunkt"
    async with limited_app(database_url, 1) as client:
        await browser(client)
        assert (await client.post(path, data=form())).status_code == 200
        before = dt.datetime.now(dt.UTC)
        typed = form(
            text="Min andra synpunkt: doserna i tabellen saknar enhet.",
            section=key,
            category="incorrect_or_outdated",
            role="relative",
            email="anna@exempel.se",
            lang="sv",
        )
        page = await client.post(path, data=typed)
    assert page.status_code == 429
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="sv"' in page.text
    assert "Min andra synpunkt: doserna i tabellen saknar enhet.</textarea>" in page.text
    assert 'value="anna@exempel.se"' in page.text
    assert re.search(r'value="incorrect_or_outdated"[^>]*checked', page.text)
    assert re.search(r'value="relative"[^>]*checked', page.text)
    notice = re.search(r"Vänta till klockan (\d\d)\.(\d\d) och skicka sedan igen", page.text)
    assert notice, page.text
    # The time is the clock in Sweden, at most ten minutes ahead.
    local = before.astimezone(ZoneInfo("Europe/Stockholm"))
    at = local.replace(hour=int(notice[1]), minute=int(notice[2]), second=0, microsecond=0)
    if at < local - dt.timedelta(minutes=1):
        at += dt.timedelta(days=1)
    assert (
        dt.timedelta(0) <= at - local.replace(second=0, microsecond=0) <= dt.timedelta(minutes=11)
    )
    assert await stored(conn) == 1


def test_the_time_to_try_again_is_swedish_and_rounded_up() -> None:
    winter = dt.datetime(2026, 12, 1, 13, 34, 20, tzinfo=dt.UTC)
    assert try_again_at(winter) == "14.35"
    assert try_again_at(winter.replace(second=0)) == "14.34"
    summer = dt.datetime(2026, 6, 1, 13, 34, 0, tzinfo=dt.UTC)
    assert try_again_at(summer) == "15.34"


async def test_api_errors_do_not_use_up_the_limit(
    database_url: str, conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    body = {"document": slug, "category": "other", "role": "patient", "text": TEXT}
    async with limited_app(database_url, 2) as client:
        await browser(client)
        for bad in ({"document": "finns-inte"}, {"care_region": "99"}, {"text": "   "}):
            refused = await client.post("/api/v1/feedback", json={**body, **bad})
            assert refused.status_code == 422
        statuses = [
            (await client.post("/api/v1/feedback", json=body)).status_code for _ in range(3)
        ]
    assert statuses == [201, 201, 429]
    assert await stored(conn) == 2


async def test_a_flood_of_accepted_submissions_stops_at_the_limit(
    database_url: str, conn: asyncpg.Connection
) -> None:
    """N accepted, the N+1st refused, also when they all arrive at once."""
    slug, _, _ = await first_document(conn)
    limit = 3
    body = {"document": slug, "category": "other", "role": "patient", "text": TEXT}
    async with limited_app(database_url, limit) as client:
        await browser(client)
        answers = await asyncio.gather(
            *(client.post("/api/v1/feedback", json=body) for _ in range(limit + 3))
        )
        late = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=form())
    assert sorted(a.status_code for a in answers) == [201] * limit + [429] * 3
    assert late.status_code == 429
    assert await stored(conn) == limit


async def test_the_sequential_n_plus_first_accepted_submission_is_refused(
    database_url: str, conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    limit = 4
    async with limited_app(database_url, limit) as client:
        await browser(client)
        statuses = [
            (await client.post(f"/kunskapsstod/{slug}/synpunkt", data=form())).status_code
            for _ in range(limit + 1)
        ]
    assert statuses == [200] * limit + [429]
    assert await stored(conn) == limit


async def test_a_stream_of_invalid_posts_is_stopped_too(
    database_url: str, conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    async with limited_app(database_url, 1) as client:
        await browser(client)
        statuses = [
            (
                await client.post(
                    "/api/v1/feedback",
                    json={
                        "document": "finns-inte",
                        "category": "other",
                        "role": "patient",
                        "text": TEXT,
                    },
                )
            ).status_code
            for _ in range(ATTEMPTS_PER_SUBMISSION + 1)
        ]
        page = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=form())
    assert statuses == [422] * ATTEMPTS_PER_SUBMISSION + [429]
    assert page.status_code == 429
    assert TEXT in page.text
    assert await stored(conn) == 0


async def test_past_the_attempt_limit_a_valid_submission_is_refused_and_not_stored(
    database_url: str, conn: asyncpg.Connection
) -> None:
    """The API counts attempts and submissions in the statement that stores the item: a valid
    submission from a client that has used up its attempts is refused there, with nothing
    stored and no submission counted, and says when to try again."""
    slug, _, _ = await first_document(conn)
    body = {"document": slug, "category": "other", "role": "patient", "text": TEXT}
    # Two submissions allowed, so the second valid one is within the submission limit and
    # only the attempts refuse it.
    async with limited_app(database_url, 2) as client:
        await browser(client)
        for _ in range(2 * ATTEMPTS_PER_SUBMISSION - 1):
            bad = await client.post("/api/v1/feedback", json={**body, "document": "finns-inte"})
            assert bad.status_code == 422
        accepted = await client.post("/api/v1/feedback", json=body)
        refused = await client.post("/api/v1/feedback", json=body)
    assert accepted.status_code == 201
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= ratelimit.WINDOW_SECONDS
    assert await stored(conn) == 1
    submissions = await conn.fetchval(
        "SELECT sum(hits) FROM rate_limits WHERE bucket LIKE 'submit:%'"
    )
    assert submissions == 1


async def test_a_refusal_says_when_the_window_ends(conn: asyncpg.Connection) -> None:
    now = dt.datetime(2026, 12, 1, 12, 11, 30, 400000, tzinfo=dt.UTC)
    limit = ratelimit.Limit("test", hits=1, seconds=600)
    await ratelimit.check(conn, limit, "client", now)
    with pytest.raises(ratelimit.RateLimited) as refused:
        await ratelimit.check(conn, limit, "client", now)
    assert refused.value.until == dt.datetime(2026, 12, 1, 12, 20, tzinfo=dt.UTC)
    assert refused.value.retry_after == 510
    assert try_again_at(refused.value.until) == "13.20"
