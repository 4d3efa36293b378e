"""Site items (reports of accessibility problems, stored as feedback about the site) are the
admins' alone: never in the moderation queue or its reminders, never a moderator's to decide
(so never routed to a group's inbox), never in public answers, statistics or open data, and
their trail backs their status like every item's. Reports stored before they became feedback
items are moved in by the migration with nothing lost."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.answers import queries as answer_queries
from medskapa.audit import queries as audit_queries
from medskapa.audit import service as audit
from medskapa.audit.keys import AuditKeys, bind
from medskapa.db.migrations import load_migrations, migrate
from medskapa.db.pool import init_connection
from medskapa.legal.domain import ReportInput
from medskapa.legal.service import AccessibilityReports
from medskapa.moderation import queries as moderation_queries
from medskapa.outbox import queries as outbox_queries
from tests.factories import FIXED_NOW, TEST_SECRET, make_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
DOC = "hjartsvikt-nyupptackt"
PROBLEM = "Menyn går inte att öppna med tangentbordet i Firefox."
ANSWER = "Tack! Menyn öppnas nu med Enter och blanksteg. Rättat i version 2."


async def unbacked(conn: asyncpg.Connection) -> list[audit_queries.UnbackedState]:
    """Items whose status their trail does not back (the verifier's check)."""
    async with conn.transaction(readonly=True):
        return [u async for u in audit_queries.unbacked_states(conn)]


async def answered_site_item(conn: asyncpg.Connection) -> str:
    reports = AccessibilityReports(conn, lambda: FIXED_NOW)
    submitted = await reports.file(ReportInput(problem=PROBLEM, page="Meny"), b"k" * 32)
    await reports.answer(submitted.id, "user:1", ANSWER)
    # A second one, waiting: what the moderation queue would pick up if it took site items.
    await reports.file(ReportInput(problem=PROBLEM + " Igen."), b"k" * 32)
    return str(submitted.id)


async def test_site_items_never_reach_moderation_or_a_group(
    client: Client, conn: asyncpg.Connection
) -> None:
    item_id = await answered_site_item(conn)
    waiting = await conn.fetchval(
        "SELECT id FROM feedback WHERE subject = 'site' AND status = 'received'"
    )
    filters = moderation_queries.QueueFilter()
    assert await moderation_queries.queue(conn, filters, FIXED_NOW) == []
    counts = await moderation_queries.queue_counts(conn, FIXED_NOW)
    assert (counts.total, counts.matching) == (0, 0)
    assert (await outbox_queries.moderation_queue(conn)).waiting == 0
    assert await moderation_queries.lock_item(conn, waiting) is None

    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    queue = await client.get("/moderering")
    assert queue.status_code == 200
    assert PROBLEM not in queue.text
    assert (await client.get(f"/moderering/synpunkter/{waiting}")).status_code == 404
    assert (await client.get(f"/moderering/synpunkter/{item_id}")).status_code == 404
    assert await conn.fetchval("SELECT count(*) FROM feedback_routes") == 0


async def test_site_items_and_their_answers_are_never_public(
    client: Client, conn: asyncpg.Connection
) -> None:
    await answered_site_item(conn)
    answers = await client.get(f"/kunskapsstod/{DOC}/svar")
    assert answers.status_code == 200
    assert ANSWER not in answers.text
    assert PROBLEM not in answers.text
    open_data = await client.get("/oppna-data/synpunkter.json")
    assert json.loads(open_data.content) == []
    csv = await client.get("/oppna-data/synpunkter.csv")
    assert ANSWER not in csv.text
    stats = await answer_queries.statistics(conn)
    assert (stats.received, stats.answered) == (0, 0)


async def test_a_site_items_trail_backs_its_status(conn: asyncpg.Connection) -> None:
    await answered_site_item(conn)
    assert await unbacked(conn) == []


@pytest.fixture
async def before_0030(empty_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A database as it was before reports became feedback items (migrations up to 0029)."""
    conn = await asyncpg.connect(empty_database_url)
    await init_connection(conn)
    bind(conn, AuditKeys.from_secret(TEST_SECRET))
    await migrate(conn, [m for m in load_migrations() if m.version < 30])
    yield conn
    await conn.close()


async def test_the_migration_moves_stored_reports_in_with_nothing_lost(
    before_0030: asyncpg.Connection,
) -> None:
    conn = before_0030
    at = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    contact = await conn.fetchval(
        "INSERT INTO contacts (email, created_at) VALUES ('eva@exempel.se', $1) RETURNING id", at
    )
    rows = [
        ("Sök", "Sökrutan saknar etikett.", "sv", contact, None),
        ("", "The captcha has no audio option.", "en", None, at + dt.timedelta(days=2)),
    ]
    ids = []
    for page, problem, language, contact_id, handled_at in rows:
        report_id = await conn.fetchval(
            "INSERT INTO accessibility_reports (page, problem, language, contact_id, created_at, "
            "handled_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            page,
            problem,
            language,
            contact_id,
            at,
            handled_at,
        )
        ids.append(report_id)
        await audit.record(
            conn,
            at=at,
            actor="submitter",
            action="accessibility_report.filed",
            subject_type="accessibility_report",
            subject_id=str(report_id),
            to_state="open",
        )
        if handled_at is not None:
            await audit.record(
                conn,
                at=handled_at,
                actor="user:7",
                action="accessibility_report.handled",
                subject_type="accessibility_report",
                subject_id=str(report_id),
                from_state="open",
                to_state="handled",
            )

    assert "0030_site_feedback.sql" in await migrate(conn)

    assert await conn.fetchval("SELECT to_regclass('accessibility_reports')") is None
    moved = await conn.fetch(
        "SELECT f.id, f.subject, f.category, f.site_page, f.body, f.language, c.email, f.status, "
        "f.created_at, f.updated_at, length(f.receipt_hash) AS hash_length FROM feedback f "
        "LEFT JOIN contacts c ON c.id = f.contact_id ORDER BY f.language DESC"
    )
    assert [dict(r) for r in moved] == [
        {
            "id": ids[0],
            "subject": "site",
            "category": "accessibility",
            "site_page": "Sök",
            "body": "Sökrutan saknar etikett.",
            "language": "sv",
            "email": "eva@exempel.se",
            "status": "received",
            "created_at": at,
            "updated_at": at,
            "hash_length": 32,
        },
        {
            "id": ids[1],
            "subject": "site",
            "category": "accessibility",
            "site_page": None,
            "body": "The captcha has no audio option.",
            "language": "en",
            "email": None,
            "status": "closed",
            "created_at": at,
            "updated_at": at + dt.timedelta(days=2),
            "hash_length": 32,
        },
    ]
    # The old trail is still theirs: the admins see it, and it backs their status.
    assert await unbacked(conn) == []
    view = await AccessibilityReports(conn, lambda: at).item(ids[1])
    assert [e.action for e in view.trail] == [
        "accessibility_report.filed",
        "accessibility_report.handled",
    ]
    # And the admins work an old one on from where it was.
    await AccessibilityReports(conn, lambda: at).answer(ids[0], "user:7", ANSWER)
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", ids[0]) == "answered"
    assert await unbacked(conn) == []
