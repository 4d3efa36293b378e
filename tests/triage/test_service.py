"""Triage use cases against a real database: each transition with its audit event, refusals that
write nothing, group isolation, forwarding, merging, themes, notes and assignment."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from medskapa.audit.verify import verify
from medskapa.errors import Invalid, NotFound
from medskapa.feedback.domain import FeedbackStatus
from medskapa.feedback.lifecycle import GroupStep
from medskapa.security.principal import Principal
from medskapa.triage import inbox_queries
from medskapa.triage.cluster_queries import has_trigrams
from medskapa.triage.domain import InboxFilter, PassageState
from tests.factories import FIXED_NOW, make_feedback, make_staff, route_to
from tests.triage.conftest import ANSWER, DOC, GROUP, OTHER, PLAN, principal, routed_item, triage


async def snapshot(conn: asyncpg.Connection, item: uuid.UUID) -> tuple[object, ...]:
    return (
        await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item),
        await conn.fetchval("SELECT count(*) FROM feedback_answers"),
        await conn.fetchval("SELECT count(*) FROM outbox_messages"),
        await conn.fetchval("SELECT count(*) FROM audit_events"),
        await conn.fetchval("SELECT count(*) FROM feedback_routes"),
    )


async def last_event(conn: asyncpg.Connection, item: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT actor, action, from_state, to_state, reason_code FROM audit_events "
        "WHERE subject_id = $1 ORDER BY seq DESC LIMIT 1",
        str(item),
    )


@pytest.fixture
async def outsider(conn: asyncpg.Connection) -> Principal:
    return await principal(conn, await make_staff(conn, "bo@region.se", OTHER))


async def test_each_step_writes_its_event_answer_and_mail(
    conn: asyncpg.Connection, member: Principal
) -> None:
    item = await routed_item(conn, email="patient@exempel.se")
    service = triage(conn)

    await service.transition(member, item, GroupStep(target="in_review"))
    assert tuple(await last_event(conn, item)) == (
        member.pseudonym,
        "feedback.in_review",
        "routed",
        "in_review",
        None,
    )
    view = await service.transition(member, item, GroupStep(target="change_planned", answer=PLAN))
    assert view.item.status == "change_planned"
    assert [(a.status, a.body, a.will_change) for a in view.answers] == [
        ("change_planned", PLAN, True)
    ]
    await conn.execute(
        "INSERT INTO document_versions (document_id, label, published_on) "
        "SELECT id, '1.2', '2026-11-20' FROM guidance_documents WHERE slug = $1",
        DOC,
    )
    view = await service.transition(member, item, GroupStep(target="changed", version="1.2"))
    assert view.item.status == "changed"
    assert view.item.changed_in_version == "1.2"
    assert tuple(await last_event(conn, item)) == (
        member.pseudonym,
        "feedback.changed",
        "change_planned",
        "changed",
        None,
    )
    mails = await conn.fetch(
        "SELECT template, context FROM outbox_messages WHERE contact_id IS NOT NULL ORDER BY id"
    )
    assert [m["template"] for m in mails] == [
        "feedback_received",
        "feedback_in_review",
        "feedback_change_planned",
        "feedback_changed",
    ]
    assert mails[-1]["context"]["version_label"] == "1.2"
    assert mails[-1]["context"]["document_title"] == "Hjärtsvikt – nyupptäckt"
    assert not any("patient@exempel.se" in str(m["context"]) for m in mails)
    assert (await verify(conn)).intact


async def test_answered_and_closed_carry_their_answer_and_reason(
    conn: asyncpg.Connection, member: Principal
) -> None:
    service = triage(conn)
    answered, closed = await routed_item(conn), await routed_item(conn)
    for item in (answered, closed):
        await service.transition(member, item, GroupStep(target="in_review"))
    view = await service.transition(member, answered, GroupStep(target="answered", answer=ANSWER))
    assert [(a.status, a.will_change) for a in view.answers] == [("answered", False)]
    await service.transition(member, closed, GroupStep(target="closed", reason="duplicate"))
    assert tuple(await last_event(conn, closed)) == (
        member.pseudonym,
        "feedback.closed",
        "in_review",
        "closed",
        "duplicate",
    )
    # Without an address nobody is written to.
    assert await conn.fetchval("SELECT count(*) FROM outbox_messages") == 0


@pytest.mark.parametrize(
    ("status", "step", "field", "code"),
    [
        ("received", GroupStep(target="changed", version="1.1"), "to", "transition_not_allowed"),
        ("routed", GroupStep(target="answered", answer=ANSWER), "to", "transition_not_allowed"),
        ("in_review", GroupStep(target="answered"), "answer", "answer_required"),
        ("in_review", GroupStep(target="closed"), "reason", "reason_required"),
        (
            "change_planned",
            GroupStep(target="changed", version="9.9"),
            "version",
            "unknown_version",
        ),
        (
            "change_planned",
            GroupStep(target="changed", version="1.0"),
            "version",
            "version_not_later",
        ),
    ],
)
async def test_refused_steps_write_nothing(
    conn: asyncpg.Connection,
    member: Principal,
    status: str,
    step: GroupStep,
    field: str,
    code: str,
) -> None:
    submitted = await make_feedback(conn, document=DOC, email="p@exempel.se")
    item = submitted.id
    service = triage(conn)
    if status != "received":
        await route_to(conn, item, GROUP)
    else:
        # A received item not yet routed is no group's item at all.
        await conn.execute(
            "INSERT INTO feedback_routes (feedback_id, group_id, routed_at) "
            "SELECT $1, id, $2 FROM subject_groups WHERE slug = $3",
            item,
            FIXED_NOW,
            GROUP,
        )
    if status in ("in_review", "change_planned"):
        await service.transition(member, item, GroupStep(target="in_review"))
    if status == "change_planned":
        await service.transition(member, item, GroupStep(target="change_planned", answer=PLAN))
    before = await snapshot(conn, item)
    with pytest.raises(Invalid) as refused:
        await service.transition(member, item, step)
    assert [(u.field, u.code) for u in refused.value.errors] == [(field, code)]
    assert await snapshot(conn, item) == before


async def test_a_draft_version_cannot_be_the_changed_version(
    conn: asyncpg.Connection, member: Principal
) -> None:
    item = await routed_item(conn)
    service = triage(conn)
    await service.transition(member, item, GroupStep(target="in_review"))
    await service.transition(member, item, GroupStep(target="change_planned", answer=PLAN))
    await conn.execute(
        "INSERT INTO document_versions (document_id, label) "
        "SELECT id, '2.0' FROM guidance_documents WHERE slug = $1",
        DOC,
    )
    with pytest.raises(Invalid) as refused:
        await service.transition(member, item, GroupStep(target="changed", version="2.0"))
    assert refused.value.errors[0].code == "version_not_published"


async def test_another_groups_member_gets_not_found_and_the_attempt_is_on_the_trail(
    conn: asyncpg.Connection, member: Principal, outsider: Principal
) -> None:
    item = await routed_item(conn, email="p@exempel.se")
    service = triage(conn)
    before = await snapshot(conn, item)
    with pytest.raises(NotFound):
        await service.item(outsider, item)
    with pytest.raises(NotFound):
        await service.transition(outsider, item, GroupStep(target="in_review"))
    status, answers, mails, events, routes = await snapshot(conn, item)
    assert (status, answers, mails, routes) == (before[0], before[1], before[2], before[4])
    assert events == before[3] + 2
    assert tuple(await last_event(conn, item)) == (
        outsider.pseudonym,
        "feedback.access_refused",
        None,
        None,
        None,
    )
    # An id that does not exist looks the same, and leaves nothing (there is no trail to add to).
    with pytest.raises(NotFound):
        await service.item(outsider, uuid.uuid4())
    assert await conn.fetchval("SELECT count(*) FROM audit_events") == events
    assert (await verify(conn)).intact


async def test_forwarding_moves_the_item_to_the_other_groups_inbox(
    conn: asyncpg.Connection, member: Principal, outsider: Principal
) -> None:
    item = await routed_item(conn, email="p@exempel.se")
    service = triage(conn)
    await service.transition(member, item, GroupStep(target="in_review"))
    await service.assign(member, item, member.user_id)
    view = await service.forward(
        member, item, OTHER, "other_group_owns_text", "Handlar om diabetesbehandlingen."
    )
    assert view.item.status == "routed"
    assert view.group.slug == OTHER
    assert [(f.reason_code, f.note) for f in view.forwards] == [
        ("other_group_owns_text", "Handlar om diabetesbehandlingen.")
    ]
    assert tuple(await last_event(conn, item)) == (
        member.pseudonym,
        "feedback.forwarded",
        "in_review",
        "routed",
        "other_group_owns_text",
    )
    with pytest.raises(NotFound):
        await service.item(member, item)
    assert (await service.item(outsider, item)).item.id == item
    inbox = await service.inbox(outsider, OTHER, InboxFilter())
    assert [r.id for r in inbox.page.rows] == [item]
    assert inbox.page.rows[0].assignee_id is None
    assert (
        await conn.fetchval("SELECT template FROM outbox_messages ORDER BY id DESC LIMIT 1")
        == "feedback_forwarded"
    )


async def test_forwarding_names_each_problem(conn: asyncpg.Connection, member: Principal) -> None:
    item = await routed_item(conn)
    before = await snapshot(conn, item)
    with pytest.raises(Invalid) as refused:
        await triage(conn).forward(member, item, GROUP, "", "x" * 1001)
    assert [(u.field, u.code) for u in refused.value.errors] == [
        ("group", "same_group"),
        ("reason", "reason_required"),
        ("note", "note_too_long"),
    ]
    with pytest.raises(Invalid) as refused:
        await triage(conn).forward(member, item, "nag-finns-inte", "wrong_routing", None)
    assert [(u.field, u.code) for u in refused.value.errors] == [("group", "unknown_group")]
    assert await snapshot(conn, item) == before


async def test_merge_joins_clusters_and_similar_items_are_found(
    conn: asyncpg.Connection, member: Principal
) -> None:
    text = "Jag förstår inte vad som menas med uppföljning på hjärtsviktsmottagningen."
    first = await routed_item(conn, text=text)
    second = await routed_item(conn, text=text + " Vem ringer mig?")
    third = await routed_item(conn, text="Läkemedelslistan saknar doser för SGLT2-hämmare.")
    elsewhere = await routed_item(conn, OTHER, text=text)
    service = triage(conn)

    similar = await service.similar(member, first)
    assert [s.id for s in similar] == [second]
    assert similar[0].score > 0.5

    cluster = await service.merge(member, first, [second])
    again = await service.merge(member, third, [first])
    assert again == cluster
    view = await service.item(member, first)
    assert {c.id for c in view.cluster} == {second, third}
    with pytest.raises(Invalid) as refused:
        await service.merge(member, first, [elsewhere])
    assert refused.value.errors[0].code == "not_in_group"
    assert (
        await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'feedback.merged'")
        == 3
    )


async def test_themes_notes_and_assignment_stay_in_the_group(
    conn: asyncpg.Connection, member: Principal, outsider: Principal
) -> None:
    item = await routed_item(conn)
    service = triage(conn)
    view = await service.item(member, item)
    names = {t.name: t.id for t in view.themes}
    assert set(names) == {"Erfarenhetsbaserad kunskap", "Begriplighet", "Jämlikhet", "Sakfel"}
    await service.set_themes(member, item, [names["Begriplighet"], names["Sakfel"]])
    await service.add_note(member, item, "Ta upp på mötet i december.")
    await service.assign(member, item, member.user_id)
    view = await service.item(member, item)
    assert view.item_themes == {names["Begriplighet"], names["Sakfel"]}
    assert [n.body for n in view.notes] == ["Ta upp på mötet i december."]
    assert view.assignee_id == member.user_id

    other_theme = await conn.fetchval(
        "SELECT t.id FROM group_themes t JOIN subject_groups g ON g.id = t.group_id "
        "WHERE g.slug = $1 LIMIT 1",
        OTHER,
    )
    with pytest.raises(Invalid):
        await service.set_themes(member, item, [other_theme])
    with pytest.raises(Invalid) as refused:
        await service.assign(member, item, outsider.user_id)
    assert refused.value.errors[0].code == "not_a_member"
    with pytest.raises(Invalid) as refused:
        await service.add_note(member, item, "   ")
    assert refused.value.errors[0].code == "note_required"
    inbox = await service.inbox(
        member, GROUP, InboxFilter(theme=names["Sakfel"], assignee=member.user_id)
    )
    assert [r.themes for r in inbox.page.rows] == [["Begriplighet", "Sakfel"]]


async def test_quoted_passage_is_followed_into_the_current_version(
    conn: asyncpg.Connection, member: Principal
) -> None:
    kept = await routed_item(
        conn,
        version="1.0",
        section="3-utredning",
        quote="Vid misstanke om hjärtsvikt bör NT-proBNP analyseras tidigt.",
    )
    view = await triage(conn).item(member, kept)
    assert view.current_version == "1.1"
    assert view.item.version_label == "1.0"
    assert view.passage in (PassageState.PRESENT, PassageState.GONE, PassageState.MOVED)
    current = await conn.fetchval(
        "SELECT s.body FROM sections s JOIN current_versions cv ON cv.version_id = s.version_id "
        "JOIN guidance_documents d ON d.id = cv.document_id "
        "WHERE d.slug = $1 AND s.key = '3-utredning'",
        DOC,
    )
    expected = (
        PassageState.PRESENT if "NT-proBNP analyseras tidigt" in current else PassageState.GONE
    )
    assert view.passage == expected


async def test_trigrams_are_installed_where_the_server_has_them(conn: asyncpg.Connection) -> None:
    available = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')"
    )
    assert await has_trigrams(conn) is available


async def test_status_counts_follow_every_change(
    conn: asyncpg.Connection, member: Principal, outsider: Principal
) -> None:
    service = triage(conn)
    first, second = await routed_item(conn), await routed_item(conn)
    await service.transition(member, first, GroupStep(target="in_review"))
    assert (await service.inbox(member, GROUP, InboxFilter())).counts == {
        "routed": 1,
        "in_review": 1,
    }
    await service.forward(member, second, OTHER, "wrong_routing", None)
    assert (await service.inbox(member, GROUP, InboxFilter())).counts == {"in_review": 1}
    assert (await service.inbox(outsider, OTHER, InboxFilter())).counts == {"routed": 1}
    # Whatever the triggers kept agrees with counting from scratch.
    kept = await conn.fetch(
        "SELECT group_id, status, items FROM group_status_counts WHERE items > 0 ORDER BY 1, 2"
    )
    counted = await conn.fetch(
        "SELECT r.group_id, f.status, count(*) FROM feedback_routes r "
        "JOIN feedback f ON f.id = r.feedback_id GROUP BY 1, 2 ORDER BY 1, 2"
    )
    assert [tuple(r) for r in kept] == [tuple(r) for r in counted]


async def test_every_route_follows_its_item_so_each_group_filters_right(
    conn: asyncpg.Connection, member: Principal
) -> None:
    """The inbox reads status, category, document and received time from the routes' copies
    (sql/0011_inbox_keys.sql); a step taken in one group shows in the other group's filters."""

    item = await routed_item(conn, category="suggestion")
    await route_to(conn, item, OTHER)
    other = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", OTHER)
    await triage(conn).transition(member, item, GroupStep(target="in_review"))

    copies = await conn.fetch(
        "SELECT r.status, r.category, r.document_id = f.document_id, "
        "r.received_at = f.created_at FROM feedback_routes r "
        "JOIN feedback f ON f.id = r.feedback_id WHERE r.feedback_id = $1",
        item,
    )
    assert [tuple(c) for c in copies] == [("in_review", "suggestion", True, True)] * 2

    def ids(page: inbox_queries.InboxPage) -> list[uuid.UUID]:
        return [row.id for row in page.rows]

    in_review = InboxFilter(status=FeedbackStatus.IN_REVIEW)
    assert ids(await inbox_queries.inbox(conn, other, in_review, 0, 25)) == [item]
    routed = InboxFilter(status=FeedbackStatus.ROUTED)
    assert ids(await inbox_queries.inbox(conn, other, routed, 0, 25)) == []
    assert await inbox_queries.oldest_unanswered(conn, other) == FIXED_NOW
