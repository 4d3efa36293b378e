"""SQL for the audit trail: appending an event, reading a chain, reading the whole trail in chain
order (verify, rekey), the advisory lock of the checkpoint writer, and rekey's rewrite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import asyncpg
import msgspec

from medskapa.audit.domain import INSERT_COLUMNS, AuditEvent


class ChainTail(msgspec.Struct, frozen=True):
    seq: int
    hash: bytes


class StoredEvent(AuditEvent, frozen=True, kw_only=True):
    """An event as the trail holds it: its id, content and stored hash."""

    id: int
    hash: bytes


class UnbackedState(msgspec.Struct, frozen=True):
    id: str
    status: str
    to_state: str | None


async def chain_tail(
    conn: asyncpg.Connection, subject_type: str, subject_id: str
) -> ChainTail | None:
    row = await conn.fetchrow(
        "SELECT seq, hash FROM audit_events WHERE subject_type = $1 AND subject_id = $2 "
        "ORDER BY seq DESC LIMIT 1",
        subject_type,
        subject_id,
    )
    return ChainTail(**dict(row)) if row else None


async def insert_event(conn: asyncpg.Connection, values: Sequence[object]) -> None:
    """``values`` in ``INSERT_COLUMNS`` order, hash included."""
    await conn.execute(
        f"INSERT INTO audit_events ({INSERT_COLUMNS}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        *values,
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


_EVENTS = (
    "SELECT id, occurred_at, actor, action, subject_type, subject_id, seq, from_state, "
    "to_state, reason_code, prev_hash, hash FROM audit_events "
    "ORDER BY subject_type, subject_id, seq, id"
)


async def events(conn: asyncpg.Connection) -> AsyncIterator[StoredEvent]:
    """Every event in chain order, through a server-side cursor (memory stays flat); the
    caller holds a transaction."""
    async for row in conn.cursor(_EVENTS, prefetch=2000):
        yield StoredEvent(**dict(row))


# Feedback items whose status is not where their trail ends (or that have no trail). Events
# that change no state (a moderator reading an original, say) carry no to_state and are skipped.
# A report of an accessibility problem stored before reports became site items (sql/0030) has
# its trail under its old subject, with the same id: "open" there is "received", "handled" is
# "closed"; read only for a site item with no feedback trail.
_UNBACKED_STATES = (
    "SELECT f.id::text AS id, f.status, last.to_state FROM feedback f "
    "LEFT JOIN LATERAL (SELECT COALESCE((SELECT to_state FROM audit_events e "
    "  WHERE e.subject_type = 'feedback' AND e.subject_id = f.id::text "
    "  AND e.to_state IS NOT NULL "
    "  ORDER BY e.seq DESC LIMIT 1), CASE WHEN f.subject = 'site' THEN ("
    "    SELECT CASE e.to_state WHEN 'open' THEN 'received' WHEN 'handled' THEN 'closed' END "
    "    FROM audit_events e WHERE e.subject_type = 'accessibility_report' "
    "    AND e.subject_id = f.id::text AND e.to_state IS NOT NULL "
    "    ORDER BY e.seq DESC LIMIT 1) END) AS to_state) last ON true "
    "WHERE last.to_state IS DISTINCT FROM f.status ORDER BY f.created_at"
)


async def unbacked_states(conn: asyncpg.Connection) -> AsyncIterator[UnbackedState]:
    async for row in conn.cursor(_UNBACKED_STATES, prefetch=500):
        yield UnbackedState(**dict(row))


async def trail_id(conn: asyncpg.Connection) -> bytes | None:
    value = await conn.fetchval("SELECT value FROM instance_secrets WHERE name = 'audit_trail_id'")
    return None if value is None else bytes(value)


async def lock(conn: asyncpg.Connection, key: int) -> None:
    await conn.execute("SELECT pg_advisory_lock($1)", key)


async def try_lock(conn: asyncpg.Connection, key: int) -> bool:
    return await conn.fetchval("SELECT pg_try_advisory_lock($1)", key)


async def unlock(conn: asyncpg.Connection, key: int) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", key)


async def open_for_rekey(conn: asyncpg.Connection) -> None:
    """Writers wait, and the trigger that refuses updates is off, until ``close_for_rekey``
    (inside the caller's transaction)."""
    await conn.execute("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE")
    await conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")


async def close_for_rekey(conn: asyncpg.Connection) -> None:
    await conn.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")


async def rechain(
    conn: asyncpg.Connection, changes: Sequence[tuple[int, bytes | None, bytes]]
) -> None:
    """(event id, new prev_hash, new hash) for each event."""
    await conn.executemany(
        "UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE id = $1", changes
    )
