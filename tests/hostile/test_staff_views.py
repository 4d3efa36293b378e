"""Every payload in every stored text field, shown on every page that shows it: the moderation
queue and item, the group inbox and item, the public table of answers, and an organisation's
round and statement pages.

Each page is rendered twice for the same items: once with harmless text, once with the payload
stored in its place (feedback text, the group's answer, member input, a statement's title,
section heading and text). Stored directly, so that the check is about rendering whatever is
in the database, not about what input cleaning lets through."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.feedback.lifecycle import GroupStep
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from medskapa.statements.round_service import InputData, RoundInput, RoundService
from medskapa.statements.service import StatementService
from medskapa.triage.service import TriageService
from tests.factories import (
    FIXED_NOW,
    SESSION_COOKIE,
    first_document,
    make_feedback,
    make_organisation,
    make_person,
    make_staff,
    principal_for,
    route_to,
    sign_in,
    sign_in_staff,
)
from tests.hostile.inert import HARMLESS, PAYLOADS, assert_inert

Client = AsyncTestClient[Litestar]


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payload_is_inert_on_staff_public_and_organisation_pages(
    client: Client, conn: asyncpg.Connection, payload: str
) -> None:
    slug, _, _ = await first_document(conn)
    group = await conn.fetchval(
        "SELECT g.slug FROM guidance_documents d "
        "JOIN subject_groups g ON g.id = d.subject_group_id WHERE d.slug = $1",
        slug,
    )
    waiting = await make_feedback(conn, document=slug, text=HARMLESS, consent_public=True)
    answered = await make_feedback(conn, document=slug, text=HARMLESS, consent_public=True)
    await route_to(conn, answered.id, group)
    member = await make_staff(conn, "grupp@region.se", group=group)
    moderator = await make_staff(conn, "moderator@region.se", role=RoleChoice.MODERATOR)
    triage = TriageService(conn, lambda: FIXED_NOW)
    working = await principal_for(conn, member, second_factor=True)
    await triage.transition(working, answered.id, GroupStep(target="in_review"))
    await triage.transition(working, answered.id, GroupStep(target="answered", answer=HARMLESS))

    org, coordinator = await make_organisation(conn, "Hjärtföreningen", "samordnare@exempel.se")
    writer = await make_person(
        conn, "medlem@exempel.se", organisation=org, role=RoleChoice.ORGANISATION_MEMBER
    )
    rounds = RoundService(conn, lambda: FIXED_NOW)
    statements = StatementService(conn, lambda: FIXED_NOW, await instance_secret(conn, RECEIPT_KEY))
    lead = await principal_for(conn, coordinator)
    deadline = (FIXED_NOW + dt.timedelta(days=10)).date().isoformat()
    round_ = await rounds.open_round(
        lead, org, RoundInput(title="Insamling", deadline=deadline, document=slug)
    )
    given = await rounds.add_input(
        await principal_for(conn, writer),
        org,
        round_.id,
        InputData(category="suggestion", text=HARMLESS, show_name=True),
    )
    statement = await statements.create_statement(lead, org, HARMLESS, round_id=str(round_.id))
    await statements.save_section(lead, org, statement.id, heading=HARMLESS, body=HARMLESS)
    await statements.cite(lead, org, statement.id, str(given.id))

    pages = {
        "moderation queue": (moderator, True, "/moderering"),
        "moderation item": (moderator, True, f"/moderering/synpunkter/{waiting.id}"),
        "group inbox": (member, True, f"/arbetsgrupp/{group}/inkorg"),
        "group item": (member, True, f"/arbetsgrupp/synpunkt/{answered.id}"),
        "public answers": (None, False, f"/kunskapsstod/{slug}/svar"),
        "round": (coordinator, False, f"/organisationer/{org}/omgangar/{round_.id}"),
        "statement": (coordinator, False, f"/organisationer/{org}/yttranden/{statement.id}"),
    }

    async def render() -> dict[str, str]:
        shown = {}
        for name, (user, staff, path) in pages.items():
            client.cookies.delete(SESSION_COOKIE)
            if user is not None:
                await (sign_in_staff if staff else sign_in)(client, conn, user)
            response = await client.get(path)
            assert response.status_code == 200, (name, response.status_code)
            shown[name] = response.text
        return shown

    baseline = await render()
    await conn.execute(
        "UPDATE feedback SET body = $1 WHERE id = ANY($2::uuid[])",
        payload,
        [waiting.id, answered.id],
    )
    await conn.execute("UPDATE feedback_answers SET body = $1", payload)
    await conn.execute("UPDATE member_inputs SET body = $1", payload)
    await conn.execute("UPDATE statements SET title = $1", payload)
    await conn.execute("UPDATE statement_sections SET heading = $1, body = $1", payload)
    hostile = await render()

    for name in pages:
        assert_inert(hostile[name], baseline[name], payload)
