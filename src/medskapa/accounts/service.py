"""Account use cases: register, confirm, log in (with throttling), second factor, log out,
password reset. One transaction each; e-mail goes to the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import asyncpg
import msgspec
import pyotp

from medskapa.audit import service as audit
from medskapa.clock import Clock
from medskapa.feedback.domain import InvalidText, clean_email
from medskapa.outbox.queue import enqueue
from medskapa.security import sessions
from medskapa.security.passwords import (
    DUMMY_HASH,
    PasswordRejected,
    check_password,
    hash_password,
    verify_password,
)
from medskapa.security.principal import Role
from medskapa.security.secrets import derive

ACCOUNT_FAILURE_LIMIT = 100
CLIENT_FAILURE_LIMIT = 300
FAILURE_WINDOW = dt.timedelta(hours=1)
CONFIRM_VALID = dt.timedelta(days=2)
RESET_VALID = dt.timedelta(minutes=30)
RECOVERY_CODES = 10
TOTP_ISSUER = "medskapa"


class AccountError(Exception):
    """A refusal the user is told about; ``code`` picks the words."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class LoginThrottled(AccountError):
    def __init__(self) -> None:
        super().__init__("login_throttled")


class LoggedIn(msgspec.Struct, frozen=True):
    user_id: int
    token: str
    csrf_token: str
    needs_second_factor: bool
    needs_second_factor_setup: bool


class ApiTokenInfo(msgspec.Struct, frozen=True):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class TotpSetup(msgspec.Struct, frozen=True):
    secret: str
    uri: str


def _email_key(secret: bytes, email: str) -> bytes:
    return derive(secret, "login-account", email.strip().lower())


def _code_hash(code: str) -> bytes:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).digest()


class AccountService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, secret: bytes) -> None:
        self._conn = conn
        self._clock = clock
        self._secret = secret

    # ------------------------------------------------------------ registration

    async def register(self, email: str, password: str, *, base_url: str) -> int | None:
        """Create a patient account and queue the confirmation mail. An address that already
        has an account gets a "you already have an account" mail instead, so the answer on
        screen never tells whether an address is registered. Returns the new user's id."""
        try:
            email = clean_email(email)
        except InvalidText as exc:
            raise AccountError(exc.code) from exc
        try:
            password = check_password(password, staff=False, email=email)
        except PasswordRejected as exc:
            raise AccountError(exc.code) from exc
        password_hash = await hash_password(password)
        now = self._clock()
        async with self._conn.transaction():
            existing = await self._conn.fetchval(
                "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
                email,
            )
            if existing is not None:
                await self._mail(existing, "account_exists", {"base_url": base_url}, now)
                return None
            user_id = await self._conn.fetchval(
                "INSERT INTO users (email, password_hash, role, created_at, updated_at) "
                "VALUES ($1, $2, 'patient', $3, $3) RETURNING id",
                email,
                password_hash,
                now,
            )
            token = await self._email_token(user_id, "confirm", CONFIRM_VALID, now)
            await self._mail(
                user_id, "confirm_email", {"link": f"{base_url}/konto/bekrafta?token={token}"}, now
            )
            await self._audit(user_id, "user.registered", now, to_state="unconfirmed")
        return user_id

    async def confirm_email(self, token: str) -> int:
        now = self._clock()
        async with self._conn.transaction():
            user_id = await self._use_token(token, "confirm", now)
            await self._conn.execute(
                "UPDATE users SET email_confirmed_at = $2, updated_at = $2 WHERE id = $1 "
                "AND email_confirmed_at IS NULL",
                user_id,
                now,
            )
            await self._audit(user_id, "user.email_confirmed", now, to_state="active")
        return user_id

    # ------------------------------------------------------------ login

    async def login(
        self, email: str, password: str, *, client: str, user_agent: str = ""
    ) -> LoggedIn:
        now = self._clock()
        account_key = _email_key(self._secret, email)
        client_key = derive(self._secret, "login-client", client)
        since = now - FAILURE_WINDOW
        account_failures, client_failures = await self._conn.fetchrow(
            "SELECT (SELECT count(*) FROM login_failures WHERE account_key = $1 "
            "        AND failed_at > $3), "
            "       (SELECT count(*) FROM login_failures WHERE client_key = $2 "
            "        AND failed_at > $3)",
            account_key,
            client_key,
            since,
        )
        if account_failures >= ACCOUNT_FAILURE_LIMIT or client_failures >= CLIENT_FAILURE_LIMIT:
            raise LoginThrottled
        row = await self._conn.fetchrow(
            "SELECT id, password_hash, role, email_confirmed_at, totp_confirmed_at, "
            "EXISTS (SELECT 1 FROM group_memberships WHERE user_id = users.id) "
            "FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
            email.strip(),
        )
        ok, new_hash = await verify_password(row["password_hash"] if row else DUMMY_HASH, password)
        if row is None or not ok:
            await self._conn.execute(
                "INSERT INTO login_failures (account_key, client_key, failed_at) "
                "VALUES ($1, $2, $3)",
                account_key,
                client_key,
                now,
            )
            raise AccountError("login_failed")
        if row["email_confirmed_at"] is None:
            raise AccountError("email_unconfirmed")
        user_id = row["id"]
        staff = row["role"] in (Role.MODERATOR, Role.ADMIN) or row[5]
        async with self._conn.transaction():
            if new_hash is not None:
                await self._conn.execute(
                    "UPDATE users SET password_hash = $2 WHERE id = $1", user_id, new_hash
                )
            token, csrf = await sessions.create_session(
                self._conn, user_id, now, second_factor=not staff, user_agent=user_agent
            )
            await self._audit(user_id, "user.logged_in", now)
        return LoggedIn(
            user_id,
            token,
            csrf,
            needs_second_factor=staff and row["totp_confirmed_at"] is not None,
            needs_second_factor_setup=staff and row["totp_confirmed_at"] is None,
        )

    async def logout(self, session_hash: bytes, user_id: int) -> None:
        now = self._clock()
        async with self._conn.transaction():
            await sessions.delete_session(self._conn, session_hash)
            await self._audit(user_id, "user.logged_out", now)

    async def logout_everywhere(self, user_id: int) -> int:
        now = self._clock()
        async with self._conn.transaction():
            removed = await sessions.delete_user_sessions(self._conn, user_id)
            await self._audit(user_id, "user.logged_out_everywhere", now)
        return removed

    # ------------------------------------------------------------ passwords

    async def change_password(
        self, user_id: int, session_hash: bytes, current: str, new: str, *, staff: bool
    ) -> None:
        """Change the password; every other session of the user ends."""
        row = await self._conn.fetchrow(
            "SELECT email, password_hash FROM users WHERE id = $1 AND deleted_at IS NULL", user_id
        )
        ok, _ = await verify_password(row["password_hash"] if row else DUMMY_HASH, current)
        if row is None or not ok:
            raise AccountError("password_wrong")
        try:
            new = check_password(new, staff=staff, email=row["email"])
        except PasswordRejected as exc:
            raise AccountError(exc.code) from exc
        password_hash = await hash_password(new)
        now = self._clock()
        async with self._conn.transaction():
            await self._conn.execute(
                "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
                user_id,
                password_hash,
                now,
            )
            await sessions.delete_user_sessions(self._conn, user_id, keep=session_hash)
            await self._audit(user_id, "user.password_changed", now)

    async def request_reset(self, email: str, *, base_url: str) -> None:
        """Queue a reset link when the address has an account; say nothing either way."""
        now = self._clock()
        async with self._conn.transaction():
            user_id = await self._conn.fetchval(
                "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
                email.strip()[:254],
            )
            if user_id is None:
                return
            token = await self._email_token(user_id, "reset", RESET_VALID, now)
            await self._mail(
                user_id,
                "password_reset",
                {"link": f"{base_url}/konto/nytt-losenord?token={token}"},
                now,
            )
            await self._audit(user_id, "user.reset_requested", now)

    async def reset_password(self, token: str, new: str) -> None:
        now = self._clock()
        async with self._conn.transaction():
            user_id = await self._use_token(token, "reset", now)
            row = await self._conn.fetchrow(
                "SELECT email, role, EXISTS (SELECT 1 FROM group_memberships "
                "WHERE user_id = users.id) FROM users WHERE id = $1",
                user_id,
            )
            staff = row["role"] in (Role.MODERATOR, Role.ADMIN) or row[2]
            try:
                new = check_password(new, staff=staff, email=row["email"])
            except PasswordRejected as exc:
                raise AccountError(exc.code) from exc
            await self._conn.execute(
                "UPDATE users SET password_hash = $2, updated_at = $3, "
                "email_confirmed_at = coalesce(email_confirmed_at, $3) WHERE id = $1",
                user_id,
                await hash_password(new),
                now,
            )
            await sessions.delete_user_sessions(self._conn, user_id)
            await self._audit(user_id, "user.password_reset", now)

    async def delete_account(self, user_id: int, password: str) -> None:
        """Delete the account: the address and password go, sessions and tokens end; the
        audit trail keeps the id only."""
        row = await self._conn.fetchrow(
            "SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL", user_id
        )
        ok, _ = await verify_password(row["password_hash"] if row else DUMMY_HASH, password)
        if row is None or not ok:
            raise AccountError("password_wrong")
        now = self._clock()
        async with self._conn.transaction():
            await self._conn.execute(
                "UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', "
                "password_hash = '!', totp_secret = NULL, totp_confirmed_at = NULL, "
                "deleted_at = $2, updated_at = $2 WHERE id = $1",
                user_id,
                now,
            )
            for table in (
                "sessions",
                "api_tokens",
                "recovery_codes",
                "email_tokens",
                "group_memberships",
                "organisation_memberships",
                "outbox_messages",
            ):
                await self._conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)
            await self._audit(user_id, "user.deleted", now, to_state="deleted")

    # ------------------------------------------------------------ API tokens

    async def create_api_token(self, user_id: int, name: str) -> str:
        """A personal API token, shown once; only its hash is kept."""
        name = name.strip()[:100] or "API"
        token = sessions.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        async with self._conn.transaction():
            token_id = await self._conn.fetchval(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) "
                "VALUES ($1, $2, $3, $4) RETURNING id",
                user_id,
                name,
                sessions.token_hash(token),
                now,
            )
            await self._audit(user_id, "user.api_token_created", now, reason=str(token_id))
        return token

    async def revoke_api_token(self, user_id: int, token_id: int) -> bool:
        now = self._clock()
        async with self._conn.transaction():
            revoked = await self._conn.fetchval(
                "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 "
                "AND revoked_at IS NULL RETURNING true",
                token_id,
                user_id,
                now,
            )
            if revoked:
                await self._audit(user_id, "user.api_token_revoked", now, reason=str(token_id))
        return bool(revoked)

    async def api_tokens(self, user_id: int) -> list[ApiTokenInfo]:
        rows = await self._conn.fetch(
            "SELECT id, name, created_at, last_used_at FROM api_tokens "
            "WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
            user_id,
        )
        return [ApiTokenInfo(*row) for row in rows]

    async def revoke_session(self, user_id: int, session_id: str) -> bool:
        """End one of the user's own sessions, named by the short id the account page shows."""
        now = self._clock()
        async with self._conn.transaction():
            removed = await self._conn.fetchval(
                "DELETE FROM sessions WHERE user_id = $1 "
                "AND substr(encode(token_hash, 'hex'), 1, 16) = $2 RETURNING true",
                user_id,
                session_id.lower()[:16],
            )
            if removed:
                await self._audit(user_id, "user.session_revoked", now)
        return bool(removed)

    # ------------------------------------------------------------ second factor

    async def start_totp(self, user_id: int, email: str) -> TotpSetup:
        secret = pyotp.random_base32()
        await self._conn.execute(
            # A pending secret is kept until confirmed, so a mistyped code does not change it.
            "UPDATE users SET totp_secret = coalesce(totp_secret, $2) WHERE id = $1 "
            "AND totp_confirmed_at IS NULL",
            user_id,
            secret,
        )
        stored = await self._conn.fetchval("SELECT totp_secret FROM users WHERE id = $1", user_id)
        uri = pyotp.TOTP(stored).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)
        return TotpSetup(stored, uri)

    async def confirm_totp(self, user_id: int, session_hash: bytes, code: str) -> list[str]:
        """Turn on TOTP with a first valid code; returns the recovery codes (shown once).
        The session is replaced by one that has passed the second factor."""
        now = self._clock()
        secret = await self._conn.fetchval(
            "SELECT totp_secret FROM users WHERE id = $1 AND totp_confirmed_at IS NULL", user_id
        )
        if secret is None or not pyotp.TOTP(secret).verify(
            code.strip(), for_time=now, valid_window=1
        ):
            raise AccountError("totp_wrong")
        codes = [
            f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}"
            for _ in range(RECOVERY_CODES)
        ]
        async with self._conn.transaction():
            await self._conn.execute(
                "UPDATE users SET totp_confirmed_at = $2, updated_at = $2 WHERE id = $1",
                user_id,
                now,
            )
            await self._conn.execute("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
            await self._conn.executemany(
                "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)",
                [(user_id, _code_hash(c)) for c in codes],
            )
            await self._mark_second_factor(session_hash, now)
            await self._audit(user_id, "user.totp_enabled", now)
        return codes

    async def verify_second_factor(self, user_id: int, session_hash: bytes, code: str) -> None:
        now = self._clock()
        secret = await self._conn.fetchval(
            "SELECT totp_secret FROM users WHERE id = $1 AND totp_confirmed_at IS NOT NULL",
            user_id,
        )
        if secret is None:
            raise AccountError("totp_wrong")
        async with self._conn.transaction():
            if pyotp.TOTP(secret).verify(code.strip(), for_time=now, valid_window=1):
                reason = "totp"
            else:
                used = await self._conn.fetchval(
                    "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 "
                    "AND code_hash = $2 AND used_at IS NULL RETURNING true",
                    user_id,
                    _code_hash(code),
                    now,
                )
                if not used:
                    raise AccountError("totp_wrong")
                reason = "recovery_code"
            await self._mark_second_factor(session_hash, now)
            await self._audit(user_id, "user.second_factor", now, reason=reason)

    async def _mark_second_factor(self, session_hash: bytes, now: dt.datetime) -> None:
        await self._conn.execute(
            "UPDATE sessions SET second_factor_at = $2 WHERE token_hash = $1", session_hash, now
        )

    # ------------------------------------------------------------ helpers

    async def _email_token(
        self, user_id: int, purpose: str, valid: dt.timedelta, now: dt.datetime
    ) -> str:
        token = secrets.token_urlsafe(32)
        await self._conn.execute(
            "INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at, created_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            sessions.token_hash(token),
            user_id,
            purpose,
            now + valid,
            now,
        )
        return token

    async def _use_token(self, token: str, purpose: str, now: dt.datetime) -> int:
        user_id = await self._conn.fetchval(
            "UPDATE email_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 "
            "AND used_at IS NULL AND expires_at > $3 RETURNING user_id",
            sessions.token_hash(token),
            purpose,
            now,
        )
        if user_id is None:
            raise AccountError("token_invalid")
        return user_id

    async def _mail(
        self, user_id: int, template: str, context: dict[str, str], now: dt.datetime
    ) -> None:
        await enqueue(self._conn, template, now=now, user_id=user_id, context=context)

    async def _audit(
        self,
        user_id: int,
        action: str,
        now: dt.datetime,
        *,
        to_state: str | None = None,
        reason: str | None = None,
    ) -> None:
        await audit.record(
            self._conn,
            at=now,
            actor=f"user:{user_id}",
            action=action,
            subject_type="user",
            subject_id=str(user_id),
            to_state=to_state,
            reason_code=reason,
        )
