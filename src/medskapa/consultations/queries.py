"""SQL for consultations: who may answer them, what came in on them, reminders. Rows map to
Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.consultations.domain import Consultation

_CONSULTATION = """
    SELECT c.id, c.group_id, g.name AS group_name, c.document_id, d.slug AS document_slug,
           d.title AS document_title, c.version_id, v.label AS version_label,
           c.title, c.questions, c.start_date, c.deadline, c.opens_at, c.closes_at,
           c.open_to_all_verified, c.created_at,
           coalesce((SELECT array_agg(organisation_id ORDER BY organisation_id)
                     FROM consultation_organisations WHERE consultation_id = c.id), '{}')
               AS organisation_ids,
           c.preview_shared_at
    FROM consultations c
    JOIN subject_groups g ON g.id = c.group_id
    JOIN guidance_documents d ON d.id = c.document_id
    JOIN document_versions v ON v.id = c.version_id
"""


async def consultation(conn: asyncpg.Connection, consultation_id: int) -> Consultation | None:
    row = await conn.fetchrow(f"{_CONSULTATION} WHERE c.id = $1", consultation_id)
    return None if row is None else Consultation(**row)


async def consultations_for(
    conn: asyncpg.Connection, group_ids: list[int], org_ids: list[int]
) -> list[Consultation]:
    """Consultations of the given groups, and those the given organisations may answer
    (invited, or open to all verified organisations when the organisation is verified)."""
    rows = await conn.fetch(
        f"{_CONSULTATION} WHERE c.group_id = ANY($1::bigint[]) "
        "OR EXISTS (SELECT 1 FROM consultation_organisations co "
        "  WHERE co.consultation_id = c.id AND co.organisation_id = ANY($2::bigint[])) "
        "OR (c.open_to_all_verified AND EXISTS (SELECT 1 FROM organisations o "
        "  WHERE o.id = ANY($2::bigint[]) AND o.verified_at IS NOT NULL)) "
        "ORDER BY c.closes_at DESC, c.id DESC",
        group_ids,
        org_ids,
    )
    return [Consultation(**row) for row in rows]


async def may_answer(conn: asyncpg.Connection, consultation_id: int, org_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM consultation_organisations "
            "  WHERE consultation_id = $1 AND organisation_id = $2) "
            "OR EXISTS (SELECT 1 FROM consultations c, organisations o "
            "  WHERE c.id = $1 AND o.id = $2 AND c.open_to_all_verified "
            "  AND o.verified_at IS NOT NULL)",
            consultation_id,
            org_id,
        )
    )


async def answering_organisations(conn: asyncpg.Connection, consultation_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT o.id FROM organisations o WHERE EXISTS (SELECT 1 FROM "
        "consultation_organisations co WHERE co.consultation_id = $1 "
        "AND co.organisation_id = o.id) OR (o.verified_at IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM consultations c WHERE c.id = $1 AND c.open_to_all_verified)) "
        "ORDER BY o.id",
        consultation_id,
    )
    return [row["id"] for row in rows]


# ---------------------------------------------------------------- opening


class DocumentOwner(msgspec.Struct, frozen=True):
    id: int
    subject_group_id: int


async def document_owner(conn: asyncpg.Connection, slug: str) -> DocumentOwner | None:
    row = await conn.fetchrow(
        "SELECT id, subject_group_id FROM guidance_documents WHERE slug = $1", slug
    )
    return None if row is None else DocumentOwner(**row)


async def version_id(conn: asyncpg.Connection, document_id: int, label: str) -> int | None:
    return await conn.fetchval(
        "SELECT id FROM document_versions WHERE document_id = $1 AND label = $2",
        document_id,
        label,
    )


async def insert_consultation(
    conn: asyncpg.Connection,
    *,
    group_id: int,
    document_id: int,
    version_id: int,
    title: str,
    questions: list[str],
    start_date: dt.date,
    deadline: dt.date,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    open_to_all_verified: bool,
    created_by: int | None,
    now: dt.datetime,
) -> int:
    return await conn.fetchval(
        "INSERT INTO consultations (group_id, document_id, version_id, title, "
        "questions, start_date, deadline, opens_at, closes_at, open_to_all_verified, "
        "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
        "$12) RETURNING id",
        group_id,
        document_id,
        version_id,
        title,
        questions,
        start_date,
        deadline,
        opens_at,
        closes_at,
        open_to_all_verified,
        created_by,
        now,
    )


async def invite_organisations(
    conn: asyncpg.Connection, consultation_id: int, org_ids: list[int]
) -> None:
    await conn.executemany(
        "INSERT INTO consultation_organisations (consultation_id, organisation_id) VALUES ($1, $2)",
        [(consultation_id, org_id) for org_id in org_ids],
    )


async def group_documents(
    conn: asyncpg.Connection, group_ids: list[int]
) -> list[tuple[str, str, list[str]]]:
    """(slug, title, version labels newest first) of the documents the groups own."""
    rows = await conn.fetch(
        "SELECT d.slug, d.title, array_agg(v.label ORDER BY v.id DESC) AS labels "
        "FROM guidance_documents d JOIN document_versions v ON v.document_id = d.id "
        "WHERE d.subject_group_id = ANY($1::bigint[]) GROUP BY d.id ORDER BY d.title",
        group_ids,
    )
    return [(row["slug"], row["title"], list(row["labels"])) for row in rows]


async def share_preview(
    conn: asyncpg.Connection, consultation_id: int, now: dt.datetime, by: int | None
) -> bool:
    """Mark the response table shared; False when it was already."""
    shared = await conn.fetchval(
        "UPDATE consultations SET preview_shared_at = $2, preview_shared_by = $3 "
        "WHERE id = $1 AND preview_shared_at IS NULL RETURNING id",
        consultation_id,
        now,
        by,
    )
    return shared is not None


# ---------------------------------------------------------------- what came in


class ReceivedStatement(msgspec.Struct, frozen=True):
    """An organisation's submitted statement on the consultation, as the group sees it."""

    id: uuid.UUID
    organisation_id: int
    organisation_name: str
    title: str
    feedback_status: str
    cosigners: list[str]
    """Names of the organisations that signed before it was sent."""


async def received_statements(
    conn: asyncpg.Connection, consultation_id: int
) -> list[ReceivedStatement]:
    """Submitted statements a moderator has let through to the group."""
    rows = await conn.fetch(
        "SELECT st.id, st.organisation_id, o.name AS organisation_name, st.title, "
        "f.status AS feedback_status, "
        "coalesce((SELECT array_agg(co.name ORDER BY c.signed_at) "
        "  FROM statement_cosigners c JOIN organisations co ON co.id = c.organisation_id "
        "  WHERE c.statement_id = st.id AND c.signed_at IS NOT NULL "
        "  AND c.signed_at <= st.submitted_at), '{}') AS cosigners "
        "FROM statements st JOIN organisations o ON o.id = st.organisation_id "
        "JOIN feedback f ON f.id = st.feedback_id "
        "WHERE st.consultation_id = $1 AND st.status = 'submitted' "
        "AND f.status NOT IN ('received', 'rejected', 'withdrawn') ORDER BY st.submitted_at",
        consultation_id,
    )
    return [ReceivedStatement(**row) for row in rows]


class ConsultationItem(msgspec.Struct, frozen=True):
    """Feedback received on the consultation's version, for the subject group's view."""

    id: uuid.UUID
    section_key: str | None
    section_heading: str | None
    category: str
    submitter_role: str
    status: str
    created_at: dt.datetime


async def consultation_items(conn: asyncpg.Connection, version_id: int) -> list[ConsultationItem]:
    """Items a moderator has let through (received and rejected ones are not the group's)."""
    rows = await conn.fetch(
        "SELECT f.id, f.section_key, s.heading AS section_heading, f.category, "
        "f.submitter_role, f.status, f.created_at FROM feedback f "
        "LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key "
        "WHERE f.version_id = $1 AND f.status NOT IN ('received', 'rejected', 'withdrawn') "
        "ORDER BY f.section_key NULLS FIRST, f.created_at",
        version_id,
    )
    return [ConsultationItem(**row) for row in rows]


class ResponseRow(msgspec.Struct, frozen=True):
    """One line of a consultation's comment/response table: a statement or an individual item
    on the version, with the group's latest answer."""

    feedback_id: uuid.UUID
    section_key: str | None
    section_heading: str | None
    category: str
    organisation: str | None
    """The organisation that sent it, for a statement; None for an individual."""
    statement_title: str | None
    body: str | None
    consent_public: bool
    status: str
    answer_status: str | None
    answer: str | None
    answer_reason: str | None
    answer_version: str | None
    answered_at: dt.datetime | None


async def response_rows(conn: asyncpg.Connection, version_id: int) -> list[ResponseRow]:
    """Every statement and item on the version that moderation let through, by section (the
    whole document first), statements before individuals, each with its latest answer."""
    rows = await conn.fetch(
        """
        SELECT f.id AS feedback_id, f.section_key, s.heading AS section_heading, f.category,
               o.name AS organisation, st.title AS statement_title, f.body, f.consent_public,
               f.status, a.status AS answer_status, a.body AS answer,
               a.reason_code AS answer_reason, av.label AS answer_version, a.answered_at
        FROM feedback f
        LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
        LEFT JOIN statements st ON st.feedback_id = f.id
        LEFT JOIN organisations o ON o.id = st.organisation_id
        LEFT JOIN LATERAL (
            SELECT * FROM feedback_answers fa WHERE fa.feedback_id = f.id
            ORDER BY fa.answered_at DESC, fa.id DESC LIMIT 1) a ON true
        LEFT JOIN document_versions av ON av.id = a.version_id
        WHERE f.version_id = $1
          AND f.status NOT IN ('received', 'rejected', 'withdrawn')
        ORDER BY s.position NULLS FIRST, st.id IS NULL, f.created_at, f.id
        """,
        version_id,
    )
    return [ResponseRow(**row) for row in rows]


# ---------------------------------------------------------------- reminders


async def closing_between(
    conn: asyncpg.Connection, now: dt.datetime, until: dt.datetime
) -> list[int]:
    """Consultations open now that close by ``until``."""
    rows = await conn.fetch(
        "SELECT id FROM consultations WHERE opens_at <= $1 AND closes_at > $1 "
        "AND closes_at <= $2 ORDER BY id",
        now,
        until,
    )
    return [row["id"] for row in rows]


async def has_answered(conn: asyncpg.Connection, consultation_id: int, org_id: int) -> bool:
    """Whether the organisation has sent a statement on the consultation."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM statements WHERE consultation_id = $1 "
            "AND organisation_id = $2 AND status = 'submitted'",
            consultation_id,
            org_id,
        )
    )


async def claim_reminder(
    conn: asyncpg.Connection, consultation_id: int, org_id: int, now: dt.datetime
) -> bool:
    """True once per organisation and consultation: the one reminder is this caller's to send."""
    claimed = await conn.fetchval(
        "INSERT INTO consultation_reminders (consultation_id, organisation_id, sent_at) "
        "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
        consultation_id,
        org_id,
        now,
    )
    return claimed is not None
