"""Use cases that go through an e-mailed link: register and confirm the address, forget the
password and set a new one. Anyone can make us send these mails, so they are limited per
address and per client, and the answer never tells whether an address has an account."""

from __future__ import annotations

import datetime as dt
import secrets

from medskapa.accounts import queries
from medskapa.accounts.base_service import AccountBase
from medskapa.accounts.domain import MailLimited, invalid, is_staff, refused
from medskapa.feedback.domain import InvalidText, clean_email
from medskapa.security import ratelimit, sessions
from medskapa.security.passwords import PasswordRejected, check_password, hash_password
from medskapa.security.secrets import derive

# E-mail that anyone can make us send: per address (whether or not it has an account, so the
# answer never tells) and per client.
MAIL_ACCOUNT_LIMIT = ratelimit.Limit("mail-account", hits=3, seconds=3600)
MAIL_CLIENT_LIMIT = ratelimit.Limit("mail-client", hits=10, seconds=3600)
CONFIRM_VALID = dt.timedelta(days=2)
RESET_VALID = dt.timedelta(minutes=30)


class Registration(AccountBase):
    async def register(self, email: str, password: str, *, client: str = "unknown") -> int | None:
        """Create a patient account and queue the confirmation mail. An address that already
        has an account gets a "you already have an account" mail instead, so the answer on
        screen never tells whether an address is registered. Returns the new user's id."""
        try:
            email = clean_email(email)
        except InvalidText as exc:
            raise invalid("email", exc.code) from exc
        try:
            password = check_password(password, staff=False, email=email)
        except PasswordRejected as exc:
            raise invalid("password", exc.code) from exc
        now = self._clock()
        may_mail = await self._mail_allowed(email, client, now)
        password_hash = await hash_password(password)
        async with self._conn.transaction():
            existing = await queries.user_id_by_email(self._conn, email)
            if existing is not None:
                if may_mail:
                    await self._mail(existing, "account_exists", {}, now)
                return None
            user_id = await queries.insert_patient(self._conn, email, password_hash, now)
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
            await queries.confirm_email(self._conn, user_id, now)
            await self._audit(user_id, "user.email_confirmed", now, to_state="active")
        return user_id

    async def request_reset(self, email: str, *, client: str = "unknown") -> None:
        """Queue a reset link when the address has an account; say nothing either way."""
        now = self._clock()
        email = email.strip()[:254]
        if not await self._mail_allowed(email, client, now):
            return
        async with self._conn.transaction():
            user_id = await queries.user_id_by_email(self._conn, email)
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
            row = await queries.reset_row(self._conn, user_id)
            try:
                new = check_password(
                    new, staff=is_staff(row["role"], row["in_group"]), email=row["email"]
                )
            except PasswordRejected as exc:
                raise invalid("new_password", exc.code) from exc
            await queries.reset_password(self._conn, user_id, await hash_password(new), now)
            await self._end_credentials(user_id, row["email"], "password_reset", now)
            await self._audit(user_id, "user.password_reset", now)

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

    async def _email_token(
        self, user_id: int, purpose: str, valid: dt.timedelta, now: dt.datetime
    ) -> str:
        token = secrets.token_urlsafe(32)
        await queries.insert_email_token(
            self._conn, sessions.token_hash(token), user_id, purpose, now + valid, now
        )
        return token

    async def _use_token(self, token: str, purpose: str, now: dt.datetime) -> int:
        user_id = await queries.use_email_token(
            self._conn, sessions.token_hash(token), purpose, now
        )
        if user_id is None:
            raise refused("token_invalid")
        return user_id
