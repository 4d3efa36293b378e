"""SQL for a subject group as its members work in it: the group, its members and themes, and
the choices its pages offer (documents, other groups). Rows map to Structs by column name;
every value is a bound parameter."""

from __future__ import annotations

import asyncpg
import msgspec

from medskapa.catalogue.domain import LISTED_STATUSES


class Group(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str


async def groups_by_id(conn: asyncpg.Connection, ids: list[int]) -> list[Group]:
    rows = await conn.fetch(
        "SELECT id, slug, name FROM subject_groups WHERE id = ANY($1::bigint[]) ORDER BY name",
        ids,
    )
    return [Group(**dict(row)) for row in rows]


async def group_by_slug(conn: asyncpg.Connection, slug: str, *, live: bool = False) -> Group | None:
    """A group by slug; with ``live``, only one that is not archived (one to send items to)."""
    row = await conn.fetchrow(
        "SELECT id, slug, name FROM subject_groups WHERE slug = $1 "
        "AND (NOT $2 OR archived_at IS NULL)",
        slug,
        live,
    )
    return None if row is None else Group(**dict(row))


async def other_live_groups(conn: asyncpg.Connection, group_id: int) -> list[Group]:
    """Every group but this one that is not archived: where an item can be forwarded."""
    rows = await conn.fetch(
        "SELECT id, slug, name FROM subject_groups WHERE id <> $1 AND archived_at IS NULL "
        "ORDER BY name",
        group_id,
    )
    return [Group(**dict(row)) for row in rows]


class Member(msgspec.Struct, frozen=True):
    user_id: int
    email: str
    role: str


async def may_be_assigned(conn: asyncpg.Connection, group_id: int, user_id: int) -> bool:
    """A live member or lead of the group; a patient representative acts for no one."""
    found = await conn.fetchval(
        "SELECT 1 FROM group_memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.group_id = $1 AND m.user_id = $2 AND u.deleted_at IS NULL "
        "AND m.role <> 'patient_representative'",
        group_id,
        user_id,
    )
    return bool(found)


class Theme(msgspec.Struct, frozen=True):
    id: int
    name: str
    archived: bool


async def themes(conn: asyncpg.Connection, group_id: int) -> list[Theme]:
    rows = await conn.fetch(
        "SELECT id, name, archived_at IS NOT NULL AS archived FROM group_themes "
        "WHERE group_id = $1 ORDER BY archived_at IS NOT NULL, name",
        group_id,
    )
    return [Theme(**dict(row)) for row in rows]


async def live_theme_choices(conn: asyncpg.Connection, group_id: int) -> list[tuple[int, str]]:
    """The group's themes in use, as (id, name) for a filter."""
    rows = await conn.fetch(
        "SELECT id, name FROM group_themes WHERE group_id = $1 AND archived_at IS NULL "
        "ORDER BY name",
        group_id,
    )
    return [(row["id"], row["name"]) for row in rows]


async def member_choices(conn: asyncpg.Connection, group_id: int) -> list[tuple[int, str]]:
    """The group's live members, as (user id, address) for a filter."""
    rows = await conn.fetch(
        "SELECT u.id, u.email FROM group_memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.group_id = $1 AND u.deleted_at IS NULL ORDER BY lower(u.email)",
        group_id,
    )
    return [(row["id"], row["email"]) for row in rows]


async def listed_documents(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """Every listed guidance document, as (slug, title) for a filter."""
    rows = await conn.fetch(
        "SELECT slug, title FROM guidance_documents WHERE status = ANY($1::text[]) ORDER BY title",
        list(LISTED_STATUSES),
    )
    return [(row["slug"], row["title"]) for row in rows]


class TrailUser(msgspec.Struct, frozen=True):
    id: int
    email: str
    role: str
    in_group: bool
    deleted: bool = False
    """The account is gone (its address is a placeholder): named as such."""


async def trail_users(
    conn: asyncpg.Connection, user_ids: list[int], group_id: int
) -> list[TrailUser]:
    """The users named on an item's trail, and whether each is in the group (the caller shows
    an address only for those who are)."""
    rows = await conn.fetch(
        "SELECT u.id, u.email, u.role, EXISTS (SELECT 1 FROM group_memberships m "
        "WHERE m.user_id = u.id AND m.group_id = $2) AS in_group, "
        "u.deleted_at IS NOT NULL AS deleted "
        "FROM users u WHERE u.id = ANY($1::bigint[])",
        user_ids,
        group_id,
    )
    return [TrailUser(**dict(row)) for row in rows]
