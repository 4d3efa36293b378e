"""The consultation use cases against a real database, with the clock fixed."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from medskapa.consultations.service import ConsultationInput
from medskapa.errors import Invalid, NotFound, Refused
from medskapa.feedback.lifecycle import GroupStep
from medskapa.statements.round_service import InputData, RoundInput
from medskapa.triage.service import TriageService
from tests.factories import make_feedback, route_to
from tests.organisations.conftest import NOW, Services, World


def consultation_input(world: World, **overrides: object) -> ConsultationInput:
    values: dict[str, object] = {
        "document": "kol",
        "version": "2.0",
        "title": "Remiss: KOL, version 2.0",
        "questions": ["Är handlingsplanen vid försämring begriplig?", ""],
        "start": "2026-03-16",
        "deadline": "2026-03-29",
        "organisations": [world.org_a],
    }
    values.update(overrides)
    return ConsultationInput(**values)  # type: ignore[arg-type]


async def open_kol(services: Services, who: object, world: World, **overrides: object) -> int:
    group = await who(world.group_member, staff=True)  # type: ignore[operator]
    opened = await services(NOW).consultations.open_consultation(
        group, consultation_input(world, **overrides)
    )
    return opened.id


async def test_deadline_ends_at_stockholm_midnight_across_the_dst_change(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:
    # Sweden moves to summer time on 29 March 2026: the last day is 23 hours long.
    consultation_id = await open_kol(services, who, world, deadline="2026-03-29")
    closes_at = await conn.fetchval(
        "SELECT closes_at FROM consultations WHERE id = $1", consultation_id
    )
    assert closes_at == dt.datetime(2026, 3, 29, 22, 0, tzinfo=dt.UTC)  # 00:00 CEST on 30 March
    earlier = await open_kol(services, who, world, deadline="2026-03-28")
    closes_before = await conn.fetchval(
        "SELECT closes_at FROM consultations WHERE id = $1", earlier
    )
    assert closes_before == dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)  # 00:00 CET on 29 March

    coordinator = await who(world.coordinator_a)  # type: ignore[operator]
    round_ = await services(NOW).rounds.open_round(
        coordinator,
        world.org_a,
        RoundInput(
            title="Vad tycker ni?", deadline="2026-03-29", consultation=str(consultation_id)
        ),
    )
    member = await who(world.member_a1)  # type: ignore[operator]
    text = InputData(category="own_experience", text="Jag fick aldrig en handlingsplan.")
    last_minute = dt.datetime(2026, 3, 29, 21, 59, 59, tzinfo=dt.UTC)  # 23:59:59 CEST
    await services(last_minute).rounds.add_input(member, world.org_a, round_.id, text)
    too_late = dt.datetime(2026, 3, 29, 22, 0, tzinfo=dt.UTC)
    with pytest.raises(Refused) as refused:
        await services(too_late).rounds.add_input(member, world.org_a, round_.id, text)
    assert refused.value.code in ("consultation_closed", "round_closed")
    view = await services(too_late).rounds.round_view(member, world.org_a, round_.id)
    assert [i.body for i in view.inputs] == ["Jag fick aldrig en handlingsplan."]
    assert view.open is False


async def test_opening_tells_invited_coordinators_only(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:
    await open_kol(services, who, world)
    mail = await conn.fetch("SELECT template, user_id, context FROM outbox_messages")
    assert [(m["template"], m["user_id"]) for m in mail] == [
        ("consultation_opened", world.coordinator_a)
    ]
    assert mail[0]["context"]["deadline"] == "2026-03-29"
    assert "@" not in str(mail[0]["context"])


async def test_open_to_all_reaches_verified_organisations_but_not_unverified(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:
    await open_kol(services, who, world, organisations=[], open_to_all_verified=True)
    told = {r[0] for r in await conn.fetch("SELECT user_id FROM outbox_messages")}
    assert told == {world.coordinator_a, world.coordinator_b}


async def test_a_group_member_opens_consultations_only_on_their_groups_documents(
    services: Services, who: object, world: World
) -> None:
    with pytest.raises(Invalid) as invalid:
        await open_kol(services, who, world, document="hjartsvikt-nyupptackt", version="1.1")
    assert [(e.field, e.code) for e in invalid.value.errors] == [("document", "not_your_group")]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"document": "finns-inte"}, ("document", "unknown_document")),
        ({"version": "9.9"}, ("version", "unknown_version")),
        ({"title": "  "}, ("title", "title_required")),
        ({"title": "x" * 201}, ("title", "title_too_long")),
        ({"title": "KOL\x00"}, ("title", "nul")),
        ({"questions": ["", " "]}, ("questions", "questions_required")),
        ({"questions": ["Fråga?"] * 6}, ("questions", "questions_too_many")),
        ({"deadline": "29/3"}, ("deadline", "date_format")),
        ({"deadline": "2026-03-10"}, ("deadline", "deadline_before_start")),
        ({"start": "2026-03-01", "deadline": "2026-03-10"}, ("deadline", "deadline_past")),
        ({"organisations": ["finns-inte"]}, ("organisations", "unknown_organisation")),
        ({"organisations": []}, ("organisations", "organisations_required")),
    ],
)
async def test_bad_consultations_are_refused_by_field(
    conn: asyncpg.Connection,
    services: Services,
    who: object,
    world: World,
    overrides: dict[str, object],
    expected: tuple[str, str],
) -> None:
    with pytest.raises(Invalid) as invalid:
        await open_kol(services, who, world, **overrides)
    assert expected in [(e.field, e.code) for e in invalid.value.errors]
    assert await conn.fetchval("SELECT count(*) FROM consultations") == 0


async def test_reminders_go_once_per_organisation_per_consultation(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:
    await open_kol(services, who, world, organisations=[world.org_a, world.org_b])
    await conn.execute("DELETE FROM outbox_messages")
    # Four days before the end: too early.
    assert (
        await services(dt.datetime(2026, 3, 25, 22, 0, tzinfo=dt.UTC)).consultations.remind() == 0
    )
    in_time = dt.datetime(2026, 3, 27, 8, 0, tzinfo=dt.UTC)
    assert await services(in_time).consultations.remind() == 2
    assert await services(in_time).consultations.remind() == 0
    assert await services(in_time + dt.timedelta(days=1)).consultations.remind() == 0
    sent = await conn.fetch("SELECT template, user_id FROM outbox_messages ORDER BY user_id")
    assert [(m["template"], m["user_id"]) for m in sent] == [
        ("consultation_reminder", world.coordinator_a),
        ("consultation_reminder", world.coordinator_b),
    ]
    # After the end nothing more is sent.
    assert await services(dt.datetime(2026, 3, 30, tzinfo=dt.UTC)).consultations.remind() == 0


async def test_response_table_for_the_group_and_in_confidence_for_contributors(
    conn: asyncpg.Connection, services: Services, who: object, world: World
) -> None:

    consultation_id = await open_kol(services, who, world, organisations=[world.org_a, world.org_b])
    org = services(NOW)
    coordinator = await who(world.coordinator_a)  # type: ignore[operator]
    round_ = await org.rounds.open_round(
        coordinator,
        world.org_a,
        RoundInput(title="KOL", deadline="2026-03-27", consultation=str(consultation_id)),
    )
    statement = await org.statements.create_statement(
        coordinator, world.org_a, "Yttrande över KOL 2.0", round_id=str(round_.id)
    )
    await org.statements.save_section(
        coordinator, world.org_a, statement.id, heading="Plan", body="Text."
    )
    sent = await org.statements.submit(
        coordinator, world.org_a, statement.id, category="suggestion"
    )
    private = await make_feedback(
        conn, document="kol", version="2.0", text="Min egen historia om andnöd."
    )
    public = await make_feedback(
        conn,
        document="kol",
        version="2.0",
        text="Ordet exacerbation behöver förklaras.",
        consent_public=True,
    )
    waiting = await make_feedback(conn, document="kol", version="2.0", text="Ej granskad.")
    for item in (sent.feedback_id, private.id, public.id):
        await route_to(conn, item, "nag-kol")
    group = await who(world.group_member, staff=True)  # type: ignore[operator]
    triage = TriageService(conn, lambda: NOW)
    await triage.transition(group, sent.feedback_id, GroupStep(target="in_review"))
    answer = "Handlingsplanen skrivs om i nästa version."
    await triage.transition(
        group, sent.feedback_id, GroupStep(target="change_planned", answer=answer)
    )

    # Before the deadline the group reads the table but cannot share it.
    own = await org.consultations.response_table(group, consultation_id)
    assert own.for_group
    assert {r.feedback_id for r in own.rows} == {sent.feedback_id, private.id, public.id}
    assert waiting.id not in {r.feedback_id for r in own.rows}, "not moderated yet"
    row = next(r for r in own.rows if r.feedback_id == sent.feedback_id)
    assert (row.organisation, row.statement_title, row.answer_status, row.answer) == (
        "Hjärt- och lungsjukas förening",
        "Yttrande över KOL 2.0",
        "change_planned",
        answer,
    )
    with pytest.raises(Refused) as early:
        await org.consultations.share_preview(group, consultation_id)
    assert early.value.code == "consultation_open"
    with pytest.raises(NotFound):
        await org.consultations.response_table(coordinator, consultation_id)

    after = services(NOW + dt.timedelta(days=15))
    before = await conn.fetchval("SELECT coalesce(max(id), 0) FROM outbox_messages")
    shared = await after.consultations.share_preview(group, consultation_id)
    assert shared.preview_shared_at == NOW + dt.timedelta(days=15)
    mails = await conn.fetch("SELECT user_id, template FROM outbox_messages WHERE id > $1", before)
    assert [(m["user_id"], m["template"]) for m in mails] == [
        (world.coordinator_a, "consultation_preview")
    ], "only the organisation that sent a statement; B was invited but sent none"
    await after.consultations.share_preview(group, consultation_id)
    assert await conn.fetchval("SELECT count(*) FROM outbox_messages WHERE id > $1", before) == 1

    preview = await after.consultations.response_table(coordinator, consultation_id)
    assert not preview.for_group
    assert len(preview.rows) == 3
    for outsider in (world.coordinator_b, world.member_a1):
        with pytest.raises(NotFound):
            await after.consultations.response_table(await who(outsider), consultation_id)  # type: ignore[operator]
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE action = 'consultation.preview_shared'"
        )
        == 1
    )
