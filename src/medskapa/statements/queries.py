"""SQL for joint statements: drafts, sections and their history, citations, co-signers, and who
stands behind and hears about a sent one. Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec


class Statement(msgspec.Struct, frozen=True):
    id: uuid.UUID
    organisation_id: int
    organisation_slug: str
    organisation_name: str
    round_id: int | None
    consultation_id: int | None
    document_id: int
    document_slug: str
    document_title: str
    version_id: int
    version_label: str
    title: str
    status: str
    feedback_id: uuid.UUID | None
    feedback_status: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None


_STATEMENT = """
    SELECT st.id, st.organisation_id, o.slug AS organisation_slug,
           o.name AS organisation_name, st.round_id, st.consultation_id, st.document_id,
           d.slug AS document_slug, d.title AS document_title, st.version_id,
           v.label AS version_label, st.title, st.status, st.feedback_id,
           f.status AS feedback_status, st.created_at, st.updated_at, st.submitted_at
    FROM statements st
    JOIN organisations o ON o.id = st.organisation_id
    JOIN guidance_documents d ON d.id = st.document_id
    JOIN document_versions v ON v.id = st.version_id
    LEFT JOIN feedback f ON f.id = st.feedback_id
"""


async def statement(conn: asyncpg.Connection, statement_id: uuid.UUID) -> Statement | None:
    row = await conn.fetchrow(f"{_STATEMENT} WHERE st.id = $1", statement_id)
    return None if row is None else Statement(**row)


async def statements_of(conn: asyncpg.Connection, org_id: int) -> list[Statement]:
    """Statements the organisation wrote or was asked to co-sign."""
    rows = await conn.fetch(
        f"{_STATEMENT} WHERE st.organisation_id = $1 OR EXISTS (SELECT 1 FROM "
        "statement_cosigners c WHERE c.statement_id = st.id AND c.organisation_id = $1) "
        "ORDER BY st.updated_at DESC",
        org_id,
    )
    return [Statement(**row) for row in rows]


async def insert_statement(
    conn: asyncpg.Connection,
    *,
    org_id: int,
    round_id: int | None,
    consultation_id: int | None,
    document_id: int,
    version_id: int,
    title: str,
    created_by: int | None,
    now: dt.datetime,
) -> uuid.UUID:
    return await conn.fetchval(
        "INSERT INTO statements (organisation_id, round_id, consultation_id, "
        "document_id, version_id, title, created_by, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        org_id,
        round_id,
        consultation_id,
        document_id,
        version_id,
        title,
        created_by,
        now,
    )


async def status_for_update(conn: asyncpg.Connection, statement_id: uuid.UUID) -> str:
    """The statement's status, with the statement locked until the transaction ends."""
    return await conn.fetchval(
        "SELECT status FROM statements WHERE id = $1 FOR UPDATE", statement_id
    )


async def mark_submitted(
    conn: asyncpg.Connection,
    statement_id: uuid.UUID,
    feedback_id: uuid.UUID,
    now: dt.datetime,
    by: int | None,
) -> None:
    await conn.execute(
        "UPDATE statements SET status = 'submitted', feedback_id = $2, submitted_at = $3, "
        "submitted_by = $4, updated_at = $3 WHERE id = $1",
        statement_id,
        feedback_id,
        now,
        by,
    )


# ---------------------------------------------------------------- sections


class StatementSection(msgspec.Struct, frozen=True):
    id: int
    position: int
    heading: str
    body: str
    updated_at: dt.datetime
    updated_by: int | None


async def sections(conn: asyncpg.Connection, statement_id: uuid.UUID) -> list[StatementSection]:
    rows = await conn.fetch(
        "SELECT id, position, heading, body, updated_at, updated_by FROM statement_sections "
        "WHERE statement_id = $1 ORDER BY position",
        statement_id,
    )
    return [StatementSection(**row) for row in rows]


async def has_section(conn: asyncpg.Connection, statement_id: uuid.UUID, section_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM statement_sections WHERE id = $1 AND statement_id = $2",
            section_id,
            statement_id,
        )
    )


async def save_section(
    conn: asyncpg.Connection,
    statement_id: uuid.UUID,
    section_id: int | None,
    *,
    heading: str,
    body: str,
    now: dt.datetime,
    by: int | None,
) -> int:
    """Add a section at the end (``section_id`` None) or overwrite one; keep the edit in the
    history and touch the statement. Returns the section's id."""
    if section_id is None:
        saved_id = await conn.fetchval(
            "INSERT INTO statement_sections (statement_id, position, heading, body, "
            "updated_at, updated_by) VALUES ($1, (SELECT coalesce(max(position), 0) + 1 "
            "FROM statement_sections WHERE statement_id = $1), $2, $3, $4, $5) RETURNING id",
            statement_id,
            heading,
            body,
            now,
            by,
        )
    else:
        saved_id = await conn.fetchval(
            "UPDATE statement_sections SET heading = $2, body = $3, updated_at = $4, "
            "updated_by = $5 WHERE id = $1 RETURNING id",
            section_id,
            heading,
            body,
            now,
            by,
        )
    await conn.execute(
        "INSERT INTO statement_revisions (section_id, statement_id, editor_id, heading, "
        "body, edited_at) VALUES ($1, $2, $3, $4, $5, $6)",
        saved_id,
        statement_id,
        by,
        heading,
        body,
        now,
    )
    await conn.execute("UPDATE statements SET updated_at = $2 WHERE id = $1", statement_id, now)
    return saved_id


class Revision(msgspec.Struct, frozen=True):
    section_id: int
    editor_id: int | None
    editor_email: str | None
    heading: str
    body: str
    edited_at: dt.datetime


async def revisions(conn: asyncpg.Connection, statement_id: uuid.UUID) -> list[Revision]:
    rows = await conn.fetch(
        "SELECT r.section_id, r.editor_id, u.email AS editor_email, r.heading, r.body, "
        "r.edited_at FROM statement_revisions r LEFT JOIN users u ON u.id = r.editor_id "
        "AND u.deleted_at IS NULL WHERE r.statement_id = $1 ORDER BY r.edited_at DESC, r.id DESC",
        statement_id,
    )
    return [Revision(**row) for row in rows]


# ---------------------------------------------------------------- citations


class Citation(msgspec.Struct, frozen=True):
    """A cited member input, shown without its author: citations stay anonymised."""

    member_input_id: uuid.UUID
    section_id: int | None
    section_key: str | None
    category: str
    body: str


async def citations(conn: asyncpg.Connection, statement_id: uuid.UUID) -> list[Citation]:
    rows = await conn.fetch(
        "SELECT c.member_input_id, c.section_id, i.section_key, i.category, i.body "
        "FROM statement_citations c JOIN member_inputs i ON i.id = c.member_input_id "
        "WHERE c.statement_id = $1 ORDER BY c.cited_at, c.member_input_id",
        statement_id,
    )
    return [Citation(**row) for row in rows]


async def cite(
    conn: asyncpg.Connection,
    statement_id: uuid.UUID,
    input_id: uuid.UUID,
    section_id: int | None,
    by: int | None,
    now: dt.datetime,
) -> None:
    """Cite the input (again: only its section changes)."""
    await conn.execute(
        "INSERT INTO statement_citations (statement_id, member_input_id, section_id, "
        "cited_by, cited_at) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (statement_id, member_input_id) DO UPDATE SET section_id = "
        "EXCLUDED.section_id",
        statement_id,
        input_id,
        section_id,
        by,
        now,
    )


# ---------------------------------------------------------------- co-signers


class Cosigner(msgspec.Struct, frozen=True):
    organisation_id: int
    slug: str
    name: str
    invited_at: dt.datetime
    signed_at: dt.datetime | None


async def cosigners(conn: asyncpg.Connection, statement_id: uuid.UUID) -> list[Cosigner]:
    rows = await conn.fetch(
        "SELECT o.id AS organisation_id, o.slug, o.name, c.invited_at, c.signed_at "
        "FROM statement_cosigners c JOIN organisations o ON o.id = c.organisation_id "
        "WHERE c.statement_id = $1 ORDER BY c.invited_at, o.id",
        statement_id,
    )
    return [Cosigner(**row) for row in rows]


async def is_asked_to_cosign(
    conn: asyncpg.Connection, statement_id: uuid.UUID, org_id: int
) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM statement_cosigners WHERE statement_id = $1 AND organisation_id = $2",
            statement_id,
            org_id,
        )
    )


async def cosigning_slug(
    conn: asyncpg.Connection, statement_id: uuid.UUID, org_ids: list[int]
) -> str | None:
    """The first of ``org_ids`` asked to co-sign the statement, by its slug."""
    return await conn.fetchval(
        "SELECT o.slug FROM statement_cosigners c JOIN organisations o "
        "ON o.id = c.organisation_id WHERE c.statement_id = $1 "
        "AND c.organisation_id = ANY($2::bigint[]) ORDER BY o.id LIMIT 1",
        statement_id,
        org_ids,
    )


async def ask_to_cosign(
    conn: asyncpg.Connection,
    statement_id: uuid.UUID,
    org_id: int,
    by: int | None,
    now: dt.datetime,
) -> bool:
    """False when the organisation was asked already."""
    added = await conn.fetchval(
        "INSERT INTO statement_cosigners (statement_id, organisation_id, invited_by, "
        "invited_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
        statement_id,
        org_id,
        by,
        now,
    )
    return added is not None


async def sign(
    conn: asyncpg.Connection,
    statement_id: uuid.UUID,
    org_id: int,
    now: dt.datetime,
    by: int | None,
) -> bool:
    """False when the organisation has signed already."""
    signed = await conn.fetchval(
        "UPDATE statement_cosigners SET signed_at = $3, signed_by = $4 "
        "WHERE statement_id = $1 AND organisation_id = $2 AND signed_at IS NULL "
        "RETURNING 1",
        statement_id,
        org_id,
        now,
        by,
    )
    return signed is not None


# ---------------------------------------------------------------- once it is a feedback item


class Signatories(msgspec.Struct, frozen=True):
    """Who stands behind a feedback item that is an organisation's joint statement: for
    moderation, routing and the subject group, which see it as a feedback item."""

    statement_id: uuid.UUID
    organisation: str
    cosigners: list[str]
    """Names of the organisations that signed before it was sent."""


async def statement_signatories(
    conn: asyncpg.Connection, feedback_id: uuid.UUID
) -> Signatories | None:
    row = await conn.fetchrow(
        "SELECT st.id AS statement_id, o.name AS organisation, "
        "coalesce((SELECT array_agg(co.name ORDER BY c.signed_at) "
        "  FROM statement_cosigners c JOIN organisations co ON co.id = c.organisation_id "
        "  WHERE c.statement_id = st.id AND c.signed_at IS NOT NULL "
        "  AND c.signed_at <= st.submitted_at), '{}') AS cosigners "
        "FROM statements st JOIN organisations o ON o.id = st.organisation_id "
        "WHERE st.feedback_id = $1",
        feedback_id,
    )
    return None if row is None else Signatories(**row)
