"""Audit events and their hash chain (pure).

Each subject (a feedback item, a user, ...) has its own chain: event n stores the hash of event
n-1 of the same subject. One chain per subject keeps unrelated writes from waiting on a global
"last hash", while any edit, insertion or deletion inside a chain still shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import msgspec


class AuditEvent(msgspec.Struct, frozen=True, kw_only=True):
    occurred_at: dt.datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    seq: int
    from_state: str | None = None
    to_state: str | None = None
    reason_code: str | None = None
    prev_hash: bytes | None = None


def event_hash(event: AuditEvent) -> bytes:
    canonical = msgspec.json.encode(
        [
            event.prev_hash.hex() if event.prev_hash else None,
            event.seq,
            event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            event.actor,
            event.action,
            event.subject_type,
            event.subject_id,
            event.from_state,
            event.to_state,
            event.reason_code,
        ]
    )
    return hashlib.sha256(canonical).digest()
