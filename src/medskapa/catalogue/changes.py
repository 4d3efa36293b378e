"""What changed between two versions of a document, section by section (pure).

Sections are paired by key; sections left over on both sides are paired when their text is
the same or close enough (a renamed or renumbered section: "3.2-lakemedel" that became
"4.1-lakemedel"). A changed section's Markdown source is compared word by word.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from typing import Literal

import msgspec
from rapidfuzz import fuzz

SectionStatus = Literal["added", "removed", "renamed", "changed", "unchanged"]
PartKind = Literal["same", "added", "removed"]

# Two leftover sections (key not in the other version) are the same section renamed when
# their texts are at least this similar (rapidfuzz's Indel ratio, 0-1); below it, one was
# removed and the other added.
SAME_SECTION_SIMILARITY = 0.6


class SectionSource(msgspec.Struct, frozen=True):
    key: str
    heading: str
    body: str


class DiffPart(msgspec.Struct, frozen=True):
    kind: PartKind
    text: str


class SectionChange(msgspec.Struct, frozen=True):
    status: SectionStatus
    key: str
    """The key in the newer version (the older one's for a removed section)."""
    heading: str
    old_key: str | None = None
    """Set when the key changed (renumbered), or for a removed section."""
    old_heading: str | None = None
    """Set when the heading changed, or for a removed section."""
    diff: list[DiffPart] = msgspec.field(default_factory=list)
    """The body word by word; empty for an unchanged or only renamed section."""


class VersionInfo(msgspec.Struct, frozen=True):
    label: str
    published_on: dt.date
    change_summary: str


class Comparison(msgspec.Struct, frozen=True):
    document: str
    title: str
    from_version: VersionInfo
    to_version: VersionInfo
    sections: list[SectionChange]
    feedback_led_to_change: int
    """Feedback items whose change is in ``to_version``."""
    versions: list[str]
    """Every published version's label, oldest first."""

    def count(self, status: SectionStatus) -> int:
        return sum(1 for s in self.sections if s.status == status)


_WORD = re.compile(r"\S+\s*")


def word_diff(old: str, new: str) -> list[DiffPart]:
    """``new`` against ``old`` in runs of same, removed and added words; whitespace goes with
    the word before it, so the runs joined give back either text (less leading whitespace)."""
    old_words, new_words = _WORD.findall(old), _WORD.findall(new)
    matcher = difflib.SequenceMatcher(
        None, [w.rstrip() for w in old_words], [w.rstrip() for w in new_words], autojunk=False
    )
    parts: list[DiffPart] = []

    def add(kind: PartKind, words: list[str]) -> None:
        if not words:
            return
        text = "".join(words)
        if parts and parts[-1].kind == kind:
            parts[-1] = DiffPart(kind, parts[-1].text + text)
        else:
            parts.append(DiffPart(kind, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", new_words[j1:j2])
        else:
            add("removed", old_words[i1:i2])
            add("added", new_words[j1:j2])
    return parts


def _pair_leftovers(old: list[SectionSource], new: list[SectionSource]) -> dict[str, SectionSource]:
    """New key -> old section, for sections whose key changed: identical text first, then
    the most similar pairs above SAME_SECTION_SIMILARITY."""
    pairs: dict[str, SectionSource] = {}
    by_body = {}
    for section in old:
        by_body.setdefault(section.body.strip(), section)
    taken: set[str] = set()
    for section in new:
        match = by_body.get(section.body.strip())
        if match is not None and match.key not in taken:
            pairs[section.key] = match
            taken.add(match.key)
    scored = sorted(
        (
            (fuzz.ratio(o.body, n.body) / 100, i, j)
            for j, n in enumerate(new)
            if n.key not in pairs
            for i, o in enumerate(old)
            if o.key not in taken
        ),
        reverse=True,
    )
    for score, i, j in scored:
        if score < SAME_SECTION_SIMILARITY:
            break
        if new[j].key in pairs or old[i].key in taken:
            continue
        pairs[new[j].key] = old[i]
        taken.add(old[i].key)
    return pairs


def _change(old: SectionSource, new: SectionSource) -> SectionChange:
    old_key = old.key if old.key != new.key else None
    old_heading = old.heading if old.heading != new.heading else None
    if old.body == new.body:
        status: SectionStatus = "renamed" if old_key or old_heading else "unchanged"
        return SectionChange(status, new.key, new.heading, old_key, old_heading)
    return SectionChange(
        "changed", new.key, new.heading, old_key, old_heading, word_diff(old.body, new.body)
    )


def compare_sections(
    old: Sequence[SectionSource], new: Sequence[SectionSource]
) -> list[SectionChange]:
    """Every section of either version once, in the newer version's order; a removed section
    comes after the section that came before it in the older version."""
    new_keys = {s.key for s in new}
    old_keys = {s.key for s in old}
    renamed = _pair_leftovers(
        [s for s in old if s.key not in new_keys], [s for s in new if s.key not in old_keys]
    )
    old_by_key = {s.key: s for s in old}
    paired_old = {s.key for s in renamed.values()} | (old_keys & new_keys)
    # Removed sections, each placed after the nearest earlier old section that is still there.
    removed_after: dict[str | None, list[SectionChange]] = {}
    new_key_of = {o.key: n for n, o in renamed.items()} | {k: k for k in old_keys & new_keys}
    anchor: str | None = None
    for section in old:
        if section.key in paired_old:
            anchor = new_key_of[section.key]
            continue
        removed_after.setdefault(anchor, []).append(
            SectionChange(
                "removed",
                section.key,
                section.heading,
                old_key=section.key,
                old_heading=section.heading,
                diff=[DiffPart("removed", section.body)],
            )
        )
    changes = list(removed_after.get(None, []))
    for section in new:
        before = old_by_key.get(section.key) or renamed.get(section.key)
        if before is None:
            changes.append(
                SectionChange(
                    "added", section.key, section.heading, diff=[DiffPart("added", section.body)]
                )
            )
        else:
            changes.append(_change(before, section))
        changes.extend(removed_after.get(section.key, []))
    return changes


def runs(changes: Sequence[SectionChange]) -> list[list[SectionChange]]:
    """The changes in reading order, unchanged sections that follow each other in one run
    (shown collapsed together), every other section alone."""
    grouped: list[list[SectionChange]] = []
    for change in changes:
        if change.status == "unchanged" and grouped and grouped[-1][-1].status == "unchanged":
            grouped[-1].append(change)
        else:
            grouped.append([change])
    return grouped
