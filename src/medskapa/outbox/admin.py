"""What admins see of the outbox, and sending a dead letter again."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from medskapa.audit import service as audit

from .relay import SUBJECT


class DeadLetter(msgspec.Struct, frozen=True):
    id: int
    template: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    dead_at: dt.datetime | None


class Counts(msgspec.Struct, frozen=True):
    pending: int
    sent: int
    dead: int
    oldest_pending: dt.datetime | None


async def counts(conn: asyncpg.Connection) -> Counts:
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'pending'), "
        "count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'dead'), "
        "min(created_at) FILTER (WHERE status = 'pending') FROM outbox_messages"
    )
    return Counts(*row)


async def dead_letters(conn: asyncpg.Connection, limit: int = 200) -> list[DeadLetter]:
    rows = await conn.fetch(
        "SELECT id, template, attempts, last_error, created_at, dead_at FROM outbox_messages "
        "WHERE status = 'dead' ORDER BY dead_at DESC NULLS LAST, id DESC LIMIT $1",
        limit,
    )
    return [DeadLetter(*row) for row in rows]


async def retry(conn: asyncpg.Connection, message_id: int, actor: str, now: dt.datetime) -> bool:
    """Put a dead letter back in the queue, due now, with a fresh count of attempts.
    False when there is no such dead letter (already retried, or never dead)."""
    async with conn.transaction():
        done = await conn.fetchval(
            "UPDATE outbox_messages SET status = 'pending', attempts = 0, next_attempt_at = $2, "
            "dead_at = NULL, lease_until = NULL, claimed_by = NULL "
            "WHERE id = $1 AND status = 'dead' RETURNING id",
            message_id,
            now,
        )
        if done is None:
            return False
        await audit.record(
            conn,
            at=now,
            actor=actor,
            action="outbox.retried",
            subject_type=SUBJECT,
            subject_id=str(message_id),
            from_state="dead",
            to_state="pending",
        )
    return True
