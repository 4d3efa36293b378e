"""SQL for the admins' work on site items (feedback about the service itself: reports of
accessibility problems, ``feedback.subject = 'site'``). The item is created by the one creator
of feedback items (medskapa.feedback.service.create_item). Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec


class SiteItem(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    status: str
    category: str
    site_page: str | None
    body: str | None
    language: str
    email: str | None
    contact_id: int | None
    personal_data: int
    """How many personal-data findings the text had when it came (kinds only are stored)."""
    created_at: dt.datetime
    updated_at: dt.datetime
    erased_at: dt.datetime | None


class SiteAnswer(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    body: str | None
    author: str
    answered_at: dt.datetime


_ITEM = """
    SELECT f.id, f.status, f.category, f.site_page, f.body, f.language, c.email, f.contact_id,
           jsonb_array_length(f.personal_data) AS personal_data, f.created_at, f.updated_at,
           f.erased_at
    FROM feedback f LEFT JOIN contacts c ON c.id = f.contact_id
    WHERE f.subject = 'site'
"""
OPEN = ("received", "in_review")


async def site_items(conn: asyncpg.Connection, limit: int) -> list[SiteItem]:
    """Open items first (received, then taken up), newest first within each."""
    rows = await conn.fetch(
        f"{_ITEM} ORDER BY f.status <> ALL($2::text[]), f.created_at DESC, f.id LIMIT $1",
        limit,
        list(OPEN),
    )
    return [SiteItem(**row) for row in rows]


async def open_count(conn: asyncpg.Connection) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM feedback WHERE subject = 'site' AND status = ANY($1::text[])",
        list(OPEN),
    )


async def site_item(
    conn: asyncpg.Connection, item_id: uuid.UUID, *, lock: bool = False
) -> SiteItem | None:
    row = await conn.fetchrow(f"{_ITEM} AND f.id = $1{' FOR UPDATE OF f' if lock else ''}", item_id)
    return None if row is None else SiteItem(**row)


async def set_status(
    conn: asyncpg.Connection, item_id: uuid.UUID, status: str, at: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE feedback SET status = $2, updated_at = $3 WHERE id = $1 AND subject = 'site'",
        item_id,
        status,
        at,
    )


async def insert_answer(
    conn: asyncpg.Connection,
    item_id: uuid.UUID,
    *,
    status: str,
    body: str,
    author: str,
    at: dt.datetime,
) -> None:
    """The admins' answer: an answer by no group (``group_id`` NULL), which is how the pages
    that show answers publicly (they join the group) never show it."""
    await conn.execute(
        "INSERT INTO feedback_answers (feedback_id, group_id, status, body, author, answered_at) "
        "VALUES ($1, NULL, $2, $3, $4, $5)",
        item_id,
        status,
        body,
        author,
        at,
    )


async def answers(conn: asyncpg.Connection, item_id: uuid.UUID) -> list[SiteAnswer]:
    rows = await conn.fetch(
        "SELECT status, body, author, answered_at FROM feedback_answers "
        "WHERE feedback_id = $1 AND group_id IS NULL ORDER BY answered_at, id",
        item_id,
    )
    return [SiteAnswer(**row) for row in rows]


async def purge(conn: asyncpg.Connection, before: dt.datetime, now: dt.datetime, batch: int) -> int:
    """Erase the text, the page and the address of site items sent before ``before`` (as a
    submitter's own erasure does; the item, its status and its trail stay, and hold none of
    them). Rows another process holds are skipped. Returns how many were erased."""
    return await conn.fetchval(
        "WITH gone AS ("
        "  UPDATE feedback f SET body = NULL, site_page = NULL, personal_data = '[]', "
        "  contact_id = NULL, erased_at = $3, updated_at = $3 "
        "  FROM feedback old WHERE old.id = f.id AND f.id IN ("
        "    SELECT id FROM feedback WHERE subject = 'site' AND erased_at IS NULL "
        "    AND created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "  RETURNING old.contact_id), "
        "contacts_gone AS ("
        "  DELETE FROM contacts WHERE id IN (SELECT contact_id FROM gone)) "
        "SELECT count(*) FROM gone",
        before,
        batch,
        now,
    )


class TrailUser(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    email: str
    role: str


async def trail_users(conn: asyncpg.Connection, user_ids: list[int]) -> list[TrailUser]:
    """The accounts named on a trail that still exist (a deleted one is not found)."""
    rows = await conn.fetch(
        "SELECT id, email, role FROM users WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL",
        user_ids,
    )
    return [TrailUser(**row) for row in rows]
