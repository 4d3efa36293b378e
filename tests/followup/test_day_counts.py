"""The day counts behind the follow-up figures (followup_days, sql/0029) after every change
that moves a figure: the rows the triggers kept are those counted from the items afresh, the
page's figures from them are those counted from the items, and both are the hand-worked ones
(the fixture in fixture.py, then one change at a time)."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from medskapa.followup import queries, service
from medskapa.followup.domain import Figures
from medskapa.triage.service import TriageService
from tests.factories import make_feedback, route_to
from tests.factories import service as feedback_service
from tests.followup.fixture import DOC, GROUP, OTHER_DOC, OTHER_GROUP, Items, _answered, at
from tests.followup.test_dashboard import ADMIN, TODAY, WEEKS, lead_of, numbers

ANSWER = "Tack för synpunkten, vi har läst den noga och svarar så här."


async def kept_rows(conn: asyncpg.Connection) -> None:
    """The rows the triggers kept are exactly those counted from the items now (rows whose
    items all left are zeros, which count nothing)."""
    kept = await conn.fetch("SELECT * FROM followup_days WHERE received <> 0")
    counted = await conn.fetch("SELECT * FROM followup_days_counted")
    assert {tuple(r) for r in kept} == {tuple(r) for r in counted}
    # And the answered items' times per quarter of a day (sql/0033), the same way.
    kept = await conn.fetch("SELECT * FROM followup_times WHERE answered <> 0")
    counted = await conn.fetch("SELECT * FROM followup_times_counted")
    assert {tuple(r) for r in kept} == {tuple(r) for r in counted}
    assert not await conn.fetchval("SELECT count(*) FROM followup_times WHERE answered < 0")
    # The theme tags' copies of their item's document and received time (the themes'
    # figures find the tags by them).
    assert not await conn.fetchval(
        "SELECT count(*) FROM feedback_themes t JOIN feedback f ON f.id = t.feedback_id "
        "WHERE (t.document_id, t.received_at) IS DISTINCT FROM (f.document_id, f.created_at)"
    )
    assert not await conn.fetchval(
        "SELECT count(*) FROM followup_days WHERE received < 0 OR answered < 0 "
        "OR change_planned < 0 OR changed < 0 OR (received = 0 AND answered + change_planned "
        "+ changed <> 0)"
    )


async def scopes(conn: asyncpg.Connection) -> list[queries.Scope]:
    group = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", GROUP)
    other = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", OTHER_GROUP)
    area = await conn.fetchval(
        "SELECT g.programme_area_id FROM subject_groups g WHERE g.slug = $1", GROUP
    )
    document, version = await conn.fetchrow(
        "SELECT d.id, v.id FROM guidance_documents d JOIN document_versions v "
        "ON v.document_id = d.id WHERE d.slug = $1 AND v.label = '1.1'",
        DOC,
    )
    weeks = {"start": dt.date(2026, 3, 2), "end": dt.date(2026, 3, 15), "interval": "week"}
    month = {"start": dt.date(2026, 2, 1), "end": dt.date(2026, 3, 31), "interval": "month"}
    return [
        queries.Scope(**weeks),
        queries.Scope(**month),
        queries.Scope(**weeks, groups=[group]),
        queries.Scope(**month, groups=[other]),
        queries.Scope(**weeks, area_id=area),
        queries.Scope(**weeks, group_id=group),
        queries.Scope(**weeks, groups=[group, other], group_id=other),
        queries.Scope(**weeks, document_id=document, version_id=version),
        # A lead of two groups: counted from the items (no one group's rows hold them).
        queries.Scope(**weeks, groups=[group, other]),
    ]


async def same_as_the_items(conn: asyncpg.Connection) -> None:
    await kept_rows(conn)
    for scope in await scopes(conn):
        for themes in (True, False):
            from_days = await queries.breakdowns(conn, scope, themes=themes)
            from_items = await queries.breakdowns(conn, scope, themes=themes, direct=True)
            assert from_days == from_items, scope
            assert from_days, scope
    many = (await scopes(conn))[-1]
    assert queries.summary_group(many) is None
    assert "followup_days" not in queries.figures_sql(many)[0]
    assert "followup_days" in queries.figures_sql((await scopes(conn))[2])[0]


async def lead_total(conn: asyncpg.Connection) -> tuple:
    board = await service.dashboard(conn, await lead_of(conn, GROUP), WEEKS, TODAY)
    return numbers(board.total)


async def doc_total(conn: asyncpg.Connection) -> tuple:
    raw = {**WEEKS, "document": DOC}
    board = await service.dashboard(conn, await lead_of(conn, GROUP), raw, TODAY)
    return numbers(board.total)


async def national_total(conn: asyncpg.Connection) -> Figures:
    return (await service.dashboard(conn, ADMIN, WEEKS, TODAY)).total


async def routed_item(
    conn: asyncpg.Connection, when: dt.datetime, category: str = "other", version: str = "1.1"
) -> tuple[uuid.UUID, str]:
    item = await make_feedback(conn, now=when, document=DOC, version=version, category=category)
    await route_to(conn, item.id, GROUP, at=when)
    return item.id, item.receipt_code


async def test_the_fixtures_counts(conn: asyncpg.Connection, items: Items) -> None:
    await same_as_the_items(conn)
    # Per item once (group 0) and per route: the seven routed items of the heart group's
    # document (the fixture's five and the two just outside the weeks) and the diabetes one.
    assert await conn.fetchval("SELECT sum(received) FROM followup_days WHERE group_id = 0") == 8
    assert (
        await conn.fetchval(
            "SELECT sum(received) FROM followup_days s JOIN subject_groups g ON g.id = s.group_id "
            "WHERE g.slug = $1",
            GROUP,
        )
        == 7
    )


async def test_every_change_keeps_the_counts(conn: asyncpg.Connection, items: Items) -> None:
    member = items.member
    # A, B, C (changed), D (no answer) and E: first answers after 1, 2, 4 and 10 days.
    assert await lead_total(conn) == (5, 4, 0, 1, 3.0, 8.2)

    # Let through: F, received Wednesday 11 March, routed and so counted.
    _, f_code = await routed_item(conn, at(11, 9))
    await same_as_the_items(conn)
    assert await lead_total(conn) == (6, 4, 0, 1, 3.0, 8.2)

    # Withdrawn by its sender: no longer counted.
    await (await feedback_service(conn, at(11, 12))).withdraw(f_code)
    await same_as_the_items(conn)
    assert await lead_total(conn) == (5, 4, 0, 1, 3.0, 8.2)

    # D answered after three days with a change planned: times 1, 2, 3, 4, 10; the median
    # is 3, the 90th percentile at 0.9 x 4 = 3.6 places, 4 + 0.6 x 6 = 7.6.
    await _answered(conn, member, items.ids["D"], at(13, 10), "change_planned")
    await same_as_the_items(conn)
    assert await lead_total(conn) == (5, 5, 1, 1, 3.0, 7.6)

    # G (on version 1.0) answered after half a day with a change planned: 0.5, 1, 2, 3, 4,
    # 10; the median 2 + 0.5 x 1 = 2.5, the 90th percentile at 4.5 places, 4 + 0.5 x 6 = 7.0.
    g, g_code = await routed_item(conn, at(12, 10), "suggestion", "1.0")
    await _answered(conn, member, g, at(12, 22), "change_planned")
    await same_as_the_items(conn)
    assert await lead_total(conn) == (6, 6, 2, 1, 2.5, 7.0)

    # Its text erased by its sender: an answered item cannot be withdrawn, and still counts.
    await (await feedback_service(conn, at(14, 8))).erase(g_code)
    assert await conn.fetchval("SELECT body IS NULL FROM feedback WHERE id = $1", g)
    await same_as_the_items(conn)
    assert await lead_total(conn) == (6, 6, 2, 1, 2.5, 7.0)

    # J let through to the heart group, then forwarded to the diabetes group: the heart
    # group's no longer, the country's still (with the diabetes group's own one).
    j, _ = await routed_item(conn, at(13, 10))
    assert await lead_total(conn) == (7, 6, 2, 1, 2.5, 7.0)
    await TriageService(conn, lambda: at(16, 9)).forward(
        member, j, OTHER_GROUP, "other_group_owns_text", None
    )
    await same_as_the_items(conn)
    assert await lead_total(conn) == (6, 6, 2, 1, 2.5, 7.0)
    assert numbers(await national_total(conn)) == (8, 6, 2, 1, 2.5, 7.0)

    # H merged into B on 16 March at 10.00: it takes B's answer then, two days after it came
    # in on the 14th. 0.5, 1, 2, 2, 3, 4, 10: the median 2, the 90th percentile at 5.4
    # places, 4 + 0.4 x 6 = 6.4.
    h, _ = await routed_item(conn, at(14, 10))
    await same_as_the_items(conn)
    assert await lead_total(conn) == (7, 6, 2, 1, 2.5, 7.0)
    await TriageService(conn, lambda: at(16, 10)).merge(member, items.ids["B"], [h])
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", h) == "answered"
    await same_as_the_items(conn)
    assert await lead_total(conn) == (7, 7, 2, 1, 2.0, 6.4)

    # G's planned change made in version 1.1: changed.
    await TriageService(conn, lambda: at(20, 12)).link_planned(member, [g], "1.1")
    await same_as_the_items(conn)
    assert await lead_total(conn) == (7, 7, 1, 2, 2.0, 6.4)


async def test_moves_and_items_without_a_document(conn: asyncpg.Connection, items: Items) -> None:
    # Moved to another document, category and region, and its received time corrected: the
    # rows follow (no use case does this today; the triggers do not depend on which does).
    other = await conn.fetchrow(
        "SELECT d.id, cv.version_id FROM guidance_documents d "
        "JOIN current_versions cv ON cv.document_id = d.id WHERE d.slug = $1",
        OTHER_DOC,
    )
    await conn.execute(
        "UPDATE feedback SET document_id = $2, version_id = $3, section_key = NULL, "
        "category = 'other', care_region = '03', created_at = created_at + interval '1 day' "
        "WHERE id = $1",
        items.ids["A"],
        other["id"],
        other["version_id"],
    )
    await same_as_the_items(conn)
    # A left the heart document: on it, B, C, D and E (2, 4 and 10 days) ...
    assert await doc_total(conn) == (4, 3, 0, 1, 4.0, 8.8)
    # ... but is still the heart group's, received on 3 March now and answered at once:
    # 0, 2, 4 and 10 days.
    assert await lead_total(conn) == (5, 4, 0, 1, 3.0, 8.2)
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM followup_days WHERE day = '2026-03-03' AND category = 'other' "
            "AND care_region = '03' AND received = 1"
        )
        == 2
    ), "every item's row and the heart group's"
    # A report on the site itself is an item without a document (sql/0030): in no programme
    # area's figures, and no trigger trips over it, whatever happens to it. (It is never
    # routed to a group: the admins handle it.)
    site = await conn.fetchval(
        "INSERT INTO feedback (subject, site_page, category, submitter_role, body, language, "
        "consent_public, consent_contact, status, receipt_hash, created_at) VALUES ('site', "
        "'/kunskapsstod', 'accessibility', 'patient', "
        "'Knappen går inte att nå med tangentbordet.', 'sv', false, false, 'in_review', "
        "'\\x01', $1) RETURNING id",
        at(10, 12),
    )
    await conn.execute(
        "UPDATE feedback SET status = 'answered', first_answered_at = $2 WHERE id = $1",
        site,
        at(11, 12),
    )
    await conn.execute("DELETE FROM feedback WHERE id = $1", site)
    await same_as_the_items(conn)
    assert await doc_total(conn) == (4, 3, 0, 1, 4.0, 8.8)


async def test_the_migration_counts_what_is_there(conn: asyncpg.Connection, items: Items) -> None:
    # As the migration fills the rows from the items already there.
    await conn.execute("DELETE FROM followup_days")
    assert await lead_total(conn) == (0, 0, 0, 0, None, None)
    await conn.execute("SELECT followup_days_rebuild()")
    await same_as_the_items(conn)
    assert await lead_total(conn) == (5, 4, 0, 1, 3.0, 8.2)


async def test_a_tags_copies_follow_its_item(conn: asyncpg.Connection, items: Items) -> None:
    # The themes' figures read the tags' copies of their item's status, version and time to
    # the first answer (sql/0032): D tagged while waiting for its answer, then answered after
    # three days with a change planned, then moved to version 1.0 (as test_moves does).
    member = items.member
    theme = await conn.fetchval("SELECT theme_id FROM feedback_themes LIMIT 1")
    d = items.ids["D"]
    await TriageService(conn, lambda: at(11, 9)).set_themes(member, d, [theme])
    copies = "SELECT item_status, version_id, days_to_first_answer FROM feedback_themes "
    assert tuple(await conn.fetchrow(copies + "WHERE feedback_id = $1", d))[::2] == (
        "routed",
        None,
    )
    await same_as_the_items(conn)
    await _answered(conn, member, d, at(13, 10), "change_planned")
    assert tuple(await conn.fetchrow(copies + "WHERE feedback_id = $1", d))[::2] == (
        "change_planned",
        3.0,
    )
    await same_as_the_items(conn)
    await conn.execute(
        "UPDATE feedback SET version_id = (SELECT version_id FROM feedback WHERE id = $2) "
        "WHERE id = $1",
        d,
        items.ids["A"],
    )
    assert not await conn.fetchval(
        "SELECT count(*) FROM feedback_themes t JOIN feedback f ON f.id = t.feedback_id WHERE "
        "(t.item_status, t.version_id, t.days_to_first_answer) IS DISTINCT FROM "
        "(f.status, f.version_id, f.days_to_first_answer)"
    )
    await same_as_the_items(conn)
