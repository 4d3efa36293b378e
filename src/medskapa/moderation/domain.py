"""The pure rules of moderation: decisions and their reason codes, redaction marking, and
which routing rules send an approved item to which subject groups."""

from __future__ import annotations

import itertools
import re
import unicodedata
import uuid
from enum import StrEnum

import msgspec
from rapidfuzz.distance import Indel

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


def _is_word(token: str) -> bool:
    return token[:1].isalnum() or token[:1] == "_"


def _joins(tokens: list[str]) -> bool:
    """Only spacing or punctuation, within one paragraph: what may lie inside one removal."""
    between = "".join(tokens)
    return "\n" not in between and not re.search(r"\w", between)


def _alignments(before: list[str], after: list[str]) -> list[list[tuple[str, int, int, int, int]]]:
    """Two longest-common-subsequence alignments of the texts (a pure deletion is never read
    as an insertion): read from the start, and from the end. With repeated words both are
    equally long but may place a removal differently."""
    forward = [tuple(o) for o in Indel.opcodes(before, after)]
    n, m = len(before), len(after)
    backward = [
        (op, n - i2, n - i1, m - j2, m - j1)
        for op, i1, i2, j1, j2 in reversed(
            [tuple(o) for o in Indel.opcodes(before[::-1], after[::-1])]
        )
    ]
    return [forward, backward]  # type: ignore[list-item]


def _removed_under(
    before: list[str], after: list[str], opcodes: list[tuple[str, int, int, int, int]]
) -> list[bool]:
    removed = [False] * len(before)
    removes = adds = False
    for op, i1, i2, j1, j2 in [*opcodes, ("equal", 0, 0, 0, 0)]:
        if op == "equal" and (i1 == i2 or not _joins(before[i1:i2])):
            if adds and not removes:
                raise RedactionRefused("redaction_adds_text")
            removes = adds = False
            continue
        if op == "equal":
            continue
        if not _is_blank(before[i1:i2]):
            removed[i1:i2] = [True] * (i2 - i1)
            removes = True
        adds = adds or not _only_markers(after[j1:j2])
    return removed


def _removed_tokens(before: list[str], after: list[str]) -> list[bool]:
    """Which of the original's tokens the moderator removed or typed over.

    A change is the stretch of edits with only spacing or punctuation between them: what the
    moderator typed inside a change that removes words stands in for those words; a change
    that removes no word and adds one adds text, and is refused. Changes to spacing alone
    remove nothing. Of the alignments that add nothing, the one with fewest removals wins."""
    found: list[list[bool]] = []
    refusal = None
    for opcodes in _alignments(before, after):
        try:
            found.append(_removed_under(before, after, opcodes))
        except RedactionRefused as exc:
            refusal = exc
    if not found:
        assert refusal is not None
        raise refusal
    return min(found, key=lambda removed: len(_runs(removed)))


def _runs(removed: list[bool]) -> list[tuple[int, int]]:
    """The removed stretches, as [start, end) token ranges."""
    runs: list[tuple[int, int]] = []
    for i, gone in enumerate(removed):
        if gone and runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        elif gone:
            runs.append((i, i + 1))
    return runs


def _slid(tokens: list[str], run: tuple[int, int], step: int, until: int) -> tuple[int, int] | None:
    """``run`` moved one token at a time (left: step -1, right: +1) while the same text is left
    behind, until it starts (left) or ends (right) at ``until``; None if it cannot get there."""
    start, end = run
    while (start if step < 0 else end) != until:
        leaving, taking = (end - 1, start - 1) if step < 0 else (start, end)
        if not 0 <= taking < len(tokens) or tokens[leaving] != tokens[taking]:
            return None
        start, end = start + step, end + step
    return start, end


def _slide_together(tokens: list[str], removed: list[bool]) -> None:
    """Where repeated words let the diff split one removal in two ("Jag. Jag. Jag." less
    "Jag. Jag"), move a part next to the other, if the same text is left behind."""
    changed = True
    while changed:
        changed = False
        runs = _runs(removed)
        for (_, b), (c, d) in itertools.pairwise(runs):
            if _joins(tokens[b:c]):
                continue
            # Every position from which the gap left over would join the other part.
            for target in range(b, c):
                if not _joins(tokens[b:target]):
                    break
                moved = _slid(tokens, (c, d), -1, target)
                if moved is not None:
                    removed[c:d] = [False] * (d - c)
                    removed[moved[0] : moved[1]] = [True] * (moved[1] - moved[0])
                    changed = True
                    break
            if changed:
                break


def _slide_to_word_starts(tokens: list[str], removed: list[bool]) -> None:
    """Move each removed stretch that starts with punctuation or spacing to the right, as far
    as the same text is left behind: deleting ". Jag sa." after "svår" leaves the same text as
    deleting "Jag sa. ", but only the second keeps the full stop on "svår"."""
    for start, end in _runs(removed):
        while (
            end < len(tokens)
            and not removed[end]
            and not _is_word(tokens[start])
            and tokens[start] == tokens[end]
        ):
            removed[start], removed[end] = False, True
            start, end = start + 1, end + 1


def _join_neighbours(tokens: list[str], removed: list[bool]) -> None:
    """Removed stretches with only spacing or punctuation between them (no word, no line
    break) become one: an overwritten sentence is one removal, not one per word."""
    runs = _runs(removed)
    for (_, end), (start, _) in itertools.pairwise(runs):
        between = "".join(tokens[end:start])
        if "\n" not in between and not re.search(r"\w", between):
            removed[end:start] = [True] * (start - end)


def mark_redactions(original: str, edited: str) -> str:
    """The original with every span the moderator removed or replaced shown as "[borttaget]".

    The moderator edits the text; the submitter's words stay their own, so edits may remove
    but not add: text the moderator typed is replaced by the marker (a typed "[borttaget]"
    simply marks the spot), and text added where nothing was removed is refused.

    One marker per removal as a reader sees it: a removed run of words or an overwritten
    sentence is one "[borttaget]", never one per word. Spacing around a removal stays outside
    the marker, and a marker never touches a word ("svår[borttaget]"), so words never run
    together.
    """
    tokens = _tokens(original)
    removed = _removed_tokens(tokens, _tokens(edited))
    if not any(removed):
        raise RedactionRefused("redaction_unchanged")
    _slide_together(tokens, removed)
    _slide_to_word_starts(tokens, removed)
    _join_neighbours(tokens, removed)
    out: list[str] = []
    position = 0
    for start, end in _runs(removed):
        while tokens[start].isspace():
            start += 1
        while tokens[end - 1].isspace():
            end -= 1
        out.extend(tokens[position:start])
        kept_before = "".join(out)
        kept_after = "".join(tokens[end:])
        out.append(
            (" " if kept_before[-1:].isalnum() else "")
            + REDACTED
            + (" " if kept_after[:1].isalnum() else "")
        )
        position = end
    out.extend(tokens[position:])
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
