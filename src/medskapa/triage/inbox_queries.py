"""SQL for a group's inbox: one page of its items, its counts, its oldest unanswered item,
and the versions its planned changes can be linked to. Only our own constant fragments are put
together; every value is a bound parameter, and rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import msgspec

from medskapa.feedback.lifecycle import UNANSWERED
from medskapa.triage.domain import INBOX_STATUSES, Assignee, Cursor, InboxFilter, Sort


class InboxRow(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    created_at: dt.datetime
    routed_at: dt.datetime
    document_slug: str
    document_title: str
    version_label: str
    section_key: str | None
    section_heading: str | None
    category: str
    body: str | None
    has_quote: bool
    urgent: bool
    assignee_id: int | None
    assignee_email: str | None
    themes: list[str]
    care_region: str | None = None


class InboxPage(msgspec.Struct, frozen=True):
    rows: list[InboxRow]
    next: Cursor | None


class Params:
    """Numbered parameters for a statement put together from fragments."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _inbox_where(group_id: int, f: InboxFilter, user_id: int, p: Params) -> list[str]:
    # Status, category, document and received time are read from the route's copies
    # (sql/0011_inbox_keys.sql): one ordered index range within the group for each.
    where = [f"r.group_id = {p(group_id)}"]
    if f.status is not None:
        where.append(f"r.status = {p(str(f.status))}")
    else:
        where.append(f"r.status = ANY({p([str(s) for s in INBOX_STATUSES])}::text[])")
    if f.document is not None:
        where.append(
            f"r.document_id = (SELECT id FROM guidance_documents WHERE slug = {p(f.document)})"
        )
    if f.section is not None:
        where.append(f"f.section_key = {p(f.section)}")
    if f.category is not None:
        where.append(f"r.category = {p(str(f.category))}")
    if f.region is not None:
        where.append(f"f.care_region = {p(f.region)}")
    if f.healthcare_region is not None:
        where.append(
            "f.care_region IN (SELECT m.region FROM healthcare_region_members m "
            f"WHERE m.healthcare_region = {p(f.healthcare_region)})"
        )
    if f.theme is not None:
        where.append(
            "EXISTS (SELECT 1 FROM feedback_themes ft WHERE ft.feedback_id = f.id "
            f"AND ft.theme_id = {p(f.theme)})"
        )
    if f.assignee is Assignee.NOBODY:
        where.append("a.user_id IS NULL")
    elif f.assignee is Assignee.ME:
        where.append(f"a.user_id = {p(user_id)}")
    elif isinstance(f.assignee, int):
        where.append(f"a.user_id = {p(f.assignee)}")
    if f.older_than_days is not None:
        where.append(f"r.received_at <= now() - make_interval(days => {p(f.older_than_days)})")
    if f.urgent:
        where.append("f.urgent")
    if f.query is not None:
        where.append(f"f.search @@ websearch_to_tsquery('swedish', {p(f.query)})")
    return where


_INBOX_COLUMNS = """
    f.id, f.status, f.created_at, r.routed_at, d.slug AS document_slug,
    d.title AS document_title, v.label AS version_label, f.section_key,
    s.heading AS section_heading, f.category, left(f.body, 400) AS body,
    f.quote_exact IS NOT NULL AS has_quote, f.urgent, a.user_id AS assignee_id,
    u.email AS assignee_email,
    coalesce(ARRAY(SELECT t.name FROM feedback_themes ft
                   JOIN group_themes t ON t.id = ft.theme_id AND t.group_id = r.group_id
                   WHERE ft.feedback_id = f.id ORDER BY t.name), '{}') AS themes,
    f.care_region
"""
_INBOX_FROM = """
    FROM feedback f
    JOIN feedback_routes r ON r.feedback_id = f.id
    LEFT JOIN feedback_assignments a ON a.feedback_id = f.id AND a.group_id = r.group_id
"""


async def inbox(
    conn: asyncpg.Connection, group_id: int, f: InboxFilter, user_id: int, page_size: int
) -> InboxPage:
    """One page of a group's inbox in order of receipt, continuing after ``f.after``.

    Keyset pagination on (received, id): each page costs the same however deep it is, and an
    item arriving meanwhile never shifts a page. The walk is over the group's routes, in the
    order of one of their indexes (sql/0011_inbox_keys.sql)."""
    p = Params()
    where = _inbox_where(group_id, f, user_id, p)
    newest = f.sort is Sort.NEWEST
    if f.after is not None:
        where.append(
            f"(r.received_at, r.feedback_id) {'<' if newest else '>'} "
            f"({p(f.after.at)}, {p(f.after.id)})"
        )
    direction = "DESC" if newest else "ASC"
    sql = f"""
        SELECT {_INBOX_COLUMNS}
        {_INBOX_FROM}
        JOIN guidance_documents d ON d.id = f.document_id
        JOIN document_versions v ON v.id = f.version_id
        LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
        LEFT JOIN users u ON u.id = a.user_id
        WHERE {" AND ".join(where)}
        ORDER BY r.received_at {direction}, r.feedback_id {direction}
        LIMIT {p(page_size + 1)}
    """
    rows = [InboxRow(**dict(row)) for row in await conn.fetch(sql, *p.values)]
    more = len(rows) > page_size
    rows = rows[:page_size]
    return InboxPage(rows, Cursor(rows[-1].created_at, rows[-1].id) if more else None)


async def status_counts(conn: asyncpg.Connection, group_id: int) -> dict[str, int]:
    """Kept by triggers (sql/0006_triage.sql), not counted here."""
    rows = await conn.fetch(
        "SELECT status, items FROM group_status_counts WHERE group_id = $1 AND items > 0",
        group_id,
    )
    return {row["status"]: row["items"] for row in rows}


async def oldest_unanswered(conn: asyncpg.Connection, group_id: int) -> dt.datetime | None:
    # One index seek per unanswered status on the group's routes (PostgreSQL before 17 cannot
    # walk "status = ANY(...)" in date order), the smallest of them.
    return await conn.fetchval(
        "SELECT min(first.received_at) FROM unnest($2::text[]) AS s (status), "
        "LATERAL (SELECT r.received_at FROM feedback_routes r "
        "         WHERE r.group_id = $1 AND r.status = s.status "
        "         ORDER BY r.received_at LIMIT 1) AS first",
        group_id,
        sorted(str(status) for status in UNANSWERED),
    )


async def published_labels(conn: asyncpg.Connection, document_slug: str) -> list[str]:
    """A document's published version labels, newest first."""
    rows = await conn.fetch(
        "SELECT v.label FROM document_versions v JOIN guidance_documents d "
        "ON d.id = v.document_id WHERE d.slug = $1 AND v.published_on IS NOT NULL "
        "ORDER BY v.published_on DESC, v.id DESC",
        document_slug,
    )
    return [row["label"] for row in rows]


async def urgent_unanswered(conn: asyncpg.Connection, group_id: int) -> int:
    """The group's unanswered items a moderator marked as a possible patient-safety signal
    (few: the partial index feedback_urgent_idx holds only those)."""
    return await conn.fetchval(
        "SELECT count(*) FROM feedback f "
        "JOIN feedback_routes r ON r.feedback_id = f.id AND r.group_id = $1 "
        "WHERE f.urgent AND f.status = ANY($2::text[])",
        group_id,
        sorted(str(status) for status in UNANSWERED),
    )
