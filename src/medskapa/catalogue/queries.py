"""SQL for the catalogue. Rows map to domain Structs by column name."""

from __future__ import annotations

import asyncpg

from medskapa.catalogue.domain import (
    LISTED_STATUSES,
    PUBLIC_STATUSES,
    Document,
    DocumentStatus,
    DocumentSummary,
    ProgrammeArea,
    Section,
    SubjectGroup,
    Version,
)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def programme_areas(conn: asyncpg.Connection) -> list[ProgrammeArea]:
    rows = await conn.fetch(
        "SELECT slug, name FROM programme_areas WHERE archived_at IS NULL ORDER BY name"
    )
    return [ProgrammeArea(slug=row["slug"], name=row["name"]) for row in rows]


_SUMMARY_COLUMNS = """
    d.slug, d.title, d.kind, d.status, d.summary,
    g.slug AS group_slug, g.name AS group_name, a.slug AS area_slug, a.name AS area_name,
    cv.label AS current_version, cv.published_on
"""
_SUMMARY_FROM = """
    FROM guidance_documents d
    JOIN subject_groups g ON g.id = d.subject_group_id
    JOIN programme_areas a ON a.id = g.programme_area_id
    LEFT JOIN current_versions cv ON cv.document_id = d.id
"""


# The search as typed, and with diacritics folded away on both sides (sql/0022). Each in a
# scalar subquery: computed once per search, not once per row, and the plan does not depend
# on the words, so PostgreSQL can keep one plan for every search instead of planning each.
_EXACT = "(SELECT websearch_to_tsquery('swedish', $2))"
_FOLDED = "(SELECT websearch_to_tsquery('swedish', search_fold($2)))"


def _summary(row: asyncpg.Record) -> DocumentSummary:
    area = ProgrammeArea(slug=row["area_slug"], name=row["area_name"])
    return DocumentSummary(
        slug=row["slug"],
        title=row["title"],
        kind=row["kind"],
        status=row["status"],
        summary=row["summary"],
        subject_group=SubjectGroup(
            slug=row["group_slug"], name=row["group_name"], programme_area=area
        ),
        current_version=row["current_version"],
        published_on=row["published_on"],
    )


async def list_documents(
    conn: asyncpg.Connection,
    *,
    programme_area: str | None = None,
    query: str | None = None,
) -> list[DocumentSummary]:
    """Listed documents, optionally in one programme area and matching a search.

    The search matches title and summary, and the text of the current version's sections,
    with PostgreSQL's Swedish dictionary (so "diabetes" finds "diabetesvård"'s stem and
    inflections), plus a plain substring match on the title for partly typed words. Each is
    tried as typed and with diacritics folded away on both sides (search_fold(), sql/0022), so
    "hjartsvikt" finds "Hjärtsvikt" and the other way round. Documents that match as typed
    come first, in the order of their rank as typed; the others follow by their folded rank.
    """
    if query is None:
        rows = await conn.fetch(
            f"SELECT {_SUMMARY_COLUMNS} {_SUMMARY_FROM} "
            "WHERE d.status = ANY($1::text[]) AND ($2::text IS NULL OR a.slug = $2) "
            "ORDER BY d.title",
            list(LISTED_STATUSES),
            programme_area,
        )
        return [_summary(row) for row in rows]
    # Only our own constant fragments are interpolated; every value is a bound parameter. The
    # matching sections are found first, through their GIN indexes, in every version; the
    # join keeps those of current versions.
    sql = f"""
        WITH matched_sections AS (
            SELECT s.version_id, bool_or(s.search @@ {_EXACT}) AS exact
            FROM sections s
            WHERE s.search @@ {_EXACT} OR s.search_folded @@ {_FOLDED}
            GROUP BY s.version_id
        )
        SELECT *
        FROM (
            SELECT {_SUMMARY_COLUMNS},
                   d.search @@ {_EXACT}
                       OR d.title ILIKE $3
                       OR coalesce(ms.exact, false) AS exact_match,
                   d.search_folded @@ {_FOLDED}
                       OR search_fold(d.title) ILIKE search_fold($3)
                       OR ms.version_id IS NOT NULL AS folded_match,
                   ts_rank(d.search, {_EXACT})
                       + CASE WHEN d.title ILIKE $3 THEN 1 ELSE 0 END AS rank,
                   ts_rank(d.search_folded, {_FOLDED})
                       + CASE WHEN search_fold(d.title) ILIKE search_fold($3) THEN 1 ELSE 0 END
                       AS folded_rank
            {_SUMMARY_FROM}
            LEFT JOIN matched_sections ms ON ms.version_id = cv.version_id
            WHERE d.status = ANY($1::text[])
              AND ($4::text IS NULL OR a.slug = $4)
        ) m
        WHERE exact_match OR folded_match
        ORDER BY exact_match DESC,
                 CASE WHEN exact_match THEN rank ELSE folded_rank END DESC,
                 title
    """
    rows = await conn.fetch(sql, list(LISTED_STATUSES), query, _like_pattern(query), programme_area)
    return [_summary(row) for row in rows]


async def search_vocabulary(conn: asyncpg.Connection) -> list[str]:
    """The texts whose words a search may correct a typo to: the listed documents' titles and
    summaries and their current versions' section headings (all of which the search reads),
    in a fixed order, so that the same catalogue gives the same list."""
    rows = await conn.fetch(
        """
        SELECT d.title || ' ' || d.summary AS text
        FROM guidance_documents d
        WHERE d.status = ANY($1::text[])
        UNION ALL
        SELECT s.heading
        FROM guidance_documents d
        JOIN current_versions cv ON cv.document_id = d.id
        JOIN sections s ON s.version_id = cv.version_id
        WHERE d.status = ANY($1::text[])
        ORDER BY 1
        """,
        list(LISTED_STATUSES),
    )
    return [row["text"] for row in rows]


async def get_document(conn: asyncpg.Connection, slug: str) -> Document | None:
    """A publicly readable document with all its versions and their sections."""
    row = await conn.fetchrow(
        f"SELECT d.id, {_SUMMARY_COLUMNS} {_SUMMARY_FROM} "
        "WHERE d.slug = $1 AND d.status = ANY($2::text[])",
        slug,
        list(PUBLIC_STATUSES),
    )
    if row is None:
        return None
    document_id, summary = row["id"], _summary(row)
    version_rows = await conn.fetch(
        "SELECT id, label, published_on, change_summary, easy_read FROM document_versions "
        "WHERE document_id = $1 AND (published_on IS NOT NULL OR $2) "
        "ORDER BY published_on NULLS LAST, id",
        document_id,
        summary.status == DocumentStatus.CONSULTATION,
    )
    section_rows = await conn.fetch(
        "SELECT s.version_id, s.key, s.heading, s.body, s.number, s.level FROM sections s "
        "JOIN document_versions v ON v.id = s.version_id "
        "WHERE v.document_id = $1 AND (v.published_on IS NOT NULL OR $2) "
        "ORDER BY s.version_id, s.position",
        document_id,
        summary.status == DocumentStatus.CONSULTATION,
    )
    sections: dict[int, list[Section]] = {}
    for row in section_rows:
        sections.setdefault(row["version_id"], []).append(
            Section(
                key=row["key"],
                heading=row["heading"],
                text=row["body"],
                number=row["number"],
                level=row["level"],
            )
        )
    versions = [
        Version(
            label=row["label"],
            published_on=row["published_on"],
            change_summary=row["change_summary"],
            sections=sections.get(row["id"], []),
            easy_read=row["easy_read"],
        )
        for row in version_rows
    ]
    return Document(
        slug=summary.slug,
        title=summary.title,
        kind=summary.kind,
        status=summary.status,
        summary=summary.summary,
        subject_group=summary.subject_group,
        current_version=summary.current_version,
        versions=versions,
    )
