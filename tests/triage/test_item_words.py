"""The words staff read about an item: its history in plain Swedish on the group's page and the
moderator's page, people named only as the privacy rule allows, every time on Sweden's clock
and labelled, and a joint statement under its organisation's name."""

from __future__ import annotations

import re
import uuid

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.web.templating import local_time
from tests.factories import make_feedback, make_organisation, make_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
NAME = "Agneta Fredriksdotter"
TEXT = f"Jag heter {NAME}. Avsnittet om uppföljning är svårt att förstå för mig som patient."
# What staff must never read: codes of events, routes and people, and UTC.
CODES = re.compile(r"moderation\.|feedback\.|group:\d|user:\d|rule:\d|\bUTC\b")


def _visible(html: str) -> str:
    """The page's text as read (tags, attributes and scripts left out)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


async def _owner_group(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> tuple[str, str]:
    row = await conn.fetchrow(
        "SELECT g.slug, g.name FROM feedback f JOIN guidance_documents d ON d.id = f.document_id "
        "JOIN subject_groups g ON g.id = d.subject_group_id WHERE f.id = $1",
        feedback_id,
    )
    return row["slug"], row["name"]


async def _event_time(conn: asyncpg.Connection, feedback_id: uuid.UUID, action: str) -> str:
    at = await conn.fetchval(
        "SELECT occurred_at FROM audit_events WHERE subject_id = $1 AND action = $2",
        str(feedback_id),
        action,
    )
    return local_time(at, "long")


async def _moderate(client: Client, conn: asyncpg.Connection, feedback_id: uuid.UUID) -> int:
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    assert (await client.get(f"/moderering/synpunkter/{feedback_id}")).status_code == 200
    decided = await client.post(
        f"/moderering/synpunkter/{feedback_id}/beslut",
        data={
            "decision": "redact",
            "redaction_reason": "personal_data",
            "text": TEXT.replace(NAME, ""),
            "urgent": "ja",
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    return moderator


async def test_the_moderators_page_tells_the_history_in_words(
    client: Client, conn: asyncpg.Connection
) -> None:
    item = await make_feedback(conn, text=TEXT)
    await _moderate(client, conn, item.id)
    _, group_name = await _owner_group(conn, item.id)
    page = await client.get(f"/moderering/synpunkter/{item.id}")
    assert page.status_code == 200
    text = " ".join(_visible(page.text).split())
    assert not CODES.search(text), CODES.search(text)
    # A fellow moderator is named by address; the trail says what, where and why.
    decided_at = await _event_time(conn, item.id, "moderation.redacted")
    assert f"Beslutat {decided_at} av mod@exempel.se" in text
    assert (
        f"{decided_at} Godkänd av mod@exempel.se, med text borttagen (skäl: personuppgifter)"
        in text
    )
    assert "Markerad som möjlig patientsäkerhetsrisk av mod@exempel.se" in text
    assert f"Skickad till {group_name} av mod@exempel.se (gruppen äger kunskapsstödet)" in text
    assert "Synpunkten kom in" in text
    assert "(svensk tid)" in text
    assert "Jag heter [borttaget]. Avsnittet" in text


async def test_the_groups_page_names_colleagues_and_only_the_role_of_others(
    client: Client, conn: asyncpg.Connection
) -> None:
    item = await make_feedback(conn, text=TEXT)
    await _moderate(client, conn, item.id)
    slug, group_name = await _owner_group(conn, item.id)
    member = await make_staff(conn, "anna@region.se", slug)
    await sign_in_staff(client, conn, member)
    started = await client.post(
        f"/arbetsgrupp/synpunkt/{item.id}/status", data={"to": "in_review"}, follow_redirects=False
    )
    assert started.status_code == 303
    page = await client.get(f"/arbetsgrupp/synpunkt/{item.id}")
    text = " ".join(_visible(page.text).split())
    assert not CODES.search(text), CODES.search(text)
    # The moderator is not the group's: a role, never an address.
    assert "mod@exempel.se" not in text
    approved_at = await _event_time(conn, item.id, "moderation.redacted")
    assert f"{approved_at} Godkänd av en moderator, med text borttagen (skäl: personuppgifter)" in (
        text
    )
    assert f"Skickad till {group_name} av en moderator (gruppen äger kunskapsstödet)" in text
    assert "Behandlingen påbörjades av anna@region.se" in text
    received_at = local_time(
        await conn.fetchval("SELECT created_at FROM feedback WHERE id = $1", item.id), "long"
    )
    assert f"Inkom {received_at}" in text
    # The moderator's page shows moderation's part only: not the group's work, nor its people.
    await sign_in_staff(
        client, conn, await make_staff(conn, "mod2@exempel.se", role=RoleChoice.MODERATOR)
    )
    moderation = " ".join(
        _visible((await client.get(f"/moderering/synpunkter/{item.id}")).text).split()
    )
    assert "Godkänd av mod@exempel.se" in moderation
    assert "anna@region.se" not in moderation
    assert "Behandlingen påbörjades" not in moderation


async def test_a_deleted_account_and_an_outsider_are_not_shown_as_codes(
    client: Client, conn: asyncpg.Connection
) -> None:
    item = await make_feedback(conn, text=TEXT)
    moderator = await _moderate(client, conn, item.id)
    await conn.execute(
        "UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', deleted_at = now() "
        "WHERE id = $1",
        moderator,
    )
    slug, _ = await _owner_group(conn, item.id)
    outsider = await make_staff(
        conn, "bo@region.se", "nag-diabetes" if slug != "nag-diabetes" else "nag-kol"
    )
    await sign_in_staff(client, conn, outsider)
    assert (await client.get(f"/arbetsgrupp/synpunkt/{item.id}")).status_code == 404
    await sign_in_staff(client, conn, await make_staff(conn, "anna@region.se", slug))
    text = " ".join(_visible((await client.get(f"/arbetsgrupp/synpunkt/{item.id}")).text).split())
    assert not CODES.search(text), CODES.search(text)
    assert "Godkänd av ett borttaget konto" in text
    assert "Åtkomst nekad: en annan användare försökte öppna synpunkten" in text
    assert "bo@region.se" not in text


async def test_a_joint_statement_shows_its_organisations(
    client: Client, conn: asyncpg.Connection
) -> None:
    item = await make_feedback(conn, text="Handlingsplan\n\nPlanen behöver skrivas om.")
    org_a, _ = await make_organisation(conn, "Hjärt- och lungsjukas förening", "a@exempel.se")
    org_b, _ = await make_organisation(conn, "Astma- och KOL-förbundet", "b@exempel.se")
    statement = await conn.fetchval(
        "INSERT INTO statements (organisation_id, document_id, version_id, title, status, "
        "feedback_id, created_at, updated_at, submitted_at) "
        "SELECT o.id, f.document_id, f.version_id, 'Yttrande', 'submitted', f.id, now(), now(), "
        "now() FROM organisations o, feedback f WHERE o.slug = $1 AND f.id = $2 RETURNING id",
        org_a,
        item.id,
    )
    await conn.execute(
        "INSERT INTO statement_cosigners (statement_id, organisation_id, invited_at, signed_at) "
        "SELECT $1, id, now(), now() FROM organisations WHERE slug = $2",
        statement,
        org_b,
    )
    await conn.execute("UPDATE feedback SET submitter_role = 'organisation' WHERE id = $1", item.id)
    signed = (
        "Hjärt- och lungsjukas förening (organisation), undertecknat även av "
        "Astma- och KOL-förbundet"
    )
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    queue = " ".join(_visible((await client.get("/moderering")).text).split())
    assert f"Skrivet av {signed}" in queue
    page = " ".join(_visible((await client.get(f"/moderering/synpunkter/{item.id}")).text).split())
    assert f"Skrivet av {signed}" in page
    approved = await client.post(
        f"/moderering/synpunkter/{item.id}/beslut",
        data={"decision": "approve"},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    slug, _ = await _owner_group(conn, item.id)
    await sign_in_staff(client, conn, await make_staff(conn, "anna@region.se", slug))
    text = " ".join(_visible((await client.get(f"/arbetsgrupp/synpunkt/{item.id}")).text).split())
    assert f"Skriven av {signed}" in text
