"""An account's own data: the download of everything stored about the person (GDPR art. 15
and 20), deleting the account (its feedback stays, anonymised), and an account page that shows
staff things only to staff."""

from __future__ import annotations

import datetime as dt
import json

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.catalogue.following import FollowingService
from medskapa.feedback.lifecycle import GroupStep
from medskapa.security.principal import Principal
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from medskapa.triage.service import TriageService
from tests.factories import (
    FIXED_NOW,
    MEMBER_PASSWORD,
    api_token,
    enrol_totp,
    make_feedback,
    make_organisation,
    make_person,
    make_staff,
    route_to,
    sign_in,
    sign_in_staff,
)

Client = AsyncTestClient[Litestar]

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
ANSWER = "Tack! Avsnittet tar redan upp vätskeintag, så texten ändras inte."


async def follow(conn: asyncpg.Connection, email: str) -> None:
    """A confirmed follower of DOC for the address, through the following service."""
    following = FollowingService(conn, lambda: FIXED_NOW, await instance_secret(conn, RECEIPT_KEY))
    await following.follow(DOC, email, client=f"test-{email}")
    link = await conn.fetchval(
        "SELECT m.context->>'link' FROM outbox_messages m JOIN contacts c "
        "ON c.id = m.contact_id WHERE m.template = 'follow_confirm' AND c.email = $1",
        email,
    )
    await following.confirm(link.split("/")[-1].split("=")[-1])


async def person_with_everything(
    conn: asyncpg.Connection, client: Client, email: str, organisation: str, text: str
) -> int:
    """An organisation's coordinator who has sent feedback (leaving an address for replies),
    follows a document, holds an API key and is signed in on ``client``."""
    _, person = await make_organisation(conn, organisation, email)
    await make_feedback(
        conn,
        document=DOC,
        text=text,
        email=f"svar-{email}",
        consent_contact=True,
        user_id=person,
    )
    await follow(conn, email)
    await api_token(conn, person)
    await sign_in(client, conn, person)
    return person


# ------------------------------------------------------------------ the download


async def test_the_download_holds_each_kind_of_stored_data_and_nothing_of_another_account(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    person = await person_with_everything(
        conn, client, "karin@exempel.se", "Hjärtförbundet Väst", "Karins synpunkt om diuretika."
    )
    await person_with_everything(
        conn, bare_client, "bo@exempel.se", "Lungföreningen Öst", "Bos synpunkt om inhalatorer."
    )

    response = await client.get("/konto/mina-data")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="medskapa-mina-data-' in disposition
    assert "karin" not in disposition  # the address never names the file

    data = json.loads(response.text)
    assert data["format"] == "medskapa-account-data/1"
    assert data["account"]["id"] == person
    assert data["account"]["email"] == "karin@exempel.se"
    assert data["account"]["email_confirmed_at"] is not None
    assert len(data["sessions"]) >= 1
    assert set(data["sessions"][0]) == {
        "created_at",
        "last_seen_at",
        "expires_at",
        "second_factor_at",
        "user_agent",
    }
    assert [key["name"] for key in data["api_keys"]] == ["test"]
    [item] = data["feedback"]
    assert item["text"] == "Karins synpunkt om diuretika."
    assert item["status"] == "received"
    assert item["status_text"] == "Mottagen – väntar på granskning"
    assert item["contact_email"] == "svar-karin@exempel.se"
    assert item["document"]["slug"] == DOC
    assert [step["text"] for step in item["timeline"]] == ["Vi tog emot din synpunkt."]
    assert [f["document"]["slug"] for f in data["follows"]] == [DOC]
    assert data["follows"][0]["confirmed_at"] is not None
    assert [(m["name"], m["role"]) for m in data["organisation_memberships"]] == [
        ("Hjärtförbundet Väst", "coordinator")
    ]
    assert data["group_memberships"] == []
    assert "user.api_token_created" in [step["action"] for step in data["account_history"]]

    # Nothing of the other account, and no secret of this one.
    for foreign in ("bo@exempel.se", "Bos synpunkt", "Lungföreningen Öst"):
        assert foreign not in response.text
    for secret in ("argon2", "password", "token_hash", "totp_secret", "mks_"):
        assert secret not in response.text
    # The download itself goes into the account's trail.
    last = await conn.fetchval(
        "SELECT action FROM audit_events WHERE subject_type = 'user' AND subject_id = $1 "
        "ORDER BY seq DESC LIMIT 1",
        str(person),
    )
    assert last == "user.data_exported"


async def test_the_download_needs_an_account(client: Client) -> None:
    response = await client.get("/konto/mina-data")
    assert response.status_code == 401
    assert "content-disposition" not in response.headers


# ------------------------------------------------------------------ deleting the account


async def test_deleting_the_account_keeps_its_feedback_anonymised(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    member_id = await make_staff(conn, "anna@region.se", GROUP)
    group_id = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", GROUP)
    member = Principal(user_id=member_id, groups={group_id: "member"}, second_factor=True)
    item = await make_feedback(
        conn,
        document=DOC,
        text="Jag saknar råd om vätskeintag.",
        consent_public=True,
        email="pat.svar@exempel.se",
        consent_contact=True,
        user_id=person,
    )
    await route_to(conn, item.id, GROUP)
    triage = TriageService(conn, lambda: FIXED_NOW + dt.timedelta(days=2))
    await triage.transition(member, item.id, GroupStep(target="in_review"))
    await triage.transition(member, item.id, GroupStep(target="answered", answer=ANSWER))
    trail_before = await conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE subject_type = 'feedback' AND subject_id = $1",
        str(item.id),
    )

    await sign_in(client, conn, person)
    deleted = await client.post("/konto/radera", data={"password": MEMBER_PASSWORD})
    assert "Kontot är raderat" in deleted.text

    # Still in the group's inbox and among the public answers, with its answer.
    await sign_in_staff(bare_client, conn, member_id)
    inbox = await bare_client.get(f"/arbetsgrupp/{GROUP}/inkorg", params={"status": "answered"})
    assert inbox.status_code == 200
    assert str(item.id) in inbox.text
    public = await bare_client.get(f"/kunskapsstod/{DOC}/svar")
    assert "Jag saknar råd om vätskeintag." in public.text
    assert ANSWER in public.text

    # Nothing links it to the deleted account: no account, no address, no new step in its
    # trail (whose time would match the deletion), no actor naming the account.
    row = await conn.fetchrow(
        "SELECT user_id, contact_id, body, status FROM feedback WHERE id = $1", item.id
    )
    assert row["user_id"] is None
    assert row["contact_id"] is None
    assert row["body"] == "Jag saknar råd om vätskeintag."
    assert row["status"] == "answered"
    assert await conn.fetchval("SELECT count(*) FROM feedback WHERE user_id = $1", person) == 0
    assert await conn.fetchval("SELECT count(*) FROM contacts WHERE email LIKE 'pat%'") == 0
    trail = await conn.fetch(
        "SELECT actor FROM audit_events WHERE subject_type = 'feedback' AND subject_id = $1",
        str(item.id),
    )
    assert len(trail) == trail_before
    assert f"user:{person}" not in {e["actor"] for e in trail}


async def test_deleting_with_the_wrong_password_keeps_everything(
    client: Client, conn: asyncpg.Connection
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    item = await make_feedback(conn, text="Min synpunkt.", user_id=person)
    await sign_in(client, conn, person)
    refused = await client.post("/konto/radera", data={"password": "fel lösenord"})
    assert refused.status_code == 422
    assert "Lösenordet stämmer inte" in refused.text
    assert await conn.fetchval("SELECT user_id FROM feedback WHERE id = $1", item.id) == person


# ------------------------------------------------------------------ staff things on the page


async def test_a_patient_sees_no_staff_things_on_the_account_page(
    client: Client, conn: asyncpg.Connection
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    await sign_in(client, conn, person)
    page = await client.get("/konto")
    assert page.status_code == 200
    for staff_only in (
        "API-nycklar",
        'action="/konto/api-nycklar"',
        "Tvåstegsverifiering",
        "gjord för den här inloggningen",
    ):
        assert staff_only not in page.text
    assert "Byt lösenord" in page.text
    assert "Radera kontot" in page.text


async def test_a_patient_who_has_keys_or_a_second_factor_can_still_manage_them(
    client: Client, conn: asyncpg.Connection
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    await api_token(conn, person)
    await enrol_totp(conn, person)
    # With a second factor turned on, a session is signed in only once past it.
    await sign_in_staff(client, conn, person)
    page = await client.get("/konto")
    assert "API-nycklar" in page.text
    assert 'action="/konto/api-nycklar/aterkalla"' in page.text
    assert 'action="/konto/api-nycklar"' not in page.text  # no new keys
    assert "Tvåstegsverifiering" in page.text
    assert 'href="/konto/tvastegsverifiering"' in page.text
    assert "gjord för den här inloggningen" not in page.text


async def test_staff_see_their_second_factor_and_api_keys(
    client: Client, conn: asyncpg.Connection
) -> None:
    member = await make_staff(conn, "anna@region.se", GROUP)
    await enrol_totp(conn, member)
    await sign_in_staff(client, conn, member)
    page = await client.get("/konto")
    assert page.status_code == 200
    assert "På, och gjord för den här inloggningen." in page.text
    assert "API-nycklar" in page.text
    assert 'action="/konto/api-nycklar"' in page.text


async def test_the_page_shows_the_newest_items_and_the_download_has_them_all(
    client: Client, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("medskapa.feedback.service.OWN_ITEMS_SHOWN", 1)
    person = await make_person(conn, "pat@exempel.se")
    await make_feedback(conn, text="Den första.", user_id=person)
    await make_feedback(
        conn, text="Den andra.", now=FIXED_NOW + dt.timedelta(days=1), user_id=person
    )
    await sign_in(client, conn, person)
    page = await client.get("/mina-synpunkter")
    assert page.text.count("<article") == 1
    assert "Den andra." in page.text
    assert "De 1 senaste synpunkterna visas här" in page.text
    data = json.loads((await client.get("/konto/mina-data")).text)
    assert [item["text"] for item in data["feedback"]] == ["Den andra.", "Den första."]
