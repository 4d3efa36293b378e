"""The safety-signal phrase list on realistic sentences: what must reach a person, and feedback
on a text that merely mentions life, death, suicide or chest pain, which must not."""

from __future__ import annotations

import re

import pytest

from medskapa.feedback.safety import PHRASES, SignalKind, client_rules, find_signals

SELF = SignalKind.SUICIDE_OR_SELF_HARM
ACUTE = SignalKind.MEDICAL_EMERGENCY

TRUE_POSITIVES = [
    ("Jag vill inte leva längre, inget av det här hjälper.", SELF),
    ("Ärligt talat orkar jag inte. Jag vill inte leva mer.", SELF),
    ("Jag tänker ta mitt liv om ingen lyssnar på mig.", SELF),
    ("Har tänkt ta mitt eget liv flera gånger den senaste veckan.", SELF),
    ("Jag har tagit alla tabletter som fanns hemma.", SELF),
    ("har tagit alla mina sömntabletter", SELF),
    ("Jag vill bara dö, smärtan går aldrig över.", SELF),
    ("Ibland vill jag somna in och aldrig vakna.", SELF),
    ("Jag har självmordstankar varje dag sedan diagnosen.", SELF),
    ("Jag funderar på självmord.", SELF),
    ("Jag orkar inte, jag vill inte leva längre", SELF),
    ("Jag brukar skära mig när ångesten kommer.", SELF),
    ("Jag kommer att ta livet av mig.", SELF),
    ("Jag kan inte leva så här längre.", SELF),
    ("I don't want to live anymore.", SELF),
    ("I want to die, nothing in this guideline helps me.", SELF),
    ("I am thinking about ending my life.", SELF),
    ("I’m going to kill myself tonight.", SELF),
    ("I have taken all my pills.", SELF),
    ("I've been having suicidal thoughts since the diagnosis.", SELF),
    ("I keep hurting myself when it gets bad.", SELF),
    ("Jag har bröstsmärta och kan inte andas.", ACUTE),
    ("Bröstsmärtor sedan en timme, kallsvett.", ACUTE),
    ("Jag har jätteont i bröstet och svårt att andas, vad ska jag göra?", ACUTE),
    ("Hjälp, jag kan inte andas", ACUTE),
    ("Min man andas inte!", ACUTE),
    ("Pappa hänger i ena sidan av ansiktet och pratar sluddrigt.", ACUTE),
    ("I have chest pain and I can't breathe.", ACUTE),
    ("My mother is not breathing", ACUTE),
]

FALSE_POSITIVES = [
    "Avsnittet om livet med KOL är bra skrivet men för långt.",
    "Livet med hjärtsvikt beskrivs fint, men jag saknar något om trötthet.",
    "Texten om självmordsprevention är svår att förstå.",
    "Avsnittet om bröstsmärta borde nämna att kvinnor ofta har andra symtom.",
    "Andnöd och svårt att andas vid ansträngning beskrivs bra i avsnitt 3.",
    "Jag har aldrig haft självmordstankar, men texten om depression skrämde mig.",
    "Det står att patienter som inte kan andas ordentligt ska få syrgas.",
    "Jag skar mig i fingret när jag lagade mat, så såret i avsnitt 4 kände jag igen.",
    "Man vill leva ett vanligt liv trots sjukdomen.",
    "Min pappa dog förra året och texten om palliativ vård hjälpte oss.",
    "Att tabletterna ska tas med mat står inte i texten.",
    "Life with COPD is described well, but the section is long.",
    "The section on suicide prevention uses too many technical words.",
    "The chest pain section should mention symptoms in women.",
    "I hurt myself when I fell, and the text on fractures was clear.",
    "I never wanted to die, I just wanted someone to explain the treatment.",
    "Medicines that are taken with food are not listed.",
]


@pytest.mark.parametrize(("sentence", "kind"), TRUE_POSITIVES)
def test_sentences_that_need_help_now_are_signals(sentence: str, kind: SignalKind) -> None:
    assert kind in find_signals(sentence)


@pytest.mark.parametrize("sentence", FALSE_POSITIVES)
def test_feedback_that_only_mentions_the_subject_is_not(sentence: str) -> None:
    assert find_signals(sentence) == []


def test_both_kinds_are_reported_once_each_in_a_fixed_order() -> None:
    text = "Jag har bröstsmärta och kan inte andas. Jag vill inte leva längre. Jag vill dö."
    assert find_signals(text) == [SELF, ACUTE]


def test_line_breaks_and_odd_spacing_do_not_hide_a_phrase() -> None:
    assert find_signals("jag vill inte\n  leva\tlängre") == [SELF]
    assert find_signals("JAG VILL INTE LEVA LÄNGRE") == [SELF]


def test_a_negation_in_an_earlier_clause_does_not_cancel_the_phrase() -> None:
    assert find_signals("Det hjälper inte, jag vill dö") == [SELF]
    assert find_signals("Jag har inte tänkt ta mitt liv") == []


def test_the_browser_gets_the_same_patterns_as_the_server() -> None:
    rules = client_rules()
    assert "inte" in rules["negations"]
    phrases = rules["phrases"]
    assert isinstance(phrases, list)
    assert len(phrases) > 40
    assert {p["kind"] for p in phrases} == {str(k) for k in SignalKind}
    for phrase in phrases:
        for source in phrase["all"]:
            # Every pattern compiles, and uses nothing JavaScript reads differently.
            re.compile(source)
            assert "\\b" not in source
            assert "\\w" not in source
            assert "(?P" not in source


def test_the_patterns_keep_to_the_subset_the_server_rewrites() -> None:
    """The server matches each pattern with its groups made non-capturing (safety.py
    ``_uncaptured``): exact only while a pattern has no parenthesis of another kind."""
    for phrase in PHRASES:
        for pattern in phrase.all_of:
            assert "(?" not in pattern, pattern
            assert "\\(" not in pattern, pattern
            assert "[" not in pattern, pattern
            assert pattern.count("(") == pattern.count(")"), pattern
