from __future__ import annotations

import pytest

from medskapa.feedback.personal_data import Finding, FindingKind
from medskapa.moderation.domain import (
    REDACTED,
    RedactionRefused,
    Route,
    RoutedItem,
    Rule,
    RuleKind,
    keyword_matches,
    mark_redactions,
    route,
)
from medskapa.moderation.pages import highlight

ORIGINAL = "Jag heter Anna Svensson och mitt nummer är 070-123 45 67. Texten är svår."


@pytest.mark.parametrize(
    ("edited", "expected"),
    [
        # Deleted words become one marker; the spacing around them stays.
        (
            "Jag heter och mitt nummer är 070-123 45 67. Texten är svår.",
            f"Jag heter {REDACTED} och mitt nummer är 070-123 45 67. Texten är svår.",
        ),
        # Typed-over words: the marker stands in for whatever the moderator typed.
        (
            "Jag heter [namn] och mitt nummer är [nummer]. Texten är svår.",
            f"Jag heter {REDACTED} och mitt nummer är {REDACTED}. Texten är svår.",
        ),
        # The moderator typed the marker themselves.
        (
            f"Jag heter {REDACTED} och mitt nummer är {REDACTED}. Texten är svår.",
            f"Jag heter {REDACTED} och mitt nummer är {REDACTED}. Texten är svår.",
        ),
        # Removed at the very end.
        (
            "Jag heter Anna Svensson och mitt nummer är 070-123 45 67.",
            f"Jag heter Anna Svensson och mitt nummer är 070-123 45 67. {REDACTED}",
        ),
    ],
)
def test_removed_spans_are_marked(edited: str, expected: str) -> None:
    assert mark_redactions(ORIGINAL, edited) == expected


def test_spacing_only_changes_keep_the_original_spacing_and_count_as_unchanged() -> None:
    with pytest.raises(RedactionRefused) as refused:
        mark_redactions("Ett  två tre", "Ett två tre")
    assert refused.value.code == "redaction_unchanged"


@pytest.mark.parametrize(
    ("edited", "code"),
    [
        (ORIGINAL, "redaction_unchanged"),
        (ORIGINAL + " Och det håller moderatorn med om.", "redaction_adds_text"),
        (
            "Jag heter Anna Svensson och inte Olle och mitt nummer är 070-123 45 67. "
            "Texten är svår.",
            "redaction_adds_text",
        ),
        (REDACTED, "redaction_removes_everything"),
    ],
)
def test_redactions_that_are_not_removals_are_refused(edited: str, code: str) -> None:
    with pytest.raises(RedactionRefused) as refused:
        mark_redactions(ORIGINAL, edited)
    assert refused.value.code == code


def test_highlight_escapes_the_text_before_marking_spans() -> None:
    text = "<script>alert(1)</script> ring 070-123 45 67\nnu"
    start = text.index("070")
    findings = [Finding(start, start + len("070-123 45 67"), FindingKind.PHONE_NUMBER)]
    html = str(highlight(text, findings))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<mark class="pd" data-kind="phone_number">070-123 45 67' in html
    assert "(möjligt telefonnummer)" in html
    assert "<br>" in html


def test_highlight_skips_spans_that_overlap_or_run_past_the_text() -> None:
    findings = [
        Finding(0, 3, FindingKind.PHONE_NUMBER),
        Finding(1, 4, FindingKind.EMAIL_ADDRESS),
        Finding(5, 50, FindingKind.STREET_ADDRESS),
    ]
    html = str(highlight("abcdefgh", findings))
    assert html.count("<mark") == 1
    assert html.endswith("defgh")


OWNER = 1
ITEM = RoutedItem(
    document_id=10,
    owner_group_id=OWNER,
    section_key="3.2-behandling",
    category="incorrect_or_outdated",
    text="Läkemedelsgenomgången nämns inte alls.",
)


def rule(rule_id: int, kind: RuleKind, groups: tuple[int, ...], priority: int = 100, **kw) -> Rule:
    return Rule(id=rule_id, kind=kind, priority=priority, group_ids=groups, **kw)


def test_no_rule_sends_the_item_to_the_owner_group() -> None:
    assert route(ITEM, []) == [Route(OWNER, None)]
    other_document = rule(1, RuleKind.DOCUMENT, (5,), document_id=99)
    assert route(ITEM, [other_document]) == [Route(OWNER, None)]


def test_the_first_priority_with_a_match_wins_and_every_rule_in_it_applies() -> None:
    rules = [
        rule(1, RuleKind.DOCUMENT, (5,), priority=50, document_id=10),
        rule(2, RuleKind.KEYWORD, (6, 7), priority=10, keyword="läkemedel"),
        rule(3, RuleKind.CATEGORY, (8,), priority=10, category="incorrect_or_outdated"),
        rule(4, RuleKind.SECTION, (9,), priority=10, document_id=10, section_key="1.1-x"),
    ]
    assert route(ITEM, rules) == [Route(6, 2), Route(7, 2), Route(8, 3)]


def test_keep_owner_and_inactive_rules() -> None:
    rules = [
        rule(
            1, RuleKind.SECTION, (5,), document_id=10, section_key="3.2-behandling", keep_owner=True
        ),
        rule(2, RuleKind.DOCUMENT, (6,), priority=1, document_id=10, active=False),
    ]
    assert route(ITEM, rules) == [Route(OWNER, None), Route(5, 1)]


def test_a_group_named_by_two_rules_is_routed_once_by_the_first() -> None:
    rules = [
        rule(7, RuleKind.CATEGORY, (5,), category="incorrect_or_outdated"),
        rule(3, RuleKind.DOCUMENT, (5, 6), document_id=10),
    ]
    assert route(ITEM, rules) == [Route(5, 3), Route(6, 3)]


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("läkemedel", "Om LÄKEMEDELSGENOMGÅNG", True),
        ("läkemedel", "antiläkemedel", False),
        ("hjärta", "mitt hjärta", True),
        ("  ", "vad som helst", False),
    ],
)
def test_keywords_match_at_the_start_of_a_word(keyword: str, text: str, found: bool) -> None:
    assert keyword_matches(keyword, text) is found
