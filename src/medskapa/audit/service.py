"""Writing audit events, inside the caller's transaction, keyed by the connection's audit keys."""

from __future__ import annotations

import datetime as dt

import asyncpg

from medskapa.audit.domain import AuditEvent, event_hash
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
    last = await conn.fetchrow(
        "SELECT seq, hash FROM audit_events WHERE subject_type = $1 AND subject_id = $2 "
        "ORDER BY seq DESC LIMIT 1",
        subject_type,
        subject_id,
    )
    event = AuditEvent(
        occurred_at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        seq=1 if last is None else last["seq"] + 1,
        from_state=from_state,
        to_state=to_state,
        reason_code=reason_code,
        prev_hash=None if last is None else last["hash"],
    )
    await conn.execute(
        f"INSERT INTO audit_events ({INSERT_COLUMNS}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        *insert_values(conn, event),
    )
    return event


INSERT_COLUMNS = (
    "occurred_at, actor, action, subject_type, subject_id, seq, "
    "from_state, to_state, reason_code, prev_hash, hash"
)


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
    rows = await conn.fetch(
        "SELECT occurred_at, actor, action, subject_type, subject_id, seq, from_state, "
        "to_state, reason_code, prev_hash FROM audit_events "
        "WHERE subject_type = $1 AND subject_id = $2 ORDER BY seq",
        subject_type,
        subject_id,
    )
    return [AuditEvent(**dict(row)) for row in rows]
