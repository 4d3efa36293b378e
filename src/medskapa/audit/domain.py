"""Audit events and their hash chain (pure).

Each subject (a feedback item, a user, ...) has its own chain: event n stores the hash of event
n-1 of the same subject. One chain per subject keeps unrelated writes from waiting on a global
"last hash", while any edit, insertion or deletion inside a chain still shows.

The hash is an HMAC under the audit key (audit/keys.py), so only a holder of
``MEDSKAPA_SECRET_KEY`` can make an event that verifies: whoever can merely write the database
cannot edit an event and recompute the chain after it. Events written before the key existed
carry a plain SHA-256 of the same content until ``medskapa audit rekey`` re-chains them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import msgspec

INSERT_COLUMNS = (
    "occurred_at, actor, action, subject_type, subject_id, seq, "
    "from_state, to_state, reason_code, prev_hash, hash"
)
"""The audit trail's columns in the order ``audit.service.insert_values`` gives them, for
statements that write an event together with a change of their own."""


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


def _canonical(event: AuditEvent) -> bytes:
    return msgspec.json.encode(
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


def event_hash(event: AuditEvent, key: bytes) -> bytes:
    return hmac.digest(key, _canonical(event), "sha256")


def plain_event_hash(event: AuditEvent) -> bytes:
    """The hash events had before the chain was keyed; only ``rekey`` accepts it."""
    return hashlib.sha256(_canonical(event)).digest()
