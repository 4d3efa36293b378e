"""The SQL of "Hjälpte informationen på sidan dig?" (feedback/helpfulness.py)."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec


class AnswerableVersion(msgspec.Struct, frozen=True):
    """A version readers may say was helpful: one feedback may name (published, or the draft
    of a document out for consultation)."""

    id: int
    label: str
    section_keys: list[str]


class HelpfulnessCount(msgspec.Struct, frozen=True):
    """The answers on one version and section (``section`` None: the document as a whole)."""

    document: str
    """The document's slug."""
    version: str
    """The version's label."""
    section: str | None
    yes: int
    no: int
    with_reason: int
    """Answers that gave a reason (the reasons themselves are never shown)."""


async def answerable_version(
    conn: asyncpg.Connection, slug: str, label: str | None
) -> AnswerableVersion | None:
    """The version ``label`` of the document ``slug``; without a label the one the public
    reads (the newest published, or the consultation draft where none is published)."""
    row = await conn.fetchrow(
        "SELECT v.id, v.label, "
        "  coalesce((SELECT array_agg(s.key ORDER BY s.position) FROM sections s "
        "            WHERE s.version_id = v.id), '{}') AS section_keys "
        "FROM guidance_documents d JOIN document_versions v ON v.document_id = d.id "
        "WHERE d.slug = $1 AND d.status IN ('published', 'consultation') "
        "  AND (v.published_on IS NOT NULL OR d.status = 'consultation') "
        "  AND ($2::text IS NULL OR v.label = $2) "
        "ORDER BY v.published_on DESC NULLS LAST, v.id DESC LIMIT 1",
        slug,
        label,
    )
    return None if row is None else AnswerableVersion(**row)


async def insert_answer(
    conn: asyncpg.Connection,
    *,
    version_id: int,
    section_key: str | None,
    helpful: bool,
    reason: str | None,
    via: str,
    browser_hash: bytes,
    day: dt.date,
) -> bool:
    """Store the answer; False when this browser has already answered on this version."""
    stored = await conn.fetchval(
        "INSERT INTO helpfulness_answers "
        "(version_id, section_key, helpful, reason, reason_given, via, browser_hash, "
        "answered_on) VALUES ($1, $2, $3, $4, $4::text IS NOT NULL, $5, $6, $7) "
        "ON CONFLICT (version_id, browser_hash) DO NOTHING RETURNING id",
        version_id,
        section_key,
        helpful,
        reason,
        via,
        browser_hash,
        day,
    )
    return stored is not None


async def has_answered(conn: asyncpg.Connection, version_id: int, browser_hash: bytes) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT FROM helpfulness_answers "
            "WHERE version_id = $1 AND browser_hash = $2)",
            version_id,
            browser_hash,
        )
    )


async def counts(
    conn: asyncpg.Connection,
    *,
    document: str | None,
    programme_area: str | None,
    version: str | None,
    since: dt.date | None,
    until: dt.date | None,
) -> list[HelpfulnessCount]:
    rows = await conn.fetch(
        "SELECT d.slug AS document, v.label AS version, h.section_key AS section, "
        "  count(*) FILTER (WHERE h.helpful) AS yes, "
        "  count(*) FILTER (WHERE NOT h.helpful) AS no, "
        "  count(*) FILTER (WHERE h.reason_given) AS with_reason "
        "FROM helpfulness_answers h "
        "JOIN document_versions v ON v.id = h.version_id "
        "JOIN guidance_documents d ON d.id = v.document_id "
        "JOIN subject_groups g ON g.id = d.subject_group_id "
        "JOIN programme_areas a ON a.id = g.programme_area_id "
        "LEFT JOIN sections s ON s.version_id = v.id AND s.key = h.section_key "
        "WHERE ($1::text IS NULL OR d.slug = $1) AND ($2::text IS NULL OR a.slug = $2) "
        "  AND ($3::text IS NULL OR v.label = $3) "
        "  AND ($4::date IS NULL OR h.answered_on >= $4) "
        "  AND ($5::date IS NULL OR h.answered_on <= $5) "
        "GROUP BY d.slug, v.id, v.label, h.section_key, s.position "
        "ORDER BY d.slug, v.id, s.position NULLS FIRST",
        document,
        programme_area,
        version,
        since,
        until,
    )
    return [HelpfulnessCount(**row) for row in rows]


async def erase_reasons(conn: asyncpg.Connection, before: dt.date, batch: int) -> int:
    """Erase the text of up to ``batch`` reasons given before ``before``; how many."""
    done = await conn.execute(
        "UPDATE helpfulness_answers SET reason = NULL WHERE id IN ("
        "  SELECT id FROM helpfulness_answers WHERE reason IS NOT NULL AND answered_on < $1 "
        "  ORDER BY answered_on LIMIT $2 FOR UPDATE SKIP LOCKED)",
        before,
        batch,
    )
    return int(done.split()[-1])
