"""Account use cases, one transaction each; e-mail goes to the outbox in the same transaction.

``AccountService`` puts the capabilities together: registration and password reset by e-mail
link (registration_service), signing in (signin_service), the second factor
(second_factor_service), and here what the account page does: change the password, end a
session, make and revoke API tokens, choose the new-item mail, delete the account."""

from __future__ import annotations

import secrets

from medskapa.accounts import queries
from medskapa.accounts.base_service import AccountBase
from medskapa.accounts.data_export import account_data, filename
from medskapa.accounts.domain import ApiTokenInfo, invalid, refused, token_info
from medskapa.accounts.registration_service import Registration
from medskapa.accounts.second_factor_service import SecondFactor
from medskapa.accounts.signin_service import SignIn
from medskapa.feedback.service import detach_account
from medskapa.security import sessions
from medskapa.security.passwords import (
    DUMMY_HASH,
    PasswordRejected,
    check_password,
    hash_password,
    verify_password,
)
from medskapa.security.principal import Principal

NEW_ITEM_MAIL = ("immediately", "daily", "never")


class AccountPage(AccountBase):
    async def change_password(
        self, user_id: int, session_hash: bytes, current: str, new: str, *, staff: bool
    ) -> None:
        """Change the password; every other session, every API token and every outstanding
        reset link of the user ends."""
        row = await queries.password_row(self._conn, user_id)
        ok, _ = await verify_password(row["password_hash"] if row else DUMMY_HASH, current)
        if row is None or not ok:
            raise invalid("current_password", "password_wrong")
        try:
            new = check_password(new, staff=staff, email=row["email"])
        except PasswordRejected as exc:
            raise invalid("new_password", exc.code) from exc
        password_hash = await hash_password(new)
        now = self._clock()
        async with self._conn.transaction():
            await queries.set_password(self._conn, user_id, password_hash, now)
            await self._end_credentials(
                user_id, row["email"], "password_changed", now, session_hash
            )
            await self._audit(user_id, "user.password_changed", now)

    async def delete_account(self, user_id: int, password: str) -> None:
        """Delete the account: the address and password go, sessions and tokens end, the
        feedback it sent is unlinked (and kept, anonymised: feedback.service.detach_account);
        the audit trail keeps the id only."""
        row = await queries.password_row(self._conn, user_id)
        ok, _ = await verify_password(row["password_hash"] if row else DUMMY_HASH, password)
        if row is None or not ok:
            raise invalid("password", "password_wrong")
        now = self._clock()
        async with self._conn.transaction():
            # Its feedback stays, anonymised, in the groups' inboxes and public answers.
            await detach_account(self._conn, user_id)
            await queries.erase_account(self._conn, user_id, now)
            await self._audit(user_id, "user.deleted", now, to_state="deleted")

    async def data_download(self, user_id: int) -> tuple[str, bytes]:
        """(file name, JSON) of everything stored about the account (accounts/data_export.py)."""
        now = self._clock()
        async with self._conn.transaction():
            return filename(now), await account_data(self._conn, self._secret, user_id, now)

    async def new_item_mail(self, user_id: int) -> str | None:
        """When a member of a working group hears of new feedback (see NEW_ITEM_MAIL)."""
        return await queries.new_item_mail(self._conn, user_id)

    async def set_new_item_mail(self, user_id: int, choice: str) -> None:
        if choice not in NEW_ITEM_MAIL:
            raise invalid("new_item_mail", "choice_required")
        await queries.set_new_item_mail(self._conn, user_id, choice)

    async def create_api_token(self, principal: Principal, name: str) -> str:
        """A personal API token, shown once; only its hash is kept. It may do what the session
        that made it may do, no more: a token cannot make tokens, and a session that still needs
        its second factor is not signed in at all (security/sessions.py)."""
        if principal.user_id is None or principal.via_token or principal.session_hash is None:
            raise refused("token_needs_session", status=403)
        name = name.strip()[:100] or "API"
        token = sessions.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        async with self._conn.transaction():
            token_id = await queries.insert_api_token(
                self._conn,
                user_id=principal.user_id,
                name=name,
                token_hash=sessions.token_hash(token),
                now=now,
                scope=principal.scope,
                second_factor=principal.second_factor,
                expires_at=now + sessions.API_TOKEN_VALID,
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
        if principal.user_id is None:
            return []
        now = self._clock()
        return [
            token_info(**dict(row), current_scope=principal.scope, now=now)
            for row in await queries.api_tokens(self._conn, principal.user_id, now)
        ]

    async def revoke_session(self, user_id: int, session_id: str) -> bool:
        """End one of the user's own sessions, named by the short id the account page shows."""
        now = self._clock()
        async with self._conn.transaction():
            removed = await queries.delete_session_by_short_id(
                self._conn, user_id, session_id.lower()[:16]
            )
            if removed:
                await self._audit(user_id, "user.session_revoked", now)
        return removed

    async def own_sessions(self, user_id: int) -> list[sessions.SessionInfo]:
        """The user's live sessions, the most recently used first."""
        return await sessions.list_sessions(self._conn, user_id)


class AccountService(Registration, SignIn, SecondFactor, AccountPage):
    """Every account use case, for one connection, clock and installation secret (and the
    FactorBox, which the second-factor use cases need)."""
