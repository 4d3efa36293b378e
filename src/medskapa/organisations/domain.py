"""Pure rules for organisations and their people, and the ones consultations and statements
build on: an organisation, checked text, ids from a URL, and dates as people say them.

Deadlines are dates as people say them ("sista dag 28 mars") and end at midnight in
Europe/Stockholm, whatever the server's time zone and across a DST change.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from enum import StrEnum
from zoneinfo import ZoneInfo

import msgspec

from medskapa.errors import FieldError
from medskapa.feedback.domain import InvalidText, clean_text
from medskapa.ids import parse_id

STOCKHOLM = ZoneInfo("Europe/Stockholm")

NAME_MAX = 200
DESCRIPTION_MAX = 2000
LINK_DAYS_MAX = 90
INVITE_EMAIL_DAYS = 14
JOIN_PATH = "/inbjudan"
"""Where an invitation (by e-mail or a shared link) is accepted, with ``?token=``."""


class Organisation(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    description: str
    verified_at: dt.datetime | None
    created_at: dt.datetime

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class InvitationKind(StrEnum):
    EMAIL = "email"
    LINK = "link"


class InvitationState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


def start_of_day(day: dt.date) -> dt.datetime:
    """The instant a local date begins in Stockholm, in UTC."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=STOCKHOLM).astimezone(dt.UTC)


def end_of_day(day: dt.date) -> dt.datetime:
    """The instant a deadline date ends in Stockholm (midnight after it), in UTC."""
    return start_of_day(day + dt.timedelta(days=1))


def local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(STOCKHOLM).date()


def is_open(now: dt.datetime, closes_at: dt.datetime, opens_at: dt.datetime | None = None) -> bool:
    return (opens_at is None or now >= opens_at) and now < closes_at


def invitation_state(
    now: dt.datetime,
    kind: InvitationKind,
    expires_at: dt.datetime,
    used_at: dt.datetime | None,
    revoked_at: dt.datetime | None,
) -> InvitationState:
    if revoked_at is not None:
        return InvitationState.REVOKED
    if kind is InvitationKind.EMAIL and used_at is not None:
        return InvitationState.USED
    if now >= expires_at:
        return InvitationState.EXPIRED
    return InvitationState.VALID


_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """ "Riksförbundet Hjärt & Lung" → "riksforbundet-hjart-lung"."""
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return _SLUG_UNSAFE.sub("-", folded).strip("-")[:80].strip("-")


def checked_text(value: str, field: str, maximum: int, *, multiline: bool = True) -> str:
    """Cleaned text or ``InvalidText`` with a code naming the rule: empty, too long, or one of
    the character rules of feedback (NUL, control, bidi, surrogate)."""
    text = clean_text(value, multiline=multiline)
    if not text:
        raise InvalidText(f"{field}_required")
    if len(text) > maximum:
        raise InvalidText(f"{field}_too_long")
    return text


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidText("date_format") from None


def text_field(
    errors: list[FieldError], field: str, value: str, maximum: int, *, multiline: bool = True
) -> str:
    """``checked_text``, collecting its refusal into ``errors`` (then "")."""
    try:
        return checked_text(value, field, maximum, multiline=multiline)
    except InvalidText as exc:
        errors.append(FieldError(field, exc.code))
        return ""


def date_field(errors: list[FieldError], field: str, value: str) -> dt.date | None:
    """A required date, collecting its refusal into ``errors`` (then None)."""
    if not value.strip():
        errors.append(FieldError(field, f"{field}_required"))
        return None
    try:
        return parse_date(value)
    except InvalidText as exc:
        errors.append(FieldError(field, exc.code))
        return None


def as_int(value: str | int | None) -> int | None:
    """A numeric id from a URL or form, or None when it cannot be one."""
    return parse_id(value)


def as_uuid(value: str | uuid.UUID | None) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None
