"""Finding each feedback item's passage again in a new version of its document.

An item is anchored on a version by its section key and, optionally, a W3C-style text-quote
selector: the exact passage the reader selected in the rendered section (plain text) with a
little of the text before (prefix) and after (suffix) it. When a new version is published,
``reanchor`` says for each anchor where its passage is now:

- **same**: the same section key, and the passage (or, for a section-only anchor, the whole
  section text) is unchanged there;
- **moved**: the same words, found exactly under another section key;
- **changed**: not found exactly, but found by a fuzzy match of the quote, placed with the help
  of its prefix and suffix, with a confidence from 0 to 1 (for a section-only anchor: the
  section is still there, with a text this similar to the old one);
- **gone**: nothing scores at least ``GONE_BELOW``.

Whitespace is collapsed and text is NFC-normalised before comparing; offsets in a placement
(``start``, ``end``) point into the new section's own ``text``, so the passage can be
highlighted there. Pure: no database, no web. Fast enough for 10,000 items per publish (see
bench/reanchor.py): exact ``str.find`` first, fuzzy matching only in the few sections that
share most of the quote's words, with rapidfuzz's C++ Indel similarity on small windows.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

import msgspec
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

Outcome = Literal["same", "moved", "changed", "gone"]

# A placement scoring below this is "gone". Measured on the demo catalogue's Swedish guidance
# texts: of 380 sentences from other documents, anchored with a context from elsewhere, 2
# scored above 0.65 in a document on another subject (both near-copies of a stock sentence such
# as "Informationen bör ges både muntligt och skriftligt."), 7 above 0.60; a sentence of 8-24
# words with 3 of them replaced scored 0.76 or more, with 5 replaced 0.70 or more.
GONE_BELOW = 0.65
# An exact hit elsewhere of a quote at least this long is taken as the passage itself; a
# shorter one ("metformin") must also have its context around it.
SELF_EVIDENT_LENGTH = 20
# Shorter quotes are only found exactly, or between their unchanged prefix and suffix:
# a fuzzy match on a word or two would land anywhere.
MIN_FUZZY_LENGTH = 12
# Fuzzy search looks in the anchor's own section and in at most this many others, those
# sharing at least MIN_SHARED_WORDS of the quote's distinct words.
MAX_OTHER_SECTIONS = 3
MIN_SHARED_WORDS = 0.5
# An exact hit whose prefix and suffix match less than this may be a copy of the passage
# while the passage itself was edited: a fuzzy match in the right context is looked for too.
CONTEXT_DOUBT = 0.5
# A fuzzy placement in the anchor's own section scoring this much is taken without looking in
# other sections (which could only win by being even closer).
SETTLED = 0.85
# How much the quote itself counts against its prefix and suffix in a fuzzy placement.
QUOTE_WEIGHT = 0.75


class SectionText(msgspec.Struct, frozen=True):
    key: str
    heading: str
    text: str
    """Plain text of the rendered section, as a reader selects it."""


class Anchor(msgspec.Struct, frozen=True):
    section_key: str | None = None
    exact: str | None = None
    prefix: str | None = None
    suffix: str | None = None


class Placement(msgspec.Struct, frozen=True):
    outcome: Outcome
    section_key: str | None
    """Where the passage is now; None for a document-level anchor and for "gone"."""
    confidence: float
    """1.0 for same and moved; for changed (and gone) how good the best match was."""
    start: int | None = None
    end: int | None = None
    """Offsets of the passage in the new section's ``text``; None without a quote."""


_TOKEN = re.compile(r"(\s+)|(\S+)")
_WORD = re.compile(r"\w{2,}")
_NONSPACE = re.compile(r"\S+")


def _normalise(text: str) -> tuple[str, list[int], list[int]]:
    """Whitespace collapsed to single spaces, trimmed, NFC; with, for each character of the
    result, where it starts and ends in ``text``."""
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in _TOKEN.finditer(text):
        s, e = match.span()
        if match.group(1) is not None:
            if parts:
                parts.append(" ")
                starts.append(s)
                ends.append(s + 1)
            continue
        token = match.group(2)
        if unicodedata.is_normalized("NFC", token):
            parts.append(token)
            starts.extend(range(s, e))
            ends.extend(range(s + 1, e + 1))
            continue
        i = s
        while i < e:  # one base character and the combining marks after it at a time
            j = i + 1
            while j < e and unicodedata.combining(text[j]):
                j += 1
            composed = unicodedata.normalize("NFC", text[i:j])
            parts.append(composed)
            starts.extend([i] * len(composed))
            ends.extend([j] * len(composed))
            i = j
    if parts and parts[-1] == " ":
        parts.pop()
        starts.pop()
        ends.pop()
    return "".join(parts), starts, ends


def normalise(text: str) -> str:
    """The form passages are compared in: whitespace collapsed, trimmed, NFC."""
    if unicodedata.is_normalized("NFC", text):
        return " ".join(text.split())
    return _normalise(text)[0]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


class _Section:
    """A new version's section, prepared once per ``reanchor`` call."""

    __slots__ = ("_ends", "_starts", "key", "norm", "word_ends", "word_starts")

    def __init__(self, section: SectionText) -> None:
        self.key = section.key
        self.norm, self._starts, self._ends = _normalise(section.text)
        spans = [m.span() for m in _NONSPACE.finditer(self.norm)]
        self.word_starts = [s for s, _ in spans]
        self.word_ends = [e for _, e in spans]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the section's own text of ``norm[start:end]``."""
        return self._starts[start], self._ends[end - 1]

    def occurrences(self, needle: str) -> list[int]:
        found, at = [], self.norm.find(needle)
        while at != -1:
            found.append(at)
            at = self.norm.find(needle, at + 1)
        return found


def _similarity(a: str, b: str) -> float:
    return fuzz.ratio(a, b) / 100


class _Quote:
    __slots__ = ("exact", "prefix", "suffix", "words")

    def __init__(self, anchor: Anchor) -> None:
        self.exact = normalise(anchor.exact or "")
        self.prefix = normalise(anchor.prefix or "")
        self.suffix = normalise(anchor.suffix or "")
        self.words = _words(self.exact)

    def context(self, section: _Section, start: int, end: int) -> float | None:
        """How well the text around norm[start:end] matches the prefix and suffix (None when
        the anchor has neither)."""
        scores = []
        if self.prefix:
            before = section.norm[max(0, start - len(self.prefix) - 1) : start].rstrip()
            scores.append(_similarity(self.prefix, before[-len(self.prefix) :]))
        if self.suffix:
            after = section.norm[end : end + len(self.suffix) + 1].lstrip()
            scores.append(_similarity(self.suffix, after[: len(self.suffix)]))
        return sum(scores) / len(scores) if scores else None

    def fuzzy_score(self, section: _Section, start: int, end: int) -> float:
        quote = _similarity(self.exact, section.norm[start:end])
        context = self.context(section, start, end)
        if context is None:
            return quote
        return QUOTE_WEIGHT * quote + (1 - QUOTE_WEIGHT) * context


class _Placer:
    def __init__(self, old: Sequence[SectionText], new: Sequence[SectionText]) -> None:
        self.old = {s.key: s for s in old}
        self.old_norm: dict[str, str] = {}
        self.new = [_Section(s) for s in new]
        self.by_key = {s.key: s for s in self.new}
        self.by_text: dict[str, str] = {}
        for section in self.new:
            self.by_text.setdefault(section.norm, section.key)
        self.sections_with_word: dict[str, list[int]] = {}
        for index, section in enumerate(self.new):
            for word in _words(section.norm):
                self.sections_with_word.setdefault(word, []).append(index)

    # ------------------------------------------------------------- section-only anchors

    def _old_text(self, key: str) -> str:
        if key not in self.old_norm:
            self.old_norm[key] = normalise(self.old[key].text)
        return self.old_norm[key]

    def section(self, key: str) -> Placement:
        current = self.by_key.get(key)
        if key not in self.old:
            # Nothing to compare with (the anchor's version was not given): the key decides.
            if current is not None:
                return Placement("same", key, 1.0)
            return Placement("gone", None, 0.0)
        text = self._old_text(key)
        if current is not None and current.norm == text:
            return Placement("same", key, 1.0)
        elsewhere = self.by_text.get(text) if text else None
        if elsewhere is not None:
            return Placement("moved", elsewhere, 1.0)
        if current is not None:
            return Placement("changed", key, round(_similarity(text, current.norm), 3))
        # Renamed and edited: the most similar of the sections that are new in this version.
        best_key, best = None, 0.0
        for section in self.new:
            if section.key not in self.old:
                score = _similarity(text, section.norm)
                if score > best:
                    best_key, best = section.key, score
        if best_key is not None and best >= GONE_BELOW:
            return Placement("changed", best_key, round(best, 3))
        return Placement("gone", None, round(best, 3))

    # --------------------------------------------------------------------- quote anchors

    def _placed(
        self, outcome: Outcome, section: _Section, start: int, end: int, confidence: float
    ) -> Placement:
        first, last = section.original(start, end)
        return Placement(outcome, section.key, round(confidence, 3), first, last)

    def _best_exact(self, quote: _Quote, section: _Section) -> tuple[float, int] | None:
        best = None
        for at in section.occurrences(quote.exact):
            context = quote.context(section, at, at + len(quote.exact))
            score = 1.0 if context is None else context
            if best is None or score > best[0]:
                best = (score, at)
        return best

    def quote(self, key: str, quote: _Quote) -> Placement:
        own = self.by_key.get(key)
        length = len(quote.exact)
        exact: Placement | None = None
        context = 1.0
        if own is not None and (hit := self._best_exact(quote, own)) is not None:
            context, at = hit
            exact = self._placed("same", own, at, at + length, 1.0)
        else:
            moved: tuple[float, _Section, int] | None = None
            for section in self.new:
                if section is own or quote.exact not in section.norm:
                    continue
                hit = self._best_exact(quote, section)
                if hit is not None and (moved is None or hit[0] > moved[0]):
                    moved = (hit[0], section, hit[1])
            if moved is not None:
                context, section, at = moved
                confidence = 1.0 if length >= SELF_EVIDENT_LENGTH else 0.5 + 0.5 * context
                if confidence >= GONE_BELOW:
                    exact = self._placed("moved", section, at, at + length, confidence)
        if exact is not None and context >= CONTEXT_DOUBT:
            return exact
        fuzzy = self._fuzzy(own, quote)
        if exact is None:
            return fuzzy
        # The same words, but not where they were: a copy elsewhere in the text, while the
        # passage itself, in its own context, was edited?
        as_fuzzy = QUOTE_WEIGHT + (1 - QUOTE_WEIGHT) * context
        return fuzzy if fuzzy.outcome == "changed" and fuzzy.confidence > as_fuzzy else exact

    def _candidate_sections(self, own: _Section | None, quote: _Quote) -> list[_Section]:
        shared: dict[int, int] = {}
        for word in quote.words:
            for index in self.sections_with_word.get(word, ()):
                shared[index] = shared.get(index, 0) + 1
        needed = MIN_SHARED_WORDS * len(quote.words)
        ranked = sorted(
            (index for index, count in shared.items() if count >= needed),
            key=lambda index: -shared[index],
        )
        others = [self.new[i] for i in ranked if self.new[i] is not own]
        return ([own] if own is not None else []) + others[:MAX_OTHER_SECTIONS]

    def _between_context(self, section: _Section, quote: _Quote) -> list[tuple[int, int]]:
        """Windows between an exact prefix and the nearest exact suffix after it: where an
        edited passage most likely sits when the text around it is unchanged."""
        if not quote.prefix or not quote.suffix:
            return []
        suffixes = section.occurrences(quote.suffix)
        limit = 2 * len(quote.exact) + 40
        windows = []
        for at in section.occurrences(quote.prefix):
            start = at + len(quote.prefix)
            i = bisect.bisect_left(suffixes, start)
            if i < len(suffixes) and suffixes[i] - start <= limit:
                end = suffixes[i]
                while start < end and section.norm[start] == " ":
                    start += 1
                while end > start and section.norm[end - 1] == " ":
                    end -= 1
                windows.append((start, end))
        return windows

    def _aligned(self, section: _Section, quote: _Quote) -> tuple[int, int] | None:
        """The window best aligned with the quote, grown or shrunk to the words the quote
        lines up with (words inserted or removed change its length), edges on word
        boundaries."""
        exact, text = quote.exact, section.norm
        found = fuzz.partial_ratio_alignment(exact, text, score_cutoff=50)
        if found is None or found.dest_end <= found.dest_start:
            return None
        slack = len(exact) // 2 + 8
        offset = max(0, found.dest_start - slack)
        region = text[offset : found.dest_end + slack]
        blocks = [
            op
            for op in Indel.opcodes(exact, region)
            if op.tag == "equal" and op.src_end - op.src_start >= 3
        ]
        if not blocks:
            return None
        # Quote characters before the first (after the last) matching block were replaced
        # or removed; count them as replaced, so an edited first word stays in the window.
        start = offset + max(0, blocks[0].dest_start - blocks[0].src_start)
        end = offset + min(len(region), blocks[-1].dest_end + len(exact) - blocks[-1].src_end)
        starts, ends = section.word_starts, section.word_ends
        i = max(0, bisect.bisect_right(starts, start) - 1)
        j = min(len(ends) - 1, bisect.bisect_left(ends, end))
        candidates = [
            (s, e)
            for s in starts[max(0, i - 1) : i + 2]
            for e in ends[max(0, j - 1) : j + 2]
            if e > s
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda w: fuzz.ratio(exact, text[w[0] : w[1]]))

    def _fuzzy(self, own: _Section | None, quote: _Quote) -> Placement:
        best: tuple[float, _Section, int, int] | None = None
        for section in self._candidate_sections(own, quote):
            windows = self._between_context(section, quote)
            if len(quote.exact) >= MIN_FUZZY_LENGTH:
                aligned = self._aligned(section, quote)
                if aligned is not None:
                    windows.append(aligned)
            for start, end in windows:
                if end <= start or section.norm[start:end] == quote.exact:
                    continue  # empty, or an exact hit (placed as same or moved, not here)
                score = quote.fuzzy_score(section, start, end)
                if best is None or score > best[0]:
                    best = (score, section, start, end)
            if best is not None and best[0] >= SETTLED and best[1] is own:
                break  # well placed in its own section: no need to look further
        if best is None:
            return Placement("gone", None, 0.0)
        score, section, start, end = best
        if score < GONE_BELOW:
            return Placement("gone", None, round(score, 3))
        return self._placed("changed", section, start, end, score)


def reanchor(
    anchors: Sequence[Anchor], old: Sequence[SectionText], new: Sequence[SectionText]
) -> list[Placement]:
    """Where each anchor's passage is in ``new``, in the order of ``anchors``.

    ``old`` is the version the anchors were made on; only section-only anchors need it (to
    compare the section's text). Anchors from several older versions: call once per version.
    Identical anchors are placed once.
    """
    placer = _Placer(old, new)
    done: dict[tuple[str | None, str, str, str], Placement] = {}
    placements = []
    for anchor in anchors:
        cache_key = (
            anchor.section_key,
            anchor.exact or "",
            anchor.prefix or "",
            anchor.suffix or "",
        )
        placement = done.get(cache_key)
        if placement is None:
            if anchor.section_key is None:
                placement = Placement("same", None, 1.0)
            else:
                quote = _Quote(anchor)
                if quote.exact:
                    placement = placer.quote(anchor.section_key, quote)
                else:
                    placement = placer.section(anchor.section_key)
            done[cache_key] = placement
        placements.append(placement)
    return placements
