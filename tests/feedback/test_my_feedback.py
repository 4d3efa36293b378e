"""Feedback sent while signed in belongs to the account, and "Mina synpunkter" lists it with
what the submitter may see: status, answers and timeline, never what only staff see."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.feedback.lifecycle import GroupStep
from medskapa.moderation.service import DecisionInput
from medskapa.security.principal import Principal
from medskapa.triage.service import TriageService
from tests.factories import (
    FIXED_NOW,
    api_token,
    first_document,
    make_feedback,
    make_person,
    make_staff,
    sign_in,
)
from tests.moderation.conftest import moderation, moderator

Client = AsyncTestClient[Litestar]

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
ANSWER = "Tack! Vi förtydligar avsnittet om vätskeintag i nästa version."
NOTE = "Intern anteckning: ta upp på gruppmötet."


def form(**values: str) -> dict[str, str]:
    base = {
        "lang": "sv",
        "role": "patient",
        "category": "hard_to_understand",
        "text": "Jag förstår inte vad som menas med uppföljning efter sex veckor.",
        "formular_id": uuid.uuid4().hex,
    }
    base.update(values)
    return base


def api_body(slug: str, text: str) -> dict[str, object]:
    return {"document": slug, "category": "missing_information", "role": "relative", "text": text}


async def owners(conn: asyncpg.Connection) -> dict[str, int | None]:
    rows = await conn.fetch("SELECT body, user_id FROM feedback")
    return {row["body"]: row["user_id"] for row in rows}


# ------------------------------------------------------------------ whose feedback it is


async def test_feedback_sent_signed_in_belongs_to_the_account_by_every_way_in(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    slug, _, key = await first_document(conn)
    person = await make_person(conn, "pat@exempel.se")

    anonymous = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=form(text="Utan konto."))
    assert anonymous.status_code == 200

    await sign_in(client, conn, person)
    page = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=form(text="Från sidan."))
    htmx = await client.post(
        f"/kunskapsstod/{slug}/synpunkt",
        data=form(text="Från htmx.", section=key),
        headers={"hx-request": "true"},
    )
    session_api = await client.post(
        "/api/v1/feedback", json=api_body(slug, "Från API:t med inloggning.")
    )
    token_api = await bare_client.post(
        "/api/v1/feedback",
        json=api_body(slug, "Från API:t med nyckel."),
        headers=await api_token(conn, person),
    )
    assert [page.status_code, htmx.status_code] == [200, 200]
    for receipt in (page, htmx):
        assert "Vi har tagit emot din synpunkt" in receipt.text
        assert 'href="/mina-synpunkter"' in receipt.text
    assert 'href="/mina-synpunkter"' not in anonymous.text.split("<main")[1]
    assert [session_api.status_code, token_api.status_code] == [201, 201]

    assert await owners(conn) == {
        "Utan konto.": None,
        "Från sidan.": person,
        "Från htmx.": person,
        "Från API:t med inloggning.": person,
        "Från API:t med nyckel.": person,
    }
    # The trail never names the account: every item was sent by "submitter".
    actors = await conn.fetch(
        "SELECT DISTINCT actor FROM audit_events WHERE subject_type = 'feedback'"
    )
    assert [row["actor"] for row in actors] == ["submitter"]


async def test_one_accounts_idempotency_key_never_replays_anothers_receipt(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    anna = await make_person(conn, "anna@exempel.se")
    bo = await make_person(conn, "bo@exempel.se")
    body = api_body(slug, "Samma text, samma nyckel.")
    first = await bare_client.post(
        "/api/v1/feedback",
        json=body,
        headers={**await api_token(conn, anna), "Idempotency-Key": "nyckel-1"},
    )
    retry = await bare_client.post(
        "/api/v1/feedback",
        json=body,
        headers={**await api_token(conn, anna), "Idempotency-Key": "nyckel-1"},
    )
    other = await bare_client.post(
        "/api/v1/feedback",
        json=body,
        headers={**await api_token(conn, bo), "Idempotency-Key": "nyckel-1"},
    )
    assert first.status_code == retry.status_code == other.status_code == 201
    assert retry.json() == first.json()
    assert other.json()["receipt_code"] != first.json()["receipt_code"]
    rows = await conn.fetch("SELECT user_id FROM feedback ORDER BY created_at")
    assert sorted(row["user_id"] for row in rows) == sorted([anna, bo])


# ------------------------------------------------------------------ the page


async def test_my_feedback_needs_an_account(client: Client) -> None:
    response = await client.get("/mina-synpunkter", follow_redirects=False)
    assert response.status_code == 401
    assert "logga in" in response.text.lower()


async def test_without_feedback_the_page_says_what_to_do(
    client: Client, conn: asyncpg.Connection
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    await make_feedback(conn, text="Någon annans synpunkt, utan konto.")
    await sign_in(client, conn, person)
    page = await client.get("/mina-synpunkter")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Du har inte lämnat någon synpunkt medan du varit inloggad" in page.text
    assert 'href="/kunskapsstod"' in page.text
    assert 'href="/folj"' in page.text
    assert "Någon annans synpunkt" not in page.text


async def test_my_feedback_shows_status_answer_and_timeline_but_nothing_staff_only(
    client: Client, conn: asyncpg.Connection
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    other = await make_person(conn, "annan@exempel.se")
    member_id = await make_staff(conn, "anna.medlem@region.se", GROUP)
    group_id = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", GROUP)
    member = Principal(user_id=member_id, groups={group_id: "member"}, second_factor=True)
    mod = await moderator(conn, "moderator.mats@region.se")
    section = await conn.fetchrow(
        "SELECT s.key, s.heading FROM sections s JOIN current_versions cv "
        "ON cv.version_id = s.version_id JOIN guidance_documents d ON d.id = cv.document_id "
        "WHERE d.slug = $1 ORDER BY s.position LIMIT 1",
        DOC,
    )

    answered = await make_feedback(
        conn,
        document=DOC,
        section=section["key"],
        text="Jag heter Karin Svensson och saknar råd om vätskeintag.",
        user_id=person,
    )
    await moderation(conn).decide(
        mod,
        answered.id,
        DecisionInput(
            decision="redact",
            reason="personal_data",
            text="Jag heter [borttaget] och saknar råd om vätskeintag.",
        ),
    )
    triage = TriageService(conn, lambda: FIXED_NOW + dt.timedelta(days=2))
    await triage.transition(member, answered.id, GroupStep(target="in_review"))
    await triage.transition(member, answered.id, GroupStep(target="answered", answer=ANSWER))
    await triage.add_note(member, answered.id, NOTE)

    rejected = await make_feedback(
        conn,
        document=DOC,
        text="Min läkare är dålig.",
        now=FIXED_NOW + dt.timedelta(days=1),
        user_id=person,
    )
    await moderation(conn).decide(
        mod,
        rejected.id,
        DecisionInput(
            decision="reject",
            reason="personal_care_matter",
            message="Vänd dig till patientnämnden i din region.",
        ),
    )
    await make_feedback(conn, document=DOC, text="Bos synpunkt, inte din.", user_id=other)
    await make_feedback(conn, document=DOC, text="Skickad utan konto.")

    await sign_in(client, conn, person)
    page = await client.get("/mina-synpunkter")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    # Both of the person's items, newest first, with document, section and status in Swedish.
    assert text.count("<article") == 2
    assert text.index("Min läkare är dålig.") < text.index("saknar råd om vätskeintag")
    assert "Hjärtsvikt" in text
    assert section["heading"] in text
    assert "Besvarad" in text
    assert "Inte publicerad" in text
    assert "22 november 2026" in text
    # What the submitter may see: the moderated text, the answer, the moderator's words to
    # them and the steps of the timeline.
    assert "Jag heter [borttaget] och saknar råd om vätskeintag." in text
    assert ANSWER in text
    assert "Vänd dig till patientnämnden i din region." in text
    assert "Vi tog emot din synpunkt." in text
    assert "Arbetsgruppen svarade." in text
    # Never staff-only things, nor anyone else's feedback.
    for hidden in (
        "Karin Svensson",
        NOTE,
        "moderator.mats",
        "anna.medlem",
        f"user:{mod.user_id}",
        f"user:{member_id}",
        "Bos synpunkt",
        "Skickad utan konto.",
    ):
        assert hidden not in text


async def test_the_account_page_links_to_my_feedback_and_the_download(
    client: Client, conn: asyncpg.Connection
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    await sign_in(client, conn, person)
    page = await client.get("/konto")
    assert 'href="/mina-synpunkter"' in page.text
    assert 'href="/konto/mina-data"' in page.text


async def test_login_and_registration_promise_only_what_an_account_does(client: Client) -> None:
    for path in ("/logga-in", "/konto/registrera"):
        page = await client.get(path)
        assert "de synpunkter du lämnar när du är inloggad" in page.text
        # Feedback sent without an account is not gathered there: it is followed by its code.
        assert "alla dina synpunkter" not in page.text
