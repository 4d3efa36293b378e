"""Catalogue search as a reader meets it, for the list page and the API alike.

1. The words as typed, with PostgreSQL's Swedish dictionary, and the same words with their
   diacritics folded away ("hjartsvikt" finds "Hjärtsvikt", and the other way round); exact
   matches rank first (catalogue/queries.py).
2. Nothing found: each word that is not in the catalogue's own words (document titles,
   summaries and section headings) and is one or two typing mistakes away from one of them
   is replaced by it ("hjärtsvigt" -> "hjärtsvikt", "diabetis" -> "diabetes"), and the
   documents for that are shown, saying so.
3. Still nothing: up to three near matches to search for instead ("Menade du …?"), each one
   checked to find something; and, when a programme area was chosen, how many documents
   match in the others.

The catalogue's words are read only when a search finds nothing, so a search that finds
something costs one query, as before.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import asyncpg
import msgspec
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from medskapa.catalogue import queries
from medskapa.catalogue.domain import DocumentSummary

# The letters with diacritics a Swedish text meets, folded to the plain letter. The same
# mapping is search_fold() in sql/0022_search_folding.sql (tests check they agree).
FOLD_FROM = "àáâãäåçèéêëìíîïñòóôõöøùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ"
FOLD_TO = "aaaaaaceeeeiiiinoooooouuuuyyAAAAAACEEEEIIIINOOOOOOUUUUY"
_FOLD = str.maketrans(FOLD_FROM, FOLD_TO)

# A word: letters only (no digits, no underscore), in any alphabet.
_WORD = re.compile(r"[^\W\d_]+")
MAX_SUGGESTIONS = 3
# At most this many candidate suggestions are tried (a search each), however long the query.
MAX_TRIED = 6
# How alike (rapidfuzz's Indel ratio, 0-100) a catalogue word must be to a typed one to be
# suggested; corrections without asking need far less difference (see max_edits).
SUGGESTION_SCORE = 75.0
# Format characters (zero-width spaces and joiners, direction marks, a byte-order mark) are
# never part of a word anyone searches for; control characters (tab, line breaks) part words.
_FORMAT = "Cf"
_CONTROL = "Cc"


def fold(text: str) -> str:
    """``text`` in lower case without diacritics: how words are compared."""
    return text.translate(_FOLD).lower()


def clean_query(text: str | None) -> str | None:
    """What a search box sent, as searched: format characters dropped, control characters and
    runs of white space made one space, trimmed; None when nothing is left."""
    if not text:
        return None
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category == _CONTROL:
            kept.append(" ")
        elif category != _FORMAT:
            kept.append(ch)
    return " ".join("".join(kept).split()) or None


def has_words(query: str) -> bool:
    """Whether ``query`` has a letter or a digit to search for (not only punctuation)."""
    return any(ch.isalnum() for ch in query)


def max_edits(word: str) -> int:
    """How many typing mistakes (a letter wrong, missing, extra, or two swapped) a word of
    this length may have and still be corrected without asking: none in short words ("kol"
    is not "kal"), one up to seven letters, two from eight."""
    length = len(word)
    if length < 4:
        return 0
    return 1 if length < 8 else 2


class Vocabulary:
    """The words of the listed documents' titles, summaries and section headings, keyed by
    their folded form, with how often each occurs and how it is usually written."""

    def __init__(self, texts: Iterable[str]) -> None:
        forms: dict[str, Counter[str]] = {}
        for text in texts:
            for word in _WORD.findall(text):
                if len(word) < 2:
                    continue
                # Keep acronyms (KOL, TIA) as written; other words in lower case.
                form = word if word.isupper() else word.lower()
                forms.setdefault(fold(word), Counter())[form] += 1
        self._forms = {key: counts.most_common(1)[0][0] for key, counts in forms.items()}
        self._counts = {key: counts.total() for key, counts in forms.items()}
        self._keys = sorted(self._forms)

    def __len__(self) -> int:
        return len(self._keys)

    def knows(self, word: str) -> bool:
        return fold(word) in self._forms

    def written(self, key: str) -> str:
        return self._forms[key]

    def nearest(self, word: str) -> str | None:
        """The catalogue word within ``max_edits`` of ``word`` (the most common of the
        nearest), as it is usually written; None when there is none."""
        edits = max_edits(word)
        if edits == 0:
            return None
        found = process.extract(
            fold(word), self._keys, scorer=OSA.distance, score_cutoff=edits, limit=None
        )
        if not found:
            return None
        key = min(found, key=lambda m: (m[1], -self._counts[m[0]], m[0]))[0]
        return self._forms[key]

    def similar(self, word: str, limit: int) -> list[str]:
        """Up to ``limit`` catalogue words that look like ``word``, most alike first."""
        key = fold(word)
        found = process.extract(
            key, self._keys, scorer=fuzz.ratio, score_cutoff=SUGGESTION_SCORE, limit=limit + 1
        )
        ranked = sorted(
            (m for m in found if m[0] != key), key=lambda m: (-m[1], -self._counts[m[0]], m[0])
        )
        return [self._forms[m[0]] for m in ranked[:limit]]


@lru_cache(maxsize=4)
def vocabulary_of(texts: tuple[str, ...]) -> Vocabulary:
    """The Vocabulary of ``texts``, built once for as long as the catalogue's texts stay the
    same (reading them is cheap; splitting and counting their words is most of the cost)."""
    return Vocabulary(texts)


def corrected(query: str, vocabulary: Vocabulary) -> str | None:
    """``query`` with each word the catalogue does not know replaced by the catalogue word
    one or two typing mistakes away; None when no word was replaced."""
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        if vocabulary.knows(word):
            return word
        near = vocabulary.nearest(word)
        if near is None:
            return word
        changed = True
        return near

    text = _WORD.sub(replace, query)
    return text if changed else None


def suggestion_candidates(query: str, vocabulary: Vocabulary) -> list[str]:
    """Searches to offer when ``query`` found nothing, best first, not yet checked: for one
    word, the catalogue words that look like it; for several, the query with each unknown word
    replaced by the one most like it, then each word on its own. None for a word the
    catalogue has: that one finds something, where a filter does not leave it out."""
    words = _WORD.findall(query)
    if not words:
        return []
    if len(words) == 1:
        # A word the catalogue has finds something; a filter left it out (see elsewhere).
        if vocabulary.knows(words[0]):
            return []
        return vocabulary.similar(words[0], MAX_SUGGESTIONS + 1)
    candidates: list[str] = []

    def likeliest(word: str) -> str:
        if vocabulary.knows(word):
            return word
        alike = vocabulary.similar(word, 1)
        return alike[0] if alike else word

    rewritten = " ".join(likeliest(w) for w in words)
    if fold(rewritten) != fold(" ".join(words)):
        candidates.append(rewritten)
    for word in dict.fromkeys(likeliest(w) for w in words if len(w) >= 3):
        if fold(word) not in (fold(c) for c in candidates):
            candidates.append(word)
    return candidates


class SearchResult(msgspec.Struct, frozen=True):
    documents: list[DocumentSummary]
    corrected: str | None = None
    """The search the documents match, when the one typed found nothing and had typos."""
    suggestions: list[str] = msgspec.field(default_factory=list)
    """Searches that find something, when nothing was found."""
    elsewhere: int = 0
    """How many documents match in other programme areas, when the chosen one had none."""
    elsewhere_query: str | None = None
    """The search that finds those ``elsewhere`` documents in every programme area."""
    no_words: bool = False
    """The query had nothing to search for (only punctuation)."""


async def find(
    conn: asyncpg.Connection, query: str | None, programme_area: str | None = None
) -> SearchResult:
    """The listed documents matching ``query`` (cleaned with clean_query), optionally in one
    programme area; with corrections and suggestions when nothing matches as typed."""
    if query is None:
        return SearchResult(await queries.list_documents(conn, programme_area=programme_area))
    if not has_words(query):
        return SearchResult([], no_words=True)
    documents = await queries.list_documents(conn, programme_area=programme_area, query=query)
    if documents:
        return SearchResult(documents)
    vocabulary = vocabulary_of(tuple(await queries.search_vocabulary(conn)))
    fixed = corrected(query, vocabulary)
    if fixed is not None:
        documents = await queries.list_documents(conn, programme_area=programme_area, query=fixed)
        if documents:
            return SearchResult(documents, corrected=fixed)
    suggestions: list[str] = []
    for candidate in suggestion_candidates(query, vocabulary)[:MAX_TRIED]:
        if len(suggestions) == MAX_SUGGESTIONS:
            break
        if await queries.list_documents(conn, programme_area=programme_area, query=candidate):
            suggestions.append(candidate)
    if programme_area is not None:
        for candidate in dict.fromkeys([query, fixed or query]):
            elsewhere = await queries.list_documents(conn, query=candidate)
            if elsewhere:
                return SearchResult(
                    [],
                    suggestions=suggestions,
                    elsewhere=len(elsewhere),
                    elsewhere_query=candidate,
                )
    return SearchResult([], suggestions=suggestions)
