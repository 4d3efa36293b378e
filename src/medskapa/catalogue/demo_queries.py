"""SQL for the demo content (catalogue/demo.py): what is there already is kept, matched by
slug."""

from __future__ import annotations

import asyncpg


async def insert_demo_area(conn: asyncpg.Connection, slug: str, name: str) -> bool:
    """True when the area was new."""
    status = await conn.execute(
        "INSERT INTO programme_areas (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING",
        slug,
        name,
    )
    return status == "INSERT 0 1"


async def insert_demo_group(
    conn: asyncpg.Connection,
    *,
    slug: str,
    name: str,
    kind: str,
    description: str,
    area_slug: str,
) -> bool:
    """True when the group was new."""
    status = await conn.execute(
        "INSERT INTO subject_groups (slug, name, kind, description, programme_area_id) "
        "SELECT $1, $2, $3, $4, id FROM programme_areas WHERE slug = $5 "
        "ON CONFLICT (slug) DO NOTHING",
        slug,
        name,
        kind,
        description,
        area_slug,
    )
    return status == "INSERT 0 1"


async def document_slugs(conn: asyncpg.Connection, limit: int | None = None) -> list[str]:
    """Slugs of guidance documents, any status (up to ``limit``)."""
    rows = await conn.fetch("SELECT slug FROM guidance_documents LIMIT $1", limit)
    return [row["slug"] for row in rows]


async def open_for_consultation(
    conn: asyncpg.Connection, slugs: list[str], *, exclude: list[str]
) -> None:
    """The documents ``slugs`` (but not those in ``exclude``, which were there before) out
    for consultation."""
    await conn.execute(
        "UPDATE guidance_documents SET status = 'consultation' "
        "WHERE slug = ANY($1::text[]) AND NOT slug = ANY($2::text[])",
        slugs,
        exclude,
    )
