"""SQL for feedback. Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import asyncpg
import msgspec

from medskapa.audit.service import INSERT_COLUMNS as AUDIT_COLUMNS
from medskapa.catalogue.domain import named_version
from medskapa.catalogue.markdown import plain_text
from medskapa.feedback.domain import Quote
from medskapa.security.ratelimit import Counted


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
        "SELECT d.id AS document_id, v.id AS version_id, v.label AS version_label "
        "FROM guidance_documents d "
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
    return True, None if row["version_id"] is None else TargetVersion(**row)


async def section_text(conn: asyncpg.Connection, version_id: int, key: str) -> str | None:
    """The section's words as a reader sees them (quotes are selected on the page)."""
    body = await conn.fetchval(
        "SELECT body FROM sections WHERE version_id = $1 AND key = $2", version_id, key
    )
    return None if body is None else plain_text(body)


class FormSection(msgspec.Struct, frozen=True):
    key: str
    heading: str
    number: str = ""
    """The number the heading was written with ("4.1"), or empty."""
    level: int = 2


class FormVersion(msgspec.Struct, frozen=True):
    label: str
    sections: list[FormSection]


class FormDocument(msgspec.Struct, frozen=True):
    """A document that takes feedback, as its form shows it."""

    slug: str
    title: str
    current_version: str | None
    versions: list[FormVersion]
    """The versions feedback may name, oldest first: the published ones, and the draft of a
    document out for consultation."""

    def version(self, label: str | None) -> FormVersion | None:
        """The version with ``label``; without one, the current (newest published) version,
        or the newest draft where nothing is published yet."""
        return named_version(self.versions, self.current_version, label)


async def form_document(conn: asyncpg.Connection, slug: str) -> FormDocument | None:
    """The document by slug, if it takes feedback (published, or out for consultation)."""
    document = await conn.fetchrow(
        "SELECT d.id, d.slug, d.title, d.status, cv.label AS current_version "
        "FROM guidance_documents d LEFT JOIN current_versions cv ON cv.document_id = d.id "
        "WHERE d.slug = $1 AND d.status IN ('published', 'consultation')",
        slug,
    )
    if document is None:
        return None
    rows = await conn.fetch(
        "SELECT v.id AS version_id, v.label, s.key, s.heading, s.number, s.level "
        "FROM document_versions v "
        "LEFT JOIN sections s ON s.version_id = v.id "
        "WHERE v.document_id = $1 AND (v.published_on IS NOT NULL OR $2) "
        "ORDER BY v.published_on NULLS LAST, v.id, s.position",
        document["id"],
        document["status"] == "consultation",
    )
    versions: dict[int, FormVersion] = {}
    for row in rows:
        version = versions.setdefault(
            row["version_id"], FormVersion(label=row["label"], sections=[])
        )
        if row["key"] is not None:
            version.sections.append(
                FormSection(
                    key=row["key"], heading=row["heading"], number=row["number"], level=row["level"]
                )
            )
    return FormDocument(
        slug=document["slug"],
        title=document["title"],
        current_version=document["current_version"],
        versions=list(versions.values()),
    )


async def erase(conn: asyncpg.Connection, feedback_id: uuid.UUID, at: dt.datetime) -> None:
    """Remove the item's text, quote (or page) and personal-data findings, and its contact."""
    contact_id = await conn.fetchval(
        "UPDATE feedback f SET body = NULL, quote_exact = NULL, quote_prefix = NULL, "
        "quote_suffix = NULL, site_page = NULL, personal_data = '[]', contact_id = NULL, "
        "erased_at = $2, updated_at = $2 "
        "FROM feedback old WHERE old.id = f.id AND f.id = $1 RETURNING old.contact_id",
        feedback_id,
        at,
    )
    if contact_id is not None:
        await conn.execute("DELETE FROM contacts WHERE id = $1", contact_id)


async def set_status(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, status: str, at: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE feedback SET status = $2, updated_at = $3 WHERE id = $1", feedback_id, status, at
    )


class FeedbackRecord(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    subject: str
    """``guidance`` or ``site`` (a report about the service, with no document or version)."""
    document_slug: str | None
    document_title: str | None
    version_label: str | None
    site_page: str | None
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
    SELECT f.id, f.status, f.subject, d.slug AS document_slug, d.title AS document_title,
           v.label AS version_label, f.site_page, f.section_key, s.heading AS section_heading,
           f.quote_exact AS quote, f.category, f.submitter_role, f.body, f.consent_public,
           f.consent_contact, f.contact_id IS NOT NULL AS has_contact, f.created_at, f.erased_at,
           (SELECT message FROM moderation_decisions WHERE feedback_id = f.id)
             AS moderator_message
    FROM feedback f
    LEFT JOIN guidance_documents d ON d.id = f.document_id
    LEFT JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
"""


async def by_receipt(
    conn: asyncpg.Connection, receipt_hash: bytes, *, lock: bool = False
) -> FeedbackRecord | None:
    row = await conn.fetchrow(
        f"{_RECORD} WHERE f.receipt_hash = $1{' FOR UPDATE OF f' if lock else ''}",
        receipt_hash,
    )
    return None if row is None else FeedbackRecord(**row)


async def by_account(
    conn: asyncpg.Connection, user_id: int, limit: int | None
) -> list[FeedbackRecord]:
    """The account's feedback, newest first; at most ``limit`` items (None: all)."""
    rows = await conn.fetch(
        f"{_RECORD} WHERE f.user_id = $1 ORDER BY f.created_at DESC, f.id LIMIT $2",
        user_id,
        limit,
    )
    return [FeedbackRecord(**row) for row in rows]


class StoredFacts(msgspec.Struct, frozen=True):
    """What else is stored on an item of the account's, for its data download."""

    id: uuid.UUID
    language: str
    care_region: str | None
    contact_email: str | None


async def stored_facts(conn: asyncpg.Connection, user_id: int) -> list[StoredFacts]:
    rows = await conn.fetch(
        "SELECT f.id, f.language, f.care_region, c.email AS contact_email FROM feedback f "
        "LEFT JOIN contacts c ON c.id = f.contact_id WHERE f.user_id = $1",
        user_id,
    )
    return [StoredFacts(**row) for row in rows]


async def detach_account(conn: asyncpg.Connection, user_id: int) -> int:
    """Unlink the account's feedback and erase the e-mail address left on any of it for
    replies (its contact, and with it any unsent mail). How many items there were."""
    rows = await conn.fetch(
        "UPDATE feedback f SET user_id = NULL, contact_id = NULL "
        "FROM feedback old WHERE old.id = f.id AND f.user_id = $1 RETURNING old.contact_id",
        user_id,
    )
    contacts = [row["contact_id"] for row in rows if row["contact_id"] is not None]
    if contacts:
        await conn.execute("DELETE FROM contacts WHERE id = ANY($1::bigint[])", contacts)
    return len(rows)


# The statement that stores a submission (``insert_item``). The parts for the receipt mail are
# there only when the submitter left an address: PostgreSQL sets up every part of a statement
# on each execution, whether it writes a row or not, and the three it needs for the mail cost
# an address-less submission ~6 % of the database's time (pgbench, 16 clients, fresh tables).
# The address and the mail's limit come last ($38-$41), so both forms share the numbering.
_COUNTED = (
    "WITH attempt AS ("
    "  INSERT INTO rate_limits AS r (bucket, window_start, hits) SELECT $32, $33, 1 "
    "  WHERE $32::text IS NOT NULL ON CONFLICT (bucket, window_start) "
    "  DO UPDATE SET hits = r.hits + 1 RETURNING hits), "
    # Past its limit the row is left as it is and returns nothing, so nothing is stored.
    "accepted AS ("
    "  INSERT INTO rate_limits AS r (bucket, window_start, hits) SELECT $35, $36, 1 "
    "  WHERE $35::text IS NOT NULL AND ($32::text IS NULL OR "
    "  (SELECT hits FROM attempt) <= $34::int) ON CONFLICT (bucket, window_start) "
    "  DO UPDATE SET hits = r.hits + 1 WHERE r.hits < $37::int RETURNING hits), "
    "go AS (SELECT true AS ok WHERE $35::text IS NULL OR EXISTS (SELECT FROM accepted)), "
)
_CONTACT = (
    "mails AS ("
    "  INSERT INTO rate_limits AS r (bucket, window_start, hits) SELECT $39, $40, 1 "
    "  FROM go ON CONFLICT (bucket, window_start) "
    "  DO UPDATE SET hits = r.hits + 1 RETURNING hits), "
    "contact AS ("
    "  INSERT INTO contacts (email, created_at) SELECT $38, $14 FROM go RETURNING id), "
)


def _item(contact_id: str) -> str:
    return (
        "item AS ("
        "  INSERT INTO feedback (id, document_id, version_id, section_key, quote_exact, "
        "  quote_prefix, quote_suffix, category, submitter_role, body, language, "
        "  consent_public, consent_contact, contact_id, receipt_hash, personal_data, "
        "  created_at, updated_at, care_region, user_id, urgent, subject, site_page) "
        "  SELECT $1, $2, $3, $4, $5, $6, "
        f"  $7, $8, $9, $10, $11, $12, $13, {contact_id}, $15, $16, $14, $14, $28, "
        "  $29, $30, CASE WHEN $2::bigint IS NULL THEN 'site' ELSE 'guidance' END, $31 "
        "  FROM go RETURNING id), "
    )


# The receipt e-mail, in the same statement: it exists exactly when the item does.
_MAIL = (
    "mail AS ("
    "  INSERT INTO outbox_messages (template, contact_id, language, context, "
    "  created_at, next_attempt_at) "
    "  SELECT CASE WHEN d.id IS NULL THEN 'site_feedback_received' "
    "  ELSE 'feedback_received' END, contact.id, $11, jsonb_strip_nulls(jsonb_build_object("
    "    'document_title', d.title, 'follow_path', '/folj')), $14, $14 "
    "  FROM contact LEFT JOIN guidance_documents d ON d.id = $2 "
    "  WHERE (SELECT hits FROM mails) <= $41), "
)
_STORED = (
    f"event AS (INSERT INTO audit_events ({AUDIT_COLUMNS}) "
    "  SELECT $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27 FROM item) "
    "SELECT (SELECT hits FROM attempt) AS attempts, EXISTS (SELECT FROM item) AS stored"
)
_INSERT_ITEM = _COUNTED + _item("NULL::bigint") + _STORED
_INSERT_ITEM_WITH_MAIL = _COUNTED + _CONTACT + _item("(SELECT id FROM contact)") + _MAIL + _STORED


async def insert_item(
    conn: asyncpg.Connection,
    *,
    feedback_id: uuid.UUID,
    document_id: int | None,
    version_id: int | None,
    site_page: str | None = None,
    section_key: str | None,
    quote: Quote | None,
    category: str,
    submitter_role: str,
    body: str,
    language: str,
    consent_public: bool,
    consent_contact: bool,
    now: dt.datetime,
    email: str | None,
    receipt_hash: bytes,
    personal_data: object,
    audit_values: tuple[object, ...],
    mail_bucket: str | None,
    mail_window: dt.datetime,
    mails_per_window: int,
    care_region: str | None,
    user_id: int | None = None,
    urgent: bool = False,
    attempt: Counted | None = None,
    accepted: Counted | None = None,
) -> Literal["attempt", "accepted"] | None:
    """Contact, feedback, its first audit event and the receipt e-mail in one statement:
    atomic without an explicit transaction, and one round trip on the busiest path. Without an
    address there is no contact, no mail and no count against the mail limit. ``user_id``: the
    account it was sent from, when signed in (only the link; nothing of the person is copied).
    ``urgent``: the text carries a safety signal (feedback/safety.py). Without a document the
    item is a site item (``site_page``: the page it is about, if named) and its receipt mail
    says so.

    ``attempt`` and ``accepted``: the client's hits on the submission limits
    (security/ratelimit.py), counted in the same statement. The attempt always counts; the
    accepted hit counts, and the item is stored, only while both are within their limits.
    Returns which limit refused the item (nothing stored), or None when it was stored."""
    values = [
        feedback_id,
        document_id,
        version_id,
        section_key,
        quote.exact if quote else None,
        quote.prefix if quote else None,
        quote.suffix if quote else None,
        category,
        submitter_role,
        body,
        language,
        consent_public,
        consent_contact,
        now,
        receipt_hash,
        personal_data,
        *audit_values,
        care_region,
        user_id,
        urgent,
        site_page,
        attempt.bucket if attempt else None,
        attempt.window_start if attempt else None,
        attempt.most if attempt else None,
        accepted.bucket if accepted else None,
        accepted.window_start if accepted else None,
        accepted.most if accepted else None,
    ]
    if email is None:
        row = await conn.fetchrow(_INSERT_ITEM, *values)
    else:
        row = await conn.fetchrow(
            _INSERT_ITEM_WITH_MAIL, *values, email, mail_bucket, mail_window, mails_per_window
        )
    if row["stored"]:
        return None
    if attempt is not None and row["attempts"] > attempt.most:
        return "attempt"
    return "accepted"
