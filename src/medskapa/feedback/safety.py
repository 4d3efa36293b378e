"""Safety signals: text that suggests a risk of suicide or self-harm, or an acute medical
emergency, so that the submitter is shown at once where to get help now and the item is
flagged urgent for moderators and group leads.

This module is the one maintained phrase list, Swedish and English. It is deliberately built
from phrases, not single words: "livet med KOL" or "avsnittet om självmordsprevention" are
feedback on a text, while "jag vill inte leva längre" is a person who needs help today. A
missed signal costs more than a false one (a false one only shows the help numbers and puts
the item first for a moderator), so the list leans towards matching.

How to maintain it:

* Each ``Phrase`` is one or more patterns that must all occur in the same text (``all_of``),
  e.g. chest pain together with breathlessness. Patterns are plain regular expressions in a
  subset that Python and JavaScript read alike (alternation, groups, ``?``, ``\\s``); word
  edges are added here, so write ``ta (mitt|mitt eget) liv`` and not ``\\bta ...``.
* Text is lower-cased and its whitespace and apostrophes normalised before matching.
* A match is ignored when a negation (``inte``, ``aldrig``, ``not``, ``never`` ...) stands in
  the two words before it in the same clause ("jag har aldrig tänkt ta mitt liv").
* Add every new phrase to the true-positive sentences in ``tests/feedback/test_safety.py``,
  and a realistic sentence that must NOT match beside it.

The same list is sent to the feedback form as data (``client_rules``) so that the browser's
live check and the server agree; the server decides (see ``find_signals``).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

import msgspec


class SignalKind(StrEnum):
    SUICIDE_OR_SELF_HARM = "suicide_or_self_harm"
    MEDICAL_EMERGENCY = "medical_emergency"


class Phrase(msgspec.Struct, frozen=True):
    kind: SignalKind
    all_of: tuple[str, ...]


# Letters that make a word in Swedish and English text: the edges of a phrase are where none
# of them stands (JavaScript's \b knows only ASCII letters, so it is not used).
_LETTER = "a-z0-9åäöéèüæøß"
_NEGATIONS = frozenset(
    {"inte", "ej", "aldrig", "ingen", "inga", "icke", "not", "never", "no", "don't", "dont"}
)

_SV_SUICIDE = (
    # "jag vill inte leva längre", "vill inte leva mer", "orkar inte leva"
    r"(vill|orkar|vågar) inte (leva|finnas|finnas till|vara kvar)",
    r"kan inte leva (så här|längre|med det här)",
    r"(vill|ville|önskar) (bara |)(dö|att jag var död|inte vakna)",
    r"inte vill vakna (igen|mer|längre|upp)",
    r"somna (in |)och (aldrig|inte) vakna( igen| mer|)",
    # "tänker ta mitt liv", "har tänkt ta mitt eget liv", "tar livet av mig"
    r"(ta|tar|tagit|tog) (mitt|mitt eget) liv",
    r"(ta|tar|tagit|tog) livet av mig",
    r"(avsluta|avslutar|göra slut på|gör slut på) (mitt liv|mitt eget liv|livet)",
    r"(begå|begår|begick) självmord",
    r"(har|får|fick|haft|med) (starka |)självmordstankar",
    r"(tänker|tänkt|funderar|planerar|planerat) på självmord",
    r"(vill|ska|tänker|brukar|börjat) (skada|skära) mig( själv|)",
    r"(skadar|skär) mig själv",
    r"(skär|skar|skurit) mig (i armarna|i armen|på armarna|för att)",
    r"(tagit|tog|ta|tar|svalt|svalde) (alla|en massa|massor av|hela burken|hela kartan)( mina|)"
    r" (tabletter|piller|mediciner|sömntabletter|värktabletter)",
    r"(tagit|tog|ta) en överdos",
    r"hoppa (framför|ut från|från) (tåget|ett tåg|bron|en bro|balkongen|taket)",
)
_EN_SUICIDE = (
    r"(want|wanna|wanted) to die",
    r"(don't|do not|no longer) want to (live|be alive|be here|exist)",
    r"(can't|cannot) (go on|live like this|take it anymore)",
    r"(kill|killing|end|ending) (myself|my life|my own life|it all)",
    r"take my (own |)life",
    r"(taking|took|taken) my (own |)life",
    r"(am|i'm|feel|feeling) suicidal",
    r"(have|having|had) suicidal thoughts",
    r"(want|going|need|started) to (hurt|harm|cut) myself",
    r"(hurting|harming|cutting) myself",
    r"i (self-harm|self harm)",
    r"(took|taken|swallowed|take) (all|all of) (my|the) (pills|tablets|medication|medicine)",
    r"(took|taken|take) an overdose",
)
_SV_EMERGENCY_ALONE = (
    r"jag kan inte andas",
    r"kan inte andas (nu|just nu|längre)",
    r"får ingen luft",
    r"(andas inte|är medvetslös|går inte att väcka|vaknar inte)( längre| nu|)",
    r"(hänger|sluttar) i (ena |)(sidan av |)ansiktet",
    r"kan inte röra (ena|höger|vänster) (armen|benet|sidan)",
    r"blöder (kraftigt|mycket|okontrollerat) (nu|och slutar inte|och det slutar inte)",
)
_SV_CHEST = r"(bröstsmärta|bröstsmärtor|(jätte|)ont i bröstet|tryck över bröstet|smärta i bröstet)"
_SV_NOW = r"(kan inte andas|svårt att andas|andnöd|får ingen luft|just nu|sedan en timme|kallsvett)"
_EN_EMERGENCY_ALONE = (
    r"(i|i'm|i am) (can't|cannot|can not|unable to) breathe",
    r"(can't|cannot) breathe (now|right now|anymore)",
    r"(isn't|is not|not) breathing",
    r"(is|he's|she's) unconscious",
    r"(won't|will not|doesn't|does not) wake up",
    r"face is drooping",
    r"(bleeding|bleeds) (heavily|badly) (now|and it won't stop|and won't stop)",
)
_EN_CHEST = r"(chest pain|chest pains|pain in my chest|pressure in my chest)"
_EN_NOW = r"(can't breathe|cannot breathe|short of breath|right now|for an hour|cold sweat)"

PHRASES: tuple[Phrase, ...] = (
    *(Phrase(SignalKind.SUICIDE_OR_SELF_HARM, (p,)) for p in _SV_SUICIDE + _EN_SUICIDE),
    *(Phrase(SignalKind.MEDICAL_EMERGENCY, (p,)) for p in _SV_EMERGENCY_ALONE),
    *(Phrase(SignalKind.MEDICAL_EMERGENCY, (p,)) for p in _EN_EMERGENCY_ALONE),
    Phrase(SignalKind.MEDICAL_EMERGENCY, (_SV_CHEST, _SV_NOW)),
    Phrase(SignalKind.MEDICAL_EMERGENCY, (_EN_CHEST, _EN_NOW)),
)


def _edged(pattern: str) -> str:
    return f"(?<![{_LETTER}])(?:{pattern})(?![{_LETTER}])"


# A group's opening parenthesis in the subset the patterns are written in (no escaped
# parenthesis, no (?...) of their own: tests/feedback/test_safety.py keeps it so).
_GROUP = re.compile(r"\((?!\?)")


def _uncaptured(pattern: str) -> str:
    """The same pattern with its groups non-capturing, as the server matches it: nothing reads
    what a group caught, and a capturing group costs the engine bookkeeping at every place it
    is tried (the scan below took ~5 times as long with them)."""
    return _GROUP.sub("(?:", pattern)


_COMPILED = tuple(
    (phrase.kind, tuple(re.compile(_edged(_uncaptured(p))) for p in phrase.all_of))
    for phrase in PHRASES
)
# Every pattern of every phrase, edged, in one expression: a text in which none of them occurs
# anywhere has no signal, whatever the negations. Most feedback is such a text, and one scan
# for all patterns costs a fraction of one scan for each (find_signals).
_ANY = re.compile(_edged("|".join(_uncaptured(p) for phrase in PHRASES for p in phrase.all_of)))
_APOSTROPHES = ("’", "‘", "´", "`")
_CLAUSE_END = re.compile(r"[.,;:!?()\n]")
_WORD = re.compile(rf"[{_LETTER}']+")


def normalise(text: str) -> str:
    """What the patterns are matched against: NFC, lower case, one space between words and
    straight apostrophes. Length may change; spans are not reported, only kinds."""
    text = unicodedata.normalize("NFC", text).lower()
    # str.replace per apostrophe and split/join: ~2 µs on a 160-character text, where a
    # translate table and a regular expression took ~12 (a share of every submission).
    for curly in _APOSTROPHES:
        text = text.replace(curly, "'")
    return " ".join(text.split())


def _negated(text: str, start: int) -> bool:
    before = text[:start]
    clause = _CLAUSE_END.split(before)[-1]
    return any(word in _NEGATIONS for word in _WORD.findall(clause)[-2:])


def _found(pattern: re.Pattern[str], text: str) -> bool:
    return any(not _negated(text, m.start()) for m in pattern.finditer(text))


def find_signals(text: str) -> list[SignalKind]:
    """The kinds of safety signal in ``text``, each once, in the order of ``SignalKind``."""
    folded = normalise(text)
    if _ANY.search(folded) is None:
        return []
    kinds = {kind for kind, patterns in _COMPILED if all(_found(p, folded) for p in patterns)}
    return [kind for kind in SignalKind if kind in kinds]


def client_rules() -> dict[str, object]:
    """The list as data for the form's live check in the browser (static/js/medskapa.js):
    the same patterns, edges, negations and letters, so both sides agree."""
    return {
        "letters": _LETTER,
        "negations": sorted(_NEGATIONS),
        "phrases": [
            {"kind": str(phrase.kind), "all": [_edged(p) for p in phrase.all_of]}
            for phrase in PHRASES
        ],
    }
