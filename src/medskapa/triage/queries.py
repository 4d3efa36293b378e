"""SQL for a group's work on its items. Rows map to Structs in the order the SELECT names them;
only our own constant fragments are put together, every value is a bound parameter."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import asyncpg
import msgspec

from medskapa.catalogue.markdown import plain_text
from medskapa.feedback.lifecycle import UNANSWERED
from medskapa.triage.domain import (
    INBOX_STATUSES,
    SIMILAR_CANDIDATES,
    SIMILAR_SHOWN,
    SIMILAR_THRESHOLD,
    Assignee,
    Cursor,
    InboxFilter,
    Sort,
)


class Group(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str


async def groups_by_id(conn: asyncpg.Connection, ids: list[int]) -> list[Group]:
    rows = await conn.fetch(
        "SELECT id, slug, name FROM subject_groups WHERE id = ANY($1::bigint[]) ORDER BY name",
        ids,
    )
    return [Group(*row) for row in rows]


async def group_by_slug(conn: asyncpg.Connection, slug: str, *, live: bool = False) -> Group | None:
    """A group by slug; with ``live``, only one that is not archived (one to send items to)."""
    row = await conn.fetchrow(
        "SELECT id, slug, name FROM subject_groups WHERE slug = $1 "
        "AND (NOT $2 OR archived_at IS NULL)",
        slug,
        live,
    )
    return None if row is None else Group(*row)


async def item_groups(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> list[int]:
    """The groups an item is routed to now."""
    rows = await conn.fetch(
        "SELECT group_id FROM feedback_routes WHERE feedback_id = $1 ORDER BY group_id",
        feedback_id,
    )
    return [row[0] for row in rows]


# ---------------------------------------------------------------- the inbox


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
    f.id, f.status, f.created_at, r.routed_at, d.slug, d.title, v.label, f.section_key,
    s.heading, f.category, left(f.body, 400), f.quote_exact IS NOT NULL, f.urgent,
    a.user_id, u.email,
    coalesce(ARRAY(SELECT t.name FROM feedback_themes ft
                   JOIN group_themes t ON t.id = ft.theme_id AND t.group_id = r.group_id
                   WHERE ft.feedback_id = f.id ORDER BY t.name), '{}'),
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
    rows = [InboxRow(*row) for row in await conn.fetch(sql, *p.values)]
    more = len(rows) > page_size
    rows = rows[:page_size]
    return InboxPage(rows, Cursor(rows[-1].created_at, rows[-1].id) if more else None)


async def status_counts(conn: asyncpg.Connection, group_id: int) -> dict[str, int]:
    """Kept by triggers (sql/0006_triage.sql), not counted here."""
    rows = await conn.fetch(
        "SELECT status, items FROM group_status_counts WHERE group_id = $1 AND items > 0",
        group_id,
    )
    return {row[0]: row[1] for row in rows}


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


# ---------------------------------------------------------------- one item


class ItemRecord(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    created_at: dt.datetime
    document_id: int
    document_slug: str
    document_title: str
    version_id: int
    version_label: str
    section_key: str | None
    section_heading: str | None
    section_body: str | None
    quote: str | None
    category: str
    submitter_role: str
    body: str | None
    consent_public: bool
    urgent: bool
    contact_id: int | None
    language: str
    changed_in_version: str | None
    erased_at: dt.datetime | None
    care_region_name: str | None = None


_ITEM = """
    SELECT f.id, f.status, f.created_at, d.id, d.slug, d.title, v.id, v.label, f.section_key,
           s.heading, s.body, f.quote_exact, f.category, f.submitter_role, f.body,
           f.consent_public, f.urgent, f.contact_id, f.language, cv.label, f.erased_at,
           (SELECT name FROM regions WHERE code = f.care_region)
    FROM feedback f
    JOIN guidance_documents d ON d.id = f.document_id
    JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
    LEFT JOIN document_versions cv ON cv.id = f.changed_in_version_id
    WHERE f.id = $1
"""


async def item(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, *, lock: bool = False
) -> ItemRecord | None:
    row = await conn.fetchrow(f"{_ITEM}{' FOR UPDATE OF f' if lock else ''}", feedback_id)
    return None if row is None else ItemRecord(*row)


async def lock_items(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Lock several items in one order (so two merges cannot deadlock); returns those found."""
    rows = await conn.fetch(
        "SELECT id FROM feedback WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", ids
    )
    return [row[0] for row in rows]


async def current_sections(conn: asyncpg.Connection, document_id: int) -> tuple[str | None, dict]:
    """The current version's label and its sections' texts by key."""
    rows = await conn.fetch(
        "SELECT cv.label, s.key, s.body FROM current_versions cv "
        "JOIN sections s ON s.version_id = cv.version_id "
        "WHERE cv.document_id = $1 ORDER BY s.position",
        document_id,
    )
    label = rows[0][0] if rows else None
    return label, {row[1]: plain_text(row[2]) for row in rows}


class VersionRef(msgspec.Struct, frozen=True):
    id: int
    label: str
    published_on: dt.date | None


async def document_version(
    conn: asyncpg.Connection, document_id: int, label: str
) -> VersionRef | None:
    row = await conn.fetchrow(
        "SELECT id, label, published_on FROM document_versions "
        "WHERE document_id = $1 AND label = $2",
        document_id,
        label,
    )
    return None if row is None else VersionRef(*row)


class AnswerRecord(msgspec.Struct, frozen=True):
    status: str
    body: str | None
    will_change: bool | None
    reason_code: str | None
    version_label: str | None
    group_name: str
    author: str
    answered_at: dt.datetime


_ANSWERS = """
    SELECT a.status, a.body, a.will_change, a.reason_code, v.label, g.name, a.author,
           a.answered_at
    FROM feedback_answers a
    JOIN subject_groups g ON g.id = a.group_id
    LEFT JOIN document_versions v ON v.id = a.version_id
"""


async def answers(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> list[AnswerRecord]:
    rows = await conn.fetch(
        f"{_ANSWERS} WHERE a.feedback_id = $1 ORDER BY a.answered_at, a.id", feedback_id
    )
    return [AnswerRecord(*row) for row in rows]


async def insert_answer(
    conn: asyncpg.Connection,
    *,
    feedback_id: uuid.UUID,
    group_id: int,
    status: str,
    body: str | None,
    will_change: bool | None,
    reason_code: str | None,
    version_id: int | None,
    author: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO feedback_answers (feedback_id, group_id, status, body, will_change, "
        "reason_code, version_id, author, answered_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        feedback_id,
        group_id,
        status,
        body,
        will_change,
        reason_code,
        version_id,
        author,
        at,
    )


async def set_status(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    status: str,
    at: dt.datetime,
    changed_in_version_id: int | None = None,
) -> None:
    await conn.execute(
        "UPDATE feedback SET status = $2, updated_at = $3, "
        "changed_in_version_id = coalesce($4, changed_in_version_id) WHERE id = $1",
        feedback_id,
        status,
        at,
        changed_in_version_id,
    )


class Member(msgspec.Struct, frozen=True):
    user_id: int
    email: str
    role: str


async def members(conn: asyncpg.Connection, group_id: int) -> list[Member]:
    rows = await conn.fetch(
        "SELECT u.id, u.email, m.role FROM group_memberships m "
        "JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL "
        "WHERE m.group_id = $1 ORDER BY lower(u.email)",
        group_id,
    )
    return [Member(*row) for row in rows]


async def assignee(conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int) -> int | None:
    return await conn.fetchval(
        "SELECT user_id FROM feedback_assignments WHERE feedback_id = $1 AND group_id = $2",
        feedback_id,
        group_id,
    )


class Theme(msgspec.Struct, frozen=True):
    id: int
    name: str
    archived: bool


async def themes(conn: asyncpg.Connection, group_id: int) -> list[Theme]:
    rows = await conn.fetch(
        "SELECT id, name, archived_at IS NOT NULL FROM group_themes WHERE group_id = $1 "
        "ORDER BY archived_at IS NOT NULL, name",
        group_id,
    )
    return [Theme(*row) for row in rows]


async def item_theme_ids(conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int) -> set:
    rows = await conn.fetch(
        "SELECT ft.theme_id FROM feedback_themes ft JOIN group_themes t ON t.id = ft.theme_id "
        "WHERE ft.feedback_id = $1 AND t.group_id = $2",
        feedback_id,
        group_id,
    )
    return {row[0] for row in rows}


class Note(msgspec.Struct, frozen=True):
    author: str
    author_email: str | None
    body: str
    created_at: dt.datetime


async def notes(conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int) -> list[Note]:
    rows = await conn.fetch(
        "SELECT n.author, u.email, n.body, n.created_at FROM feedback_notes n "
        "LEFT JOIN users u ON 'user:' || u.id = n.author "
        "WHERE n.feedback_id = $1 AND n.group_id = $2 ORDER BY n.created_at, n.id",
        feedback_id,
        group_id,
    )
    return [Note(*row) for row in rows]


class Forward(msgspec.Struct, frozen=True):
    from_group_slug: str
    from_group: str
    to_group: str
    reason_code: str
    note: str | None
    forwarded_at: dt.datetime


async def forwards(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> list[Forward]:
    rows = await conn.fetch(
        "SELECT gf.slug, gf.name, gt.name, x.reason_code, x.note, x.forwarded_at "
        "FROM feedback_forwards x JOIN subject_groups gf ON gf.id = x.from_group_id "
        "JOIN subject_groups gt ON gt.id = x.to_group_id "
        "WHERE x.feedback_id = $1 ORDER BY x.forwarded_at, x.id",
        feedback_id,
    )
    return [Forward(*row) for row in rows]


class Similar(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    created_at: dt.datetime
    body: str | None
    score: float
    cluster_id: int | None


async def has_trigrams(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')"
    )


# Candidates: the document's newest items in the same group that still have text.
_CANDIDATES = """
    WITH me AS (SELECT id, document_id, body, search FROM feedback WHERE id = $1),
    candidates AS (
        SELECT f.id, f.status, f.created_at, f.body, f.search
        FROM feedback f JOIN feedback_routes r ON r.feedback_id = f.id AND r.group_id = $2
        WHERE f.document_id = (SELECT document_id FROM me) AND f.id <> $1
          AND f.body IS NOT NULL
        ORDER BY f.created_at DESC LIMIT $3)
"""
# With pg_trgm: trigram similarity of the texts.
_SIMILAR_TRIGRAM = f"""
    {_CANDIDATES}
    , scored AS (
        SELECT c.id, c.status, c.created_at, c.body, similarity(c.body, me.body) AS score
        FROM candidates c CROSS JOIN me)
    SELECT s.id, s.status, s.created_at, left(s.body, 400), s.score, cm.cluster_id
    FROM scored s
    LEFT JOIN feedback_cluster_members cm ON cm.feedback_id = s.id AND cm.group_id = $2
    WHERE s.score >= $4
    ORDER BY s.score DESC, s.created_at DESC LIMIT $5
"""
# Without it: the share of Swedish word stems the texts have in common (Jaccard), which the
# full-text column already holds.
_SIMILAR_LEXEMES = f"""
    {_CANDIDATES},
    scored AS (
        SELECT c.id, c.status, c.created_at, c.body,
               cardinality(ARRAY(SELECT unnest(tsvector_to_array(c.search))
                                 INTERSECT SELECT unnest(tsvector_to_array(me.search))))::float8
               / greatest(1, cardinality(ARRAY(
                     SELECT unnest(tsvector_to_array(c.search))
                     UNION SELECT unnest(tsvector_to_array(me.search))))) AS score
        FROM candidates c CROSS JOIN me)
    SELECT s.id, s.status, s.created_at, left(s.body, 400), s.score, cm.cluster_id
    FROM scored s
    LEFT JOIN feedback_cluster_members cm ON cm.feedback_id = s.id AND cm.group_id = $2
    WHERE s.score >= $4
    ORDER BY s.score DESC, s.created_at DESC LIMIT $5
"""


async def similar(conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int) -> list[Similar]:
    sql = _SIMILAR_TRIGRAM if await has_trigrams(conn) else _SIMILAR_LEXEMES
    rows = await conn.fetch(
        sql, feedback_id, group_id, SIMILAR_CANDIDATES, SIMILAR_THRESHOLD, SIMILAR_SHOWN
    )
    return [Similar(*row) for row in rows]


class ClusterItem(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    created_at: dt.datetime
    body: str | None


async def cluster_of(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int
) -> tuple[int | None, list[ClusterItem]]:
    cluster_id = await conn.fetchval(
        "SELECT cluster_id FROM feedback_cluster_members WHERE feedback_id = $1 AND group_id = $2",
        feedback_id,
        group_id,
    )
    if cluster_id is None:
        return None, []
    rows = await conn.fetch(
        "SELECT f.id, f.status, f.created_at, left(f.body, 400) FROM feedback_cluster_members cm "
        "JOIN feedback f ON f.id = cm.feedback_id WHERE cm.cluster_id = $1 AND f.id <> $2 "
        "ORDER BY f.created_at",
        cluster_id,
        feedback_id,
    )
    return cluster_id, [ClusterItem(*row) for row in rows]


async def move_route(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    from_group_id: int,
    to_group_id: int,
    at: dt.datetime,
) -> None:
    """Forwarding is a routing too: the item leaves one group's inbox for another's (no rule
    matched; the forwarding record says why)."""
    await conn.execute(
        "DELETE FROM feedback_routes WHERE feedback_id = $1 AND group_id = $2",
        feedback_id,
        from_group_id,
    )
    await conn.execute(
        "INSERT INTO feedback_routes (feedback_id, group_id, routed_at) VALUES ($1, $2, $3)",
        feedback_id,
        to_group_id,
        at,
    )


# ---------------------------------------------------------------- public transparency


class PublicItem(msgspec.Struct, frozen=True):
    id: uuid.UUID
    created_at: dt.datetime
    version_label: str
    section_key: str | None
    section_heading: str | None
    category: str
    submitter_role: str
    body: str
    status: str
    changed_in_version: str | None
    answers: list[dict[str, Any]]


# Shown publicly: moderated (routed or later, never received or rejected), allowed by the
# submitter, text not erased. The answers are the group's public words; notes never are.
PUBLIC_STATUSES = ("routed", "in_review", "answered", "closed", "change_planned", "changed")


async def public_items(
    conn: asyncpg.Connection,
    document_id: int,
    version: str | None,
    after: Cursor | None,
    page_size: int,
) -> tuple[list[PublicItem], Cursor | None]:
    rows = await conn.fetch(
        """
        SELECT f.id, f.created_at, v.label, f.section_key, s.heading, f.category,
               f.submitter_role, f.body, f.status, cv.label,
               coalesce((SELECT jsonb_agg(jsonb_build_object(
                            'status', a.status, 'text', a.body, 'will_change', a.will_change,
                            'reason', a.reason_code, 'version', av.label, 'group', g.name,
                            'answered_at', a.answered_at) ORDER BY a.answered_at, a.id)
                         FROM feedback_answers a
                         JOIN subject_groups g ON g.id = a.group_id
                         LEFT JOIN document_versions av ON av.id = a.version_id
                         WHERE a.feedback_id = f.id), '[]')
        FROM feedback f
        JOIN document_versions v ON v.id = f.version_id
        LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
        LEFT JOIN document_versions cv ON cv.id = f.changed_in_version_id
        WHERE f.document_id = $1 AND f.status = ANY($2::text[]) AND f.consent_public
          AND f.body IS NOT NULL AND ($3::text IS NULL OR v.label = $3)
          AND ($4::timestamptz IS NULL OR (f.created_at, f.id) > ($4, $5))
        ORDER BY f.created_at, f.id
        LIMIT $6
        """,
        document_id,
        list(PUBLIC_STATUSES),
        version,
        after.at if after else None,
        after.id if after else None,
        page_size + 1,
    )
    items = [PublicItem(*row) for row in rows]
    more = len(items) > page_size
    items = items[:page_size]
    return items, Cursor(items[-1].created_at, items[-1].id) if more else None


class Statistics(msgspec.Struct, frozen=True):
    received: int
    answered: int
    change_planned: int
    changed: int
    median_days_to_answer: float | None


async def statistics(
    conn: asyncpg.Connection,
    *,
    document_id: int | None = None,
    group_id: int | None = None,
    programme_area_id: int | None = None,
) -> Statistics:
    """Counts over moderated items (so nothing unmoderated is counted publicly) and the median
    number of days from receipt to the group's first answer."""
    row = await conn.fetchrow(
        """
        WITH items AS (
            SELECT f.id, f.status, f.created_at FROM feedback f
            WHERE f.status = ANY($1::text[])
              AND ($2::bigint IS NULL OR f.document_id = $2)
              AND ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM feedback_routes r
                                                 WHERE r.feedback_id = f.id AND r.group_id = $3))
              AND ($4::bigint IS NULL OR f.document_id IN (
                     SELECT d.id FROM guidance_documents d
                     JOIN subject_groups g ON g.id = d.subject_group_id
                     WHERE g.programme_area_id = $4))),
        first_answers AS (
            SELECT i.id, min(a.answered_at) - i.created_at AS took FROM items i
            JOIN feedback_answers a ON a.feedback_id = i.id GROUP BY i.id, i.created_at)
        SELECT (SELECT count(*) FROM items),
               (SELECT count(*) FROM items WHERE status IN ('answered', 'closed',
                                                            'change_planned', 'changed')),
               (SELECT count(*) FROM items WHERE status = 'change_planned'),
               (SELECT count(*) FROM items WHERE status = 'changed'),
               (SELECT percentile_cont(0.5) WITHIN GROUP (
                    ORDER BY extract(epoch FROM took) / 86400) FROM first_answers)
        """,
        list(PUBLIC_STATUSES),
        document_id,
        group_id,
        programme_area_id,
    )
    median = row[4]
    return Statistics(row[0], row[1], row[2], row[3], None if median is None else round(median, 1))


# ---------------------------------------------------------------- exports

EXPORT_COLUMNS = (
    "id",
    "received_at",
    "routed_at",
    "status",
    "document",
    "version",
    "section",
    "category",
    "submitter_role",
    "urgent",
    "text",
    "answer",
    "will_change",
    "close_reason",
    "answered_at",
    "changed_in_version",
    "care_region",
    "care_region_name",
)

_EXPORT = """
    SELECT f.id, f.created_at, r.routed_at, f.status, d.slug, v.label, f.section_key,
           f.category, f.submitter_role, f.urgent, f.body, la.body, la.will_change,
           la.reason_code, la.answered_at, cv.label, f.care_region, cr.name
    FROM feedback_routes r
    JOIN feedback f ON f.id = r.feedback_id
    JOIN guidance_documents d ON d.id = f.document_id
    JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN document_versions cv ON cv.id = f.changed_in_version_id
    LEFT JOIN regions cr ON cr.code = f.care_region
    LEFT JOIN LATERAL (SELECT a.body, a.will_change, a.reason_code, a.answered_at
                       FROM feedback_answers a WHERE a.feedback_id = f.id
                       ORDER BY a.answered_at DESC, a.id DESC LIMIT 1) la ON true
    WHERE r.group_id = $1
    ORDER BY r.routed_at, r.feedback_id
"""


def export_rows(
    conn: asyncpg.Connection, group_id: int, batch: int = 500
) -> AsyncGenerator[list[asyncpg.Record], None]:
    """A group's items in arrival order, for the CSV and JSON exports."""
    return _batches(conn, _EXPORT, group_id, batch)


_TRACE = """
    SELECT f.id, d.title, v.label, f.created_at,
           (SELECT min(a.occurred_at) FROM audit_events a
            WHERE a.subject_type = 'feedback' AND a.subject_id = f.id::text
            AND a.action IN ('moderation.approved', 'moderation.redacted')),
           r.routed_at,
           (SELECT min(an.answered_at) FROM feedback_answers an WHERE an.feedback_id = f.id),
           f.status, cv.label
    FROM feedback_routes r
    JOIN feedback f ON f.id = r.feedback_id
    JOIN guidance_documents d ON d.id = f.document_id
    JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN document_versions cv ON cv.id = f.changed_in_version_id
    WHERE r.group_id = $1
    ORDER BY r.routed_at, r.feedback_id
"""


class TraceRow(msgspec.Struct, frozen=True):
    id: uuid.UUID
    document_title: str
    version_label: str
    received_at: dt.datetime
    moderated_at: dt.datetime | None
    routed_at: dt.datetime
    answered_at: dt.datetime | None
    status: str
    changed_in_version: str | None


async def trace_rows(
    conn: asyncpg.Connection, group_id: int, batch: int = 500
) -> AsyncGenerator[list[TraceRow], None]:
    """For the traceability report: each item's way from received to changed in a version."""
    # Closed with this generator, so that a report left midway ends its transaction at once.
    async with aclosing(_batches(conn, _TRACE, group_id, batch)) as batches:
        async for rows in batches:
            yield [TraceRow(*row) for row in rows]


async def _batches(
    conn: asyncpg.Connection, sql: str, group_id: int, batch: int
) -> AsyncGenerator[list[asyncpg.Record], None]:
    """Rows in batches from a server-side cursor, so memory stays flat however many there are.
    Runs in one read-only snapshot."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows: list[asyncpg.Record] = []
        async for row in conn.cursor(sql, group_id, prefetch=batch):
            rows.append(row)
            if len(rows) >= batch:
                yield rows
                rows = []
        if rows:
            yield rows


async def unassign(conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int) -> None:
    await conn.execute(
        "DELETE FROM feedback_assignments WHERE feedback_id = $1 AND group_id = $2",
        feedback_id,
        group_id,
    )


async def may_be_assigned(conn: asyncpg.Connection, group_id: int, user_id: int) -> bool:
    """A live member or lead of the group; a patient representative acts for no one."""
    found = await conn.fetchval(
        "SELECT 1 FROM group_memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.group_id = $1 AND m.user_id = $2 AND u.deleted_at IS NULL "
        "AND m.role <> 'patient_representative'",
        group_id,
        user_id,
    )
    return bool(found)


async def assign(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    group_id: int,
    user_id: int,
    *,
    by: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO feedback_assignments (feedback_id, group_id, user_id, assigned_by, "
        "assigned_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (feedback_id, group_id) "
        "DO UPDATE SET user_id = EXCLUDED.user_id, assigned_by = EXCLUDED.assigned_by, "
        "assigned_at = EXCLUDED.assigned_at",
        feedback_id,
        group_id,
        user_id,
        by,
        at,
    )
