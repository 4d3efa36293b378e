"""Check the whole audit trail: every chain intact, every feedback item's state backed by it.

The trail is read once, in chain order, through a server-side cursor, so memory stays flat
however long it is. A chain is broken where an event's content no longer matches its hash (it
was edited), where its ``prev_hash`` is not the hash of the event before it or its ``seq`` skips
a number (an event was removed or slipped in). Deleting the newest events of a chain leaves the
rest intact, so for feedback items the last event must also lead to the item's current status.

The report names the earliest broken event (lowest id); ids, subjects and states only.
"""

from __future__ import annotations

import asyncpg
import msgspec

from medskapa.audit.domain import AuditEvent, event_hash

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


class Report(msgspec.Struct, frozen=True):
    events: int
    chains: int
    first_break: Break | None
    breaks: int

    @property
    def intact(self) -> bool:
        return self.first_break is None


_EVENTS = (
    "SELECT id, occurred_at, actor, action, subject_type, subject_id, seq, from_state, "
    "to_state, reason_code, prev_hash, hash FROM audit_events "
    "ORDER BY subject_type, subject_id, seq, id"
)


# Feedback items whose status is not where their trail ends (or that have no trail). Events
# that change no state (a moderator reading an original, say) carry no to_state and are skipped.
_UNBACKED_STATES = (
    "SELECT f.id::text AS id, f.status, last.to_state FROM feedback f "
    "LEFT JOIN LATERAL (SELECT to_state FROM audit_events e "
    "  WHERE e.subject_type = 'feedback' AND e.subject_id = f.id::text "
    "  AND e.to_state IS NOT NULL "
    "  ORDER BY e.seq DESC LIMIT 1) last ON true "
    "WHERE last.to_state IS DISTINCT FROM f.status ORDER BY f.created_at"
)


def _check_event(row: asyncpg.Record, previous: asyncpg.Record | None) -> str | None:
    """What is wrong with this event given the one before it in its chain, if anything."""
    event = AuditEvent(
        occurred_at=row["occurred_at"],
        actor=row["actor"],
        action=row["action"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        seq=row["seq"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        reason_code=row["reason_code"],
        prev_hash=row["prev_hash"],
    )
    if event_hash(event) != bytes(row["hash"]):
        return "its content does not match its hash (edited)"
    expected_seq = 1 if previous is None else previous["seq"] + 1
    if row["seq"] != expected_seq:
        return f"seq {expected_seq} is missing before it (an event was removed)"
    expected_prev = None if previous is None else bytes(previous["hash"])
    if (None if row["prev_hash"] is None else bytes(row["prev_hash"])) != expected_prev:
        return "it does not follow the event before it (an event was removed or inserted)"
    return None


async def verify(conn: asyncpg.Connection) -> Report:
    events = chains = breaks = 0
    first: Break | None = None
    previous: asyncpg.Record | None = None
    broken_chain = False

    def note(found: Break) -> None:
        nonlocal first, breaks
        breaks += 1
        # A broken event (by id) is named before an item-level mismatch.
        rank = (found.event_id is None, found.event_id or 0)
        if first is None or rank < (first.event_id is None, first.event_id or 0):
            first = found

    # One snapshot for both passes, so writes going on meanwhile cannot look like breaks.
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for row in conn.cursor(_EVENTS, prefetch=2000):
            events += 1
            same_chain = previous is not None and (
                previous["subject_type"],
                previous["subject_id"],
            ) == (row["subject_type"], row["subject_id"])
            if not same_chain:
                chains += 1
                previous, broken_chain = None, False
            problem = None if broken_chain else _check_event(row, previous)
            if problem is not None:
                # A chain is reported once, at its first broken event.
                broken_chain = True
                note(Break(row["id"], row["subject_type"], row["subject_id"], row["seq"], problem))
            previous = row

        async for item in conn.cursor(_UNBACKED_STATES, prefetch=500):
            if item["to_state"] is None:
                problem = "the item has no audit trail"
            else:
                problem = (
                    f"its status is {item['status']} but its trail ends at {item['to_state']} "
                    "(newest events removed)"
                )
            note(Break(None, FEEDBACK, item["id"], None, problem))
    return Report(events=events, chains=chains, first_break=first, breaks=breaks)
