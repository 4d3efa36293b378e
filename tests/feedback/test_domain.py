from __future__ import annotations

import pytest

from medskapa.feedback.domain import FeedbackStatus as S
from medskapa.feedback.domain import InvalidText, anchor_quote, clean_email, clean_text
from medskapa.feedback.lifecycle import TRANSITIONS, Actor, allowed
from medskapa.feedback.personal_data import FindingKind, find_personal_data
from medskapa.feedback.receipts import ALPHABET, new_receipt_code, normalise, receipt_hash


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind.value, text[f.start : f.end]) for f in find_personal_data(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mitt pnr är 811218-9876.", [("personal_identity_number", "811218-9876")]),
        ("19811218-9876 skrev jag", [("personal_identity_number", "19811218-9876")]),
        ("utan bindestreck 8112189876", [("personal_identity_number", "8112189876")]),
        ("samordningsnummer 701063-2391", [("coordination_number", "701063-2391")]),
        ("Ring mig på 070-123 45 67", [("phone_number", "070-123 45 67")]),
        ("eller +46 8 123 456 78", [("phone_number", "+46 8 123 456 78")]),
        ("skriv till anna.s@exempel.se", [("email_address", "anna.s@exempel.se")]),
        ("Jag bor på Storgatan 12B", [("street_address", "Storgatan 12B")]),
        ("postadress 123 45 Malmö", [("street_address", "123 45 Malmö")]),
    ],
)
def test_personal_data_is_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "811218-9875 har fel kontrollsiffra",
        "Jag tar 500 mg två gånger om dagen sedan 2019.",
        "HbA1c 48 mmol/mol, blodtryck 140/90",
        "Version 2.0 kom 2024-03-15.",
        "",
    ],
)
def test_ordinary_text_has_no_findings(text: str) -> None:
    assert find_personal_data(text) == []


def test_findings_hold_spans_not_values() -> None:
    (finding,) = find_personal_data("pnr 811218-9876")
    assert set(finding.__struct_fields__) == {"start", "end", "kind"}
    assert finding.kind is FindingKind.PERSONAL_IDENTITY_NUMBER


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("a\x00b", "nul"),
        ("a\ud800b", "surrogate"),
        ("a\u202eb", "bidi"),
        ("a\u2066b", "bidi"),
        ("a\x07b", "control"),
    ],
)
def test_dangerous_characters_are_refused(value: str, code: str) -> None:
    with pytest.raises(InvalidText) as info:
        clean_text(value)
    assert info.value.code == code


def test_text_is_normalised() -> None:
    assert clean_text("  A\r\nB\rC\t  ") == "A\nB\nC"
    assert clean_text("e\u0301") == "\u00e9"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("anna@exempel.se\r\nBcc: x@y.se", "email_characters"),
        ("anna@exempel.se\nBcc: x@y.se", "email_characters"),
        ("Anna <anna@exempel.se>", "email_characters"),
        ("anna@", "email_format"),
        ("anna.exempel.se", "email_format"),
        ("a@b", "email_format"),
        ("x" * 250 + "@exempel.se", "email_format"),
    ],
)
def test_bad_email_is_refused(value: str, code: str) -> None:
    with pytest.raises(InvalidText) as info:
        clean_email(value)
    assert info.value.code == code


def test_good_email_is_kept() -> None:
    assert clean_email(" anna.svensson+kol@exempel.se ") == "anna.svensson+kol@exempel.se"


SECTION = (
    "Behandlingen börjar med fysisk aktivitet.\n\nFysisk aktivitet minskar symtomen. "
    "Fysisk aktivitet ska anpassas efter ork."
)


def test_quote_is_found_whitespace_insensitively_with_context() -> None:
    quote = anchor_quote(SECTION, "aktivitet.\n Fysisk aktivitet minskar")
    assert quote is not None
    assert quote.exact == "aktivitet. Fysisk aktivitet minskar"
    assert quote.prefix.endswith("börjar med fysisk ")
    assert quote.suffix.startswith(" symtomen.")


def test_repeated_quote_is_told_apart_by_its_context() -> None:
    quote = anchor_quote(SECTION, "Fysisk aktivitet", prefix="symtomen. ")
    assert quote is not None
    assert quote.prefix.endswith("symtomen. ")
    assert quote.suffix.startswith(" ska anpassas")


def test_missing_quote_is_none() -> None:
    assert anchor_quote(SECTION, "något helt annat") is None
    assert anchor_quote(SECTION, "   ") is None


def test_receipt_codes_are_80_bits_grouped_and_readable() -> None:
    codes = {new_receipt_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert all(c in ALPHABET for c in "".join(groups))
    assert len(ALPHABET) ** 16 == 2**80


def test_receipt_code_typed_loosely_is_understood() -> None:
    code = "AB0C-1DEF-GH1J-KMNP"
    assert normalise("ab0c 1def gh1j kmnp") == code
    assert normalise("ABOC-IDEF-GHLJ-KMNP") == code  # O→0, I/L→1
    assert normalise("ABCD") is None
    assert normalise("ABCD-EFGH-JKMN-PQRU") is None  # U is not in the alphabet


def test_receipt_hash_depends_on_the_key() -> None:
    code = new_receipt_code()
    assert receipt_hash(b"k" * 32, code) != receipt_hash(b"j" * 32, code)
    assert receipt_hash(b"k" * 32, code) == receipt_hash(b"k" * 32, code)


def test_lifecycle_table_exhaustively() -> None:
    for current in S:
        for target in S:
            for actor in Actor:
                expected = actor in TRANSITIONS.get((current, target), frozenset())
                assert allowed(current, target, actor) is expected
    assert not allowed(S.RECEIVED, S.CHANGED, Actor.GROUP_MEMBER)
    assert not allowed(S.ANSWERED, S.WITHDRAWN, Actor.SUBMITTER)
    assert allowed(S.RECEIVED, S.WITHDRAWN, Actor.SUBMITTER)
