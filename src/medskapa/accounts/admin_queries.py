"""The SQL of user administration (accounts/admin.py): accounts made by an admin, roles and
memberships, and the admin page's list of users."""

from __future__ import annotations

import datetime as dt

import asyncpg


async def insert_confirmed_user(
    conn: asyncpg.Connection, email: str, password_hash: str, now: dt.datetime
) -> int:
    """An account whose address counts as confirmed (an admin made it)."""
    return await conn.fetchval(
        "INSERT INTO users (email, password_hash, email_confirmed_at, created_at, "
        "updated_at) VALUES ($1, $2, $3, $3, $3) RETURNING id",
        email,
        password_hash,
        now,
    )


async def set_global_role(conn: asyncpg.Connection, user_id: int, role: str) -> None:
    await conn.execute("UPDATE users SET role = $2 WHERE id = $1", user_id, role)


async def group_by_slug(conn: asyncpg.Connection, slug: str) -> asyncpg.Record | None:
    """id and archived of the working group."""
    return await conn.fetchrow(
        "SELECT id, archived_at IS NOT NULL AS archived FROM subject_groups WHERE slug = $1",
        slug,
    )


async def set_group_role(conn: asyncpg.Connection, user_id: int, group_id: int, role: str) -> None:
    await conn.execute(
        "INSERT INTO group_memberships (user_id, group_id, role) VALUES ($1, $2, $3) "
        "ON CONFLICT (user_id, group_id) DO UPDATE SET role = EXCLUDED.role",
        user_id,
        group_id,
        role,
    )


async def organisation_id_by_slug(conn: asyncpg.Connection, slug: str) -> int | None:
    return await conn.fetchval("SELECT id FROM organisations WHERE slug = $1", slug)


async def set_organisation_role(
    conn: asyncpg.Connection, user_id: int, organisation_id: int, role: str
) -> None:
    await conn.execute(
        "INSERT INTO organisation_memberships (user_id, organisation_id, role) "
        "VALUES ($1, $2, $3) ON CONFLICT (user_id, organisation_id) "
        "DO UPDATE SET role = EXCLUDED.role",
        user_id,
        organisation_id,
        role,
    )


async def remove_second_factor(
    conn: asyncpg.Connection, email: str, now: dt.datetime
) -> int | None:
    """Remove the live account's factor, recovery codes and failed codes; its id, or None when
    there is no such account."""
    user_id = await conn.fetchval(
        "UPDATE users SET totp_secret = NULL, totp_confirmed_at = NULL, "
        "totp_last_step = NULL, updated_at = $2 "
        "WHERE lower(email) = lower($1) AND deleted_at IS NULL RETURNING id",
        email,
        now,
    )
    if user_id is not None:
        await conn.execute("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
        await conn.execute("DELETE FROM second_factor_failures WHERE user_id = $1", user_id)
    return user_id


async def users_overview(
    conn: asyncpg.Connection, search: str | None, limit: int
) -> list[asyncpg.Record]:
    """id, email, role, second_factor, groups and organisations (each "name (role)", in
    Swedish) of the live accounts whose address contains ``search``, by address."""
    return await conn.fetch(
        "SELECT u.id, u.email, u.role, u.totp_confirmed_at IS NOT NULL AS second_factor, "
        "  ARRAY(SELECT g.name || ' (' || CASE m.role WHEN 'lead' THEN 'ledare' "
        "    WHEN 'patient_representative' THEN 'patientföreträdare' ELSE 'medlem' END || ')' "
        "    FROM group_memberships m "
        "    JOIN subject_groups g ON g.id = m.group_id WHERE m.user_id = u.id ORDER BY g.name) "
        "    AS groups, "
        "  ARRAY(SELECT o.name || ' (' || CASE m.role WHEN 'coordinator' THEN 'samordnare' "
        "    ELSE 'medlem' END || ')' FROM organisation_memberships m "
        "    JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = u.id "
        "    ORDER BY o.name) AS organisations "
        "FROM users u WHERE u.deleted_at IS NULL "
        "AND ($1::text IS NULL OR strpos(lower(u.email), lower($1)) > 0) "
        "ORDER BY lower(u.email) LIMIT $2",
        search,
        limit,
    )


async def open_groups(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """slug and name of every working group that is not archived."""
    return await conn.fetch(
        "SELECT slug, name FROM subject_groups WHERE archived_at IS NULL ORDER BY name"
    )


async def organisations(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """slug and name of every organisation."""
    return await conn.fetch("SELECT slug, name FROM organisations ORDER BY name")
