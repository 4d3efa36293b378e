"""SQL for following a document by e-mail (catalogue/following.py). Rows are mapped by column
name; the address is only ever read by the outbox relay, never here."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

FOLLOWABLE_STATUSES = ("published", "consultation")


class FollowableDocument(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str


class FollowerRow(msgspec.Struct, frozen=True):
    id: int
    contact_id: int | None
    confirmed_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None


class TokenRow(msgspec.Struct, frozen=True):
    follower_id: int
    expires_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None
    document_slug: str
    document_title: str


class Notice(msgspec.Struct, frozen=True):
    follower_id: int
    contact_id: int


class VersionFacts(msgspec.Struct, frozen=True):
    document_id: int
    slug: str
    title: str
    label: str
    change_summary: str
    previous_label: str | None


class ConsultationFacts(msgspec.Struct, frozen=True):
    document_id: int
    slug: str
    title: str
    document_status: str
    label: str
    deadline: dt.date


async def followable_document(conn: asyncpg.Connection, slug: str) -> FollowableDocument | None:
    row = await conn.fetchrow(
        "SELECT id, slug, title FROM guidance_documents WHERE slug = $1 AND status = ANY($2)",
        slug,
        list(FOLLOWABLE_STATUSES),
    )
    return FollowableDocument(**row) if row else None


async def follower_for_update(
    conn: asyncpg.Connection, document_id: int, email_hash: bytes
) -> FollowerRow | None:
    """The follower for this address and document. Requests for the same address take turns
    (an advisory lock on its hash, held to the end of the transaction), so two at once cannot
    both find none and both insert."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock($1)", int.from_bytes(email_hash[:8], "big", signed=True)
    )
    row = await conn.fetchrow(
        "SELECT id, contact_id, confirmed_at, unsubscribed_at FROM followers "
        "WHERE document_id = $1 AND email_hash = $2 FOR UPDATE",
        document_id,
        email_hash,
    )
    return FollowerRow(**row) if row else None


async def insert_follower(
    conn: asyncpg.Connection, document_id: int, email: str, email_hash: bytes, now: dt.datetime
) -> FollowerRow:
    """A pending follower with a contact of its own (the only place its address is kept)."""
    row = await conn.fetchrow(
        "WITH contact AS (INSERT INTO contacts (email, created_at) VALUES ($3, $4) RETURNING id) "
        "INSERT INTO followers (document_id, contact_id, email_hash, created_at) "
        "SELECT $1, contact.id, $2, $4 FROM contact "
        "RETURNING id, contact_id, confirmed_at, unsubscribed_at",
        document_id,
        email_hash,
        email,
        now,
    )
    return FollowerRow(**row)


async def insert_token(
    conn: asyncpg.Connection,
    token_hash: bytes,
    follower_id: int,
    purpose: str,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO follower_tokens (token_hash, follower_id, purpose, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        token_hash,
        follower_id,
        purpose,
        now,
        expires_at,
    )


async def token(
    conn: asyncpg.Connection, token_hash: bytes, purpose: str, *, lock: bool = False
) -> TokenRow | None:
    """The follower a link names, with its document; ``lock`` holds the follower's row."""
    row = await conn.fetchrow(
        "SELECT t.follower_id, t.expires_at, f.confirmed_at, f.unsubscribed_at, "
        "d.slug AS document_slug, d.title AS document_title "
        "FROM follower_tokens t JOIN followers f ON f.id = t.follower_id "
        "JOIN guidance_documents d ON d.id = f.document_id "
        "WHERE t.token_hash = $1 AND t.purpose = $2" + (" FOR UPDATE OF f" if lock else ""),
        token_hash,
        purpose,
    )
    return TokenRow(**row) if row else None


async def confirm(
    conn: asyncpg.Connection, follower_id: int, token_hash: bytes, now: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE followers SET confirmed_at = $2 WHERE id = $1 AND confirmed_at IS NULL",
        follower_id,
        now,
    )
    await conn.execute(
        "UPDATE follower_tokens SET used_at = $2 WHERE token_hash = $1", token_hash, now
    )


async def unsubscribe(
    conn: asyncpg.Connection, follower_id: int, token_hash: bytes, now: dt.datetime
) -> None:
    """Stop the follower and erase its address; unsent mail to it goes with the contact."""
    contact_id = await conn.fetchval(
        "UPDATE followers f SET unsubscribed_at = $2, email_hash = NULL, contact_id = NULL "
        "FROM followers old WHERE old.id = f.id AND f.id = $1 RETURNING old.contact_id",
        follower_id,
        now,
    )
    if contact_id is not None:
        await conn.execute("DELETE FROM contacts WHERE id = $1", contact_id)
    await conn.execute(
        "UPDATE follower_tokens SET used_at = $2 WHERE token_hash = $1", token_hash, now
    )


async def record_notices(
    conn: asyncpg.Connection, document_id: int, event: str, subject_id: int, now: dt.datetime
) -> list[Notice]:
    """Note the event for every confirmed follower of the document who has not had it yet, and
    return those: one mail per follower and event, however often this runs."""
    rows = await conn.fetch(
        "WITH new AS ("
        "  INSERT INTO follower_notices (follower_id, event, subject_id, queued_at) "
        "  SELECT f.id, $2, $3, $4 FROM followers f "
        "  WHERE f.document_id = $1 AND f.confirmed_at IS NOT NULL "
        "    AND f.unsubscribed_at IS NULL "
        "  ORDER BY f.id "
        "  ON CONFLICT DO NOTHING RETURNING follower_id) "
        "SELECT new.follower_id, f.contact_id FROM new JOIN followers f ON f.id = new.follower_id "
        "ORDER BY new.follower_id",
        document_id,
        event,
        subject_id,
        now,
    )
    return [Notice(follower_id=r["follower_id"], contact_id=r["contact_id"]) for r in rows]


async def insert_tokens(
    conn: asyncpg.Connection, rows: list[tuple[bytes, int]], purpose: str, now: dt.datetime
) -> None:
    await conn.executemany(
        "INSERT INTO follower_tokens (token_hash, follower_id, purpose, created_at) "
        "VALUES ($1, $2, $3, $4)",
        [(token_hash, follower_id, purpose, now) for token_hash, follower_id in rows],
    )


async def version_facts(conn: asyncpg.Connection, version_id: int) -> VersionFacts | None:
    """A published version, and the label of the one published before it (if any)."""
    row = await conn.fetchrow(
        "SELECT d.id AS document_id, d.slug, d.title, v.label, v.change_summary, "
        "  (SELECT p.label FROM document_versions p "
        "   WHERE p.document_id = v.document_id AND p.published_on IS NOT NULL AND p.id <> v.id "
        "     AND (p.published_on, p.id) < (v.published_on, v.id) "
        "   ORDER BY p.published_on DESC, p.id DESC LIMIT 1) AS previous_label "
        "FROM document_versions v JOIN guidance_documents d ON d.id = v.document_id "
        "WHERE v.id = $1 AND v.published_on IS NOT NULL",
        version_id,
    )
    return VersionFacts(**row) if row else None


async def consultation_facts(
    conn: asyncpg.Connection, consultation_id: int
) -> ConsultationFacts | None:
    row = await conn.fetchrow(
        "SELECT d.id AS document_id, d.slug, d.title, d.status AS document_status, v.label, "
        "c.deadline FROM consultations c "
        "JOIN guidance_documents d ON d.id = c.document_id "
        "JOIN document_versions v ON v.id = c.version_id WHERE c.id = $1",
        consultation_id,
    )
    return ConsultationFacts(**row) if row else None


async def lapsed_unconfirmed(
    conn: asyncpg.Connection, now: dt.datetime, limit: int
) -> list[tuple[int, int]]:
    """(follower id, contact id) of follows never confirmed whose every confirmation link has
    expired, locked; rows another process holds are skipped."""
    rows = await conn.fetch(
        "SELECT f.id, f.contact_id FROM followers f "
        "WHERE f.confirmed_at IS NULL AND f.unsubscribed_at IS NULL "
        "AND NOT EXISTS (SELECT FROM follower_tokens t WHERE t.follower_id = f.id "
        "                AND t.purpose = 'confirm' AND t.expires_at > $1) "
        "ORDER BY f.id LIMIT $2 FOR UPDATE OF f SKIP LOCKED",
        now,
        limit,
    )
    return [(row["id"], row["contact_id"]) for row in rows]


async def erase_contacts(conn: asyncpg.Connection, contact_ids: list[int]) -> None:
    """The addresses go; their followers, tokens and unsent mail go with them (cascade)."""
    await conn.execute("DELETE FROM contacts WHERE id = ANY($1::bigint[])", contact_ids)


class AddressFollow(msgspec.Struct, frozen=True):
    document_slug: str
    document_title: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None


async def follows_by_hash(conn: asyncpg.Connection, email_hash: bytes) -> list[AddressFollow]:
    """The documents an address follows or has asked to follow (not those it left)."""
    rows = await conn.fetch(
        "SELECT d.slug AS document_slug, d.title AS document_title, f.created_at, "
        "f.confirmed_at FROM followers f JOIN guidance_documents d ON d.id = f.document_id "
        "WHERE f.email_hash = $1 ORDER BY f.created_at",
        email_hash,
    )
    return [AddressFollow(**row) for row in rows]
