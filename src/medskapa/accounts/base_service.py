"""What every account use case needs: the connection, the clock, the installation's secret,
the second-factor box, and the ways to mail the owner, audit and end a user's credentials.
The use cases themselves are grouped by capability (registration_service, signin_service,
second_factor_service, service) and put together as ``AccountService`` in service.py."""

from __future__ import annotations

import datetime as dt
import functools

import asyncpg

from medskapa.accounts import queries
from medskapa.audit import service as audit
from medskapa.clock import Clock
from medskapa.outbox.queue import enqueue
from medskapa.security import sessions
from medskapa.security.factors import FactorBox
from medskapa.security.secrets import derive


async def record_user_event(
    conn: asyncpg.Connection,
    user_id: int,
    action: str,
    now: dt.datetime,
    *,
    actor: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
) -> None:
    """An event in the user's audit chain, done by ``actor`` (by default the user)."""
    await audit.record(
        conn,
        at=now,
        actor=f"user:{user_id}" if actor is None else actor,
        action=action,
        subject_type="user",
        subject_id=str(user_id),
        to_state=to_state,
        reason_code=reason,
    )


def email_key(secret: bytes, email: str) -> bytes:
    """The key login failures on an address are counted under."""
    return derive(secret, "login-account", email.strip().lower())


class AccountBase:
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
        self._audit = functools.partial(record_user_event, conn)

    @property
    def _factors(self) -> FactorBox:
        if self._factors_box is None:
            raise RuntimeError("AccountService needs a FactorBox for second-factor use cases")
        return self._factors_box

    async def _end_credentials(
        self,
        user_id: int,
        email: str,
        reason: str,
        now: dt.datetime,
        keep_session: bytes | None = None,
    ) -> None:
        """After a new password: every other session, every API token and every outstanding
        reset link ends, failed logins are forgotten, and the owner is told."""
        await sessions.delete_user_sessions(self._conn, user_id, keep=keep_session)
        await sessions.end_api_tokens(self._conn, user_id, reason, now)
        await queries.end_reset_links(self._conn, user_id, now)
        await queries.forget_login_failures(self._conn, email_key(self._secret, email))
        # The owner hears of it, in case it was not them (ASVS 2.5.5).
        how = "reset" if reason == "password_reset" else "changed"
        await self._mail(user_id, "password_changed", {"how": how}, now)

    async def _mail(
        self, user_id: int, template: str, context: dict[str, str], now: dt.datetime
    ) -> None:
        await enqueue(self._conn, template, now=now, user_id=user_id, context=context)
