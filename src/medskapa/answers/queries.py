"""SQL for the public answers: a public document, its moderated feedback that may be shown,
the groups' answers to it, and the statistics. Rows map to Structs by column name; every value
is a bound parameter."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncGenerator
from typing import Any

import asyncpg
import msgspec

from medskapa.catalogue.domain import PUBLIC_STATUSES as PUBLIC_DOCUMENT_STATUSES
from medskapa.triage.domain import Cursor


class PublicDocument(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str


async def public_document(conn: asyncpg.Connection, slug: str) -> PublicDocument | None:
    row = await conn.fetchrow(
        "SELECT id, slug, title FROM guidance_documents WHERE slug = $1 AND status = ANY($2)",
        slug,
        [str(s) for s in PUBLIC_DOCUMENT_STATUSES],
    )
    return None if row is None else PublicDocument(**dict(row))


async def has_version(conn: asyncpg.Connection, document_id: int, label: str) -> bool:
    """Whether the document has a version with this label (published or not)."""
    found = await conn.fetchval(
        "SELECT 1 FROM document_versions WHERE document_id = $1 AND label = $2",
        document_id,
        label,
    )
    return found is not None


async def published_labels(conn: asyncpg.Connection, slug: str) -> list[str]:
    """A document's published version labels, oldest first."""
    rows = await conn.fetch(
        "SELECT v.label FROM document_versions v JOIN guidance_documents d "
        "ON d.id = v.document_id WHERE d.slug = $1 AND v.published_on IS NOT NULL "
        "ORDER BY v.published_on, v.id",
        slug,
    )
    return [row["label"] for row in rows]


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
        SELECT f.id, f.created_at, v.label AS version_label, f.section_key,
               s.heading AS section_heading, f.category, f.submitter_role, f.body, f.status,
               cv.label AS changed_in_version,
               coalesce((SELECT jsonb_agg(jsonb_build_object(
                            'status', a.status, 'text', a.body, 'will_change', a.will_change,
                            'reason', a.reason_code, 'version', av.label, 'group', g.name,
                            'answered_at', a.answered_at) ORDER BY a.answered_at, a.id)
                         FROM feedback_answers a
                         JOIN subject_groups g ON g.id = a.group_id
                         LEFT JOIN document_versions av ON av.id = a.version_id
                         WHERE a.feedback_id = f.id), '[]') AS answers
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
    items = [PublicItem(**dict(row)) for row in rows]
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
    version: str | None = None,
) -> Statistics:
    """Counts over moderated items (so nothing unmoderated is counted publicly) and the median
    number of days from receipt to the group's first answer; only items on the version labelled
    ``version`` when given."""
    row = await conn.fetchrow(
        """
        WITH items AS (
            SELECT f.id, f.status, f.created_at FROM feedback f
            WHERE f.status = ANY($1::text[]) AND f.subject = 'guidance'
              AND ($2::bigint IS NULL OR f.document_id = $2)
              AND ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM feedback_routes r
                                                 WHERE r.feedback_id = f.id AND r.group_id = $3))
              AND ($4::bigint IS NULL OR f.document_id IN (
                     SELECT d.id FROM guidance_documents d
                     JOIN subject_groups g ON g.id = d.subject_group_id
                     WHERE g.programme_area_id = $4))
              AND ($5::text IS NULL OR f.version_id IN (
                     SELECT v.id FROM document_versions v WHERE v.label = $5))),
        first_answers AS (
            SELECT i.id, min(a.answered_at) - i.created_at AS took FROM items i
            JOIN feedback_answers a ON a.feedback_id = i.id GROUP BY i.id, i.created_at)
        SELECT (SELECT count(*) FROM items) AS received,
               (SELECT count(*) FROM items WHERE status IN ('answered', 'closed',
                                                            'change_planned', 'changed'))
                   AS answered,
               (SELECT count(*) FROM items WHERE status = 'change_planned') AS change_planned,
               (SELECT count(*) FROM items WHERE status = 'changed') AS changed,
               (SELECT percentile_cont(0.5) WITHIN GROUP (
                    ORDER BY extract(epoch FROM took) / 86400) FROM first_answers)
                   AS median_days_to_answer
        """,
        list(PUBLIC_STATUSES),
        document_id,
        group_id,
        programme_area_id,
        version,
    )
    median = row["median_days_to_answer"]
    return Statistics(
        received=row["received"],
        answered=row["answered"],
        change_planned=row["change_planned"],
        changed=row["changed"],
        median_days_to_answer=None if median is None else round(median, 1),
    )


# The open data: every public item of every public document, with the groups' answers. Only
# what the responses page shows anyone: moderated, allowed by the submitter, text not erased;
# the day it came in (not the moment), never the region, contact or account.
_OPEN_DATA = """
    SELECT f.id, (f.created_at AT TIME ZONE 'Europe/Stockholm')::date AS received_on,
           d.slug AS document, d.title AS document_title, pa.slug AS programme_area,
           v.label AS version, f.section_key AS section, s.heading AS section_heading,
           f.category, f.submitter_role, f.body AS text, f.status,
           cv.label AS changed_in_version,
           coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'status', a.status, 'text', a.body, 'will_change', a.will_change,
                        'reason', a.reason_code, 'version', av.label, 'group', g.name,
                        'answered_on',
                        ((a.answered_at AT TIME ZONE 'Europe/Stockholm')::date)::text)
                        ORDER BY a.answered_at, a.id)
                     FROM feedback_answers a
                     JOIN subject_groups g ON g.id = a.group_id
                     LEFT JOIN document_versions av ON av.id = a.version_id
                     WHERE a.feedback_id = f.id), '[]') AS answers
    FROM feedback f
    JOIN guidance_documents d ON d.id = f.document_id
    JOIN subject_groups dg ON dg.id = d.subject_group_id
    JOIN programme_areas pa ON pa.id = dg.programme_area_id
    JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
    LEFT JOIN document_versions cv ON cv.id = f.changed_in_version_id
    WHERE f.status = ANY($1::text[]) AND f.consent_public AND f.body IS NOT NULL
      AND d.status = ANY($2::text[])
    ORDER BY f.created_at, f.id
"""


class OpenItem(msgspec.Struct, frozen=True):
    id: uuid.UUID
    received_on: dt.date
    document: str
    document_title: str
    programme_area: str
    version: str
    section: str | None
    section_heading: str | None
    category: str
    submitter_role: str
    text: str
    status: str
    changed_in_version: str | None
    answers: list[dict[str, Any]]


async def open_items(
    conn: asyncpg.Connection, batch: int = 500
) -> AsyncGenerator[list[OpenItem], None]:
    """The open data in batches from a server-side cursor, in one read-only snapshot, so
    memory stays flat however many items there are."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows: list[OpenItem] = []
        async for row in conn.cursor(
            _OPEN_DATA,
            list(PUBLIC_STATUSES),
            [str(s) for s in PUBLIC_DOCUMENT_STATUSES],
            prefetch=batch,
        ):
            rows.append(OpenItem(**dict(row)))
            if len(rows) >= batch:
                yield rows
                rows = []
        if rows:
            yield rows
