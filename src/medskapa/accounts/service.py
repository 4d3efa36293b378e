"""Account use cases: register, confirm, log in (with throttling), second factor, log out,
password reset. One transaction each; e-mail goes to the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
import secrets

import asyncpg
import msgspec
import pyotp

from medskapa.audit import service as audit
from medskapa.clock import Clock
from medskapa.feedback.domain import InvalidText, clean_email
from medskapa.outbox.queue import enqueue
from medskapa.security import ratelimit, sessions
from medskapa.security.factors import (
    FactorBox,
    device_cookie,
    device_of,
    matching_step,
)
from medskapa.security.passwords import (
    DUMMY_HASH,
    PasswordRejected,
    check_password,
    hash_password,
    verify_password,
)
from medskapa.security.principal import Principal, Role
from medskapa.security.secrets import derive

# Password guessing. Per client (a keyed hash of its address, see MEDSKAPA_TRUSTED_PROXIES): a
# hard limit. Per account the limit is soft, so an attacker cannot lock the owner out: past it,
# browsers that have never signed in to the account get one try per SLOWDOWN (no password is
# checked for the rest), while a browser that has (a signed device cookie) keeps its own count.
CLIENT_FAILURE_LIMIT = 300
ACCOUNT_SLOWDOWN_AFTER = 10
# At most ACCOUNT_SLOWDOWN_AFTER + 60 guesses an hour on one account (ASVS 2.2.1 asks for
# no more than 100).
SLOWDOWN = dt.timedelta(seconds=60)
DEVICE_FAILURE_LIMIT = 10
FAILURE_WINDOW = dt.timedelta(hours=1)
# Second-factor codes: a few wrong ones lock the second step of the account for a while.
TOTP_FAILURE_LIMITS = ((5, dt.timedelta(minutes=15)), (20, dt.timedelta(hours=24)))
# E-mail that anyone can make us send: per address (whether or not it has an account, so the
# answer never tells) and per client.
MAIL_ACCOUNT_LIMIT = ratelimit.Limit("mail-account", hits=3, seconds=3600)
MAIL_CLIENT_LIMIT = ratelimit.Limit("mail-client", hits=10, seconds=3600)
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
    def __init__(self, code: str = "login_throttled") -> None:
        super().__init__(code)


class SecondFactorLocked(AccountError):
    def __init__(self, until: dt.datetime) -> None:
        super().__init__("totp_locked")
        self.until = until


class MailLimited(AccountError):
    """This client asked for too many e-mails; says nothing about any account."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("mail_limited")
        self.retry_after = retry_after


class LoggedIn(msgspec.Struct, frozen=True):
    user_id: int
    token: str
    csrf_token: str
    needs_second_factor: bool
    needs_second_factor_setup: bool
    device: str
    """A signed device cookie: this browser has signed in to the account."""


class ApiTokenInfo(msgspec.Struct, frozen=True):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    ended_at: dt.datetime | None
    ended_reason: str | None
    """Why a token no longer works (see api_tokens.ended_reason, or ``expired``), or None while
    it does."""
    expires_at: dt.datetime

    @property
    def alive(self) -> bool:
        return self.ended_reason is None


class Promoted(msgspec.Struct, frozen=True):
    """A session that has passed the second factor, under its new token."""

    token: str
    csrf_token: str
    passed: str
    """How: ``totp``, ``recovery_code``, or ``new`` (a factor just enrolled)."""
    recovery_codes: list[str] = []
    """Shown once, after enrolment."""


class TotpSetup(msgspec.Struct, frozen=True):
    secret: str
    uri: str


def _email_key(secret: bytes, email: str) -> bytes:
    return derive(secret, "login-account", email.strip().lower())


class _Factor(msgspec.Struct, frozen=True):
    """The outcome of checking a second-factor code: the way it passed, or why not."""

    passed: str | None = None
    locked_until: dt.datetime | None = None


class AccountService:
    def __init__(
        self,
        conn: asyncpg.Connection,
        clock: Clock,
        secret: bytes,
        factors: FactorBox | None = None,
    ) -> None:
        self._conn = conn
        self._clock = clock
        self._secret = secret
        self._factors_box = factors

    @property
    def _factors(self) -> FactorBox:
        if self._factors_box is None:
            raise RuntimeError("AccountService needs a FactorBox for second-factor use cases")
        return self._factors_box

    # ------------------------------------------------------------ registration

    async def register(self, email: str, password: str, *, client: str = "unknown") -> int | None:
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
        now = self._clock()
        may_mail = await self._mail_allowed(email, client, now)
        password_hash = await hash_password(password)
        async with self._conn.transaction():
            existing = await self._conn.fetchval(
                "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
                email,
            )
            if existing is not None:
                if may_mail:
                    await self._mail(existing, "account_exists", {}, now)
                return None
            user_id = await self._conn.fetchval(
                "INSERT INTO users (email, password_hash, role, created_at, updated_at) "
                "VALUES ($1, $2, 'patient', $3, $3) RETURNING id",
                email,
                password_hash,
                now,
            )
            token = await self._email_token(user_id, "confirm", CONFIRM_VALID, now)
            # A path: the outbox renderer puts MEDSKAPA_BASE_URL in front, never a Host.
            await self._mail(
                user_id, "confirm_email", {"link": f"/konto/bekrafta?token={token}"}, now
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

    async def _mail_allowed(self, email: str, client: str, now: dt.datetime) -> bool:
        """Count one mail request. Too many from this client: ``MailLimited`` (it says nothing
        about the address). Too many for this address: False, and the caller sends nothing
        but answers as if it had, so no one learns whether the address has an account."""
        client_key = derive(self._secret, "mail-client", client).hex()[:32]
        try:
            await ratelimit.check(self._conn, MAIL_CLIENT_LIMIT, client_key, now)
        except ratelimit.RateLimited as exc:
            raise MailLimited(exc.retry_after) from exc
        address_key = derive(self._secret, "mail-account", email.strip().lower()).hex()[:32]
        try:
            await ratelimit.check(self._conn, MAIL_ACCOUNT_LIMIT, address_key, now)
        except ratelimit.RateLimited:
            return False
        return True

    # ------------------------------------------------------------ login

    async def login(
        self,
        email: str,
        password: str,
        *,
        client: str,
        user_agent: str = "",
        device: str | None = None,
    ) -> LoggedIn:
        now = self._clock()
        since = now - FAILURE_WINDOW
        account_key = _email_key(self._secret, email)
        client_key = derive(self._secret, "login-client", client)
        row = await self._conn.fetchrow(
            "SELECT id, password_hash, role, email_confirmed_at, totp_confirmed_at, "
            "EXISTS (SELECT 1 FROM group_memberships WHERE user_id = users.id) "
            "FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
            email.strip(),
        )
        known = device_of(self._secret, device, now)
        if known is not None and (row is None or known[0] != row["id"]):
            known = None
        counted_as = known[1] if known else client_key
        async with self._conn.transaction():
            # Attempts on one account (and from one client) take turns: the count is read,
            # the password checked and a failure written before the next attempt may look, so
            # guesses sent all at once cannot all slip past the limits together.
            for key in (account_key, counted_as):
                await self._conn.execute(
                    "SELECT pg_advisory_xact_lock($1)", int.from_bytes(key[:8], "big", signed=True)
                )
            refusal = await self._login_refusal(account_key, client_key, known, since, now)
            ok, new_hash = False, None
            if refusal is None:
                ok, new_hash = await verify_password(
                    row["password_hash"] if row else DUMMY_HASH, password
                )
                if row is None or not ok:
                    await self._conn.execute(
                        "INSERT INTO login_failures (account_key, client_key, failed_at, "
                        "known_device) VALUES ($1, $2, $3, $4)",
                        account_key,
                        counted_as,
                        now,
                        known is not None,
                    )
        if refusal is not None:
            raise LoginThrottled(refusal)
        if row is None or not ok:
            raise AccountError("login_failed")
        if row["email_confirmed_at"] is None:
            raise AccountError("email_unconfirmed")
        user_id = row["id"]
        staff = row["role"] in (Role.MODERATOR, Role.ADMIN) or row[5]
        enrolled = row["totp_confirmed_at"] is not None
        async with self._conn.transaction():
            if new_hash is not None:
                await self._conn.execute(
                    "UPDATE users SET password_hash = $2 WHERE id = $1", user_id, new_hash
                )
            token, csrf = await sessions.create_session(
                self._conn,
                user_id,
                now,
                second_factor=not (staff or enrolled),
                user_agent=user_agent,
            )
            await self._audit(user_id, "user.logged_in", now)
        return LoggedIn(
            user_id,
            token,
            csrf,
            needs_second_factor=enrolled,
            needs_second_factor_setup=staff and not enrolled,
            device=device_cookie(self._secret, user_id, now),
        )

    async def _login_refusal(
        self,
        account_key: bytes,
        client_key: bytes,
        known: tuple[int, bytes] | None,
        since: dt.datetime,
        now: dt.datetime,
    ) -> str | None:
        """Why this attempt is not even checked, or None. Per client: a hard limit. A browser
        that has signed in to the account before: a count of its own. Anyone else, once the
        account has had ACCOUNT_SLOWDOWN_AFTER failures from such browsers in the hour: one try
        per SLOWDOWN for all of them together."""
        client_failures = await self._conn.fetchval(
            "SELECT count(*) FROM login_failures WHERE client_key = $1 AND failed_at > $2",
            client_key,
            since,
        )
        if client_failures >= CLIENT_FAILURE_LIMIT:
            return "login_throttled"
        if known is not None:
            device_failures = await self._conn.fetchval(
                "SELECT count(*) FROM login_failures WHERE client_key = $1 AND failed_at > $2",
                known[1],
                since,
            )
            return "login_throttled" if device_failures >= DEVICE_FAILURE_LIMIT else None
        failures, latest = await self._conn.fetchrow(
            "SELECT count(*), max(failed_at) FROM login_failures WHERE account_key = $1 "
            "AND NOT known_device AND failed_at > $2",
            account_key,
            since,
        )
        if failures >= ACCOUNT_SLOWDOWN_AFTER and now - latest < SLOWDOWN:
            return "login_slowed"
        return None

    async def logout(self, session_hash: bytes, user_id: int) -> None:
        now = self._clock()
        async with self._conn.transaction():
            await sessions.delete_session(self._conn, session_hash)
            await self._audit(user_id, "user.logged_out", now)

    async def logout_everywhere(self, user_id: int) -> int:
        """End every session and every API token of the user."""
        now = self._clock()
        async with self._conn.transaction():
            removed = await sessions.delete_user_sessions(self._conn, user_id)
            await sessions.end_api_tokens(self._conn, user_id, "logged_out_everywhere", now)
            await self._audit(user_id, "user.logged_out_everywhere", now)
        return removed

    # ------------------------------------------------------------ passwords

    async def change_password(
        self, user_id: int, session_hash: bytes, current: str, new: str, *, staff: bool
    ) -> None:
        """Change the password; every other session, every API token and every outstanding
        reset link of the user ends."""
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
            await self._end_credentials(
                user_id, row["email"], "password_changed", now, session_hash
            )
            await self._audit(user_id, "user.password_changed", now)

    async def request_reset(self, email: str, *, client: str = "unknown") -> None:
        """Queue a reset link when the address has an account; say nothing either way."""
        now = self._clock()
        email = email.strip()[:254]
        if not await self._mail_allowed(email, client, now):
            return
        async with self._conn.transaction():
            user_id = await self._conn.fetchval(
                "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
                email,
            )
            if user_id is None:
                return
            token = await self._email_token(user_id, "reset", RESET_VALID, now)
            await self._mail(
                user_id,
                "password_reset",
                {"link": f"/konto/nytt-losenord?token={token}"},
                now,
            )
            await self._audit(user_id, "user.reset_requested", now)

    async def reset_password(self, token: str, new: str) -> None:
        """Set a new password from a reset link. Every other reset link, every session and every
        API token of the account ends, and failed logins on it are forgotten (they were guesses
        at the old password), so its owner is never left slowed down."""
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
            await self._end_credentials(user_id, row["email"], "password_reset", now)
            await self._audit(user_id, "user.password_reset", now)

    async def _end_credentials(
        self,
        user_id: int,
        email: str,
        reason: str,
        now: dt.datetime,
        keep_session: bytes | None = None,
    ) -> None:
        await sessions.delete_user_sessions(self._conn, user_id, keep=keep_session)
        await sessions.end_api_tokens(self._conn, user_id, reason, now)
        await self._conn.execute(
            "UPDATE email_tokens SET used_at = $2 WHERE user_id = $1 AND purpose = 'reset' "
            "AND used_at IS NULL",
            user_id,
            now,
        )
        await self._conn.execute(
            "DELETE FROM login_failures WHERE account_key = $1", _email_key(self._secret, email)
        )
        # The owner hears of it, in case it was not them (ASVS 2.5.5).
        how = "reset" if reason == "password_reset" else "changed"
        await self._mail(user_id, "password_changed", {"how": how}, now)

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
                "second_factor_failures",
            ):
                await self._conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)
            await self._audit(user_id, "user.deleted", now, to_state="deleted")

    # ------------------------------------------------------------ API tokens

    async def create_api_token(self, principal: Principal, name: str) -> str:
        """A personal API token, shown once; only its hash is kept. It may do what the session
        that made it may do, no more: a token cannot make tokens, and a session that still needs
        its second factor is not signed in at all (security/sessions.py)."""
        if principal.user_id is None or principal.via_token or principal.session_hash is None:
            raise AccountError("token_needs_session")
        name = name.strip()[:100] or "API"
        token = sessions.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        async with self._conn.transaction():
            token_id = await self._conn.fetchval(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, scope, "
                "second_factor, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                principal.user_id,
                name,
                sessions.token_hash(token),
                now,
                principal.scope,
                principal.second_factor,
                now + sessions.API_TOKEN_VALID,
            )
            await self._audit(
                principal.user_id, "user.api_token_created", now, reason=str(token_id)
            )
        return token

    async def revoke_api_token(self, user_id: int, token_id: int) -> bool:
        now = self._clock()
        async with self._conn.transaction():
            revoked = await sessions.end_api_tokens(self._conn, user_id, "revoked", now, token_id)
            if revoked:
                await self._audit(user_id, "user.api_token_revoked", now, reason=str(token_id))
        return bool(revoked)

    async def api_tokens(self, principal: Principal) -> list[ApiTokenInfo]:
        """The user's tokens, those that work and those that ended (and why). A token whose
        scope no longer matches the user's roles is shown as ended, as it would be at its next
        use."""
        now = self._clock()
        rows = await self._conn.fetch(
            "SELECT id, name, created_at, last_used_at, revoked_at, ended_reason, scope, "
            "expires_at FROM api_tokens WHERE user_id = $1 "
            "ORDER BY revoked_at IS NOT NULL OR expires_at <= $2, created_at DESC LIMIT 50",
            principal.user_id,
            now,
        )
        infos = []
        for row in rows:
            reason, ended = row["ended_reason"], row["revoked_at"]
            if ended is None and row["expires_at"] <= now:
                reason, ended = "expired", row["expires_at"]
            elif ended is None and row["scope"] != principal.scope:
                reason = "role_changed"
            infos.append(
                ApiTokenInfo(
                    row["id"],
                    row["name"],
                    row["created_at"],
                    row["last_used_at"],
                    ended,
                    reason,
                    row["expires_at"],
                )
            )
        return infos

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

    async def totp_enrolled(self, user_id: int) -> bool:
        return bool(
            await self._conn.fetchval(
                "SELECT totp_confirmed_at IS NOT NULL FROM users WHERE id = $1", user_id
            )
        )

    async def start_totp(self, user_id: int, session_hash: bytes, email: str) -> TotpSetup:
        """A new secret for this session only, kept (so a mistyped code does not change it)
        until it is confirmed. The enrolled secret is never shown again."""
        stored = await self._conn.fetchval(
            "UPDATE sessions SET totp_pending_secret = coalesce(totp_pending_secret, $2) "
            "WHERE token_hash = $1 AND user_id = $3 RETURNING totp_pending_secret",
            session_hash,
            self._factors.seal(pyotp.random_base32(), user_id),
            user_id,
        )
        secret = self._factors.open(stored, user_id)
        if secret is None:
            raise AccountError("token_invalid")
        uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)
        return TotpSetup(secret, uri)

    async def confirm_totp(
        self,
        user_id: int,
        session_hash: bytes,
        code: str,
        *,
        current_code: str | None = None,
        session_passed: bool = False,
    ) -> Promoted:
        """Turn on TOTP with a first valid code of this session's new secret; returns the
        recovery codes (shown once), and the session counts as having passed the second factor.
        An account that has a factor already can only replace it from a session that has passed
        it, with a current code (or a recovery code): then every other session and every token
        ends and the owner is told by e-mail."""
        now = self._clock()
        async with self._conn.transaction():
            user = await self._conn.fetchrow(
                "SELECT totp_secret, totp_last_step, totp_confirmed_at FROM users "
                "WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
                user_id,
            )
            changing = user is not None and user["totp_confirmed_at"] is not None
            if changing and not session_passed:
                raise AccountError("totp_enrolled")
            pending = self._factors.open(
                await self._conn.fetchval(
                    "SELECT totp_pending_secret FROM sessions "
                    "WHERE token_hash = $1 AND user_id = $2",
                    session_hash,
                    user_id,
                ),
                user_id,
            )
            # The new code first: a mistyped one must not use up a recovery code.
            step = matching_step(pending, code, now) if pending else None
            if step is None:
                raise AccountError("totp_wrong")
            factor = _Factor(passed="new")
            if changing:
                factor = await self._check_factor(user_id, user, current_code or "", now)
            if factor.passed:
                codes = await self._enable_totp(user_id, pending, step, now)
                token, csrf = await sessions.promote(self._conn, session_hash, now)
                if changing:
                    await sessions.delete_user_sessions(
                        self._conn, user_id, keep=sessions.token_hash(token)
                    )
                    await sessions.end_api_tokens(self._conn, user_id, "second_factor_changed", now)
                # The owner hears of it either way: a factor turned on by someone else (with a
                # stolen session) would lock them out of their own account (ASVS 2.5.5).
                how = "changed" if changing else "enabled"
                await self._mail(user_id, "second_factor_changed", {"how": how}, now)
                await self._audit(
                    user_id,
                    "user.totp_changed" if changing else "user.totp_enabled",
                    now,
                    reason=factor.passed if changing else None,
                )
        if factor.locked_until is not None:
            raise SecondFactorLocked(factor.locked_until)
        if factor.passed is None:
            raise AccountError("totp_current_wrong")
        return Promoted(token, csrf, factor.passed, codes)

    async def _enable_totp(
        self, user_id: int, secret: str, step: int, now: dt.datetime
    ) -> list[str]:
        codes = [
            f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}"
            for _ in range(RECOVERY_CODES)
        ]
        await self._conn.execute(
            "UPDATE users SET totp_secret = $2, totp_confirmed_at = $3, totp_last_step = $4, "
            "updated_at = $3 WHERE id = $1",
            user_id,
            self._factors.seal(secret, user_id),
            now,
            step,
        )
        await self._conn.execute("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
        await self._conn.executemany(
            "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)",
            [(user_id, self._factors.code_hash(c)) for c in codes],
        )
        return codes

    async def verify_second_factor(self, user_id: int, session_hash: bytes, code: str) -> Promoted:
        """The second step of a login: a current TOTP code (each works once) or an unused
        recovery code. Returns how it passed; raises ``SecondFactorLocked`` after too many wrong
        codes (counted per account, across sessions and workers)."""
        now = self._clock()
        async with self._conn.transaction():
            user = await self._conn.fetchrow(
                "SELECT totp_secret, totp_last_step FROM users WHERE id = $1 "
                "AND totp_confirmed_at IS NOT NULL AND deleted_at IS NULL FOR UPDATE",
                user_id,
            )
            factor = await self._check_factor(user_id, user, code, now) if user else _Factor()
            if factor.passed:
                token, csrf = await sessions.promote(self._conn, session_hash, now)
                await self._audit(user_id, "user.second_factor", now, reason=factor.passed)
        if factor.locked_until is not None:
            raise SecondFactorLocked(factor.locked_until)
        if factor.passed is None:
            raise AccountError("totp_wrong")
        return Promoted(token, csrf, factor.passed)

    async def _check_factor(
        self, user_id: int, user: asyncpg.Record, code: str, now: dt.datetime
    ) -> _Factor:
        """Inside the caller's transaction, with the user's row locked (so parallel guesses
        queue): refuse while locked; accept a TOTP code of a later time step than the last one
        accepted, or an unused recovery code; otherwise count the failure (and lock, audit and
        tell the owner when it reaches a limit)."""
        locked_until = await self._second_factor_locked_until(user_id, now)
        if locked_until is not None:
            return _Factor(locked_until=locked_until)
        secret = self._factors.open(user["totp_secret"], user_id)
        step = matching_step(secret, code, now) if secret else None
        last = user["totp_last_step"]
        if step is not None and (last is None or step > last):
            await self._conn.execute(
                "UPDATE users SET totp_last_step = $2 WHERE id = $1", user_id, step
            )
            return _Factor(passed="totp")
        unused = await self._conn.fetch(
            "SELECT code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
            user_id,
        )
        match = next(
            (r["code_hash"] for r in unused if self._factors.code_matches(code, r["code_hash"])),
            None,
        )
        if match is not None:
            await self._conn.execute(
                "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2",
                user_id,
                match,
                now,
            )
            return _Factor(passed="recovery_code")
        if step is not None:
            # A right code that was already used (ASVS 2.8.5): someone else has seen it, e.g.
            # over the owner's shoulder or through a phishing page. Refused, recorded, told.
            await self._audit(user_id, "user.second_factor_replayed", now)
            await self._mail(user_id, "second_factor_replayed", {}, now)
        await self._conn.execute(
            "INSERT INTO second_factor_failures (user_id, failed_at) VALUES ($1, $2)",
            user_id,
            now,
        )
        locked_until = await self._second_factor_locked_until(user_id, now)
        if locked_until is not None:
            await self._audit(user_id, "user.second_factor_locked", now)
            await self._mail(user_id, "second_factor_locked", {}, now)
        return _Factor(locked_until=locked_until)

    async def _second_factor_locked_until(
        self, user_id: int, now: dt.datetime
    ) -> dt.datetime | None:
        until = None
        for limit, window in TOTP_FAILURE_LIMITS:
            # The limit-th newest failure in the window: the lock lifts when it leaves it.
            oldest_counted = await self._conn.fetchval(
                "SELECT failed_at FROM second_factor_failures WHERE user_id = $1 "
                "AND failed_at > $2 ORDER BY failed_at DESC OFFSET $3 LIMIT 1",
                user_id,
                now - window,
                limit - 1,
            )
            if oldest_counted is not None:
                candidate = oldest_counted + window
                until = candidate if until is None else max(until, candidate)
        return until

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
