"""Merged items are answered as one: an item merged into another gets its answer and follows
its status, on the follow page and in the JSON lookup, and the followers of each item hear of
every step once (medskapa.feedback.lifecycle.follows states the rule)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.audit.keys import AuditKeys, bind
from medskapa.audit.verify import verify
from medskapa.db.pool import init_connection
from medskapa.errors import Invalid
from medskapa.feedback.domain import FeedbackStatus as S
from medskapa.feedback.lifecycle import GROUP_TARGETS, OPEN_FOR_GROUP, GroupStep, follows
from medskapa.feedback.service import Submitted
from medskapa.security.principal import Principal
from medskapa.triage.service import TriageService
from tests.factories import FIXED_NOW, TEST_SECRET, make_feedback, make_staff, route_to, service
from tests.triage.conftest import ANSWER, DOC, GROUP, OTHER, PLAN, principal

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def member(conn: asyncpg.Connection) -> Principal:
    return await principal(conn, await make_staff(conn, "anna@region.se", GROUP))


def triage(conn: asyncpg.Connection) -> TriageService:
    return TriageService(conn, lambda: FIXED_NOW)


async def routed(conn: asyncpg.Connection, **values: object) -> Submitted:
    submitted = await make_feedback(conn, document=DOC, **values)
    await route_to(conn, submitted.id, GROUP)
    return submitted


async def state(conn: asyncpg.Connection, item: Submitted) -> tuple[str, list[tuple]]:
    """What the submitter sees on /folj: the status and the group's answers."""
    view = await (await service(conn)).lookup(item.receipt_code)
    return view.record.status, [(a.status, a.body, a.version_label) for a in view.answers]


async def mails(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(template, address) of every step mail, in the order queued."""
    rows = await conn.fetch(
        "SELECT m.template, c.email FROM outbox_messages m JOIN contacts c ON c.id = m.contact_id "
        "WHERE m.template <> 'feedback_received' ORDER BY m.id"
    )
    return [(row["template"], row["email"]) for row in rows]


async def publish(conn: asyncpg.Connection, label: str) -> None:
    await conn.execute(
        "INSERT INTO document_versions (document_id, label, published_on) "
        "SELECT id, $2, '2026-11-20' FROM guidance_documents WHERE slug = $1",
        DOC,
        label,
    )


def test_items_follow_forward_only_and_only_while_open() -> None:
    expected = {
        (S.ROUTED, S.IN_REVIEW),
        (S.ROUTED, S.ANSWERED),
        (S.ROUTED, S.CLOSED),
        (S.ROUTED, S.CHANGE_PLANNED),
        (S.ROUTED, S.CHANGED),
        (S.IN_REVIEW, S.ANSWERED),
        (S.IN_REVIEW, S.CLOSED),
        (S.IN_REVIEW, S.CHANGE_PLANNED),
        (S.IN_REVIEW, S.CHANGED),
        (S.CHANGE_PLANNED, S.CHANGED),
    }
    assert {(a, b) for a in S for b in S if follows(a, b)} == expected
    assert all(a in OPEN_FOR_GROUP and b in GROUP_TARGETS for a, b in expected)


async def test_merged_items_get_the_answer_and_status_and_each_follower_hears_once(
    conn: asyncpg.Connection, member: Principal, client: Client
) -> None:
    main = await routed(conn, email="forsta@exempel.se")
    merged = await routed(conn, email="andra@exempel.se")
    # The same person, who sent two of the items: told once about each step.
    again = await routed(conn, email="Andra@Exempel.se")
    silent = await routed(conn)
    await triage(conn).merge(member, main.id, [merged.id, again.id, silent.id])

    await triage(conn).transition(member, main.id, GroupStep(target="in_review"))
    await triage(conn).transition(member, main.id, GroupStep(target="answered", answer=ANSWER))

    for item in (main, merged, again, silent):
        assert await state(conn, item) == ("answered", [("answered", ANSWER, None)])
    assert await mails(conn) == [
        ("feedback_in_review", "forsta@exempel.se"),
        ("feedback_in_review", "andra@exempel.se"),
        ("feedback_answered", "forsta@exempel.se"),
        ("feedback_answered", "andra@exempel.se"),
    ]
    events = await conn.fetch(
        "SELECT subject_id, from_state, to_state FROM audit_events "
        "WHERE action = 'feedback.answered' ORDER BY subject_id"
    )
    assert sorted(e["subject_id"] for e in events) == sorted(
        str(i.id) for i in (main, merged, again, silent)
    )
    assert {(e["from_state"], e["to_state"]) for e in events} == {("in_review", "answered")}
    assert (await verify(conn)).intact

    lookup = await client.post("/api/v1/receipts/lookup", json={"code": merged.receipt_code})
    body = lookup.json()
    assert body["status"] == "answered"
    assert [(a["status"], a["text"]) for a in body["answers"]] == [("answered", ANSWER)]
    assert [e["event"] for e in body["timeline"]][-1] == "feedback.answered"
    page = await client.post("/folj", data={"kod": merged.receipt_code})
    assert "Besvarad" in page.text
    assert ANSWER in page.text


async def test_a_step_on_a_merged_item_moves_the_one_it_was_merged_into(
    conn: asyncpg.Connection, member: Principal
) -> None:
    main, merged = await routed(conn), await routed(conn)
    await triage(conn).merge(member, main.id, [merged.id])
    await triage(conn).transition(member, merged.id, GroupStep(target="in_review"))
    await triage(conn).transition(
        member, merged.id, GroupStep(target="closed", reason="already_covered")
    )
    assert await state(conn, main) == ("closed", [("closed", None, None)])


async def test_an_item_merged_into_an_answered_one_takes_its_answer_at_once(
    conn: asyncpg.Connection, member: Principal
) -> None:
    main = await routed(conn)
    await triage(conn).transition(member, main.id, GroupStep(target="in_review"))
    await triage(conn).transition(member, main.id, GroupStep(target="change_planned", answer=PLAN))
    late = await routed(conn, email="sen@exempel.se")
    await triage(conn).merge(member, main.id, [late.id])

    assert await state(conn, late) == ("change_planned", [("change_planned", PLAN, None)])
    assert await mails(conn) == [("feedback_change_planned", "sen@exempel.se")]
    event = await conn.fetchrow(
        "SELECT from_state, to_state FROM audit_events WHERE subject_id = $1 "
        "ORDER BY seq DESC LIMIT 1",
        str(late.id),
    )
    assert tuple(event) == ("routed", "change_planned")

    # Then the change, made in a version: both linked, each once, each told once.
    await publish(conn, "1.2")
    linked = await triage(conn).link_planned(member, [main.id, late.id], "1.2")
    assert linked == 2
    for item in (main, late):
        status, answers = await state(conn, item)
        assert status == "changed"
        assert answers[-1] == ("changed", None, "1.2")
    changed = await conn.fetch(
        "SELECT subject_id FROM audit_events WHERE action = 'feedback.changed'"
    )
    assert sorted(r["subject_id"] for r in changed) == sorted([str(main.id), str(late.id)])
    assert (await mails(conn))[-1] == ("feedback_changed", "sen@exempel.se")
    assert [m for m in await mails(conn) if m[0] == "feedback_changed"] == [
        ("feedback_changed", "sen@exempel.se")
    ]


async def test_finished_withdrawn_and_forwarded_items_keep_their_own(
    conn: asyncpg.Connection, member: Principal
) -> None:
    main = await routed(conn)
    own_answer = await routed(conn)
    withdrawn = await routed(conn, email="ångrar@exempel.se")
    forwarded = await routed(conn)
    service_ = triage(conn)
    await service_.transition(member, own_answer.id, GroupStep(target="in_review"))
    await service_.transition(
        member, own_answer.id, GroupStep(target="closed", reason="out_of_scope")
    )
    await service_.merge(member, main.id, [own_answer.id, withdrawn.id, forwarded.id])
    await (await service(conn)).withdraw(withdrawn.receipt_code)
    await service_.forward(member, forwarded.id, OTHER, "other_group_owns_text", None)

    await service_.transition(member, main.id, GroupStep(target="in_review"))
    await service_.transition(member, main.id, GroupStep(target="answered", answer=ANSWER))

    assert await state(conn, main) == ("answered", [("answered", ANSWER, None)])
    assert await state(conn, own_answer) == ("closed", [("closed", None, None)])
    assert await state(conn, withdrawn) == ("withdrawn", [])
    assert await state(conn, forwarded) == ("routed", [])
    assert await mails(conn) == []


async def test_a_change_in_another_documents_version_is_not_followed(
    conn: asyncpg.Connection, member: Principal
) -> None:
    """Merged items may be on different documents: an answer is followed, but a version of
    one document is not the change of another."""
    main = await routed(conn)
    # Another group's document, its item forwarded here: the group now answers both.
    other_doc = await conn.fetchval(
        "SELECT slug FROM guidance_documents WHERE slug <> $1 AND status = 'published' "
        "ORDER BY slug LIMIT 1",
        DOC,
    )
    elsewhere = await make_feedback(conn, document=other_doc)
    await route_to(conn, elsewhere.id, GROUP)
    service_ = triage(conn)
    await service_.merge(member, main.id, [elsewhere.id])
    await service_.transition(member, main.id, GroupStep(target="in_review"))
    await service_.transition(member, main.id, GroupStep(target="change_planned", answer=PLAN))
    await publish(conn, "1.2")
    await service_.transition(member, main.id, GroupStep(target="changed", version="1.2"))

    assert (await state(conn, main))[0] == "changed"
    assert await state(conn, elsewhere) == ("change_planned", [("change_planned", PLAN, None)])


async def test_steps_on_two_merged_items_at_once_take_turns(
    database_url: str, conn: asyncpg.Connection, member: Principal
) -> None:
    """Both items locked in one order: no deadlock, and the second step finds the item moved
    by the first and is refused as a step its status no longer allows."""
    main, merged = await routed(conn), await routed(conn)
    await triage(conn).merge(member, main.id, [merged.id])
    first, second = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        for connection in (first, second):
            await init_connection(connection)
            bind(connection, AuditKeys.from_secret(TEST_SECRET))
        results = await asyncio.gather(
            triage(first).transition(member, main.id, GroupStep(target="in_review")),
            triage(second).transition(member, merged.id, GroupStep(target="in_review")),
            return_exceptions=True,
        )
    finally:
        await first.close()
        await second.close()
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    assert all(isinstance(r, Invalid) for r in refused), refused
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM feedback WHERE status = 'in_review' AND id = ANY($1::uuid[])",
            [main.id, merged.id],
        )
        == 2
    )
    assert (
        await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'feedback.in_review'")
        == 2
    )
