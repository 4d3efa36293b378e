"""The pure rules of moderation: decisions and their reason codes, redaction marking, and
which routing rules send an approved item to which subject groups."""

from __future__ import annotations

import re
import unicodedata
import uuid
from difflib import SequenceMatcher
from enum import StrEnum

import msgspec

REDACTED = "[borttaget]"


class Decision(StrEnum):
    APPROVE = "approve"
    REDACT = "redact"
    """Approve with redaction: the moderator's edited text, removed spans marked."""
    REJECT = "reject"


class RejectReason(StrEnum):
    SPAM = "spam"
    ABUSIVE = "abusive"
    OFF_TOPIC = "off_topic"
    PERSONAL_CARE_MATTER = "personal_care_matter"
    """About the submitter's own care: they are told where to turn instead."""
    DUPLICATE = "duplicate"
    OTHER = "other"


class RedactionReason(StrEnum):
    PERSONAL_DATA = "personal_data"
    """Personal identity numbers, names, phone numbers, addresses."""
    IDENTIFYING_DETAILS = "identifying_details"
    """Details that together show who someone is (place, date, rare condition)."""
    THIRD_PARTY = "third_party"
    """Something about another person, e.g. named staff."""
    OTHER = "other"


class ReadReason(StrEnum):
    """Why a moderator reads an unredacted original; each reading is audited with it."""

    CHECK_REDACTION = "check_redaction"
    SUBMITTER_REQUEST = "submitter_request"
    COMPLAINT = "complaint"
    LEGAL_REQUEST = "legal_request"


# Whoever holds the claim has this long to decide before another moderator may take the item.
CLAIM_MINUTES = 10
MESSAGE_MAX = 2000

# Where a group member opens an item (the triage area serves it); e-mails link here.
ITEM_PATH = "/arbetsgrupp/synpunkt/{id}"


def item_path(feedback_id: uuid.UUID) -> str:
    return ITEM_PATH.format(id=feedback_id)


class RedactionRefused(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def _is_blank(tokens: list[str]) -> bool:
    return not "".join(tokens).strip()


def _only_markers(tokens: list[str]) -> bool:
    """Whitespace and typed "[borttaget]" markers, nothing else."""
    return not "".join(tokens).replace(REDACTED, "").strip()


def mark_redactions(original: str, edited: str) -> str:
    """The original with every span the moderator removed or replaced shown as "[borttaget]".

    The moderator edits the text; the submitter's words stay their own, so edits may remove
    but not add: text the moderator typed is replaced by the marker (a typed "[borttaget]"
    simply marks the spot), and text added where nothing was removed is refused. Whitespace
    around a removed span stays outside the marker, so words never run together.
    """
    before, after = _tokens(original), _tokens(edited)
    out: list[str] = []
    changed = False
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = before[i1:i2], after[j1:j2]
        if op == "equal":
            out.extend(removed)
            continue
        if op == "insert":
            if not _only_markers(added):
                raise RedactionRefused("redaction_adds_text")
            continue
        if _is_blank(removed):
            # Only spacing changed: keep the submitter's spacing.
            out.extend(removed)
            continue
        lead = 0
        while lead < len(removed) and removed[lead].isspace():
            lead += 1
        tail = len(removed)
        while tail > lead and removed[tail - 1].isspace():
            tail -= 1
        out.extend(removed[:lead])
        if not (out and out[-1] == REDACTED):  # adjacent removals share one marker
            out.append(REDACTED)
        out.extend(removed[tail:])
        changed = True
    if not changed:
        raise RedactionRefused("redaction_unchanged")
    text = "".join(out)
    if not re.search(r"\w", text.replace(REDACTED, "")):
        raise RedactionRefused("redaction_removes_everything")
    return text


# ---------------------------------------------------------------------- routing


class RuleKind(StrEnum):
    DOCUMENT = "document"
    SECTION = "section"
    CATEGORY = "category"
    KEYWORD = "keyword"


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: RuleKind
    priority: int
    group_ids: tuple[int, ...]
    document_id: int | None = None
    section_key: str | None = None
    category: str | None = None
    keyword: str | None = None
    keep_owner: bool = False
    active: bool = True


class RoutedItem(msgspec.Struct, frozen=True, kw_only=True):
    """What routing looks at: where the feedback is anchored, its category and its text."""

    document_id: int
    owner_group_id: int
    section_key: str | None
    category: str
    text: str


class Route(msgspec.Struct, frozen=True):
    group_id: int
    rule_id: int | None
    """None: the document's owner group."""


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def keyword_matches(keyword: str, text: str) -> bool:
    """The keyword at the start of a word, ignoring case: "läkemedel" matches
    "Läkemedelsgenomgång" (Swedish compounds) but not "antiläkemedel"."""
    needle = _folded(keyword.strip())
    if not needle:
        return False
    return re.search(rf"(?<!\w){re.escape(needle)}", _folded(text)) is not None


def matches(rule: Rule, item: RoutedItem) -> bool:
    if not rule.active:
        return False
    if rule.document_id is not None and rule.document_id != item.document_id:
        return False
    match rule.kind:
        case RuleKind.DOCUMENT:
            return True
        case RuleKind.SECTION:
            return rule.section_key == item.section_key
        case RuleKind.CATEGORY:
            return rule.category == item.category
        case RuleKind.KEYWORD:
            return rule.keyword is not None and keyword_matches(rule.keyword, item.text)
    return False


def route(item: RoutedItem, rules: list[Rule]) -> list[Route]:
    """Where an approved item goes.

    Rules are tried by priority (lower number first). Every matching rule of the first priority
    that has a match applies, so several groups can receive the item; a rule with
    ``keep_owner`` also keeps the owner group. With no matching rule the owner group gets it.
    Each group appears once, with the first rule (by priority, then id) that sent it there."""
    matching = sorted((r for r in rules if matches(r, item)), key=lambda r: (r.priority, r.id))
    if not matching:
        return [Route(item.owner_group_id, None)]
    top = [r for r in matching if r.priority == matching[0].priority]
    routes: dict[int, Route] = {}
    if any(r.keep_owner for r in top):
        routes[item.owner_group_id] = Route(item.owner_group_id, None)
    for rule in top:
        for group_id in rule.group_ids:
            routes.setdefault(group_id, Route(group_id, rule.id))
    return list(routes.values())
