"""Feedback as data, and the pure rules for what a submission may contain."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

import msgspec

from medskapa.i18n import N_, Labels


class Category(StrEnum):
    HARD_TO_UNDERSTAND = "hard_to_understand"
    MISSING_INFORMATION = "missing_information"
    INCORRECT_OR_OUTDATED = "incorrect_or_outdated"
    OWN_EXPERIENCE = "own_experience"
    SUGGESTION = "suggestion"
    OTHER = "other"


CATEGORY_LABELS: Labels = Labels(
    {
        Category.HARD_TO_UNDERSTAND: N_("Svårt att förstå"),
        Category.MISSING_INFORMATION: N_("Något saknas"),
        Category.INCORRECT_OR_OUTDATED: N_("Felaktigt eller inaktuellt"),
        Category.OWN_EXPERIENCE: N_("Egen erfarenhet"),
        Category.SUGGESTION: N_("Förslag"),
        Category.OTHER: N_("Annat"),
    }
)


class Subject(StrEnum):
    """What an item is about: a guidance document (the feedback form, statements) or the
    service itself (a report of an accessibility problem), which only the admins handle."""

    GUIDANCE = "guidance"
    SITE = "site"


# The category of a site item: a report of an accessibility problem. Not a choice on the
# feedback form (``Category``); the database allows it on site items only.
ACCESSIBILITY = "accessibility"

# Every category an item may have, for the pages that show a stored item to its submitter.
ITEM_CATEGORY_LABELS: Labels = Labels(
    {
        **{key: CATEGORY_LABELS.swedish(key) for key in CATEGORY_LABELS},
        ACCESSIBILITY: N_("Tillgänglighetsproblem på webbplatsen"),
    }
)


class SubmitterRole(StrEnum):
    PATIENT = "patient"
    RELATIVE = "relative"
    OTHER = "other"


ROLE_LABELS: Labels = Labels(
    {
        SubmitterRole.PATIENT: N_("Patient"),
        SubmitterRole.RELATIVE: N_("Närstående"),
        SubmitterRole.OTHER: N_("Annan"),
    }
)


class FeedbackStatus(StrEnum):
    RECEIVED = "received"
    REJECTED = "rejected"
    ROUTED = "routed"
    IN_REVIEW = "in_review"
    ANSWERED = "answered"
    CLOSED = "closed"
    CHANGE_PLANNED = "change_planned"
    CHANGED = "changed"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: Labels = Labels(
    {
        FeedbackStatus.RECEIVED: N_("Mottagen – väntar på granskning"),
        FeedbackStatus.REJECTED: N_("Inte publicerad"),
        FeedbackStatus.ROUTED: N_("Skickad till ansvarig grupp"),
        FeedbackStatus.IN_REVIEW: N_("Gruppen arbetar med din synpunkt"),
        FeedbackStatus.ANSWERED: N_("Besvarad"),
        FeedbackStatus.CLOSED: N_("Avslutad"),
        FeedbackStatus.CHANGE_PLANNED: N_("Texten ska ändras"),
        FeedbackStatus.CHANGED: N_("Texten är ändrad"),
        FeedbackStatus.WITHDRAWN: N_("Återtagen av dig"),
    }
)

# Where a site item differs: no moderator or group handles it, the site's administrators do.
SITE_STATUS_LABELS: Labels = Labels(
    {
        **{key: STATUS_LABELS.swedish(key) for key in STATUS_LABELS},
        FeedbackStatus.RECEIVED: N_("Mottagen – väntar på webbplatsens förvaltare"),
        FeedbackStatus.IN_REVIEW: N_("Webbplatsens förvaltare arbetar med din rapport"),
    }
)


def status_labels(subject: str) -> Labels:
    """The names of the statuses as the submitter of an item about ``subject`` reads them."""
    return SITE_STATUS_LABELS if subject == Subject.SITE else STATUS_LABELS


TEXT_MAX = 5000
QUOTE_MAX = 1000
QUOTE_CONTEXT = 32
EMAIL_MAX = 254

# Characters that reorder text on screen (Trojan Source) and have no place in feedback.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_WHITESPACE = re.compile(r"\s+")
# C0 and C1 controls except tab, line feed and carriage return; lone surrogates; bidi controls.
_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile("[\t\n\r]")


class InvalidText(ValueError):
    """Text that cannot be accepted; ``code`` says which rule it broke."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Normalise user text (NFC, LF line ends, trimmed) or refuse it.

    Refused: NUL and other control characters, lone surrogates, bidi overrides.
    """
    found = _REFUSED.search(value)
    if found is None and not multiline:
        found = _LINE_BREAKS.search(value)
    if found is not None:
        char = found.group()
        if char == "\x00":
            raise InvalidText("nul")
        if "\ud800" <= char <= "\udfff":
            raise InvalidText("surrogate")
        if char in _BIDI_CONTROLS:
            raise InvalidText("bidi")
        raise InvalidText("control")
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


def clean_email(value: str) -> str:
    """A plausible address in a form safe to put in a mail header, or ``InvalidText``."""
    if any(c in value for c in "\r\n\x00,;<>\"'()[]\\"):
        raise InvalidText("email_characters")
    email = value.strip()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise InvalidText("email_format")
    return email


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


class Quote(msgspec.Struct, frozen=True):
    """A text-quote selector: the exact passage and a little of what surrounds it."""

    exact: str
    prefix: str = ""
    suffix: str = ""


def anchor_quote(section_text: str, exact: str, prefix: str = "", suffix: str = "") -> Quote | None:
    """Find ``exact`` in the section (whitespace-insensitive) and return the stored selector,
    or None when the passage is not there. Prefix and suffix pick among repeated passages."""
    haystack = collapse_whitespace(section_text)
    needle = collapse_whitespace(exact)
    if not needle:
        return None
    starts = []
    position = haystack.find(needle)
    while position != -1:
        starts.append(position)
        position = haystack.find(needle, position + 1)
    if not starts:
        return None
    want_prefix, want_suffix = collapse_whitespace(prefix), collapse_whitespace(suffix)

    def score(start: int) -> int:
        before = haystack[:start]
        after = haystack[start + len(needle) :]
        return int(bool(want_prefix) and before.rstrip().endswith(want_prefix)) + int(
            bool(want_suffix) and after.lstrip().startswith(want_suffix)
        )

    start = max(starts, key=score)
    return Quote(
        exact=needle,
        prefix=haystack[max(0, start - QUOTE_CONTEXT) : start],
        suffix=haystack[start + len(needle) : start + len(needle) + QUOTE_CONTEXT],
    )
