"""A small audit trail to attack, and the attacker's tools.

Tampering is done as a database superuser would: the append-only trigger is switched off for the
statement, which is exactly what the trigger cannot prevent and the keyed chain and the
checkpoints must reveal.
"""

from __future__ import annotations

import asyncpg
import msgspec

from medskapa.accounts.admin import RoleChoice, set_role
from medskapa.audit.domain import AuditEvent
from medskapa.audit.keys import AuditKeys
from medskapa.audit.service import events_for
from tests.factories import FIXED_NOW, TEST_SECRET, make_feedback, make_person, service

KEYS = AuditKeys.from_secret(TEST_SECRET)


async def trail(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Three items; the second is withdrawn and then erased, so its chain has three events.
    Returns that chain's rows."""
    await make_feedback(conn)
    second = await make_feedback(conn)
    await make_feedback(conn)
    feedback = await service(conn)
    await feedback.withdraw(second.receipt_code)
    await feedback.erase(second.receipt_code)
    return await chain_rows(conn, "feedback", str(second.id))


async def user_chain(conn: asyncpg.Connection, email: str = "anna@exempel.se") -> str:
    """A user whose chain has three events (created, two role changes); returns the user id.
    A user has no status the trail must lead to: only the checkpoints can tell that the chain,
    or its newest events, went."""
    user_id = await make_person(conn, email)
    await set_role(conn, email=email, role=RoleChoice.MODERATOR, now=FIXED_NOW)
    await set_role(conn, email=email, role=RoleChoice.ADMIN, now=FIXED_NOW)
    return str(user_id)


async def chain_rows(
    conn: asyncpg.Connection, subject_type: str, subject_id: str
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, subject_type, subject_id, seq, hash FROM audit_events "
        "WHERE subject_type = $1 AND subject_id = $2 ORDER BY seq",
        subject_type,
        subject_id,
    )


async def as_superuser(conn: asyncpg.Connection, sql: str, *args: object) -> None:
    async with conn.transaction():
        await conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
        await conn.execute(sql, *args)
        await conn.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")


async def rehash_chain(
    conn: asyncpg.Connection,
    subject_type: str,
    subject_id: str,
    hash_of: object,
    *,
    edit: dict[int, dict[str, str]] | None = None,
    from_seq: int = 1,
) -> None:
    """Rewrite a chain the way an attacker who can write the database would: change the events
    in ``edit`` (by seq) and give every event from ``from_seq`` on a fresh hash
    (``hash_of(event)``) that follows the one before, so each link holds."""
    events: list[AuditEvent] = await events_for(conn, subject_type, subject_id)
    rows = await chain_rows(conn, subject_type, subject_id)
    previous: bytes | None = None
    async with conn.transaction():
        await conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
        for row, event in zip(rows, events, strict=True):
            if event.seq < from_seq:
                previous = bytes(row["hash"])
                continue
            changed = msgspec.structs.replace(
                event, prev_hash=previous, **(edit or {}).get(event.seq, {})
            )
            previous = hash_of(changed)  # type: ignore[operator]
            await conn.execute(
                "UPDATE audit_events SET actor = $2, to_state = $3, reason_code = $4, "
                "prev_hash = $5, hash = $6 WHERE id = $1",
                row["id"],
                changed.actor,
                changed.to_state,
                changed.reason_code,
                changed.prev_hash,
                previous,
            )
        await conn.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")
