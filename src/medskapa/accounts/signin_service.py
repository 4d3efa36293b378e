"""Signing in with a password (throttled against guessing) and signing out."""

from __future__ import annotations

import datetime as dt

from medskapa.accounts import queries
from medskapa.accounts.base_service import AccountBase, email_key
from medskapa.accounts.domain import LoggedIn, is_staff, refused
from medskapa.security import sessions
from medskapa.security.factors import device_cookie, device_of
from medskapa.security.passwords import DUMMY_HASH, verify_password
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


class SignIn(AccountBase):
    async def login(
        self,
        email: str,
        password: str,
        *,
        client: str,
        user_agent: str = "",
        device: str | None = None,
    ) -> LoggedIn:
        """A session for the right password. Refused (``login_failed``, ``email_unconfirmed``,
        ``login_throttled``, ``login_slowed``) without telling whether the address has an
        account."""
        now = self._clock()
        since = now - FAILURE_WINDOW
        account_key = email_key(self._secret, email)
        client_key = derive(self._secret, "login-client", client)
        row = await queries.login_row(self._conn, email.strip())
        known = device_of(self._secret, device, now)
        if known is not None and (row is None or known[0] != row["id"]):
            known = None
        counted_as = known[1] if known else client_key
        async with self._conn.transaction():
            # Attempts on one account (and from one client) take turns: the count is read,
            # the password checked and a failure written before the next attempt may look, so
            # guesses sent all at once cannot all slip past the limits together.
            for key in (account_key, counted_as):
                await queries.take_turns(self._conn, key)
            refusal = await self._login_refusal(account_key, client_key, known, since, now)
            ok, new_hash = False, None
            if refusal is None:
                ok, new_hash = await verify_password(
                    row["password_hash"] if row else DUMMY_HASH, password
                )
                if row is None or not ok:
                    await queries.insert_login_failure(
                        self._conn, account_key, counted_as, now, known is not None
                    )
        if refusal is not None:
            raise refused(refusal)
        if row is None or not ok:
            raise refused("login_failed")
        if row["email_confirmed_at"] is None:
            raise refused("email_unconfirmed")
        user_id = row["id"]
        staff = is_staff(row["role"], row["in_group"])
        enrolled = row["totp_confirmed_at"] is not None
        async with self._conn.transaction():
            if new_hash is not None:
                await queries.rehash_password(self._conn, user_id, new_hash)
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
        if await queries.client_failures(self._conn, client_key, since) >= CLIENT_FAILURE_LIMIT:
            return "login_throttled"
        if known is not None:
            device_failures = await queries.client_failures(self._conn, known[1], since)
            return "login_throttled" if device_failures >= DEVICE_FAILURE_LIMIT else None
        account = await queries.account_failures(self._conn, account_key, since)
        if account["failures"] >= ACCOUNT_SLOWDOWN_AFTER and now - account["latest"] < SLOWDOWN:
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
