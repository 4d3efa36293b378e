"""SQL for input rounds and the members' input in them. Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec


class Round(msgspec.Struct, frozen=True):
    id: int
    organisation_id: int
    consultation_id: int | None
    document_id: int
    document_slug: str
    document_title: str
    version_id: int
    version_label: str
    title: str
    deadline: dt.date
    closes_at: dt.datetime
    created_at: dt.datetime
    input_count: int


_ROUND = """
    SELECT r.id, r.organisation_id, r.consultation_id, r.document_id,
           d.slug AS document_slug, d.title AS document_title, r.version_id,
           v.label AS version_label, r.title, r.deadline, r.closes_at, r.created_at,
           (SELECT count(*) FROM member_inputs i WHERE i.round_id = r.id) AS input_count
    FROM input_rounds r
    JOIN guidance_documents d ON d.id = r.document_id
    JOIN document_versions v ON v.id = r.version_id
"""


async def round_in(conn: asyncpg.Connection, org_id: int, round_id: int) -> Round | None:
    """The round, only if it belongs to this organisation."""
    row = await conn.fetchrow(
        f"{_ROUND} WHERE r.id = $1 AND r.organisation_id = $2", round_id, org_id
    )
    return None if row is None else Round(**row)


async def rounds(conn: asyncpg.Connection, org_id: int) -> list[Round]:
    rows = await conn.fetch(
        f"{_ROUND} WHERE r.organisation_id = $1 ORDER BY r.created_at DESC, r.id DESC", org_id
    )
    return [Round(**row) for row in rows]


async def insert_round(
    conn: asyncpg.Connection,
    *,
    org_id: int,
    consultation_id: int | None,
    document_id: int,
    version_id: int,
    title: str,
    deadline: dt.date,
    closes_at: dt.datetime,
    created_by: int | None,
    now: dt.datetime,
) -> int:
    return await conn.fetchval(
        "INSERT INTO input_rounds (organisation_id, consultation_id, document_id, "
        "version_id, title, deadline, closes_at, created_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        org_id,
        consultation_id,
        document_id,
        version_id,
        title,
        deadline,
        closes_at,
        created_by,
        now,
    )


async def closes_at_for_share(conn: asyncpg.Connection, round_id: int) -> dt.datetime:
    """When the round closes, with the round locked against change until the transaction
    ends."""
    return await conn.fetchval(
        "SELECT closes_at FROM input_rounds WHERE id = $1 FOR SHARE", round_id
    )


class TargetVersion(msgspec.Struct, frozen=True):
    document_id: int
    version_id: int


async def current_version(conn: asyncpg.Connection, slug: str) -> TargetVersion | None:
    """The newest published version of a document that takes feedback (published or out for
    consultation); None when there is no such document or version."""
    row = await conn.fetchrow(
        "SELECT d.id AS document_id, v.id AS version_id FROM guidance_documents d "
        "JOIN LATERAL (SELECT id FROM document_versions WHERE document_id = d.id "
        "   AND published_on IS NOT NULL ORDER BY published_on DESC, id DESC LIMIT 1) v "
        "ON true WHERE d.slug = $1 AND d.status IN ('published', 'consultation')",
        slug,
    )
    return None if row is None else TargetVersion(**row)


async def section_body(conn: asyncpg.Connection, version_id: int, key: str) -> str | None:
    """The section's stored text (Markdown), or None when the version has no such section."""
    return await conn.fetchval(
        "SELECT body FROM sections WHERE version_id = $1 AND key = $2", version_id, key
    )


class VersionSection(msgspec.Struct, frozen=True):
    key: str
    heading: str
    body: str


async def version_sections(conn: asyncpg.Connection, version_id: int) -> list[VersionSection]:
    rows = await conn.fetch(
        "SELECT key, heading, body FROM sections WHERE version_id = $1 ORDER BY position",
        version_id,
    )
    return [VersionSection(**row) for row in rows]


# ---------------------------------------------------------------- member input


class MemberInput(msgspec.Struct, frozen=True):
    id: uuid.UUID
    round_id: int
    author_id: int | None
    author_email: str | None
    """Only when the member let the coordinators see their name."""
    show_name: bool
    section_key: str | None
    section_heading: str | None
    quote: str | None
    category: str
    body: str
    created_at: dt.datetime
    notify_on_answer: bool
    """The member asked to be told when the group answers a statement that cites this."""


_INPUT = """
    SELECT i.id, i.round_id, i.author_id,
           CASE WHEN i.show_name THEN u.email END AS author_email, i.show_name,
           i.section_key, s.heading AS section_heading, i.quote_exact AS quote, i.category,
           i.body, i.created_at, i.notify_on_answer
    FROM member_inputs i
    JOIN input_rounds r ON r.id = i.round_id
    LEFT JOIN users u ON u.id = i.author_id AND u.deleted_at IS NULL
    LEFT JOIN sections s ON s.version_id = r.version_id AND s.key = i.section_key
"""


async def inputs(
    conn: asyncpg.Connection, org_id: int, round_id: int, author_id: int | None = None
) -> list[MemberInput]:
    """A round's input; with ``author_id`` only that member's own."""
    rows = await conn.fetch(
        f"{_INPUT} WHERE i.round_id = $1 AND i.organisation_id = $2 "
        "AND ($3::bigint IS NULL OR i.author_id = $3) ORDER BY i.created_at, i.id",
        round_id,
        org_id,
        author_id,
    )
    return [MemberInput(**row) for row in rows]


async def input_in(
    conn: asyncpg.Connection, org_id: int, input_id: uuid.UUID
) -> MemberInput | None:
    row = await conn.fetchrow(
        f"{_INPUT} WHERE i.id = $1 AND i.organisation_id = $2", input_id, org_id
    )
    return None if row is None else MemberInput(**row)


async def insert_input(
    conn: asyncpg.Connection,
    *,
    round_id: int,
    org_id: int,
    author_id: int | None,
    show_name: bool,
    section_key: str | None,
    quote_exact: str | None,
    quote_prefix: str | None,
    quote_suffix: str | None,
    category: str,
    body: str,
    now: dt.datetime,
    notify_on_answer: bool,
) -> uuid.UUID:
    return await conn.fetchval(
        "INSERT INTO member_inputs (round_id, organisation_id, author_id, show_name, "
        "section_key, quote_exact, quote_prefix, quote_suffix, category, body, "
        "created_at, notify_on_answer) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        round_id,
        org_id,
        author_id,
        show_name,
        section_key,
        quote_exact,
        quote_prefix,
        quote_suffix,
        category,
        body,
        now,
        notify_on_answer,
    )


class CitedIn(msgspec.Struct, frozen=True):
    """A submitted statement that cites a member's input."""

    member_input_id: uuid.UUID
    statement_title: str
    feedback_id: uuid.UUID


async def cited_in(conn: asyncpg.Connection, input_ids: list[uuid.UUID]) -> list[CitedIn]:
    """The submitted statements citing any of ``input_ids`` (drafts are the coordinators'
    own business until they are sent)."""
    rows = await conn.fetch(
        "SELECT c.member_input_id, st.title AS statement_title, st.feedback_id "
        "FROM statement_citations c JOIN statements st ON st.id = c.statement_id "
        "WHERE c.member_input_id = ANY($1::uuid[]) AND st.status = 'submitted' "
        "ORDER BY st.submitted_at, st.id",
        input_ids,
    )
    return [CitedIn(**row) for row in rows]
