"""The SQL of the security kit: sessions, API tokens, sealed second-factor secrets,
idempotency keys, instance secrets and rate-limit counters. Nothing else in security/ talks to
the database; this module imports nothing of medskapa."""

from __future__ import annotations

import datetime as dt

import asyncpg


def _count(status: str) -> int:
    """The row count of a command status such as ``DELETE 3``."""
    return int(status.split()[-1])


# ------------------------------------------------------------------ sessions and API tokens


async def insert_session(
    conn: asyncpg.Connection,
    *,
    hashed: bytes,
    user_id: int,
    now: dt.datetime,
    expires_at: dt.datetime,
    second_factor_at: dt.datetime | None,
    csrf_token: str,
    user_agent: str,
) -> None:
    await conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, "
        "second_factor_at, csrf_token, user_agent) VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        hashed,
        user_id,
        now,
        expires_at,
        second_factor_at,
        csrf_token,
        user_agent,
    )


async def promote_session(
    conn: asyncpg.Connection, old_hash: bytes, new_hash: bytes, csrf_token: str, now: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE sessions SET token_hash = $2, csrf_token = $3, second_factor_at = $4, "
        "last_seen_at = $4, totp_pending_secret = NULL WHERE token_hash = $1",
        old_hash,
        new_hash,
        csrf_token,
        now,
    )


_PRINCIPAL = """
    SELECT u.id, u.email, u.role,
           coalesce((SELECT jsonb_object_agg(group_id::text, role) FROM group_memberships
                     WHERE user_id = u.id), '{}') AS groups,
           coalesce((SELECT jsonb_object_agg(organisation_id::text, role)
                     FROM organisation_memberships WHERE user_id = u.id), '{}') AS organisations,
           u.totp_confirmed_at IS NOT NULL AS totp_enrolled
"""


async def session_row(conn: asyncpg.Connection, hashed: bytes) -> asyncpg.Record | None:
    """The session's user (id, email, role, groups, organisations, totp_enrolled) and its
    times and CSRF token."""
    return await conn.fetchrow(
        f"{_PRINCIPAL}, s.created_at, s.last_seen_at, s.expires_at, s.second_factor_at, "
        "s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id AND u.deleted_at IS NULL "
        "WHERE s.token_hash = $1",
        hashed,
    )


async def touch_session(conn: asyncpg.Connection, hashed: bytes, now: dt.datetime) -> None:
    await conn.execute("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1", hashed, now)


async def delete_session(conn: asyncpg.Connection, hashed: bytes) -> None:
    await conn.execute("DELETE FROM sessions WHERE token_hash = $1", hashed)


async def delete_user_sessions(
    conn: asyncpg.Connection, user_id: int, keep: bytes | None = None
) -> int:
    return _count(
        await conn.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2",
            user_id,
            keep,
        )
    )


async def user_sessions(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT token_hash, created_at, last_seen_at, user_agent FROM sessions "
        "WHERE user_id = $1 ORDER BY last_seen_at DESC",
        user_id,
    )


async def api_token_row(
    conn: asyncpg.Connection, hashed: bytes, now: dt.datetime
) -> asyncpg.Record | None:
    """A live token's user (as for a session) and the token's own facts."""
    return await conn.fetchrow(
        f"{_PRINCIPAL}, t.id AS token_id, t.last_used_at, t.scope, t.second_factor, "
        "t.name AS token_name, t.created_at AS token_created_at, t.expires_at "
        "FROM api_tokens t JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL "
        "WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
        hashed,
        now,
    )


async def touch_api_token(conn: asyncpg.Connection, token_id: int, now: dt.datetime) -> None:
    await conn.execute("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", token_id, now)


async def end_api_tokens(
    conn: asyncpg.Connection,
    user_id: int,
    reason: str,
    now: dt.datetime,
    token_id: int | None = None,
) -> int:
    return _count(
        await conn.execute(
            "UPDATE api_tokens SET revoked_at = $3, ended_reason = $2 WHERE user_id = $1 "
            "AND revoked_at IS NULL AND ($4::bigint IS NULL OR id = $4)",
            user_id,
            reason,
            now,
            token_id,
        )
    )


# ------------------------------------------------------------------ second-factor secrets


async def drop_plain_pending_secrets(conn: asyncpg.Connection) -> None:
    await conn.execute(
        "UPDATE sessions SET totp_pending_secret = NULL WHERE totp_pending_secret NOT LIKE 'v1:%'"
    )


async def plain_totp_secrets(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """(id, totp_secret) of every user whose secret is not sealed yet, locked for update."""
    return await conn.fetch(
        "SELECT id, totp_secret FROM users WHERE totp_secret NOT LIKE 'v1:%' FOR UPDATE"
    )


async def set_totp_secret(conn: asyncpg.Connection, user_id: int, stored: str) -> None:
    await conn.execute("UPDATE users SET totp_secret = $2 WHERE id = $1", user_id, stored)


# ------------------------------------------------------------------ idempotency keys


async def claim_idempotency_key(
    conn: asyncpg.Connection, key_hash: bytes, scope: str, request_hash: bytes
) -> bool:
    """True when the key was not claimed before (and now is)."""
    return bool(
        await conn.fetchval(
            "INSERT INTO idempotent_requests (key_hash, scope, request_hash) "
            "VALUES ($1, $2, $3) ON CONFLICT (key_hash) DO NOTHING RETURNING true",
            key_hash,
            scope,
            request_hash,
        )
    )


async def idempotent_answer(conn: asyncpg.Connection, key_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT request_hash, status_code, response FROM idempotent_requests WHERE key_hash = $1",
        key_hash,
    )


async def store_idempotent_answer(
    conn: asyncpg.Connection, key_hash: bytes, status_code: int, response: bytes
) -> None:
    await conn.execute(
        "UPDATE idempotent_requests SET status_code = $2, response = $3 WHERE key_hash = $1",
        key_hash,
        status_code,
        response,
    )


# ------------------------------------------------------------------ instance secrets


async def instance_secret(conn: asyncpg.Connection, name: str, candidate: bytes) -> bytes:
    """The secret called ``name``; ``candidate`` becomes it when there is none yet."""
    await conn.execute(
        "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        candidate,
    )
    return await conn.fetchval("SELECT value FROM instance_secrets WHERE name = $1", name)


# ------------------------------------------------------------------ rate limits


async def count_hit(conn: asyncpg.Connection, bucket: str, window_start: dt.datetime) -> int:
    """Count one hit in the bucket's window; returns the hits so far."""
    return await conn.fetchval(
        "INSERT INTO rate_limits AS r (bucket, window_start, hits) VALUES ($1, $2, 1) "
        "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1 RETURNING hits",
        bucket,
        window_start,
    )


async def purge_rate_limits(conn: asyncpg.Connection, before: dt.datetime) -> int:
    return _count(await conn.execute("DELETE FROM rate_limits WHERE window_start < $1", before))
