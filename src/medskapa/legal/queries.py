"""SQL for accessibility reports. Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec


class Report(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    page: str
    problem: str
    language: str
    email: str | None
    created_at: dt.datetime
    handled_at: dt.datetime | None


async def insert_report(
    conn: asyncpg.Connection,
    *,
    report_id: uuid.UUID,
    page: str,
    problem: str,
    language: str,
    email: str | None,
    now: dt.datetime,
) -> None:
    """The report and, when an address was left, its contact, in one statement."""
    await conn.execute(
        "WITH contact AS ("
        "  INSERT INTO contacts (email, created_at) SELECT $5, $6 "
        "  WHERE $5::text IS NOT NULL RETURNING id) "
        "INSERT INTO accessibility_reports (id, page, problem, language, contact_id, created_at) "
        "VALUES ($1, $2, $3, $4, (SELECT id FROM contact), $6)",
        report_id,
        page,
        problem,
        language,
        email,
        now,
    )


async def reports(conn: asyncpg.Connection, limit: int) -> list[Report]:
    """Unhandled first, newest first within each."""
    rows = await conn.fetch(
        "SELECT r.id, r.page, r.problem, r.language, c.email, r.created_at, r.handled_at "
        "FROM accessibility_reports r LEFT JOIN contacts c ON c.id = r.contact_id "
        "ORDER BY r.handled_at IS NOT NULL, r.created_at DESC LIMIT $1",
        limit,
    )
    return [Report(**row) for row in rows]


async def unhandled_count(conn: asyncpg.Connection) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM accessibility_reports WHERE handled_at IS NULL"
    )


async def mark_handled(
    conn: asyncpg.Connection, report_id: uuid.UUID, user_id: int, now: dt.datetime
) -> bool:
    """True when the report was open and is handled now."""
    found = await conn.fetchval(
        "UPDATE accessibility_reports SET handled_at = $3, handled_by = $2 "
        "WHERE id = $1 AND handled_at IS NULL RETURNING id",
        report_id,
        user_id,
        now,
    )
    return found is not None


async def exists(conn: asyncpg.Connection, report_id: uuid.UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT FROM accessibility_reports WHERE id = $1)", report_id
        )
    )


async def purge(conn: asyncpg.Connection, before: dt.datetime, batch: int) -> int:
    """Erase reports older than ``before`` with their addresses; rows another process holds
    are skipped. Returns how many went."""
    return await conn.fetchval(
        "WITH gone AS ("
        "  DELETE FROM accessibility_reports WHERE id IN ("
        "    SELECT id FROM accessibility_reports WHERE created_at < $1 "
        "    ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "  RETURNING contact_id), "
        "contacts_gone AS ("
        "  DELETE FROM contacts WHERE id IN (SELECT contact_id FROM gone)) "
        "SELECT count(*) FROM gone",
        before,
        batch,
    )
