"""A patient representative (patientföreträdare) sits in a subject group: reads its inbox and
items and writes internal notes, but never acts for the group. Every answering action is
refused with 403 and a Swedish explanation, and nothing is stored."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.errors import Refused
from medskapa.feedback.lifecycle import GroupStep
from medskapa.triage.service import TriageService
from tests.factories import (
    FIXED_NOW,
    api_token,
    make_feedback,
    make_staff,
    principal_for,
    route_to,
    sign_in_staff,
)

Client = AsyncTestClient[Litestar]

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
OTHER = "nag-diabetes"
PLAN = "Tack! Vi skriver om avsnittet i nästa version så att uppföljningen blir tydligare."
REFUSAL = "Som patientföreträdare i gruppen kan du läsa synpunkterna"


async def routed(conn: asyncpg.Connection) -> uuid.UUID:
    submitted = await make_feedback(conn, document=DOC, email="p@exempel.se")
    await route_to(conn, submitted.id, GROUP)
    return submitted.id


async def stored(conn: asyncpg.Connection, item: uuid.UUID) -> tuple[object, ...]:
    """Everything an answering action could change."""
    return (
        await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item),
        *[
            await conn.fetchval(f"SELECT count(*) FROM {table}")
            for table in (
                "feedback_answers",
                "feedback_assignments",
                "feedback_themes",
                "feedback_cluster_members",
                "feedback_forwards",
                "feedback_notes",
                "outbox_messages",
                "audit_events",
            )
        ],
        await conn.fetch("SELECT feedback_id, group_id FROM feedback_routes ORDER BY 1, 2"),
    )


@pytest.fixture
async def representative(client: Client, conn: asyncpg.Connection) -> int:
    user_id = await make_staff(
        conn, "karin@patientforeningen.se", GROUP, RoleChoice.GROUP_PATIENT_REPRESENTATIVE
    )
    await sign_in_staff(client, conn, user_id)
    return user_id


async def test_role_is_stored_as_patient_representative(
    conn: asyncpg.Connection, representative: int
) -> None:
    assert (
        await conn.fetchval("SELECT role FROM group_memberships WHERE user_id = $1", representative)
        == "patient_representative"
    )


async def test_reads_inbox_and_item_and_writes_a_note(
    client: Client, conn: asyncpg.Connection, representative: int
) -> None:
    item = await routed(conn)
    inbox = await client.get(f"/arbetsgrupp/{GROUP}/inkorg")
    assert inbox.status_code == 200
    assert f"/arbetsgrupp/synpunkt/{item}" in inbox.text
    page = await client.get(f"/arbetsgrupp/synpunkt/{item}")
    assert page.status_code == 200
    assert "Du är patientföreträdare i" in page.text
    # None of the forms that act for the group is offered; the note form is.
    for action in ("/status", "/tilldela", "/teman", "/sla-ihop", "/vidarebefordra"):
        assert f'action="/arbetsgrupp/synpunkt/{item}{action}"' not in page.text
    assert f'action="/arbetsgrupp/synpunkt/{item}/anteckning"' in page.text

    noted = await client.post(
        f"/arbetsgrupp/synpunkt/{item}/anteckning",
        data={"note": "Vår förening hör ofta detta från medlemmar."},
        follow_redirects=False,
    )
    assert noted.status_code == 303
    page = await client.get(f"/arbetsgrupp/synpunkt/{item}")
    assert "Vår förening hör ofta detta från medlemmar." in page.text
    assert await conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE action = 'feedback.noted' "
        "AND actor = $1 AND subject_id = $2",
        f"user:{representative}",
        str(item),
    )


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("status", {"to": "in_review"}),
        ("status", {"to": "answered", "answer": "Tack, texten ändras inte eftersom den stämmer."}),
        ("status", {"to": "change_planned", "answer": PLAN}),
        ("status", {"to": "closed", "reason": "duplicate"}),
        ("tilldela", {"assignee": ""}),
        ("teman", {"theme": []}),
        ("sla-ihop", {"item": []}),
        ("vidarebefordra", {"group": OTHER, "reason": "other_group_owns_text", "note": ""}),
    ],
)
async def test_every_answering_form_is_refused_and_nothing_stored(
    client: Client,
    conn: asyncpg.Connection,
    representative: int,
    path: str,
    form: dict[str, object],
) -> None:
    item = await routed(conn)
    other = await routed(conn)
    if path == "sla-ihop":
        form = {"item": [str(other)]}
    elif path == "tilldela":
        form = {"assignee": str(representative)}
    elif path == "teman":
        theme = await conn.fetchval(
            "SELECT t.id FROM group_themes t JOIN subject_groups g ON g.id = t.group_id "
            "WHERE g.slug = $1 LIMIT 1",
            GROUP,
        )
        form = {"theme": [str(theme)]}
    before = await stored(conn, item)
    response = await client.post(f"/arbetsgrupp/synpunkt/{item}/{path}", data=form)
    assert response.status_code == 403
    assert REFUSAL in response.text
    assert await stored(conn, item) == before


async def test_planned_changes_cannot_be_linked(
    client: Client, conn: asyncpg.Connection, representative: int
) -> None:
    item = await routed(conn)
    lead = await make_staff(conn, "lena@region.se", GROUP, RoleChoice.GROUP_LEAD)
    lead_api = await api_token(conn, lead)
    for step in ({"to": "in_review"}, {"to": "change_planned", "answer": PLAN}):
        done = await client.post(
            f"/api/v1/feedback/{item}/transitions", json=step, headers=lead_api
        )
        assert done.status_code == 200
    await conn.execute(
        "INSERT INTO document_versions (document_id, label, published_on, published_at) "
        "SELECT id, '9.1', '2026-11-21', '2026-11-21T10:00Z' FROM guidance_documents "
        "WHERE slug = $1",
        DOC,
    )
    page = await client.get(f"/arbetsgrupp/{GROUP}/planerade")
    assert page.status_code == 200
    assert "Koppla till versionen</button>" not in page.text
    before = await stored(conn, item)
    refused = await client.post(
        f"/arbetsgrupp/{GROUP}/planerade",
        data={"document": DOC, "version": "9.1", "item": [str(item)]},
    )
    assert refused.status_code == 403
    assert REFUSAL in refused.text
    assert await stored(conn, item) == before


async def test_api_refuses_transitions_and_forwarding(
    client: Client, conn: asyncpg.Connection, representative: int
) -> None:
    item = await routed(conn)
    headers = await api_token(conn, representative)
    inbox = await client.get(f"/api/v1/groups/{GROUP}/inbox", headers=headers)
    assert inbox.status_code == 200
    assert [i["id"] for i in inbox.json()["items"]] == [str(item)]
    timeline = await client.get(f"/api/v1/feedback/{item}/timeline", headers=headers)
    assert timeline.status_code == 200
    before = await stored(conn, item)
    for url, body in (
        (f"/api/v1/feedback/{item}/transitions", {"to": "in_review"}),
        (f"/api/v1/feedback/{item}/transitions", {"to": "closed", "reason": "duplicate"}),
        (f"/api/v1/feedback/{item}/forward", {"group": OTHER, "reason": "spans_groups"}),
    ):
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "patient representative" in response.json()["detail"]
    assert await stored(conn, item) == before


async def test_cannot_be_assigned_by_a_member(
    client: Client, conn: asyncpg.Connection, representative: int
) -> None:
    """The one who is assigned an item answers it: a patient representative is never offered,
    and a forged choice is refused."""
    item = await routed(conn)
    member = await make_staff(conn, "anna@region.se", GROUP)
    await sign_in_staff(client, conn, member)
    page = await client.get(f"/arbetsgrupp/synpunkt/{item}")
    assert "karin@patientforeningen.se</option>" not in page.text
    before = await stored(conn, item)
    forged = await client.post(
        f"/arbetsgrupp/synpunkt/{item}/tilldela", data={"assignee": str(representative)}
    )
    assert forged.status_code == 422
    assert await stored(conn, item) == before


async def test_representative_in_one_group_member_in_another_acts_for_the_second(
    conn: asyncpg.Connection,
) -> None:
    """An item routed to both groups is worked on in the group where the person answers."""
    user_id = await make_staff(
        conn, "karin@patientforeningen.se", GROUP, RoleChoice.GROUP_PATIENT_REPRESENTATIVE
    )
    await make_staff_membership(conn, user_id, OTHER, "member")
    item = await routed(conn)
    await route_to(conn, item, OTHER)
    triage = TriageService(conn, lambda: FIXED_NOW)
    principal = await principal_for(conn, user_id, second_factor=True)
    view = await triage.transition(principal, item, GroupStep(target="in_review"))
    assert view.group.slug == OTHER
    only_rep = await routed(conn)
    with pytest.raises(Refused) as refused:
        await triage.transition(principal, only_rep, GroupStep(target="in_review"))
    assert (refused.value.code, refused.value.status) == ("not_permitted", 403)


async def make_staff_membership(
    conn: asyncpg.Connection, user_id: int, group: str, role: str
) -> None:
    await conn.execute(
        "INSERT INTO group_memberships (user_id, group_id, role) "
        "SELECT $1, id, $3 FROM subject_groups WHERE slug = $2",
        user_id,
        group,
        role,
    )


async def test_admin_page_grants_the_role_but_not_in_an_archived_group(
    client: Client, conn: asyncpg.Connection
) -> None:
    admin = await make_staff(conn, "admin@region.se", role=RoleChoice.ADMIN)
    person = await make_staff(conn, "eva@patientforeningen.se", role=RoleChoice.PATIENT)
    await sign_in_staff(client, conn, admin)
    page = await client.get("/admin/anvandare")
    assert 'value="group-patient-representative"' in page.text
    granted = await client.post(
        "/admin/anvandare/roll",
        data={
            "email": "eva@patientforeningen.se",
            "role": "group-patient-representative",
            "group": GROUP,
        },
    )
    assert "Rollen är given" in granted.text
    assert "(patientföreträdare)" in granted.text
    assert (
        await conn.fetchval("SELECT role FROM group_memberships WHERE user_id = $1", person)
        == "patient_representative"
    )
    await conn.execute("UPDATE subject_groups SET archived_at = now() WHERE slug = $1", OTHER)
    before = await stored_memberships(conn)
    refused = await client.post(
        "/admin/anvandare/roll",
        data={"email": "eva@patientforeningen.se", "role": "group-member", "group": OTHER},
    )
    assert refused.status_code == 422
    assert "Gruppen är arkiverad och kan inte få nya medlemmar." in refused.text
    assert await stored_memberships(conn) == before


async def stored_memberships(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT user_id, group_id, role FROM group_memberships ORDER BY 1, 2")


async def test_set_role_from_the_shell(database_url: str, conn: asyncpg.Connection) -> None:
    from tests.test_cli import run_cli

    person = await make_staff(conn, "eva@patientforeningen.se", role=RoleChoice.PATIENT)
    result = run_cli(
        "user",
        "set-role",
        "--email",
        "eva@patientforeningen.se",
        "--role",
        "group-patient-representative",
        "--group",
        GROUP,
        env={"MEDSKAPA_DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    assert (
        await conn.fetchval("SELECT role FROM group_memberships WHERE user_id = $1", person)
        == "patient_representative"
    )


async def test_cannot_open_a_consultation_for_the_group(
    client: Client, conn: asyncpg.Connection
) -> None:
    """Sending a document out on consultation acts for the group too."""
    import datetime as dt

    user_id = await make_staff(
        conn, "karin@patientforeningen.se", "nag-kol", RoleChoice.GROUP_PATIENT_REPRESENTATIVE
    )
    headers = await api_token(conn, user_id)
    today = dt.datetime.now(dt.UTC).date()
    before = await conn.fetchval("SELECT count(*) FROM consultations")
    response = await client.post(
        "/api/v1/consultations",
        headers=headers,
        json={
            "document": "kol",
            "version": "2.0",
            "title": "Remiss KOL 2.0",
            "questions": ["Saknas något?"],
            "start": today.isoformat(),
            "deadline": (today + dt.timedelta(days=14)).isoformat(),
            "organisations": [],
            "open_to_all_verified": True,
        },
    )
    assert response.status_code == 422, response.text
    assert {e["field"]: e["code"] for e in response.json()["errors"]}["document"] == (
        "not_your_group"
    )
    assert await conn.fetchval("SELECT count(*) FROM consultations") == before
    await sign_in_staff(client, conn, user_id)
    page = await client.get("/remisser/ny")
    assert 'value="kol@' not in page.text
