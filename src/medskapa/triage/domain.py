"""Pure rules of a group's inbox: which filters it takes, how pages continue, how old is old,
and whether a quoted passage is still in the current text. No I/O."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import uuid
from enum import StrEnum

import msgspec

from medskapa.errors import FieldError, Invalid
from medskapa.feedback.domain import (
    Category,
    FeedbackStatus,
    InvalidText,
    anchor_quote,
    clean_text,
    collapse_whitespace,
)
from medskapa.ids import parse_id
from medskapa.regions.domain import is_healthcare_region_code, is_region_code
from medskapa.triage import texts

# The subject type of an item on the audit trail.
SUBJECT = "feedback"
PAGE_SIZE = 25
QUERY_MAX = 200
NOTE_MAX = 5000
MAX_AGE_DAYS = 3650
SNIPPET = 240
# Similar-item search compares an item with at most this many of its document's newest items
# in the group, so its cost stays flat however many items the document has.
SIMILAR_CANDIDATES = 500
SIMILAR_THRESHOLD = 0.25
SIMILAR_SHOWN = 10
# Statuses a group's inbox shows: from arrival to the last answer.
INBOX_STATUSES = (
    FeedbackStatus.ROUTED,
    FeedbackStatus.IN_REVIEW,
    FeedbackStatus.CHANGE_PLANNED,
    FeedbackStatus.ANSWERED,
    FeedbackStatus.CLOSED,
    FeedbackStatus.CHANGED,
)

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SECTION = re.compile(r"^[0-9]+(\.[0-9]+)*-[a-z0-9]+(-[a-z0-9]+)*$")


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


class Assignee(StrEnum):
    ME = "me"
    NOBODY = "nobody"


class Cursor(msgspec.Struct, frozen=True, array_like=True):
    """Where the next page starts: the sort key of the last row shown."""

    at: dt.datetime
    id: uuid.UUID


class InboxFilter(msgspec.Struct, frozen=True, kw_only=True):
    status: FeedbackStatus | None = None
    document: str | None = None
    section: str | None = None
    category: Category | None = None
    region: str | None = None
    """Where the care took place: a region's county code."""
    healthcare_region: str | None = None
    """Where the care took place: any region of this healthcare region."""
    theme: int | None = None
    assignee: Assignee | int | None = None
    older_than_days: int | None = None
    urgent: bool = False
    query: str | None = None
    sort: Sort = Sort.NEWEST
    after: Cursor | None = None

    def without_cursor(self) -> InboxFilter:
        return msgspec.structs.replace(self, after=None)


class AnswerOut(msgspec.Struct):
    """A subject group's answer to an item as the JSON APIs show it: the group's item API and
    the public answers alike (the answer is public words; a group's notes never are)."""

    status: str
    text: str | None
    will_change: bool | None
    reason: str | None
    version: str | None
    group: str
    answered_at: str


def encode_cursor(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(cursor)).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        cursor = msgspec.json.decode(raw, type=Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise Invalid([FieldError("after", "cursor_invalid")], texts.ERRORS) from None
    if cursor.at.tzinfo is None:
        raise Invalid([FieldError("after", "cursor_invalid")], texts.ERRORS)
    return cursor


def parse_filter(raw: dict[str, str | None]) -> InboxFilter:
    """An ``InboxFilter`` from query-string values (empty means "not filtered"), or
    ``Invalid`` naming each value it cannot use."""
    unmet: list[FieldError] = []
    values = {k: (v or "").strip() for k, v in raw.items()}
    out: dict[str, object] = {}

    if status := values.get("status"):
        if status in INBOX_STATUSES:
            out["status"] = FeedbackStatus(status)
        else:
            unmet.append(FieldError("status", "unknown_status"))
    if document := values.get("document"):
        if _SLUG.match(document) and len(document) <= 200:
            out["document"] = document
        else:
            unmet.append(FieldError("document", "unknown_document"))
    if section := values.get("section"):
        if _SECTION.match(section) and len(section) <= 100:
            out["section"] = section
        else:
            unmet.append(FieldError("section", "unknown_section"))
    if category := values.get("category"):
        if category in Category.__members__.values():
            out["category"] = Category(category)
        else:
            unmet.append(FieldError("category", "choose_one"))
    if region := values.get("region"):
        if is_region_code(region):
            out["region"] = region
        else:
            unmet.append(FieldError("region", "unknown_region"))
    if healthcare_region := values.get("healthcare_region"):
        if is_healthcare_region_code(healthcare_region):
            out["healthcare_region"] = healthcare_region
        else:
            unmet.append(FieldError("healthcare_region", "unknown_healthcare_region"))
    if theme := values.get("theme"):
        if (theme_id := parse_id(theme)) is not None:
            out["theme"] = theme_id
        else:
            unmet.append(FieldError("theme", "unknown_theme"))
    if assignee := values.get("assignee"):
        if assignee in Assignee.__members__.values():
            out["assignee"] = Assignee(assignee)
        elif (assignee_id := parse_id(assignee)) is not None:
            out["assignee"] = assignee_id
        else:
            unmet.append(FieldError("assignee", "unknown_assignee"))
    if older := values.get("older_than_days"):
        if (days := parse_id(older)) is not None and days <= MAX_AGE_DAYS:
            out["older_than_days"] = days
        else:
            unmet.append(FieldError("older_than_days", "days_out_of_range"))
    if urgent := values.get("urgent"):
        if urgent in ("true", "ja", "1"):
            out["urgent"] = True
        elif urgent not in ("false", "nej", "0"):
            unmet.append(FieldError("urgent", "choose_one"))
    if query := values.get("q"):
        try:
            query = collapse_whitespace(clean_text(query, multiline=False))
        except InvalidText as exc:
            unmet.append(FieldError("q", exc.code))
        else:
            if len(query) > QUERY_MAX:
                unmet.append(FieldError("q", "query_too_long"))
            elif query:
                out["query"] = query
    if sort := values.get("sort"):
        if sort in Sort.__members__.values():
            out["sort"] = Sort(sort)
        else:
            unmet.append(FieldError("sort", "choose_one"))
    if after := values.get("after"):
        try:
            out["after"] = decode_cursor(after)
        except Invalid as exc:
            unmet += exc.errors
    if unmet:
        raise Invalid(unmet, texts.ERRORS)
    return InboxFilter(**out)  # type: ignore[arg-type]


def filter_params(inbox_filter: InboxFilter) -> dict[str, str]:
    """The query-string form of a filter (cursor left out), for links and forms."""
    params: dict[str, str] = {}
    for name, value in (
        ("status", inbox_filter.status),
        ("document", inbox_filter.document),
        ("section", inbox_filter.section),
        ("category", inbox_filter.category),
        ("region", inbox_filter.region),
        ("healthcare_region", inbox_filter.healthcare_region),
        ("theme", inbox_filter.theme),
        ("assignee", inbox_filter.assignee),
        ("older_than_days", inbox_filter.older_than_days),
        ("q", inbox_filter.query),
    ):
        if value is not None:
            params[name] = str(value)
    if inbox_filter.urgent:
        params["urgent"] = "ja"
    if inbox_filter.sort is not Sort.NEWEST:
        params["sort"] = str(inbox_filter.sort)
    return params


def age_in_days(since: dt.datetime, now: dt.datetime) -> int:
    return max(0, (now - since).days)


def snippet(text: str | None, length: int = SNIPPET) -> str:
    if not text:
        return ""
    flat = collapse_whitespace(text)
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


class PassageState(StrEnum):
    NO_QUOTE = "no_quote"
    PRESENT = "present"
    """The quoted passage is in the same section of the current version."""
    MOVED = "moved"
    """It is in the current version, in another section."""
    GONE = "gone"
    """It is no longer in the current version."""


def passage_state(
    quote: str | None, section_key: str | None, current_sections: dict[str, str]
) -> tuple[PassageState, str | None]:
    """Where a quoted passage is in the current version: its state and the section key."""
    if not quote:
        return PassageState.NO_QUOTE, None
    if section_key in current_sections and anchor_quote(current_sections[section_key], quote):
        return PassageState.PRESENT, section_key
    for key, text in current_sections.items():
        if anchor_quote(text, quote):
            return PassageState.MOVED, key
    return PassageState.GONE, None


def highlight(section_text: str, quote: str) -> tuple[str, str, str] | None:
    """The section split around the quoted passage (before, passage, after), whitespace
    collapsed as the anchor was; None when the passage is not there."""
    haystack = collapse_whitespace(section_text)
    needle = collapse_whitespace(quote)
    start = haystack.find(needle) if needle else -1
    if start == -1:
        return None
    return haystack[:start], needle, haystack[start + len(needle) :]


def clean_note(text: str, limit: int = NOTE_MAX) -> tuple[str | None, str | None]:
    """A cleaned group note (or forwarding note) and None, or None and what is wrong."""
    try:
        cleaned = clean_text(text)
    except InvalidText as exc:
        return None, exc.code
    if not cleaned:
        return None, "note_required"
    if len(cleaned) > limit:
        return None, "note_too_long"
    return cleaned, None
