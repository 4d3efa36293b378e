"""Check the whole audit trail, and record checked states as checkpoints.

Every chain must hold under the audit key, every feedback item's state must be backed by its
trail, and every chain must still reach at least as far as the last checkpoint saw it.

The trail is read once, in chain order, through a server-side cursor, so memory stays flat
however long it is (only the checkpoints' chain heads are held). A chain is broken where an
event's content no longer matches its keyed hash (it was edited, or forged without the key),
where its ``prev_hash`` is not the hash of the event before it or its ``seq`` skips a number (an
event was removed or slipped in). Deleting the newest events of a chain, or a whole chain,
leaves the rest intact: the checkpoints name it (and for feedback items the last event must
also lead to the item's current status). A holder of the key could rewrite a chain that then
holds on its own; the checkpoint names that too, at the event that differs.

The report names the earliest broken event (lowest id); ids, subjects and states only.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import msgspec

from medskapa.audit import checkpoints, queries
from medskapa.audit.checkpoints import ChainHead, Checkpoint, History
from medskapa.audit.domain import event_hash, plain_event_hash
from medskapa.audit.keys import AuditKeys, keys_for
from medskapa.audit.queries import StoredEvent
from medskapa.clock import Clock

FEEDBACK = "feedback"


class Break(msgspec.Struct, frozen=True):
    event_id: int | None
    subject_type: str
    subject_id: str
    seq: int | None
    problem: str

    def describe(self) -> str:
        where = f"{self.subject_type} {self.subject_id}"
        if self.event_id is None:
            return f"{where}: {self.problem}"
        return f"event {self.event_id} ({where}, seq {self.seq}): {self.problem}"


class Report(msgspec.Struct, frozen=True, kw_only=True):
    events: int
    chains: int
    first_break: Break | None
    breaks: int
    checkpoints: int = 0
    """Checkpoint lines the trail was held against."""
    checkpoint_problem: str | None = None
    """Why (part of) the checkpoint file cannot be trusted."""

    @property
    def intact(self) -> bool:
        return self.first_break is None and self.checkpoint_problem is None

    def describe(self) -> str:
        """What is wrong, in one sentence (ids and subjects only)."""
        parts = []
        if self.first_break is not None:
            parts.append(
                f"the audit trail is broken at {self.first_break.describe()}; "
                f"{self.breaks} problem(s) in all, {self.events} events checked"
            )
        if self.checkpoint_problem is not None:
            parts.append(f"the checkpoint file cannot be trusted: {self.checkpoint_problem}")
        return "; and ".join(parts) + "."


class TrailBroken(Exception):
    """No checkpoint was written: the trail (or the checkpoint file) did not verify."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.describe())
        self.report = report


async def trail_id(conn: asyncpg.Connection) -> str | None:
    """The id checkpoint lines name (sql/0015_audit_trail_id.sql)."""
    value = await queries.trail_id(conn)
    return None if value is None else value[:16].hex()


def _check_event(
    row: StoredEvent, previous: StoredEvent | None, key: bytes, checkpointed: bool
) -> str | None:
    """What is wrong with this event given the one before it in its chain, if anything."""
    stored = bytes(row.hash)
    if event_hash(row, key) != stored:
        if plain_event_hash(row) != stored:
            return (
                "its content does not match its hash (edited, or written with another "
                "MEDSKAPA_SECRET_KEY)"
            )
        if checkpointed:
            # Checkpoints are written only while every event is keyed: this one is forged.
            return "it carries an unkeyed hash although the trail has checkpoints (forged)"
        return (
            "it carries an unkeyed hash: forged, or written before the audit key existed "
            "(then `medskapa audit rekey` re-chains it)"
        )
    return link_problem(row, previous)


def link_problem(row: StoredEvent, previous: StoredEvent | None) -> str | None:
    """What is wrong with how this event follows the one before it in its chain, if anything."""
    expected_seq = 1 if previous is None else previous.seq + 1
    if row.seq != expected_seq:
        return f"seq {expected_seq} is missing before it (an event was removed)"
    expected_prev = None if previous is None else bytes(previous.hash)
    if (None if row.prev_hash is None else bytes(row.prev_hash)) != expected_prev:
        return "it does not follow the event before it (an event was removed or inserted)"
    return None


async def scan(
    conn: asyncpg.Connection,
    keys: AuditKeys,
    history: History | None = None,
    *,
    heads: list[tuple[str, str, int, bytes]] | None = None,
) -> Report:
    """Check the trail, and against ``history`` when given; collect every chain's head into
    ``heads`` when given. The caller holds a repeatable-read transaction, so writes going on
    meanwhile cannot look like breaks."""
    events = chains = breaks = 0
    first: Break | None = None
    pending: dict[tuple[str, str], ChainHead] = dict(history.heads) if history else {}
    checkpointed = bool(history and history.lines)

    def note(found: Break) -> None:
        nonlocal first, breaks
        breaks += 1
        # A broken event (by id) is named before a chain- or item-level finding.
        rank = (found.event_id is None, found.event_id or 0)
        if first is None or rank < (first.event_id is None, first.event_id or 0):
            first = found

    previous: StoredEvent | None = None
    broken = False
    expected: ChainHead | None = None

    def finish(last: StoredEvent) -> None:
        subject = (last.subject_type, last.subject_id)
        if heads is not None:
            heads.append((*subject, last.seq, bytes(last.hash)))
        if history is not None and expected is not None and not broken and last.seq < expected.seq:
            note(
                Break(
                    last.id,
                    *subject,
                    last.seq,
                    f"the chain ends here but {history.when(expected.line)} holds seq "
                    f"{expected.seq} (newest events removed)",
                )
            )

    async for row in queries.events(conn):
        events += 1
        subject = (row.subject_type, row.subject_id)
        if previous is None or (previous.subject_type, previous.subject_id) != subject:
            if previous is not None:
                finish(previous)
            chains += 1
            previous, broken = None, False
            expected = pending.pop(subject, None)
        problem = None if broken else _check_event(row, previous, keys.chain, checkpointed)
        if (
            problem is None
            and not broken
            and expected is not None
            and row.seq == expected.seq
            and bytes(row.hash) != expected.hash
        ):
            assert history is not None
            problem = (
                f"it is not the event {history.when(expected.line)} holds at this seq "
                "(the chain was rewritten)"
            )
        if problem is not None:
            # A chain is reported once, at its first broken event.
            broken = True
            note(Break(row.id, *subject, row.seq, problem))
        previous = row
    if previous is not None:
        finish(previous)

    for (subject_type, subject_id), head in pending.items():
        assert history is not None
        note(
            Break(
                None,
                subject_type,
                subject_id,
                None,
                f"the chain is missing ({history.when(head.line)} holds {head.seq} events)",
            )
        )

    async for item in queries.unbacked_states(conn):
        if item.to_state is None:
            problem = "the item has no audit trail"
        else:
            problem = (
                f"its status is {item.status} but its trail ends at {item.to_state} "
                "(newest events removed)"
            )
        note(Break(None, FEEDBACK, item.id, None, problem))
    return Report(
        events=events,
        chains=chains,
        first_break=first,
        breaks=breaks,
        checkpoints=history.lines if history else 0,
        checkpoint_problem=history.problem if history else None,
    )


async def _history(conn: asyncpg.Connection, keys: AuditKeys, path: Path) -> History:
    trail = await trail_id(conn)
    if trail is None:
        return History(problem="the database has no audit trail id (it was removed)")
    return await asyncio.to_thread(checkpoints.read, path, keys.checkpoint, trail)


async def verify(
    conn: asyncpg.Connection, *, keys: AuditKeys | None = None, against: Path | None = None
) -> Report:
    """Check the trail with the connection's audit keys (or ``keys``), and against the
    checkpoint file ``against`` when given (no file there yet: nothing to hold it to)."""
    keys = keys or keys_for(conn)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        history = await _history(conn, keys, against) if against else None
        return await scan(conn, keys, history)


async def checkpoint(
    conn: asyncpg.Connection,
    path: Path,
    clock: Clock,
    *,
    keys: AuditKeys | None = None,
    wait: bool = True,
    every: float | None = None,
) -> Checkpoint | None:
    """Verify the trail against ``path`` and append a line for the state just verified.

    One writer at a time across all processes (an advisory lock, taken before the snapshot so
    the snapshot is never older than the file's last line). Returns None, writing nothing, when
    ``wait`` is false and another process holds the lock, or when the last line is younger
    than ``every`` seconds. Raises ``TrailBroken`` when the trail or the file does not verify:
    a checkpoint never vouches for a broken state."""
    keys = keys or keys_for(conn)
    if wait:
        await queries.lock(conn, checkpoints.LOCK_KEY)
    elif not await queries.try_lock(conn, checkpoints.LOCK_KEY):
        return None
    try:
        if every is not None:
            last = await asyncio.to_thread(checkpoints.last_time, path)
            if last is not None and (clock() - last).total_seconds() < every:
                return None
        heads: list[tuple[str, str, int, bytes]] = []
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            at = clock()
            trail = await trail_id(conn)
            history = await _history(conn, keys, path)
            report = await scan(conn, keys, history, heads=heads)
        if not report.intact or trail is None:
            raise TrailBroken(report)
        written, data = checkpoints.line(
            history, keys.checkpoint, trail=trail, at=at, events=report.events, heads=heads
        )
        await asyncio.to_thread(checkpoints.append, path, data)
        return written
    finally:
        await queries.unlock(conn, checkpoints.LOCK_KEY)
