"""The input round and statement use cases against a real database, with the clock fixed."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from medskapa.errors import Invalid, NotFound, Refused
from medskapa.feedback.lifecycle import GroupStep
from medskapa.statements import queries
from medskapa.statements.round_service import InputData, RoundInput
from medskapa.triage.service import TriageService
from tests.consultations.test_service import open_kol
from tests.factories import make_feedback, route_to
from tests.organisations.conftest import NOW, Services, World


async def test_whole_path_round_input_statement_cosign_submit(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:
    consultation_id = await open_kol(services, who, world, organisations=[world.org_a])
    org = services(NOW)
    coordinator = await who(world.coordinator_a)  # type: ignore[operator]
    round_ = await org.rounds.open_round(
        coordinator,
        world.org_a,
        RoundInput(title="KOL-remissen", deadline="2026-03-27", consultation=str(consultation_id)),
    )
    first = await org.rounds.add_input(
        await who(world.member_a1),  # type: ignore[operator]
        world.org_a,
        round_.id,
        InputData(
            category="hard_to_understand",
            text="Handlingsplanen är svår att följa.",
            section="7.1-handlingsplan-vid-forsamring",
            show_name=True,
        ),
    )
    second = await org.rounds.add_input(
        await who(world.member_a2),  # type: ignore[operator]
        world.org_a,
        round_.id,
        InputData(category="own_experience", text="Jag fick träning först efter ett år."),
    )
    # The coordinator sees both texts, but the name only of the member who allowed it.
    view = await org.rounds.round_view(coordinator, world.org_a, round_.id)
    assert {(i.body, i.author_email) for i in view.inputs} == {
        ("Handlingsplanen är svår att följa.", "a1@exempel.se"),
        ("Jag fick träning först efter ett år.", None),
    }
    # A member sees only their own.
    own = await org.rounds.round_view(await who(world.member_a2), world.org_a, round_.id)  # type: ignore[operator]
    assert [i.id for i in own.inputs] == [second.id]

    statement = await org.statements.create_statement(
        coordinator, world.org_a, "Yttrande över KOL 2.0", round_id=str(round_.id)
    )
    assert statement.consultation_id == consultation_id
    section = await org.statements.save_section(
        coordinator, world.org_a, statement.id, heading="Handlingsplan", body="Första utkast."
    )
    other_coordinator = await make_second_coordinator(conn, world)
    await org.statements.save_section(
        await who(other_coordinator),  # type: ignore[operator]
        world.org_a,
        statement.id,
        heading="Handlingsplan",
        body="Planen behöver skrivas om tillsammans med patienter.",
        section_id=str(section.id),
    )
    await org.statements.cite(
        coordinator, world.org_a, statement.id, str(first.id), str(section.id)
    )
    await org.statements.cite(coordinator, world.org_a, statement.id, str(second.id))
    await org.statements.invite_cosigner(coordinator, world.org_a, statement.id, world.org_b)
    await org.statements.cosign(await who(world.coordinator_b), world.org_b, statement.id)  # type: ignore[operator]

    full = await org.statements.statement_view(coordinator, world.org_a, statement.id)
    assert [(r.editor_id, r.body) for r in full.revisions] == [
        (other_coordinator, "Planen behöver skrivas om tillsammans med patienter."),
        (world.coordinator_a, "Första utkast."),
    ]
    assert {c.member_input_id for c in full.citations} == {first.id, second.id}
    assert [(c.slug, c.signed_at is not None) for c in full.cosigners] == [(world.org_b, True)]

    submitted = await org.statements.submit(
        coordinator, world.org_a, statement.id, category="suggestion"
    )
    item = await conn.fetchrow(
        "SELECT status, submitter_role, body, version_id, contact_id FROM feedback WHERE id = $1",
        submitted.feedback_id,
    )
    assert item["status"] == "received"
    assert item["submitter_role"] == "organisation"
    assert item["body"] == "Handlingsplan\n\nPlanen behöver skrivas om tillsammans med patienter."
    assert item["contact_id"] is None
    linked = await conn.fetchrow(
        "SELECT status, feedback_id FROM statements WHERE id = $1", statement.id
    )
    assert tuple(linked) == ("submitted", submitted.feedback_id)
    trail = await conn.fetch(
        "SELECT action, to_state FROM audit_events WHERE subject_type = 'feedback' "
        "AND subject_id = $1",
        str(submitted.feedback_id),
    )
    assert [(e["action"], e["to_state"]) for e in trail] == [("feedback.submitted", "received")]
    signatories = await queries.statement_signatories(conn, submitted.feedback_id)
    assert signatories is not None
    assert (signatories.organisation, signatories.cosigners) == (
        "Hjärt- och lungsjukas förening",
        ["Astma- och KOL-förbundet"],
    )
    # Member input itself was never routed anywhere: the only feedback is the statement.
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 1

    with pytest.raises(Refused) as again:
        await org.statements.submit(coordinator, world.org_a, statement.id)
    assert again.value.code == "already_submitted"
    with pytest.raises(Refused):
        await org.statements.save_section(
            coordinator, world.org_a, statement.id, heading="X", body="Y"
        )
    # The subject group sees the statement with its co-signer; the organisation does not see
    # the group's view.
    group = await who(world.group_member, staff=True)  # type: ignore[operator]
    assert (
        await org.consultations.overview(group, consultation_id)
    ).statements == []  # not moderated yet
    await route_to(conn, submitted.feedback_id, "nag-kol")
    overview = await org.consultations.overview(group, consultation_id)
    assert [s.id for s in overview.statements] == [statement.id]
    assert overview.cosigners[statement.id] == ["Astma- och KOL-förbundet"]
    with pytest.raises(NotFound):
        await org.consultations.overview(coordinator, consultation_id)
    # An ordinary item has no signatories.
    assert await queries.statement_signatories(conn, (await make_feedback(conn)).id) is None


async def make_second_coordinator(conn: asyncpg.Connection, world: World) -> int:
    from medskapa.accounts.admin import RoleChoice
    from tests.factories import make_person

    return await make_person(
        conn,
        "a-samordnare2@exempel.se",
        organisation=world.org_a,
        role=RoleChoice.ORGANISATION_COORDINATOR,
    )


async def test_submission_after_the_consultation_closed_is_refused_and_the_draft_kept(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:
    consultation_id = await open_kol(services, who, world)
    coordinator = await who(world.coordinator_a)  # type: ignore[operator]
    org = services(NOW)
    round_ = await org.rounds.open_round(
        coordinator,
        world.org_a,
        RoundInput(title="KOL", deadline="2026-03-20", consultation=str(consultation_id)),
    )
    statement = await org.statements.create_statement(
        coordinator, world.org_a, "Yttrande", round_id=str(round_.id)
    )
    await org.statements.save_section(
        coordinator, world.org_a, statement.id, heading="Allmänt", body="Bra."
    )
    late = services(dt.datetime(2026, 3, 30, 8, 0, tzinfo=dt.UTC))
    with pytest.raises(Refused) as refused:
        await late.statements.submit(coordinator, world.org_a, statement.id)
    assert refused.value.code == "consultation_closed"
    kept = await late.statements.statement_view(coordinator, world.org_a, statement.id)
    assert kept.statement.status == "draft"
    assert [s.body for s in kept.sections] == ["Bra."]
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0


async def test_unverified_organisation_cannot_submit_or_cosign(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:
    org = services(NOW)
    coordinator_c = await who(world.coordinator_c)  # type: ignore[operator]
    statement = await org.statements.create_statement(
        coordinator_c, world.org_c, "Yttrande", document="hoftfraktur"
    )
    await org.statements.save_section(
        coordinator_c, world.org_c, statement.id, heading="A", body="B"
    )
    with pytest.raises(Refused) as refused:
        await org.statements.submit(coordinator_c, world.org_c, statement.id)
    assert refused.value.code == "not_verified"

    coordinator_a = await who(world.coordinator_a)  # type: ignore[operator]
    own = await org.statements.create_statement(
        coordinator_a, world.org_a, "Vårt", document="hoftfraktur"
    )
    with pytest.raises(Invalid) as invalid:
        await org.statements.invite_cosigner(coordinator_a, world.org_a, own.id, world.org_c)
    assert invalid.value.errors[0].code == "not_verified"
    with pytest.raises(Invalid) as self_sign:
        await org.statements.invite_cosigner(coordinator_a, world.org_a, own.id, world.org_a)
    assert self_sign.value.errors[0].code == "own_organisation"


async def test_another_organisation_gets_not_found_and_the_attempt_is_audited(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:
    org = services(NOW)
    coordinator_a = await who(world.coordinator_a)  # type: ignore[operator]
    round_ = await org.rounds.open_round(
        coordinator_a,
        world.org_a,
        RoundInput(title="Höft", deadline="2026-04-30", document="hoftfraktur"),
    )
    added = await org.rounds.add_input(
        await who(world.member_a1),  # type: ignore[operator]
        world.org_a,
        round_.id,
        InputData(category="other", text="Hemligt inom föreningen."),
    )
    statement = await org.statements.create_statement(
        coordinator_a, world.org_a, "Vårt", round_id=str(round_.id)
    )
    coordinator_b = await who(world.coordinator_b)  # type: ignore[operator]
    attempts = [
        org.rounds.round_view(coordinator_b, world.org_a, round_.id),
        org.rounds.round_view(coordinator_b, world.org_b, round_.id),
        org.statements.statement_view(coordinator_b, world.org_b, statement.id),
        org.statements.cite(coordinator_b, world.org_b, statement.id, str(added.id)),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            await attempt
    refused = await conn.fetch(
        "SELECT actor, subject_type FROM audit_events WHERE action = 'organisation.access_refused' "
        "ORDER BY id"
    )
    assert [(r["actor"], r["subject_type"]) for r in refused] == [
        (f"user:{world.coordinator_b}", "organisation"),
        (f"user:{world.coordinator_b}", "input_round"),
        (f"user:{world.coordinator_b}", "statement"),
        (f"user:{world.coordinator_b}", "statement"),
    ]
    # B's own statement cannot cite A's member input either.
    own_b = await org.statements.create_statement(
        coordinator_b, world.org_b, "B", document="hoftfraktur"
    )
    with pytest.raises(Invalid) as invalid:
        await org.statements.cite(coordinator_b, world.org_b, own_b.id, str(added.id))
    assert invalid.value.errors[0].code == "unknown_input"


async def test_the_answer_goes_back_to_coordinators_and_to_members_who_asked(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:

    org = services(NOW)
    coordinator = await who(world.coordinator_a)  # type: ignore[operator]
    round_ = await org.rounds.open_round(
        coordinator, world.org_a, RoundInput(title="KOL", deadline="2026-03-27", document="kol")
    )
    asked = await org.rounds.add_input(
        await who(world.member_a1),  # type: ignore[operator]
        world.org_a,
        round_.id,
        InputData(category="suggestion", text="Skriv om handlingsplanen.", notify_on_answer=True),
    )
    silent = await org.rounds.add_input(
        await who(world.member_a2),  # type: ignore[operator]
        world.org_a,
        round_.id,
        InputData(category="own_experience", text="Jag fick vänta länge."),
    )
    statement = await org.statements.create_statement(
        coordinator, world.org_a, "Yttrande om KOL", round_id=str(round_.id)
    )
    await org.statements.save_section(
        coordinator, world.org_a, statement.id, heading="Plan", body="Text."
    )
    for cited in (asked, silent):
        await org.statements.cite(coordinator, world.org_a, statement.id, str(cited.id))
    await org.statements.invite_cosigner(coordinator, world.org_a, statement.id, world.org_b)
    await org.statements.cosign(await who(world.coordinator_b), world.org_b, statement.id)  # type: ignore[operator]
    submitted = await org.statements.submit(
        coordinator, world.org_a, statement.id, category="suggestion"
    )
    await route_to(conn, submitted.feedback_id, "nag-kol")
    before = await conn.fetchval("SELECT max(id) FROM outbox_messages")

    group = await who(world.group_member, staff=True)  # type: ignore[operator]
    triage = TriageService(conn, lambda: NOW + dt.timedelta(days=3))
    await triage.transition(group, submitted.feedback_id, GroupStep(target="in_review"))
    assert await conn.fetchval("SELECT max(id) FROM outbox_messages") == before, (
        "taking an item into review is not an answer"
    )
    answer = "Vi skriver om handlingsplanen i nästa version tillsammans med patienter."
    await triage.transition(
        group, submitted.feedback_id, GroupStep(target="change_planned", answer=answer)
    )

    mails = await conn.fetch(
        "SELECT user_id, template, context FROM outbox_messages WHERE id > $1 ORDER BY user_id",
        before,
    )
    assert {(m["user_id"], m["template"]) for m in mails} == {
        (world.coordinator_a, "statement_answered"),
        (world.coordinator_b, "statement_answered"),
        (world.member_a1, "statement_answered"),
    }, "both organisations' coordinators and the member who asked; not the one who did not"
    paths = {m["user_id"]: m["context"]["path"] for m in mails}
    assert paths[world.coordinator_a] == f"/organisationer/{world.org_a}/yttranden/{statement.id}"
    assert paths[world.coordinator_b] == f"/organisationer/{world.org_b}/yttranden/{statement.id}"
    assert paths[world.member_a1] == f"/organisationer/{world.org_a}/omgangar/{round_.id}"
    assert all(answer not in str(m["context"]) for m in mails), "no answer text in the outbox"

    # Coordinators read the answer on the statement page, the member beside their input.
    view = await org.statements.statement_view(coordinator, world.org_a, statement.id)
    assert [(a.status, a.body) for a in view.answers] == [("change_planned", answer)]
    cosigner_view = await org.statements.statement_view(
        await who(world.coordinator_b),  # type: ignore[operator]
        world.org_b,
        statement.id,
    )
    assert [a.body for a in cosigner_view.answers] == [answer]
    mine = await org.rounds.round_view(await who(world.member_a1), world.org_a, round_.id)  # type: ignore[operator]
    assert [(c.statement_title, [a.body for a in c.answers]) for c in mine.cited[asked.id]] == [
        ("Yttrande om KOL", [answer])
    ]
