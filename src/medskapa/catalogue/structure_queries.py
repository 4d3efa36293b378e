"""SQL for the national structure: programme areas, their subject groups, and which group owns
which guidance document. Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec


class AreaRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    slug: str
    name: str
    archived_at: dt.datetime | None


class GroupRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    slug: str
    name: str
    kind: str
    description: str
    programme_area_id: int
    area_slug: str
    archived_at: dt.datetime | None
    document_count: int = 0
    live_document_count: int = 0
    """Documents that are not archived: while there are any, the group cannot be archived."""


class DocumentRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    slug: str
    title: str
    status: str
    subject_group_id: int
    group_slug: str


_AREA = "SELECT id, slug, name, archived_at FROM programme_areas"
_GROUP = """
    SELECT g.id, g.slug, g.name, g.kind, g.description, g.programme_area_id,
           a.slug AS area_slug, g.archived_at,
           (SELECT count(*) FROM guidance_documents d WHERE d.subject_group_id = g.id)
               AS document_count,
           (SELECT count(*) FROM guidance_documents d
            WHERE d.subject_group_id = g.id AND d.status <> 'archived') AS live_document_count
    FROM subject_groups g JOIN programme_areas a ON a.id = g.programme_area_id
"""


async def areas(conn: asyncpg.Connection) -> list[AreaRow]:
    rows = await conn.fetch(f"{_AREA} ORDER BY archived_at IS NOT NULL, name")
    return [AreaRow(**row) for row in rows]


async def area(conn: asyncpg.Connection, slug: str, *, lock: bool = False) -> AreaRow | None:
    row = await conn.fetchrow(f"{_AREA} WHERE slug = $1{' FOR UPDATE' if lock else ''}", slug)
    return AreaRow(**row) if row else None


async def groups(conn: asyncpg.Connection) -> list[GroupRow]:
    rows = await conn.fetch(f"{_GROUP} ORDER BY g.archived_at IS NOT NULL, g.name")
    return [GroupRow(**row) for row in rows]


async def group(conn: asyncpg.Connection, slug: str, *, lock: bool = False) -> GroupRow | None:
    row = await conn.fetchrow(
        f"{_GROUP} WHERE g.slug = $1{' FOR UPDATE OF g' if lock else ''}", slug
    )
    return GroupRow(**row) if row else None


async def area_has_live_groups(conn: asyncpg.Connection, area_id: int) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT FROM subject_groups "
        "WHERE programme_area_id = $1 AND archived_at IS NULL)",
        area_id,
    )


async def active_rules_to(conn: asyncpg.Connection, group_id: int) -> bool:
    """Whether an active routing rule sends items to the group."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT FROM routing_rule_groups rg "
        "JOIN routing_rules r ON r.id = rg.rule_id WHERE rg.group_id = $1 AND r.active)",
        group_id,
    )


async def open_items_in(conn: asyncpg.Connection, group_id: int, open_statuses: list[str]) -> bool:
    """Whether the group's inbox holds an item it still has to work on."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT FROM feedback_routes r JOIN feedback f ON f.id = r.feedback_id "
        "WHERE r.group_id = $1 AND f.status = ANY($2::text[]))",
        group_id,
        open_statuses,
    )


async def insert_area(conn: asyncpg.Connection, slug: str, name: str, now: dt.datetime) -> int:
    return await conn.fetchval(
        "INSERT INTO programme_areas (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        slug,
        name,
        now,
    )


async def update_area(
    conn: asyncpg.Connection, area_id: int, *, name: str, archived_at: dt.datetime | None
) -> None:
    await conn.execute(
        "UPDATE programme_areas SET name = $2, archived_at = $3 WHERE id = $1",
        area_id,
        name,
        archived_at,
    )


async def insert_group(
    conn: asyncpg.Connection,
    *,
    slug: str,
    name: str,
    kind: str,
    description: str,
    area_id: int,
    now: dt.datetime,
) -> int:
    return await conn.fetchval(
        "INSERT INTO subject_groups (slug, name, kind, description, programme_area_id, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        slug,
        name,
        kind,
        description,
        area_id,
        now,
    )


async def update_group(
    conn: asyncpg.Connection,
    group_id: int,
    *,
    name: str,
    kind: str,
    description: str,
    area_id: int,
    archived_at: dt.datetime | None,
) -> None:
    await conn.execute(
        "UPDATE subject_groups SET name = $2, kind = $3, description = $4, "
        "programme_area_id = $5, archived_at = $6 WHERE id = $1",
        group_id,
        name,
        kind,
        description,
        area_id,
        archived_at,
    )


async def documents(conn: asyncpg.Connection) -> list[DocumentRow]:
    rows = await conn.fetch(
        "SELECT d.id, d.slug, d.title, d.status, d.subject_group_id, g.slug AS group_slug "
        "FROM guidance_documents d JOIN subject_groups g ON g.id = d.subject_group_id "
        "ORDER BY d.title"
    )
    return [DocumentRow(**row) for row in rows]


async def document(
    conn: asyncpg.Connection, slug: str, *, lock: bool = False
) -> DocumentRow | None:
    row = await conn.fetchrow(
        "SELECT d.id, d.slug, d.title, d.status, d.subject_group_id, g.slug AS group_slug "
        "FROM guidance_documents d JOIN subject_groups g ON g.id = d.subject_group_id "
        f"WHERE d.slug = $1{' FOR UPDATE OF d' if lock else ''}",
        slug,
    )
    return DocumentRow(**row) if row else None


async def set_document_group(conn: asyncpg.Connection, document_id: int, group_id: int) -> None:
    await conn.execute(
        "UPDATE guidance_documents SET subject_group_id = $2 WHERE id = $1",
        document_id,
        group_id,
    )
