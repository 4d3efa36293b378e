"""What admins see of the outbox, and sending a dead letter again."""

from __future__ import annotations

import datetime as dt

import asyncpg

from medskapa.audit import service as audit

from . import queries
from .queries import Counts, DeadLetter
from .relay import SUBJECT

__all__ = ["Counts", "DeadLetter", "counts", "dead_letters", "retry"]


async def counts(conn: asyncpg.Connection) -> Counts:
    return await queries.counts(conn)


async def dead_letters(conn: asyncpg.Connection, limit: int = 200) -> list[DeadLetter]:
    return await queries.dead_letters(conn, limit)


async def retry(conn: asyncpg.Connection, message_id: int, actor: str, now: dt.datetime) -> bool:
    """Put a dead letter back in the queue, due now, with a fresh count of attempts.
    False when there is no such dead letter (already retried, or never dead)."""
    async with conn.transaction():
        if not await queries.requeue_dead(conn, message_id, now):
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
