"""Re-chain the events written before the audit key existed (``medskapa audit rekey``).

Until this version each event carried a plain SHA-256 of its content, which anyone who can
write the database can recompute. After the upgrade new events are keyed, and until the old
ones are re-chained ``verify`` names them. Rekey first checks the whole trail as the old verify
did (every hash matches its content, plain or keyed; every event follows the one before) and
only then gives every event the keyed hash of its chain, all in one transaction. It changes no
content, so a trail that was intact stays intact, and one that is not is left as it is.

Run it once, right after upgrading, as the role that owns the tables (the app's own role cannot
update the trail; the trigger that refuses updates is off only inside this transaction, and
writers wait meanwhile). It vouches for nothing older than itself: whatever was forged before
it, with plain hashes, stays undetectable, as it was. So it refuses once checkpoints exist:
they are written only while every event is keyed, so an unkeyed event after that is forged.
"""

from __future__ import annotations

import asyncpg
import msgspec

from medskapa.audit import queries
from medskapa.audit.domain import event_hash, plain_event_hash
from medskapa.audit.keys import AuditKeys, keys_for
from medskapa.audit.queries import StoredEvent
from medskapa.audit.verify import Break, link_problem

_BATCH = 1000


class RekeyRefused(Exception):
    """The trail does not verify even with plain hashes; nothing was changed."""

    def __init__(self, found: Break) -> None:
        super().__init__(found.describe())
        self.found = found


class Rekeyed(msgspec.Struct, frozen=True):
    events: int
    changed: int


async def rekey(conn: asyncpg.Connection, keys: AuditKeys | None = None) -> Rekeyed:
    key = (keys or keys_for(conn)).chain
    events = changed = 0
    pending: list[tuple[int, bytes | None, bytes]] = []

    async def flush() -> None:
        await queries.rechain(conn, pending)
        pending.clear()

    async with conn.transaction():
        await queries.open_for_rekey(conn)
        previous: StoredEvent | None = None
        new_prev: bytes | None = None
        async for row in queries.events(conn):
            events += 1
            subject = (row.subject_type, row.subject_id)
            if previous is not None and (previous.subject_type, previous.subject_id) != subject:
                previous = new_prev = None
            stored = bytes(row.hash)
            if stored not in (plain_event_hash(row), event_hash(row, key)):
                problem: str | None = "its content does not match its hash (edited)"
            else:
                problem = link_problem(row, previous)
            if problem is not None:
                raise RekeyRefused(Break(row.id, *subject, row.seq, problem))
            new_hash = event_hash(msgspec.structs.replace(row, prev_hash=new_prev), key)
            if new_hash != stored or new_prev != row.prev_hash:
                changed += 1
                pending.append((row.id, new_prev, new_hash))
                if len(pending) >= _BATCH:
                    await flush()
            previous, new_prev = row, new_hash
        if pending:
            await flush()
        await queries.close_for_rekey(conn)
    return Rekeyed(events=events, changed=changed)
