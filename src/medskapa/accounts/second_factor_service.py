"""The second factor: enrolling (or moving) a TOTP app with recovery codes, and the second
step of a login, locked for a while after too many wrong codes."""

from __future__ import annotations

import datetime as dt
import secrets

import asyncpg
import pyotp

from medskapa.accounts import queries
from medskapa.accounts.base_service import AccountBase
from medskapa.accounts.domain import (
    FactorCheck,
    Promoted,
    SecondFactorLocked,
    TotpSetup,
    invalid,
    refused,
)
from medskapa.security import sessions
from medskapa.security.factors import matching_step

# Second-factor codes: a few wrong ones lock the second step of the account for a while.
TOTP_FAILURE_LIMITS = ((5, dt.timedelta(minutes=15)), (20, dt.timedelta(hours=24)))
RECOVERY_CODES = 10
TOTP_ISSUER = "medskapa"


class SecondFactor(AccountBase):
    async def totp_enrolled(self, user_id: int) -> bool:
        return await queries.totp_enrolled(self._conn, user_id)

    async def start_totp(self, user_id: int, session_hash: bytes, email: str) -> TotpSetup:
        """A new secret for this session only, kept (so a mistyped code does not change it)
        until it is confirmed. The enrolled secret is never shown again."""
        stored = await queries.keep_pending_secret(
            self._conn,
            session_hash,
            user_id,
            self._factors.seal(pyotp.random_base32(), user_id),
        )
        secret = self._factors.open(stored, user_id)
        if secret is None:
            raise refused("token_invalid")
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
            user = await queries.lock_factor(self._conn, user_id)
            changing = user is not None and user["totp_confirmed_at"] is not None
            if changing and not session_passed:
                raise refused("totp_enrolled")
            pending = self._factors.open(
                await queries.pending_secret(self._conn, session_hash, user_id), user_id
            )
            # The new code first: a mistyped one must not use up a recovery code.
            step = matching_step(pending, code, now) if pending else None
            if step is None:
                raise invalid("code", "totp_wrong")
            factor = FactorCheck(passed="new")
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
            raise invalid("current_code", "totp_current_wrong")
        return Promoted(token, csrf, factor.passed, codes)

    async def _enable_totp(
        self, user_id: int, secret: str, step: int, now: dt.datetime
    ) -> list[str]:
        codes = [
            f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}"
            for _ in range(RECOVERY_CODES)
        ]
        await queries.enable_totp(
            self._conn,
            user_id,
            self._factors.seal(secret, user_id),
            step,
            now,
            [self._factors.code_hash(c) for c in codes],
        )
        return codes

    async def verify_second_factor(self, user_id: int, session_hash: bytes, code: str) -> Promoted:
        """The second step of a login: a current TOTP code (each works once) or an unused
        recovery code. Returns how it passed; raises ``SecondFactorLocked`` after too many wrong
        codes (counted per account, across sessions and workers)."""
        now = self._clock()
        async with self._conn.transaction():
            user = await queries.lock_factor(self._conn, user_id)
            factor = FactorCheck()
            if user is not None and user["totp_confirmed_at"] is not None:
                factor = await self._check_factor(user_id, user, code, now)
            if factor.passed:
                token, csrf = await sessions.promote(self._conn, session_hash, now)
                await self._audit(user_id, "user.second_factor", now, reason=factor.passed)
        if factor.locked_until is not None:
            raise SecondFactorLocked(factor.locked_until)
        if factor.passed is None:
            raise invalid("code", "totp_wrong")
        return Promoted(token, csrf, factor.passed)

    async def _check_factor(
        self, user_id: int, user: asyncpg.Record, code: str, now: dt.datetime
    ) -> FactorCheck:
        """Inside the caller's transaction, with the user's row locked (so parallel guesses
        queue): refuse while locked; accept a TOTP code of a later time step than the last one
        accepted, or an unused recovery code; otherwise count the failure (and lock, audit and
        tell the owner when it reaches a limit)."""
        locked_until = await self._second_factor_locked_until(user_id, now)
        if locked_until is not None:
            return FactorCheck(locked_until=locked_until)
        secret = self._factors.open(user["totp_secret"], user_id)
        step = matching_step(secret, code, now) if secret else None
        last = user["totp_last_step"]
        if step is not None and (last is None or step > last):
            await queries.set_totp_step(self._conn, user_id, step)
            return FactorCheck(passed="totp")
        unused = await queries.unused_recovery_codes(self._conn, user_id)
        match = next((h for h in unused if self._factors.code_matches(code, h)), None)
        if match is not None:
            await queries.use_recovery_code(self._conn, user_id, match, now)
            return FactorCheck(passed="recovery_code")
        if step is not None:
            # A right code that was already used (ASVS 2.8.5): someone else has seen it, e.g.
            # over the owner's shoulder or through a phishing page. Refused, recorded, told.
            await self._audit(user_id, "user.second_factor_replayed", now)
            await self._mail(user_id, "second_factor_replayed", {}, now)
        await queries.insert_second_factor_failure(self._conn, user_id, now)
        locked_until = await self._second_factor_locked_until(user_id, now)
        if locked_until is not None:
            await self._audit(user_id, "user.second_factor_locked", now)
            await self._mail(user_id, "second_factor_locked", {}, now)
        return FactorCheck(locked_until=locked_until)

    async def _second_factor_locked_until(
        self, user_id: int, now: dt.datetime
    ) -> dt.datetime | None:
        until = None
        for limit, window in TOTP_FAILURE_LIMITS:
            # The limit-th newest failure in the window: the lock lifts when it leaves it.
            oldest_counted = await queries.nth_newest_failure(
                self._conn, user_id, now - window, limit
            )
            if oldest_counted is not None:
                candidate = oldest_counted + window
                until = candidate if until is None else max(until, candidate)
        return until
