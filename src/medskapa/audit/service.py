"""Writing audit events, inside the caller's transaction, keyed by the connection's audit keys."""

from __future__ import annotations

import datetime as dt

import asyncpg

from medskapa.audit import queries
from medskapa.audit.domain import INSERT_COLUMNS, AuditEvent, event_hash
from medskapa.audit.keys import keys_for


async def record(
    conn: asyncpg.Connection,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason_code: str | None = None,
) -> AuditEvent:
    """Append one event to the subject's chain. Callers hold a lock on the subject (or create
    it in this transaction), so the chain's tail cannot move underneath; the unique
    (subject, seq) constraint refuses a fork if it ever did."""
    last = await queries.chain_tail(conn, subject_type, subject_id)
    event = AuditEvent(
        occurred_at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        seq=1 if last is None else last.seq + 1,
        from_state=from_state,
        to_state=to_state,
        reason_code=reason_code,
        prev_hash=None if last is None else last.hash,
    )
    await queries.insert_event(conn, insert_values(conn, event))
    return event


__all__ = ["INSERT_COLUMNS", "events_for", "insert_values", "record"]


def insert_values(conn: asyncpg.Connection, event: AuditEvent) -> tuple[object, ...]:
    """Values for ``INSERT_COLUMNS``, in order, hash included (keyed with ``conn``'s keys), for
    callers that write the event inside a statement of their own."""
    return (
        event.occurred_at,
        event.actor,
        event.action,
        event.subject_type,
        event.subject_id,
        event.seq,
        event.from_state,
        event.to_state,
        event.reason_code,
        event.prev_hash,
        event_hash(event, keys_for(conn).chain),
    )


async def events_for(
    conn: asyncpg.Connection, subject_type: str, subject_id: str
) -> list[AuditEvent]:
    """One subject's chain, oldest first."""
    return await queries.events_for(conn, subject_type, subject_id)
