"""The SQL of the account use cases: users, e-mail links, login failures, API tokens and the
second factor. Sessions themselves are the security kit's (security/sessions.py)."""

from __future__ import annotations

import datetime as dt

import asyncpg

# ------------------------------------------------------------------ users


async def user_id_by_email(conn: asyncpg.Connection, email: str) -> int | None:
    """The live account with this address (any case), or None."""
    return await conn.fetchval(
        "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL", email
    )


async def insert_patient(
    conn: asyncpg.Connection, email: str, password_hash: str, now: dt.datetime
) -> int:
    return await conn.fetchval(
        "INSERT INTO users (email, password_hash, role, created_at, updated_at) "
        "VALUES ($1, $2, 'patient', $3, $3) RETURNING id",
        email,
        password_hash,
        now,
    )


async def confirm_email(conn: asyncpg.Connection, user_id: int, now: dt.datetime) -> None:
    await conn.execute(
        "UPDATE users SET email_confirmed_at = $2, updated_at = $2 WHERE id = $1 "
        "AND email_confirmed_at IS NULL",
        user_id,
        now,
    )


async def login_row(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    """id, password_hash, role, email_confirmed_at, totp_confirmed_at and in_group (a member
    of any working group) of the live account with this address."""
    return await conn.fetchrow(
        "SELECT id, password_hash, role, email_confirmed_at, totp_confirmed_at, "
        "EXISTS (SELECT 1 FROM group_memberships WHERE user_id = users.id) AS in_group "
        "FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
        email,
    )


async def password_row(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    """email and password_hash of a live account."""
    return await conn.fetchrow(
        "SELECT email, password_hash FROM users WHERE id = $1 AND deleted_at IS NULL", user_id
    )


async def reset_row(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record:
    """email, role and in_group of the account a reset link is for."""
    return await conn.fetchrow(
        "SELECT email, role, EXISTS (SELECT 1 FROM group_memberships "
        "WHERE user_id = users.id) AS in_group FROM users WHERE id = $1",
        user_id,
    )


async def rehash_password(conn: asyncpg.Connection, user_id: int, password_hash: str) -> None:
    """The same password under a stronger hash (at login): nothing else changes."""
    await conn.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)


async def set_password(
    conn: asyncpg.Connection, user_id: int, password_hash: str, now: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
        user_id,
        password_hash,
        now,
    )


async def reset_password(
    conn: asyncpg.Connection, user_id: int, password_hash: str, now: dt.datetime
) -> None:
    """A new password from a reset link, which also confirms the address (the link came to
    it)."""
    await conn.execute(
        "UPDATE users SET password_hash = $2, updated_at = $3, "
        "email_confirmed_at = coalesce(email_confirmed_at, $3) WHERE id = $1",
        user_id,
        password_hash,
        now,
    )


# Everything of a deleted account but its row (kept, without address or password, so the
# audit trail's ids still point somewhere).
_ERASED_WITH_ACCOUNT = (
    "sessions",
    "api_tokens",
    "recovery_codes",
    "email_tokens",
    "group_memberships",
    "organisation_memberships",
    "outbox_messages",
    "second_factor_failures",
)


async def erase_account(conn: asyncpg.Connection, user_id: int, now: dt.datetime) -> None:
    await conn.execute(
        "UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', "
        "password_hash = '!', totp_secret = NULL, totp_confirmed_at = NULL, "
        "deleted_at = $2, updated_at = $2 WHERE id = $1",
        user_id,
        now,
    )
    for table in _ERASED_WITH_ACCOUNT:
        await conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)


async def new_item_mail(conn: asyncpg.Connection, user_id: int) -> str | None:
    return await conn.fetchval("SELECT new_item_mail FROM users WHERE id = $1", user_id)


async def set_new_item_mail(conn: asyncpg.Connection, user_id: int, choice: str) -> None:
    await conn.execute("UPDATE users SET new_item_mail = $2 WHERE id = $1", user_id, choice)


# ------------------------------------------------------------------ e-mail links


async def insert_email_token(
    conn: asyncpg.Connection,
    token_hash: bytes,
    user_id: int,
    purpose: str,
    expires_at: dt.datetime,
    now: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at, created_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        token_hash,
        user_id,
        purpose,
        expires_at,
        now,
    )


async def use_email_token(
    conn: asyncpg.Connection, token_hash: bytes, purpose: str, now: dt.datetime
) -> int | None:
    """Mark a live link used; its user, or None when there is no such live link."""
    return await conn.fetchval(
        "UPDATE email_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 "
        "AND used_at IS NULL AND expires_at > $3 RETURNING user_id",
        token_hash,
        purpose,
        now,
    )


async def end_reset_links(conn: asyncpg.Connection, user_id: int, now: dt.datetime) -> None:
    await conn.execute(
        "UPDATE email_tokens SET used_at = $2 WHERE user_id = $1 AND purpose = 'reset' "
        "AND used_at IS NULL",
        user_id,
        now,
    )


# ------------------------------------------------------------------ login failures


async def take_turns(conn: asyncpg.Connection, key: bytes) -> None:
    """Hold a transaction-scoped advisory lock named by the first 8 bytes of ``key``."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock($1)", int.from_bytes(key[:8], "big", signed=True)
    )


async def insert_login_failure(
    conn: asyncpg.Connection,
    account_key: bytes,
    client_key: bytes,
    now: dt.datetime,
    known_device: bool,
) -> None:
    await conn.execute(
        "INSERT INTO login_failures (account_key, client_key, failed_at, known_device) "
        "VALUES ($1, $2, $3, $4)",
        account_key,
        client_key,
        now,
        known_device,
    )


async def client_failures(conn: asyncpg.Connection, client_key: bytes, since: dt.datetime) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM login_failures WHERE client_key = $1 AND failed_at > $2",
        client_key,
        since,
    )


async def account_failures(
    conn: asyncpg.Connection, account_key: bytes, since: dt.datetime
) -> asyncpg.Record:
    """failures (count) and latest (time) of failed logins on the account from browsers that
    had not signed in to it before."""
    return await conn.fetchrow(
        "SELECT count(*) AS failures, max(failed_at) AS latest FROM login_failures "
        "WHERE account_key = $1 AND NOT known_device AND failed_at > $2",
        account_key,
        since,
    )


async def forget_login_failures(conn: asyncpg.Connection, account_key: bytes) -> None:
    await conn.execute("DELETE FROM login_failures WHERE account_key = $1", account_key)


# ------------------------------------------------------------------ API tokens and sessions


async def insert_api_token(
    conn: asyncpg.Connection,
    *,
    user_id: int,
    name: str,
    token_hash: bytes,
    now: dt.datetime,
    scope: str,
    second_factor: bool,
    expires_at: dt.datetime,
) -> int:
    return await conn.fetchval(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, scope, "
        "second_factor, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        user_id,
        name,
        token_hash,
        now,
        scope,
        second_factor,
        expires_at,
    )


async def api_tokens(
    conn: asyncpg.Connection, user_id: int, now: dt.datetime
) -> list[asyncpg.Record]:
    """The user's newest 50 tokens, those that still work first."""
    return await conn.fetch(
        "SELECT id, name, created_at, last_used_at, revoked_at, ended_reason, scope, "
        "expires_at FROM api_tokens WHERE user_id = $1 "
        "ORDER BY revoked_at IS NOT NULL OR expires_at <= $2, created_at DESC LIMIT 50",
        user_id,
        now,
    )


async def delete_session_by_short_id(conn: asyncpg.Connection, user_id: int, short_id: str) -> bool:
    """Delete the user's session whose hash starts with ``short_id`` (16 hex digits)."""
    return bool(
        await conn.fetchval(
            "DELETE FROM sessions WHERE user_id = $1 "
            "AND substr(encode(token_hash, 'hex'), 1, 16) = $2 RETURNING true",
            user_id,
            short_id,
        )
    )


# ------------------------------------------------------------------ second factor


async def totp_enrolled(conn: asyncpg.Connection, user_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT totp_confirmed_at IS NOT NULL FROM users WHERE id = $1", user_id
        )
    )


async def keep_pending_secret(
    conn: asyncpg.Connection, session_hash: bytes, user_id: int, sealed: str
) -> str | None:
    """The session's pending secret: the one it has, or ``sealed`` when it has none."""
    return await conn.fetchval(
        "UPDATE sessions SET totp_pending_secret = coalesce(totp_pending_secret, $2) "
        "WHERE token_hash = $1 AND user_id = $3 RETURNING totp_pending_secret",
        session_hash,
        sealed,
        user_id,
    )


async def pending_secret(conn: asyncpg.Connection, session_hash: bytes, user_id: int) -> str | None:
    return await conn.fetchval(
        "SELECT totp_pending_secret FROM sessions WHERE token_hash = $1 AND user_id = $2",
        session_hash,
        user_id,
    )


async def lock_factor(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    """totp_secret, totp_last_step and totp_confirmed_at of a live account, its row locked
    until the transaction ends (so parallel guesses queue)."""
    return await conn.fetchrow(
        "SELECT totp_secret, totp_last_step, totp_confirmed_at FROM users "
        "WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
        user_id,
    )


async def enable_totp(
    conn: asyncpg.Connection,
    user_id: int,
    sealed: str,
    step: int,
    now: dt.datetime,
    code_hashes: list[bytes],
) -> None:
    """The factor and its recovery codes, replacing any earlier ones."""
    await conn.execute(
        "UPDATE users SET totp_secret = $2, totp_confirmed_at = $3, totp_last_step = $4, "
        "updated_at = $3 WHERE id = $1",
        user_id,
        sealed,
        now,
        step,
    )
    await conn.execute("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
    await conn.executemany(
        "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)",
        [(user_id, code_hash) for code_hash in code_hashes],
    )


async def set_totp_step(conn: asyncpg.Connection, user_id: int, step: int) -> None:
    await conn.execute("UPDATE users SET totp_last_step = $2 WHERE id = $1", user_id, step)


async def unused_recovery_codes(conn: asyncpg.Connection, user_id: int) -> list[bytes]:
    rows = await conn.fetch(
        "SELECT code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL", user_id
    )
    return [row["code_hash"] for row in rows]


async def use_recovery_code(
    conn: asyncpg.Connection, user_id: int, code_hash: bytes, now: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2",
        user_id,
        code_hash,
        now,
    )


async def insert_second_factor_failure(
    conn: asyncpg.Connection, user_id: int, now: dt.datetime
) -> None:
    await conn.execute(
        "INSERT INTO second_factor_failures (user_id, failed_at) VALUES ($1, $2)", user_id, now
    )


async def nth_newest_failure(
    conn: asyncpg.Connection, user_id: int, since: dt.datetime, n: int
) -> dt.datetime | None:
    """When the n-th newest wrong second-factor code after ``since`` was typed, or None."""
    return await conn.fetchval(
        "SELECT failed_at FROM second_factor_failures WHERE user_id = $1 "
        "AND failed_at > $2 ORDER BY failed_at DESC OFFSET $3 LIMIT 1",
        user_id,
        since,
        n - 1,
    )
