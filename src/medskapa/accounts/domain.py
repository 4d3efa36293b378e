"""What the account use cases answer, and the refusals that carry more than a code. Pure: no
I/O."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec

from medskapa.accounts.texts import ERRORS
from medskapa.errors import FieldError, Invalid, Language, Refused
from medskapa.security.principal import Role

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def invalid(field: str, code: str) -> Invalid:
    """One field's value is not accepted; the code's words are in accounts/texts.py."""
    return Invalid([FieldError(field, code)], ERRORS)


def refused(code: str, *, status: int = 409) -> Refused:
    return Refused(code, ERRORS, status=status)


class SecondFactorLocked(Refused):
    """Too many wrong second-factor codes: the second step is locked until ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__("totp_locked", ERRORS, status=429)
        self.until = until

    def message(self, language: Language | None = None) -> str:
        """The text says until when, in Swedish time."""
        return (
            super()
            .message(language)
            .format(until=self.until.astimezone(STOCKHOLM).strftime("%H:%M"))
        )


class MailLimited(Refused):
    """This client asked for too many e-mails; says nothing about any account."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("mail_limited", ERRORS, status=429)
        self.retry_after = retry_after


def is_staff(role: str, in_group: bool) -> bool:
    """Moderators, admins and members of a working group: they must use a second factor and
    choose a longer password."""
    return role in (Role.MODERATOR, Role.ADMIN) or in_group


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


def token_info(
    *,
    id: int,
    name: str,
    created_at: dt.datetime,
    last_used_at: dt.datetime | None,
    revoked_at: dt.datetime | None,
    ended_reason: str | None,
    scope: str,
    expires_at: dt.datetime,
    current_scope: str,
    now: dt.datetime,
) -> ApiTokenInfo:
    """A token as its owner sees it: one whose scope no longer matches the owner's roles is
    shown as ended, as it would be at its next use."""
    reason, ended = ended_reason, revoked_at
    if ended is None and expires_at <= now:
        reason, ended = "expired", expires_at
    elif ended is None and scope != current_scope:
        reason = "role_changed"
    return ApiTokenInfo(
        id=id,
        name=name,
        created_at=created_at,
        last_used_at=last_used_at,
        ended_at=ended,
        ended_reason=reason,
        expires_at=expires_at,
    )


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


class FactorCheck(msgspec.Struct, frozen=True):
    """The outcome of checking a second-factor code: the way it passed, or why not."""

    passed: str | None = None
    locked_until: dt.datetime | None = None
