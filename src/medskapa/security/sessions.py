"""Server-side sessions in PostgreSQL and API tokens: the cookie or header carries a random
token, the database only its SHA-256. Works the same with any number of workers."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import asyncpg
import msgspec

from medskapa.security.principal import Principal, Role

STAFF_IDLE = dt.timedelta(minutes=30)
PATIENT_IDLE = dt.timedelta(hours=2)
ABSOLUTE = dt.timedelta(hours=12)
# Writing last_seen_at on every request would turn every page view into a write.
TOUCH_AFTER = dt.timedelta(seconds=60)
API_TOKEN_PREFIX = "mks_"  # noqa: S105  (a visible prefix, not a secret)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class SessionInfo(msgspec.Struct, frozen=True):
    token_hash: bytes
    created_at: dt.datetime
    last_seen_at: dt.datetime
    user_agent: str


async def create_session(
    conn: asyncpg.Connection,
    user_id: int,
    now: dt.datetime,
    *,
    second_factor: bool,
    user_agent: str = "",
) -> tuple[str, str]:
    """A new session (always a new token: no fixation). Returns (token, csrf token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, "
        "second_factor_at, csrf_token, user_agent) VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        token_hash(token),
        user_id,
        now,
        now + ABSOLUTE,
        now if second_factor else None,
        csrf,
        user_agent[:200],
    )
    return token, csrf


_PRINCIPAL = """
    SELECT u.id, u.email, u.role,
           coalesce((SELECT jsonb_object_agg(group_id::text, role) FROM group_memberships
                     WHERE user_id = u.id), '{}'),
           coalesce((SELECT jsonb_object_agg(organisation_id::text, role)
                     FROM organisation_memberships WHERE user_id = u.id), '{}')
"""


def _principal(row: asyncpg.Record, **extra: object) -> Principal:
    user_id, email, role, groups, organisations = row[:5]
    return Principal(
        user_id=user_id,
        email=email,
        role=Role(role),
        groups={int(k): v for k, v in groups.items()},
        organisations={int(k): v for k, v in organisations.items()},
        **extra,  # type: ignore[arg-type]
    )


async def load_session(
    conn: asyncpg.Connection, token: str, now: dt.datetime
) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session, or None (and the session is removed
    when it has timed out)."""
    hashed = token_hash(token)
    row = await conn.fetchrow(
        f"{_PRINCIPAL}, s.last_seen_at, s.expires_at, s.second_factor_at, s.csrf_token "
        "FROM sessions s JOIN users u ON u.id = s.user_id AND u.deleted_at IS NULL "
        "WHERE s.token_hash = $1",
        hashed,
    )
    if row is None:
        return None
    principal = _principal(row, session_hash=hashed, second_factor=row[7] is not None)
    idle = STAFF_IDLE if principal.is_staff else PATIENT_IDLE
    last_seen, expires = row[5], row[6]
    if now >= expires or now - last_seen >= idle:
        await conn.execute("DELETE FROM sessions WHERE token_hash = $1", hashed)
        return None
    if now - last_seen >= TOUCH_AFTER:
        await conn.execute(
            "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1", hashed, now
        )
    return principal, row[8]


async def load_api_token(
    conn: asyncpg.Connection, token: str, now: dt.datetime
) -> Principal | None:
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    row = await conn.fetchrow(
        f"{_PRINCIPAL}, t.id, t.last_used_at FROM api_tokens t "
        "JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL "
        "WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        token_hash(token),
    )
    if row is None:
        return None
    if row[6] is None or now - row[6] >= TOUCH_AFTER:
        await conn.execute("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", row[5], now)
    return _principal(row, via_token=True)


async def delete_session(conn: asyncpg.Connection, hashed: bytes) -> None:
    await conn.execute("DELETE FROM sessions WHERE token_hash = $1", hashed)


async def delete_user_sessions(
    conn: asyncpg.Connection, user_id: int, *, keep: bytes | None = None
) -> int:
    status = await conn.execute(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2",
        user_id,
        keep,
    )
    return int(status.split()[-1])


async def list_sessions(conn: asyncpg.Connection, user_id: int) -> list[SessionInfo]:
    rows = await conn.fetch(
        "SELECT token_hash, created_at, last_seen_at, user_agent FROM sessions "
        "WHERE user_id = $1 ORDER BY last_seen_at DESC",
        user_id,
    )
    return [SessionInfo(*row) for row in rows]
