"""Pure rules for organisations, consultations, input rounds and joint statements.

Deadlines are dates as people say them ("sista dag 28 mars") and end at midnight in
Europe/Stockholm, whatever the server's time zone and across a DST change.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum
from zoneinfo import ZoneInfo

from medskapa.feedback.domain import InvalidText, clean_text

STOCKHOLM = ZoneInfo("Europe/Stockholm")

NAME_MAX = 200
DESCRIPTION_MAX = 2000
TITLE_MAX = 200
QUESTION_MAX = 1000
QUESTIONS_MAX = 5
HEADING_MAX = 200
SECTION_BODY_MAX = 5000
# A submitted statement becomes one feedback item, whose text holds at most this much.
STATEMENT_MAX = 5000
LINK_DAYS_MAX = 90
INVITE_EMAIL_DAYS = 14
JOIN_PATH = "/inbjudan"
"""Where an invitation (by e-mail or a shared link) is accepted, with ``?token=``."""
REMIND_BEFORE = dt.timedelta(days=3)


class InvitationKind(StrEnum):
    EMAIL = "email"
    LINK = "link"


class InvitationState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


class StatementStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


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


def needs_reminder(now: dt.datetime, opens_at: dt.datetime, closes_at: dt.datetime) -> bool:
    """A consultation is reminded of once, in the last days before it closes."""
    return opens_at <= now < closes_at and closes_at - now <= REMIND_BEFORE


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


def compose_statement(sections: list[tuple[str, str]]) -> str:
    """The text of the feedback item a statement becomes: each section as heading and body."""
    parts = [f"{heading}\n\n{body}".strip() for heading, body in sections if body.strip()]
    return "\n\n".join(parts)


def may_cosign(*, verified: bool, owner: bool) -> bool:
    """Only another verified organisation lends its name to a statement."""
    return verified and not owner
