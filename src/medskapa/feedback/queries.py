"""SQL for feedback. Rows map to Structs in the order the SELECT names them."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.catalogue.markdown import plain_text


class TargetVersion(msgspec.Struct, frozen=True):
    document_id: int
    version_id: int
    version_label: str


async def target_version(
    conn: asyncpg.Connection, slug: str, label: str | None
) -> tuple[bool, TargetVersion | None]:
    """(document exists, the version feedback goes to). Feedback is taken on published
    documents and on documents out for consultation (including their draft version); without
    a label it goes to the current version."""
    row = await conn.fetchrow(
        "SELECT d.id, v.id, v.label FROM guidance_documents d "
        "LEFT JOIN LATERAL (SELECT id, label FROM document_versions "
        "   WHERE document_id = d.id AND ("
        "     ($2::text IS NULL AND published_on IS NOT NULL) OR (label = $2 AND "
        "     (published_on IS NOT NULL OR d.status = 'consultation'))) "
        "   ORDER BY published_on DESC NULLS LAST, id DESC LIMIT 1) v ON true "
        "WHERE d.slug = $1 AND d.status IN ('published', 'consultation')",
        slug,
        label,
    )
    if row is None:
        return False, None
    return True, None if row[1] is None else TargetVersion(*row)


async def section_text(conn: asyncpg.Connection, version_id: int, key: str) -> str | None:
    """The section's words as a reader sees them (quotes are selected on the page)."""
    body = await conn.fetchval(
        "SELECT body FROM sections WHERE version_id = $1 AND key = $2", version_id, key
    )
    return None if body is None else plain_text(body)


class FeedbackRecord(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    document_slug: str
    document_title: str
    version_label: str
    section_key: str | None
    section_heading: str | None
    quote: str | None
    category: str
    submitter_role: str
    body: str | None
    consent_public: bool
    consent_contact: bool
    has_contact: bool
    created_at: dt.datetime
    erased_at: dt.datetime | None
    moderator_message: str | None = None
    """A rejecting moderator's optional words to the submitter."""


_RECORD = """
    SELECT f.id, f.status, d.slug, d.title, v.label, f.section_key, s.heading, f.quote_exact,
           f.category, f.submitter_role, f.body, f.consent_public, f.consent_contact,
           f.contact_id IS NOT NULL, f.created_at, f.erased_at,
           (SELECT message FROM moderation_decisions WHERE feedback_id = f.id)
    FROM feedback f
    JOIN guidance_documents d ON d.id = f.document_id
    JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
"""


async def by_receipt(
    conn: asyncpg.Connection, receipt_hash: bytes, *, lock: bool = False
) -> FeedbackRecord | None:
    row = await conn.fetchrow(
        f"{_RECORD} WHERE f.receipt_hash = $1{' FOR UPDATE OF f' if lock else ''}",
        receipt_hash,
    )
    return None if row is None else FeedbackRecord(*row)
