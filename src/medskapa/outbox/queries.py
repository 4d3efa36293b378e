"""SQL for the outbox: writing a message, the relay's claims and leases, the scheduled notices'
reads and marks, and what admins see. Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import msgspec

from medskapa.audit.domain import INSERT_COLUMNS as AUDIT_COLUMNS

# ---------------------------------------------------------------- writing

INSERT_MESSAGE = (
    "INSERT INTO outbox_messages (template, contact_id, user_id, language, context, "
    "created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id"
)


async def insert_message(
    conn: asyncpg.Connection,
    template: str,
    *,
    contact_id: int | None,
    user_id: int | None,
    language: str,
    context: dict[str, Any],
    now: dt.datetime,
) -> int:
    return await conn.fetchval(
        INSERT_MESSAGE, template, contact_id, user_id, language, context, now
    )


# ---------------------------------------------------------------- the relay


class Claimed(msgspec.Struct, frozen=True):
    id: int
    template: str
    language: str
    context: dict[str, Any]
    attempts: int
    address: str | None
    trail_seq: int | None
    """The last audit event of this row (its chain's tail), read at claim time: while the
    lease is held nothing else writes to the row's chain."""
    trail_hash: bytes | None


async def claim(
    conn: asyncpg.Connection,
    relay: uuid.UUID,
    now: dt.datetime,
    lease_until: dt.datetime,
    limit: int,
) -> list[Claimed]:
    """Take up to ``limit`` due rows for ``relay``: pending, due, and not leased by a live
    relay; by id."""
    rows = await conn.fetch(
        "WITH due AS ("
        "  SELECT id FROM outbox_messages "
        "  WHERE status = 'pending' AND next_attempt_at <= $2 "
        "  AND (lease_until IS NULL OR lease_until < $2) "
        "  ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) "
        "UPDATE outbox_messages m SET claimed_by = $1, lease_until = $3, "
        "  attempts = m.attempts + 1 "
        "FROM due LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events a "
        "  WHERE a.subject_type = 'outbox_message' AND a.subject_id = due.id::text "
        "  ORDER BY seq DESC LIMIT 1) t ON true "
        "WHERE m.id = due.id "
        "RETURNING m.id, m.template, m.language, m.context, m.attempts, "
        "  COALESCE((SELECT email FROM contacts c WHERE c.id = m.contact_id), "
        "    (SELECT email FROM users u WHERE u.id = m.user_id AND u.deleted_at IS NULL)) "
        "    AS address, "
        "  t.seq AS trail_seq, t.hash AS trail_hash",
        relay,
        now,
        lease_until,
        limit,
    )
    return sorted((Claimed(**dict(row)) for row in rows), key=lambda c: c.id)


async def mark_sent(
    conn: asyncpg.Connection,
    relay: uuid.UUID,
    message_id: int,
    now: dt.datetime,
    audit_values: tuple[object, ...],
) -> bool:
    """Record the send and its audit event (``audit_values``, in the audit trail's column
    order) in one statement; False when the lease was lost."""
    done = await conn.fetchval(
        "WITH done AS (UPDATE outbox_messages SET status = 'sent', sent_at = $3, "
        "  lease_until = NULL, last_error = NULL "
        "  WHERE id = $1 AND claimed_by = $2 AND status = 'pending' RETURNING id) "
        f"INSERT INTO audit_events ({AUDIT_COLUMNS}) "
        "SELECT $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 FROM done RETURNING seq",
        message_id,
        relay,
        now,
        *audit_values,
    )
    return done is not None


async def mark_failed(
    conn: asyncpg.Connection,
    relay: uuid.UUID,
    message_id: int,
    *,
    status: str,
    error: str,
    next_attempt_at: dt.datetime,
    now: dt.datetime,
) -> str | None:
    """The row's new status; None when the lease was lost."""
    return await conn.fetchval(
        "UPDATE outbox_messages SET status = $3, lease_until = NULL, last_error = $4, "
        "next_attempt_at = $5, dead_at = CASE WHEN $3 = 'dead' THEN $6::timestamptz END "
        "WHERE id = $1 AND claimed_by = $2 AND status = 'pending' RETURNING status",
        message_id,
        relay,
        status,
        error,
        next_attempt_at,
        now,
    )


async def release(conn: asyncpg.Connection, relay: uuid.UUID, ids: list[int]) -> None:
    await conn.execute(
        "UPDATE outbox_messages SET lease_until = NULL, claimed_by = NULL, "
        "attempts = attempts - 1 WHERE id = ANY($1::bigint[]) AND claimed_by = $2 "
        "AND status = 'pending'",
        ids,
        relay,
    )


# ---------------------------------------------------------------- scheduled notices


class DigestRecipient(msgspec.Struct, frozen=True):
    id: int
    digest_sent_at: dt.datetime | None


class DigestItem(msgspec.Struct, frozen=True):
    feedback_id: uuid.UUID
    document_title: str


async def next_digest_recipient(
    conn: asyncpg.Connection, last_sent_before: dt.datetime
) -> DigestRecipient | None:
    """One 'daily' group member whose last digest is older than ``last_sent_before``, locked;
    rows another process holds are skipped."""
    row = await conn.fetchrow(
        "SELECT id, digest_sent_at FROM users u WHERE new_item_mail = 'daily' "
        "AND deleted_at IS NULL AND (digest_sent_at IS NULL OR digest_sent_at <= $1) "
        "AND EXISTS (SELECT FROM group_memberships m WHERE m.user_id = u.id) "
        "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
        last_sent_before,
    )
    return DigestRecipient(**dict(row)) if row else None


async def digest_items(
    conn: asyncpg.Connection,
    user_id: int,
    since: dt.datetime,
    until: dt.datetime,
    limit: int,
) -> list[DigestItem]:
    """Items routed to the member's groups in (since, until], in routing order."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (r.routed_at, f.id) f.id AS feedback_id, "
        "d.title AS document_title FROM feedback_routes r "
        "JOIN group_memberships m ON m.group_id = r.group_id AND m.user_id = $1 "
        "JOIN feedback f ON f.id = r.feedback_id "
        "JOIN guidance_documents d ON d.id = f.document_id "
        "WHERE r.routed_at > $2 AND r.routed_at <= $3 "
        "ORDER BY r.routed_at, f.id LIMIT $4",
        user_id,
        since,
        until,
        limit,
    )
    return [DigestItem(**dict(row)) for row in rows]


async def set_digest_sent(conn: asyncpg.Connection, user_id: int, now: dt.datetime) -> None:
    await conn.execute("UPDATE users SET digest_sent_at = $2 WHERE id = $1", user_id, now)


async def lock_notice(conn: asyncpg.Connection, kind: str) -> dt.datetime:
    """When the notice ``kind`` last went out (the epoch if never), its row locked until the
    end of the transaction."""
    await conn.execute(
        "INSERT INTO scheduled_notices (kind, sent_at) VALUES ($1, 'epoch') "
        "ON CONFLICT (kind) DO NOTHING",
        kind,
    )
    return await conn.fetchval(
        "SELECT sent_at FROM scheduled_notices WHERE kind = $1 FOR UPDATE", kind
    )


async def set_notice_sent(conn: asyncpg.Connection, kind: str, now: dt.datetime) -> None:
    await conn.execute("UPDATE scheduled_notices SET sent_at = $2 WHERE kind = $1", kind, now)


class ModerationQueue(msgspec.Struct, frozen=True):
    waiting: int
    oldest: dt.datetime | None


async def moderation_queue(conn: asyncpg.Connection) -> ModerationQueue:
    row = await conn.fetchrow(
        "SELECT count(*) AS waiting, min(created_at) AS oldest FROM feedback "
        # A site item (a report about the service) waits for the admins, not a moderator.
        "WHERE status = 'received' AND subject = 'guidance'"
    )
    return ModerationQueue(**dict(row))


async def moderator_ids(conn: asyncpg.Connection) -> list[int]:
    rows = await conn.fetch(
        "SELECT id FROM users WHERE role = 'moderator' AND deleted_at IS NULL ORDER BY id"
    )
    return [row["id"] for row in rows]


# ---------------------------------------------------------------- what admins see


class DeadLetter(msgspec.Struct, frozen=True):
    id: int
    template: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    dead_at: dt.datetime | None


class Counts(msgspec.Struct, frozen=True):
    pending: int
    sent: int
    dead: int
    oldest_pending: dt.datetime | None


async def counts(conn: asyncpg.Connection) -> Counts:
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'pending') AS pending, "
        "count(*) FILTER (WHERE status = 'sent') AS sent, "
        "count(*) FILTER (WHERE status = 'dead') AS dead, "
        "min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending "
        "FROM outbox_messages"
    )
    return Counts(**dict(row))


async def dead_letters(conn: asyncpg.Connection, limit: int) -> list[DeadLetter]:
    rows = await conn.fetch(
        "SELECT id, template, attempts, last_error, created_at, dead_at FROM outbox_messages "
        "WHERE status = 'dead' ORDER BY dead_at DESC NULLS LAST, id DESC LIMIT $1",
        limit,
    )
    return [DeadLetter(**dict(row)) for row in rows]


async def requeue_dead(conn: asyncpg.Connection, message_id: int, now: dt.datetime) -> bool:
    """A dead letter back in the queue, due now, with a fresh count of attempts; False when
    there is no such dead letter."""
    done = await conn.fetchval(
        "UPDATE outbox_messages SET status = 'pending', attempts = 0, next_attempt_at = $2, "
        "dead_at = NULL, lease_until = NULL, claimed_by = NULL "
        "WHERE id = $1 AND status = 'dead' RETURNING id",
        message_id,
        now,
    )
    return done is not None


class MailboxRow(msgspec.Struct, frozen=True):
    id: int
    template: str
    status: str
    created_at: dt.datetime
    context: dict[str, Any]
    address: str | None


async def mailbox(conn: asyncpg.Connection, limit: int) -> list[MailboxRow]:
    """The newest messages with their addresses (the development mailbox)."""
    rows = await conn.fetch(
        "SELECT m.id, m.template, m.status, m.created_at, m.context, "
        "COALESCE(c.email, u.email) AS address FROM outbox_messages m "
        "LEFT JOIN contacts c ON c.id = m.contact_id LEFT JOIN users u ON u.id = m.user_id "
        "ORDER BY m.id DESC LIMIT $1",
        limit,
    )
    return [MailboxRow(**dict(row)) for row in rows]
