"""Server-side sessions in PostgreSQL and API tokens: the cookie or header carries a random
token, the database only its SHA-256. Works the same with any number of workers."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import asyncpg
import msgspec

from medskapa.security import queries
from medskapa.security.principal import Principal, Role, TokenFacts

STAFF_IDLE = dt.timedelta(minutes=30)
PATIENT_IDLE = dt.timedelta(hours=2)
ABSOLUTE = dt.timedelta(hours=12)
# Writing last_seen_at on every request would turn every page view into a write.
TOUCH_AFTER = dt.timedelta(seconds=60)
# A session that has passed the password has this long to pass the second factor.
PENDING_LIFETIME = dt.timedelta(minutes=15)
API_TOKEN_VALID = dt.timedelta(days=90)
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
    await queries.insert_session(
        conn,
        hashed=token_hash(token),
        user_id=user_id,
        now=now,
        expires_at=now + ABSOLUTE,
        second_factor_at=now if second_factor else None,
        csrf_token=csrf,
        user_agent=user_agent[:200],
    )
    return token, csrf


async def promote(conn: asyncpg.Connection, old_hash: bytes, now: dt.datetime) -> tuple[str, str]:
    """The session has passed the second factor: it goes on under a new token and CSRF token,
    so a copy of the password-only token (or its CSRF token) is worth nothing. Returns
    (token, csrf token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    await queries.promote_session(conn, old_hash, token_hash(token), csrf, now)
    return token, csrf


def _principal(row: asyncpg.Record, **extra: object) -> Principal:
    return Principal(
        user_id=row["id"],
        email=row["email"],
        role=Role(row["role"]),
        groups={int(k): v for k, v in row["groups"].items()},
        organisations={int(k): v for k, v in row["organisations"].items()},
        **extra,  # type: ignore[arg-type]
    )


def needs_second_factor(principal: Principal, totp_enrolled: bool) -> bool:
    """Staff always, anyone else once they have turned a second factor on."""
    return principal.is_staff or totp_enrolled


async def load_session(
    conn: asyncpg.Connection, token: str, now: dt.datetime
) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session, or None (and the session is removed
    when it has timed out). A session that still needs the second factor gives a principal
    that is signed in nowhere but on the second-step pages."""
    hashed = token_hash(token)
    row = await queries.session_row(conn, hashed)
    if row is None:
        return None
    passed = row["second_factor_at"] is not None
    principal = _principal(row, session_hash=hashed, second_factor=passed)
    pending = not passed and needs_second_factor(principal, row["totp_enrolled"])
    idle = STAFF_IDLE if principal.is_staff else PATIENT_IDLE
    if (
        now >= row["expires_at"]
        or now - row["last_seen_at"] >= idle
        or (pending and now - row["created_at"] >= PENDING_LIFETIME)
    ):
        await queries.delete_session(conn, hashed)
        return None
    if now - row["last_seen_at"] >= TOUCH_AFTER:
        await queries.touch_session(conn, hashed, now)
    if pending:
        principal = Principal(
            pending_user_id=principal.user_id, email=principal.email, session_hash=hashed
        )
    return principal, row["csrf_token"]


async def load_api_token(
    conn: asyncpg.Connection, token: str, now: dt.datetime
) -> Principal | None:
    """The principal of a live token. A token carries no more than the session that made it:
    it stops when the user's roles or memberships have changed since (and says so in the
    token list), and a token made without the second factor is refused for an account that
    needs one."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    row = await queries.api_token_row(conn, token_hash(token), now)
    if row is None:
        return None
    facts = TokenFacts(
        row["token_id"], row["token_name"], row["token_created_at"], row["expires_at"]
    )
    principal = _principal(row, via_token=True, token=facts, second_factor=row["second_factor"])
    if row["scope"] != principal.scope:
        await end_api_tokens(conn, principal.user_id or 0, "role_changed", now, row["token_id"])
        return None
    if needs_second_factor(principal, row["totp_enrolled"]) and not row["second_factor"]:
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] >= TOUCH_AFTER:
        await queries.touch_api_token(conn, row["token_id"], now)
    return principal


async def end_api_tokens(
    conn: asyncpg.Connection,
    user_id: int,
    reason: str,
    now: dt.datetime,
    token_id: int | None = None,
) -> int:
    """End the user's live tokens (or one of them), recording why."""
    return await queries.end_api_tokens(conn, user_id, reason, now, token_id)


async def delete_session(conn: asyncpg.Connection, hashed: bytes) -> None:
    await queries.delete_session(conn, hashed)


async def delete_user_sessions(
    conn: asyncpg.Connection, user_id: int, *, keep: bytes | None = None
) -> int:
    return await queries.delete_user_sessions(conn, user_id, keep)


async def list_sessions(conn: asyncpg.Connection, user_id: int) -> list[SessionInfo]:
    return [SessionInfo(**dict(row)) for row in await queries.user_sessions(conn, user_id)]
