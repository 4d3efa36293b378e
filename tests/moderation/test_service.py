"""Decisions, their audit events and e-mails, conflicts, redaction originals and routing."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import asyncpg
import pytest

from medskapa.audit.keys import AuditKeys, bind
from medskapa.audit.verify import verify
from medskapa.db.pool import init_connection
from medskapa.errors import Invalid, NotFound
from medskapa.moderation.queries import QueueFilter
from medskapa.moderation.rules import RoutingRules, RuleInput
from medskapa.moderation.service import DecisionInput, NotDecidable, OriginalUnavailable
from medskapa.security.principal import Principal, Role
from tests.factories import FIXED_NOW, TEST_SECRET, make_feedback, service
from tests.moderation.conftest import Place, moderation, moderator

SECRET_NAME = "Agneta Fredriksdotter"
TEXT_WITH_NAME = (
    f"Jag heter {SECRET_NAME} och min läkare sa att avsnittet om läkemedel är fel. "
    "Ring mig på 070-123 45 67."
)


async def events(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> list[tuple]:
    rows = await conn.fetch(
        "SELECT actor, action, from_state, to_state, reason_code FROM audit_events "
        "WHERE subject_type = 'feedback' AND subject_id = $1 ORDER BY seq",
        str(feedback_id),
    )
    return [tuple(row) for row in rows]


async def outbox(conn: asyncpg.Connection) -> list[tuple]:
    rows = await conn.fetch(
        "SELECT template, contact_id IS NOT NULL, user_id, language, context "
        "FROM outbox_messages ORDER BY template, user_id"
    )
    return [tuple(row) for row in rows]


async def decide(conn: asyncpg.Connection, who: Principal, feedback_id: uuid.UUID, **kw):
    return await moderation(conn).decide(who, feedback_id, DecisionInput(**kw))


async def test_approval_routes_to_the_owner_group_with_audit_and_mail(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn, email="anna@exempel.se", consent_contact=True, language="en")
    decided = await decide(conn, mod, item.id, decision="approve")

    assert decided.status == "routed"
    assert [(r.group_slug, r.rule_id) for r in decided.routes] == [(place.owner_slug, None)]
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item.id) == "routed"
    assert await events(conn, item.id) == [
        ("submitter", "feedback.submitted", None, "received", None),
        (mod.pseudonym, "moderation.approved", "received", "routed", None),
        (
            mod.pseudonym,
            "feedback.routed",
            "routed",
            "routed",
            f"group:{place.owner_id}:owner",
        ),
    ]
    link = f"/arbetsgrupp/synpunkt/{item.id}"
    group_mail = {"document_title": place.document_title, "item_url": link}
    assert await outbox(conn) == [
        (
            "feedback_received",
            True,
            None,
            "en",
            {"document_title": place.document_title, "follow_path": "/folj"},
        ),
        (
            "feedback_routed",
            True,
            None,
            "en",
            {
                "document_title": place.document_title,
                "group_names": [place.owner_name],
            },
        ),
        ("group_new_item", False, place.member_id, "sv", group_mail),
        ("group_new_item", False, place.lead_id, "sv", group_mail),
    ]
    assert (await verify(conn)).intact


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, ["group_new_item", "group_new_item"]),
        ({"consent_contact": True}, ["group_new_item", "group_new_item"]),
        # The address is given for updates (the form says so); consent_contact is about the
        # group asking follow-up questions, and does not gate the updates.
        (
            {"email": "anna@exempel.se"},
            ["feedback_received", "feedback_routed", "group_new_item", "group_new_item"],
        ),
    ],
    ids=["no-address", "consent-without-address", "address-without-consent"],
)
async def test_the_submitter_gets_mail_exactly_when_they_left_an_address(
    conn: asyncpg.Connection, place: Place, overrides: dict, expected: list[str]
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn, **overrides)
    await decide(conn, mod, item.id, decision="approve")
    templates = [row[0] for row in await outbox(conn)]
    assert templates == expected


async def test_rejection_tells_the_submitter_why_and_keeps_the_message_out_of_the_trail(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn, email="anna@exempel.se", consent_contact=True)
    message = "Kontakta din vårdcentral om dina besvär, Agneta."
    decided = await decide(
        conn, mod, item.id, decision="reject", reason="personal_care_matter", message=message
    )
    assert decided.status == "rejected"
    assert decided.routes == []
    assert await events(conn, item.id) == [
        ("submitter", "feedback.submitted", None, "received", None),
        (mod.pseudonym, "moderation.rejected", "received", "rejected", "personal_care_matter"),
    ]
    trail = await conn.fetchval("SELECT string_agg(audit_events::text, ' ') FROM audit_events")
    assert "vårdcentral" not in trail
    assert "Agneta" not in trail
    assert await outbox(conn) == [
        (
            "feedback_received",
            True,
            None,
            "sv",
            {"document_title": place.document_title, "follow_path": "/folj"},
        ),
        (
            "feedback_rejected",
            True,
            None,
            "sv",
            {
                "reason_code": "personal_care_matter",
                "document_title": place.document_title,
                "message": message,
            },
        ),
    ]
    assert await conn.fetchval("SELECT count(*) FROM feedback_routes") == 0

    view = await (await service(conn)).lookup(item.receipt_code)
    assert view.record.status == "rejected"
    assert view.record.moderator_message == message


async def test_urgent_items_are_flagged_for_the_group_leads(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn)
    decided = await decide(conn, mod, item.id, decision="approve", urgent=True)
    assert decided.urgent
    assert await conn.fetchval("SELECT urgent FROM feedback WHERE id = $1", item.id)
    actions = [(e[1], e[4]) for e in await events(conn, item.id)]
    assert ("moderation.marked_urgent", "patient_safety") in actions
    sent = [(row[0], row[2]) for row in await outbox(conn)]
    assert sent == [
        ("group_new_item", place.member_id),
        ("group_new_item", place.lead_id),
        ("urgent_item", place.lead_id),
    ]


async def test_redaction_keeps_the_original_apart_and_the_public_text_redacted(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn, text=TEXT_WITH_NAME)
    edited = TEXT_WITH_NAME.replace(SECRET_NAME, "").replace("070-123 45 67", "[borttaget]")
    decided = await decide(
        conn, mod, item.id, decision="redact", reason="personal_data", text=edited
    )
    assert decided.decision == "redact"
    body, findings = await conn.fetchrow(
        "SELECT body, personal_data FROM feedback WHERE id = $1", item.id
    )
    assert body == (
        "Jag heter [borttaget] och min läkare sa att avsnittet om läkemedel är fel. "
        "Ring mig på [borttaget]."
    )
    assert findings == []
    original = await conn.fetchrow(
        "SELECT body, personal_data FROM redaction_originals WHERE feedback_id = $1", item.id
    )
    assert original["body"] == TEXT_WITH_NAME
    assert [f["kind"] for f in original["personal_data"]] == ["phone_number"]
    assert (mod.pseudonym, "moderation.redacted", "received", "routed", "personal_data") in (
        await events(conn, item.id)
    )
    # The submitter's receipt view shows the redacted text, never the original.
    view = await (await service(conn)).lookup(item.receipt_code)
    assert view.record.body == body
    assert SECRET_NAME not in (view.record.body or "")


async def test_reading_the_original_needs_a_reason_and_is_audited(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn, text=TEXT_WITH_NAME)
    await decide(
        conn,
        mod,
        item.id,
        decision="redact",
        reason="personal_data",
        text=TEXT_WITH_NAME.replace(SECRET_NAME, ""),
    )
    service_ = moderation(conn)
    before = len(await events(conn, item.id))
    for reason, code in ((None, "read_reason_required"), ("nyfiken", "unknown_reason_code")):
        with pytest.raises(Invalid) as refused:
            await service_.read_original(mod, item.id, reason)
        assert [(e.field, e.code) for e in refused.value.errors] == [("reason", code)]
    assert len(await events(conn, item.id)) == before

    original = await service_.read_original(mod, item.id, "check_redaction")
    assert original.body == TEXT_WITH_NAME
    assert (await events(conn, item.id))[-1] == (
        mod.pseudonym,
        "moderation.original_read",
        None,
        None,
        "check_redaction",
    )
    other = await make_feedback(conn)
    with pytest.raises(OriginalUnavailable) as missing:
        await service_.read_original(mod, other.id, "check_redaction")
    assert missing.value.code == "no_original"
    with pytest.raises(NotFound) as unknown:
        await service_.read_original(mod, uuid.uuid4(), "check_redaction")
    assert not isinstance(unknown.value, OriginalUnavailable)
    assert (await verify(conn)).intact


async def _all_text(conn: asyncpg.Connection) -> str:
    """Every row of every table in the schema, as text."""
    tables = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    parts = []
    for (table,) in tables:
        parts.append(
            await conn.fetchval(f"SELECT coalesce(string_agg(t::text, ' '), '') FROM \"{table}\" t")
        )
    return " ".join(parts)


async def test_the_retention_job_destroys_originals_and_the_item_says_so(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn, text=TEXT_WITH_NAME)
    await decide(
        conn,
        mod,
        item.id,
        decision="redact",
        reason="personal_data",
        text=TEXT_WITH_NAME.replace(SECRET_NAME, "").replace("070-123 45 67", ""),
    )
    assert SECRET_NAME in await _all_text(conn)

    day_29 = moderation(conn, FIXED_NOW + dt.timedelta(days=29))
    assert await day_29.purge_originals(30) == 0
    day_30 = moderation(conn, FIXED_NOW + dt.timedelta(days=30))
    assert await day_30.purge_originals(30) == 1
    assert await day_30.purge_originals(30) == 0

    everything = await _all_text(conn)
    assert SECRET_NAME not in everything
    assert "070-123 45 67" not in everything
    assert await conn.fetchval(
        "SELECT redaction_original_destroyed_at FROM feedback WHERE id = $1", item.id
    ) == FIXED_NOW + dt.timedelta(days=30)
    assert (await events(conn, item.id))[-1] == (
        "system",
        "moderation.original_destroyed",
        None,
        None,
        None,
    )
    with pytest.raises(OriginalUnavailable) as gone:
        await day_30.read_original(mod, item.id, "complaint")
    assert gone.value.code == "original_destroyed"
    assert (await verify(conn)).intact


async def test_erasing_the_item_erases_its_original_too(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn, text=TEXT_WITH_NAME)
    await decide(
        conn,
        mod,
        item.id,
        decision="redact",
        reason="personal_data",
        text=TEXT_WITH_NAME.replace(SECRET_NAME, ""),
    )
    await (await service(conn)).erase(item.receipt_code)
    assert await conn.fetchval("SELECT count(*) FROM redaction_originals") == 0
    assert SECRET_NAME not in await _all_text(conn)
    assert await conn.fetchval(
        "SELECT redaction_original_destroyed_at IS NOT NULL FROM feedback WHERE id = $1", item.id
    )


async def test_a_claimed_item_cannot_be_decided_by_another_moderator(
    conn: asyncpg.Connection, place: Place
) -> None:
    first, second = await moderator(conn), await moderator(conn, "mod2@exempel.se")
    item = await make_feedback(conn)
    detail = await moderation(conn).detail(first, item.id)
    assert detail.claim is not None
    assert detail.claim.moderator_id == first.user_id
    # The second moderator sees the claim, cannot take it over while it runs ...
    seen = await moderation(conn).detail(second, item.id)
    assert seen.claim is not None
    assert seen.claim.moderator_id == first.user_id
    with pytest.raises(NotDecidable) as refused:
        await decide(conn, second, item.id, decision="approve")
    assert refused.value.code == "claimed_by_other"
    assert await conn.fetchval("SELECT count(*) FROM moderation_decisions") == 0

    await decide(conn, first, item.id, decision="reject", reason="spam")
    with pytest.raises(NotDecidable) as late:
        await decide(conn, second, item.id, decision="approve")
    assert late.value.code == "already_decided"
    assert late.value.decision is not None
    assert late.value.decision.decision == "reject"


async def test_an_expired_claim_can_be_taken_over(conn: asyncpg.Connection, place: Place) -> None:
    first, second = await moderator(conn), await moderator(conn, "mod2@exempel.se")
    item = await make_feedback(conn)
    await moderation(conn).detail(first, item.id)
    later = moderation(conn, FIXED_NOW + dt.timedelta(minutes=11))
    detail = await later.detail(second, item.id)
    assert detail.claim is not None
    assert detail.claim.moderator_id == second.user_id
    decided = await later.decide(second, item.id, DecisionInput(decision="approve"))
    assert decided.status == "routed"


async def test_two_moderators_deciding_at_once_one_wins(
    conn: asyncpg.Connection, database_url: str, place: Place
) -> None:
    first, second = await moderator(conn), await moderator(conn, "mod2@exempel.se")
    item = await make_feedback(conn)
    other = await asyncpg.connect(database_url)
    await init_connection(other)
    bind(other, AuditKeys.from_secret(TEST_SECRET))
    try:
        results = await asyncio.gather(
            decide(conn, first, item.id, decision="approve"),
            decide(other, second, item.id, decision="reject", reason="spam"),
            return_exceptions=True,
        )
    finally:
        await other.close()
    refused = [r for r in results if isinstance(r, NotDecidable)]
    assert len(refused) == 1
    assert refused[0].code == "already_decided"
    assert await conn.fetchval("SELECT count(*) FROM moderation_decisions") == 1
    assert (await verify(conn)).intact


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        ({"decision": "publish"}, [("decision", "choose_decision")]),
        ({}, [("decision", "choose_decision")]),
        ({"decision": "reject"}, [("reason", "reject_reason_required")]),
        ({"decision": "reject", "reason": "boring"}, [("reason", "unknown_reason_code")]),
        (
            {"decision": "reject", "reason": "spam", "message": "hej\x00", "urgent": True},
            [("message", "nul"), ("urgent", "urgent_needs_approval")],
        ),
        (
            {"decision": "reject", "reason": "spam", "message": "x" * 2001},
            [("message", "message_too_long")],
        ),
        (
            {"decision": "redact", "reason": "personal_data", "text": "  "},
            [("text", "redacted_text_required")],
        ),
        ({"decision": "redact", "reason": "personal_data"}, [("text", "redacted_text_required")]),
        (
            {"decision": "redact", "reason": "personal_data", "text": "Avsnittet\x00"},
            [("text", "nul")],
        ),
        ({"decision": "redact", "text": "Avsnittet"}, [("reason", "redaction_reason_required")]),
        (
            {"decision": "redact", "reason": "nope", "text": "Avsnittet"},
            [("reason", "unknown_reason_code")],
        ),
        (
            {"decision": "redact", "reason": "other", "text": "Helt ny text från moderatorn."},
            [("text", "redaction_removes_everything")],
        ),
        (
            {
                "decision": "redact",
                "reason": "other",
                "text": "Avsnittet om uppföljning är mycket svårt att förstå för mig som patient.",
            },
            [("text", "redaction_adds_text")],
        ),
    ],
)
async def test_bad_decisions_name_the_field_and_store_nothing(
    conn: asyncpg.Connection, place: Place, decision: dict, expected: list
) -> None:
    mod = await moderator(conn)
    item = await make_feedback(conn, email="anna@exempel.se", consent_contact=True)
    before = await events(conn, item.id)
    with pytest.raises(Invalid) as refused:
        await decide(conn, mod, item.id, **decision)
    assert [(e.field, e.code) for e in refused.value.errors] == expected
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item.id) == "received"
    assert await events(conn, item.id) == before
    for table in ("moderation_decisions", "redaction_originals", "feedback_routes"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    outbox_after = await conn.fetchval("SELECT array_agg(template) FROM outbox_messages")
    assert outbox_after == ["feedback_received"], "only the receipt mail of the submission"


async def test_unknown_and_withdrawn_items_are_refused(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    with pytest.raises(NotFound):
        await decide(conn, mod, uuid.uuid4(), decision="approve")
    item = await make_feedback(conn)
    await (await service(conn)).withdraw(item.receipt_code)
    with pytest.raises(NotDecidable) as refused:
        await decide(conn, mod, item.id, decision="approve")
    assert refused.value.code == "not_in_queue"


async def test_routing_rules_send_to_several_groups_by_priority(
    conn: asyncpg.Connection, place: Place
) -> None:
    mod = await moderator(conn)
    admin = Principal(user_id=mod.user_id, role=Role.ADMIN, second_factor=True)
    rules = RoutingRules(conn, lambda: FIXED_NOW)
    low = await rules.create(
        admin,
        RuleInput(
            name="Allt om dokumentet",
            kind="document",
            document=place.document_slug,
            priority="50",
            groups=[place.other_slug],
        ),
    )
    both = await rules.create(
        admin,
        RuleInput(
            name="Läkemedel till båda",
            kind="keyword",
            keyword="läkemedel",
            priority="10",
            groups=[place.owner_slug, place.other_slug],
        ),
    )
    # Both groups through the keyword rule (priority 10 beats 50).
    item = await make_feedback(conn, text="Läkemedelslistan i avsnittet saknar doser.")
    decided = await decide(conn, mod, item.id, decision="approve")
    assert sorted((r.group_slug, r.rule_id) for r in decided.routes) == sorted(
        [(place.owner_slug, both), (place.other_slug, both)]
    )
    reasons = [e[4] for e in await events(conn, item.id) if e[1] == "feedback.routed"]
    assert sorted(reasons) == sorted(
        [f"group:{place.owner_id}:rule:{both}", f"group:{place.other_id}:rule:{both}"]
    )
    recipients = [row[2] for row in await outbox(conn) if row[0] == "group_new_item"]
    assert sorted(recipients) == sorted([place.member_id, place.lead_id, place.other_member_id])

    # Without the keyword, the document rule sends it to the other group only.
    plain = await make_feedback(conn)
    decided = await decide(conn, mod, plain.id, decision="approve")
    assert [(r.group_slug, r.rule_id) for r in decided.routes] == [(place.other_slug, low)]

    # A deactivated rule routes nothing any more; the owner group is back.
    await rules.set_active(admin, low, False)
    third = await make_feedback(conn)
    decided = await decide(conn, mod, third.id, decision="approve")
    assert [(r.group_slug, r.rule_id) for r in decided.routes] == [(place.owner_slug, None)]
    rule_trail = await conn.fetch(
        "SELECT action, from_state, to_state FROM audit_events "
        "WHERE subject_type = 'routing_rule' AND subject_id = $1 ORDER BY seq",
        str(low),
    )
    assert [tuple(r) for r in rule_trail] == [
        ("routing_rule.created", None, "active"),
        ("routing_rule.deactivated", "active", "inactive"),
    ]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({}, [("name", "name_required"), ("kind", "choose_kind"), ("groups", "groups_required")]),
        (
            {"name": "x", "kind": "section", "priority": "0", "groups": ["finns-inte"]},
            [
                ("document", "document_required"),
                ("section", "section_required"),
                ("priority", "priority_range"),
                ("groups", "unknown_group"),
            ],
        ),
        (
            {"name": "x\x00", "kind": "keyword", "keyword": "a", "groups": []},
            [("name", "nul"), ("keyword", "keyword_length"), ("groups", "groups_required")],
        ),
        (
            {"name": "x", "kind": "category", "category": "gnäll"},
            [("category", "category_required"), ("groups", "groups_required")],
        ),
        (
            {"name": "x", "kind": "document", "document": "finns-inte"},
            [("document", "unknown_document"), ("groups", "groups_required")],
        ),
    ],
)
async def test_bad_rules_name_each_field_and_store_nothing(
    conn: asyncpg.Connection, rule: dict, expected: list
) -> None:
    admin = Principal(user_id=1, role=Role.ADMIN, second_factor=True)
    with pytest.raises(Invalid) as refused:
        await RoutingRules(conn, lambda: FIXED_NOW).create(admin, RuleInput(**rule))
    assert [(e.field, e.code) for e in refused.value.errors] == expected
    assert await conn.fetchval("SELECT count(*) FROM routing_rules") == 0


async def test_a_section_rule_needs_a_section_of_that_document(
    conn: asyncpg.Connection, place: Place
) -> None:
    admin = Principal(user_id=1, role=Role.ADMIN, second_factor=True)
    rules = RoutingRules(conn, lambda: FIXED_NOW)
    base = {
        "name": "Avsnitt",
        "kind": "section",
        "document": place.document_slug,
        "groups": [place.other_slug],
    }
    with pytest.raises(Invalid) as refused:
        await rules.create(admin, RuleInput(**base, section="99.9-finns-inte"))
    assert [(e.field, e.code) for e in refused.value.errors] == [("section", "unknown_section")]
    rule_id = await rules.create(admin, RuleInput(**base, section=place.section_key))
    mod = await moderator(conn)
    on_section = await make_feedback(conn, section=place.section_key)
    decided = await decide(conn, mod, on_section.id, decision="approve")
    assert [(r.group_slug, r.rule_id) for r in decided.routes] == [(place.other_slug, rule_id)]


async def test_queue_counts_by_document_category_age_and_filter(conn: asyncpg.Connection) -> None:

    docs = [r[0] for r in await conn.fetch("SELECT slug FROM guidance_documents ORDER BY slug")]
    a, b = docs[0], docs[1]
    made = [
        (a, "suggestion", 0.5),
        (a, "suggestion", 2),
        (a, "own_experience", 4),
        (b, "suggestion", 8),
        (b, "hard_to_understand", 10),
    ]
    for doc, category, days in made:
        await make_feedback(
            conn, document=doc, category=category, now=FIXED_NOW - dt.timedelta(days=days)
        )
    # Decided items leave the queue and its counts.
    decided = await make_feedback(conn, document=a, category="suggestion")
    await moderation(conn).decide(
        await moderator(conn), decided.id, DecisionInput(decision="approve")
    )

    whole = await moderation(conn).queue(QueueFilter())
    counts = whole.counts
    assert (counts.total, whole.matching) == (5, 5)
    assert (counts.older_than_1_day, counts.older_than_3_days, counts.older_than_7_days) == (
        4,
        3,
        2,
    )
    assert counts.oldest_at == FIXED_NOW - dt.timedelta(days=10)
    assert {o.value: o.count for o in counts.documents} == {a: 3, b: 2}
    assert {o.value: o.count for o in counts.categories} == {
        "suggestion": 3,
        "own_experience": 1,
        "hard_to_understand": 1,
    }
    assert [i.created_at for i in whole.items] == sorted(i.created_at for i in whole.items)

    only = await moderation(conn).queue(
        QueueFilter(document=a, category="suggestion", older_than_days=1)
    )
    assert only.matching == 1
    assert [i.created_at for i in only.items] == [FIXED_NOW - dt.timedelta(days=2)]
    assert only.counts.total == 5, "the summary counts the whole queue, filters or not"


async def test_a_new_rule_cannot_send_items_to_an_archived_group(conn: asyncpg.Connection) -> None:
    admin = Principal(user_id=1, role=Role.ADMIN, second_factor=True)
    await conn.execute(
        "UPDATE subject_groups SET archived_at = $1 WHERE slug = 'nag-kol'", FIXED_NOW
    )
    rule = RuleInput(
        name="KOL", kind="category", category="missing_information", groups=["nag-kol"]
    )
    with pytest.raises(Invalid) as refused:
        await RoutingRules(conn, lambda: FIXED_NOW).create(admin, rule)
    assert [(e.field, e.code) for e in refused.value.errors] == [("groups", "unknown_group")]
    assert await conn.fetchval("SELECT count(*) FROM routing_rules") == 0
