"""SQL for a group's exports and its traceability report: every item the group has, read in
batches from a server-side cursor so memory stays flat. Rows are read by column name."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import asyncpg
import msgspec

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
    "changed_at",
    "care_region",
    "care_region_name",
    "themes",
    "assignee",
)

# The answer is the group's last written words and its reason the last one given: linking an
# item to the version that changed it adds a step with neither, which must not blank them out.
_EXPORT = """
    SELECT f.id, f.created_at AS received_at, r.routed_at, f.status, d.slug AS document,
           v.label AS version, f.section_key AS section, f.category, f.submitter_role,
           f.urgent, f.body AS text, la.body AS answer, la.will_change,
           lr.reason_code AS close_reason, la.answered_at, cv.label AS changed_in_version,
           ch.answered_at AS changed_at, f.care_region, cr.name AS care_region_name,
           coalesce((SELECT array_agg(t.name ORDER BY lower(t.name))
                     FROM feedback_themes ft JOIN group_themes t ON t.id = ft.theme_id
                     WHERE ft.feedback_id = f.id AND t.group_id = r.group_id), '{}') AS themes,
           u.email AS assignee
    FROM feedback_routes r
    JOIN feedback f ON f.id = r.feedback_id
    JOIN guidance_documents d ON d.id = f.document_id
    JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN document_versions cv ON cv.id = f.changed_in_version_id
    LEFT JOIN regions cr ON cr.code = f.care_region
    LEFT JOIN feedback_assignments fa ON fa.feedback_id = f.id AND fa.group_id = r.group_id
    LEFT JOIN users u ON u.id = fa.user_id
    LEFT JOIN LATERAL (SELECT a.body, a.will_change, a.answered_at
                       FROM feedback_answers a WHERE a.feedback_id = f.id AND a.body IS NOT NULL
                       ORDER BY a.answered_at DESC, a.id DESC LIMIT 1) la ON true
    LEFT JOIN LATERAL (SELECT a.reason_code
                       FROM feedback_answers a
                       WHERE a.feedback_id = f.id AND a.reason_code IS NOT NULL
                       ORDER BY a.answered_at DESC, a.id DESC LIMIT 1) lr ON true
    LEFT JOIN LATERAL (SELECT a.answered_at
                       FROM feedback_answers a
                       WHERE a.feedback_id = f.id AND a.status = 'changed'
                       ORDER BY a.answered_at DESC, a.id DESC LIMIT 1) ch ON true
    WHERE r.group_id = $1
    ORDER BY r.routed_at, r.feedback_id
"""


async def export_rows(
    conn: asyncpg.Connection, group_id: int, batch: int = 500
) -> AsyncGenerator[list[dict[str, Any]], None]:
    """A group's items in arrival order, for the CSV and JSON exports: each a dict with the
    keys of ``EXPORT_COLUMNS``, in that order."""
    # Closed with this generator, so that an export left midway ends its transaction at once.
    async with aclosing(_batches(conn, _EXPORT, group_id, batch)) as batches:
        async for rows in batches:
            yield [{column: row[column] for column in EXPORT_COLUMNS} for row in rows]


_TRACE = """
    SELECT f.id, d.title AS document_title, v.label AS version_label,
           f.created_at AS received_at,
           (SELECT min(a.occurred_at) FROM audit_events a
            WHERE a.subject_type = 'feedback' AND a.subject_id = f.id::text
            AND a.action IN ('moderation.approved', 'moderation.redacted')) AS moderated_at,
           r.routed_at,
           (SELECT min(an.answered_at) FROM feedback_answers an WHERE an.feedback_id = f.id)
               AS answered_at,
           f.status, cv.label AS changed_in_version
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
            yield [TraceRow(**dict(row)) for row in rows]


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
