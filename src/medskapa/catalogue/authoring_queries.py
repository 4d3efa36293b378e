"""SQL for writing guidance content: documents, draft versions, sections, publishing and the
re-anchoring report. Rows are mapped by column name."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import asyncpg
import msgspec

from medskapa.catalogue.domain import Placement
from medskapa.catalogue.importer import SectionDraft

# Items whose passage still matters to someone: everything not finished or gone.
OPEN_STATUSES = ("received", "routed", "in_review", "answered", "change_planned")


class GroupRow(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    archived: bool


class DocumentRow(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    kind: str
    status: str
    summary: str
    group_id: int
    group_slug: str
    group_name: str


class VersionRow(msgspec.Struct, frozen=True):
    id: int
    label: str
    published_on: dt.date | None
    published_at: dt.datetime | None
    title: str | None
    summary: str | None
    change_summary: str
    created_by: str
    updated_at: dt.datetime
    easy_read: str
    anchors_built_at: dt.datetime | None

    @property
    def is_draft(self) -> bool:
        return self.published_on is None


class SectionRow(msgspec.Struct, frozen=True):
    key: str
    number: str
    heading: str
    level: int
    body: str


class OpenItem(msgspec.Struct, frozen=True):
    """An open item anchored on an earlier version, and where its passage was last seen."""

    id: uuid.UUID
    version_id: int
    section_key: str | None
    quote_exact: str | None
    quote_prefix: str | None
    quote_suffix: str | None
    placed_version_id: int | None
    placed_outcome: str | None
    placed_section: str | None
    placed_start: int | None
    placed_end: int | None


class PlacementRow(msgspec.Struct, frozen=True):
    feedback_id: uuid.UUID
    from_version_id: int
    from_section: str | None
    outcome: str
    section_key: str | None
    confidence: float
    start_offset: int | None
    end_offset: int | None


class ReportRow(msgspec.Struct, frozen=True):
    feedback_id: uuid.UUID
    status: str
    category: str
    created_at: dt.datetime
    from_label: str
    from_section: str | None
    from_heading: str | None
    heading: str | None
    quote_exact: str | None
    outcome: str
    section_key: str | None
    confidence: float
    start_offset: int | None
    end_offset: int | None


async def group(conn: asyncpg.Connection, slug: str) -> GroupRow | None:
    row = await conn.fetchrow(
        "SELECT id, slug, name, archived_at IS NOT NULL AS archived "
        "FROM subject_groups WHERE slug = $1",
        slug,
    )
    return GroupRow(**row) if row else None


_DOCUMENT = """
    SELECT d.id, d.slug, d.title, d.kind, d.status, d.summary,
           g.id AS group_id, g.slug AS group_slug, g.name AS group_name
    FROM guidance_documents d JOIN subject_groups g ON g.id = d.subject_group_id
"""


async def document(
    conn: asyncpg.Connection, slug: str, *, lock: bool = False
) -> DocumentRow | None:
    sql = _DOCUMENT + " WHERE d.slug = $1" + (" FOR UPDATE OF d" if lock else "")
    row = await conn.fetchrow(sql, slug)
    return DocumentRow(**row) if row else None


async def document_by_id(conn: asyncpg.Connection, document_id: int) -> DocumentRow | None:
    row = await conn.fetchrow(_DOCUMENT + " WHERE d.id = $1", document_id)
    return DocumentRow(**row) if row else None


class DocumentOverview(msgspec.Struct, frozen=True):
    document: DocumentRow
    current: str | None
    """The newest published version's label."""
    draft: str | None


_BY_LABEL = "string_to_array(v.label, '.')::int[] DESC"


async def overview(
    conn: asyncpg.Connection, group_ids: Sequence[int] | None
) -> list[DocumentOverview]:
    """Documents owned by these groups (all when None), by title, each with its current
    version and its draft: one query for the whole list."""
    rows = await conn.fetch(
        "SELECT d.id, d.slug, d.title, d.kind, d.status, d.summary, g.id AS group_id, "
        "g.slug AS group_slug, g.name AS group_name, "
        "(SELECT v.label FROM document_versions v WHERE v.document_id = d.id "
        f" AND v.published_on IS NOT NULL ORDER BY {_BY_LABEL} LIMIT 1) AS current, "
        "(SELECT v.label FROM document_versions v WHERE v.document_id = d.id "
        f" AND v.published_on IS NULL ORDER BY {_BY_LABEL} LIMIT 1) AS draft "
        "FROM guidance_documents d JOIN subject_groups g ON g.id = d.subject_group_id "
        "WHERE $1::bigint[] IS NULL OR g.id = ANY($1::bigint[]) ORDER BY d.title",
        None if group_ids is None else list(group_ids),
    )
    found = []
    for row in rows:
        values = dict(row)
        current, draft = values.pop("current"), values.pop("draft")
        found.append(DocumentOverview(DocumentRow(**values), current, draft))
    return found


_VERSION_COLUMNS = """id, label, published_on, published_at, title, summary, change_summary,
    created_by, updated_at, anchors_built_at, easy_read"""


async def versions(conn: asyncpg.Connection, document_id: int) -> list[VersionRow]:
    """Oldest first, by label."""
    rows = await conn.fetch(
        f"SELECT {_VERSION_COLUMNS} FROM document_versions WHERE document_id = $1", document_id
    )
    found = [VersionRow(**row) for row in rows]
    return sorted(found, key=lambda v: tuple(int(p) for p in v.label.split(".")))


async def version(
    conn: asyncpg.Connection, document_id: int, label: str, *, lock: bool = False
) -> VersionRow | None:
    row = await conn.fetchrow(
        f"SELECT {_VERSION_COLUMNS} FROM document_versions WHERE document_id = $1 AND label = $2"
        + (" FOR UPDATE" if lock else ""),
        document_id,
        label,
    )
    return VersionRow(**row) if row else None


async def sections(conn: asyncpg.Connection, version_id: int) -> list[SectionRow]:
    rows = await conn.fetch(
        "SELECT key, number, heading, level, body FROM sections WHERE version_id = $1 "
        "ORDER BY position",
        version_id,
    )
    return [SectionRow(**row) for row in rows]


async def sections_of(
    conn: asyncpg.Connection, version_ids: Sequence[int]
) -> dict[int, list[SectionRow]]:
    rows = await conn.fetch(
        "SELECT version_id, key, number, heading, level, body FROM sections "
        "WHERE version_id = ANY($1::bigint[]) ORDER BY version_id, position",
        list(version_ids),
    )
    found: dict[int, list[SectionRow]] = {v: [] for v in version_ids}
    for row in rows:
        values = dict(row)
        found[values.pop("version_id")].append(SectionRow(**values))
    return found


async def insert_document(
    conn: asyncpg.Connection, *, slug: str, title: str, kind: str, summary: str, group_id: int
) -> int:
    return await conn.fetchval(
        "INSERT INTO guidance_documents (slug, title, kind, status, summary, subject_group_id) "
        "VALUES ($1, $2, $3, 'draft', $4, $5) RETURNING id",
        slug,
        title,
        kind,
        summary,
        group_id,
    )


async def insert_version(
    conn: asyncpg.Connection,
    *,
    document_id: int,
    label: str,
    title: str,
    summary: str,
    change_summary: str,
    created_by: str,
    now: dt.datetime,
    easy_read: str = "",
) -> int:
    return await conn.fetchval(
        "INSERT INTO document_versions (document_id, label, title, summary, change_summary, "
        "created_by, created_at, updated_at, easy_read) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
        document_id,
        label,
        title,
        summary,
        change_summary,
        created_by,
        now,
        easy_read,
    )


async def replace_sections(
    conn: asyncpg.Connection, version_id: int, drafts: Sequence[SectionDraft | SectionRow]
) -> None:
    await conn.execute("DELETE FROM sections WHERE version_id = $1", version_id)
    await conn.executemany(
        "INSERT INTO sections (version_id, key, number, heading, level, body, position) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            (version_id, s.key, s.number, s.heading, s.level, s.body, position)
            for position, s in enumerate(drafts, start=1)
        ],
    )


async def update_draft(
    conn: asyncpg.Connection,
    version_id: int,
    *,
    title: str,
    summary: str,
    change_summary: str,
    now: dt.datetime,
    easy_read: str | None = None,
) -> None:
    """``easy_read`` None: the easy-to-read summary stays as it is."""
    await conn.execute(
        "UPDATE document_versions SET title = $2, summary = $3, change_summary = $4, "
        "updated_at = $5, anchors_built_at = NULL, easy_read = coalesce($6, easy_read) "
        "WHERE id = $1",
        version_id,
        title,
        summary,
        change_summary,
        now,
        easy_read,
    )


async def publish_version(
    conn: asyncpg.Connection,
    version_id: int,
    *,
    published_on: dt.date,
    now: dt.datetime,
    change_summary: str,
) -> None:
    await conn.execute(
        "UPDATE document_versions SET published_on = $2, published_at = $3, "
        "change_summary = $4, updated_at = $3, anchors_built_at = $3 WHERE id = $1",
        version_id,
        published_on,
        now,
        change_summary,
    )


async def update_published_document(
    conn: asyncpg.Connection, document_id: int, *, title: str, summary: str
) -> None:
    await conn.execute(
        "UPDATE guidance_documents SET title = $2, summary = $3, "
        "status = CASE WHEN status = 'archived' THEN status ELSE 'published' END WHERE id = $1",
        document_id,
        title,
        summary,
    )


async def open_items(conn: asyncpg.Connection, document_id: int, draft_id: int) -> list[OpenItem]:
    rows = await conn.fetch(
        """
        SELECT f.id, f.version_id, f.section_key, f.quote_exact, f.quote_prefix, f.quote_suffix,
               p.version_id AS placed_version_id, p.outcome AS placed_outcome,
               p.section_key AS placed_section, p.start_offset AS placed_start,
               p.end_offset AS placed_end
        FROM feedback f
        LEFT JOIN LATERAL (
            SELECT ap.version_id, ap.outcome, ap.section_key, ap.start_offset, ap.end_offset
            FROM anchor_placements ap JOIN document_versions v ON v.id = ap.version_id
            WHERE ap.feedback_id = f.id AND v.published_at IS NOT NULL
            ORDER BY v.published_at DESC, v.id DESC LIMIT 1
        ) p ON true
        WHERE f.document_id = $1 AND f.version_id <> $2 AND f.erased_at IS NULL
          AND f.status = ANY($3::text[])
        ORDER BY f.created_at, f.id
        """,
        document_id,
        draft_id,
        list(OPEN_STATUSES),
    )
    return [OpenItem(**row) for row in rows]


async def store_placements(
    conn: asyncpg.Connection, version_id: int, placements: Sequence[PlacementRow]
) -> None:
    await conn.execute("DELETE FROM anchor_placements WHERE version_id = $1", version_id)
    await conn.copy_records_to_table(
        "anchor_placements",
        columns=[
            "version_id",
            "feedback_id",
            "from_version_id",
            "from_section",
            "outcome",
            "section_key",
            "confidence",
            "start_offset",
            "end_offset",
        ],
        records=[
            (
                version_id,
                p.feedback_id,
                p.from_version_id,
                p.from_section,
                p.outcome,
                p.section_key,
                p.confidence,
                p.start_offset,
                p.end_offset,
            )
            for p in placements
        ],
    )


async def mark_anchors_built(conn: asyncpg.Connection, version_id: int, now: dt.datetime) -> None:
    await conn.execute(
        "UPDATE document_versions SET anchors_built_at = $2 WHERE id = $1", version_id, now
    )


async def report(conn: asyncpg.Connection, version_id: int) -> list[ReportRow]:
    rows = await conn.fetch(
        """
        SELECT ap.feedback_id, f.status, f.category, f.created_at, v.label AS from_label,
               ap.from_section, ap.outcome, ap.section_key, ap.confidence,
               ap.start_offset, ap.end_offset, f.quote_exact,
               nullif(concat_ws(' ', nullif(fs.number, ''), fs.heading), '') AS from_heading,
               nullif(concat_ws(' ', nullif(s.number, ''), s.heading), '') AS heading
        FROM anchor_placements ap
        JOIN feedback f ON f.id = ap.feedback_id
        JOIN document_versions v ON v.id = ap.from_version_id
        LEFT JOIN sections fs ON fs.version_id = ap.from_version_id AND fs.key = ap.from_section
        LEFT JOIN sections s ON s.version_id = ap.version_id AND s.key = ap.section_key
        WHERE ap.version_id = $1
        ORDER BY CASE ap.outcome WHEN 'gone' THEN 0 WHEN 'changed' THEN 1
                                 WHEN 'moved' THEN 2 ELSE 3 END, f.created_at, f.id
        """,
        version_id,
    )
    return [ReportRow(**row) for row in rows]


class PlacedContact(msgspec.Struct, frozen=True):
    feedback_id: uuid.UUID
    contact_id: int
    language: str
    outcome: str
    section_key: str | None


async def placed_contacts(conn: asyncpg.Connection, version_id: int) -> list[PlacedContact]:
    """Submitters who left an address, for each item placed in this version."""
    rows = await conn.fetch(
        "SELECT ap.feedback_id, f.contact_id, f.language, ap.outcome, ap.section_key "
        "FROM anchor_placements ap JOIN feedback f ON f.id = ap.feedback_id "
        "WHERE ap.version_id = $1 AND f.contact_id IS NOT NULL ORDER BY f.created_at, f.id",
        version_id,
    )
    return [PlacedContact(**row) for row in rows]


async def current_placement(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> Placement | None:
    row = await conn.fetchrow(
        """
        SELECT v.label, ap.outcome, ap.section_key, s.heading, s.number, ap.confidence
        FROM anchor_placements ap
        JOIN document_versions v ON v.id = ap.version_id AND v.published_at IS NOT NULL
        LEFT JOIN sections s ON s.version_id = v.id AND s.key = ap.section_key
        WHERE ap.feedback_id = $1
        ORDER BY v.published_at DESC, v.id DESC LIMIT 1
        """,
        feedback_id,
    )
    return Placement(**row) if row else None
