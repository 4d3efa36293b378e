"""Every event an item's trail can hold has plain Swedish words, and so does every reason it
can carry: staff never read `moderation.approved`, `group:1:owner` or `user:1`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from medskapa.feedback.lifecycle import GROUP_TARGETS, CloseReason, ForwardReason
from medskapa.moderation.domain import ReadReason, RedactionReason, RejectReason
from medskapa.triage import texts
from medskapa.triage.texts import TRAIL_REASONS, TRAIL_WORDS, trail_text

SRC = Path(__file__).resolve().parents[2] / "src" / "medskapa"
# The prefixes of the events written on a feedback item's chain (subject "feedback").
ITEM_EVENT = re.compile(r"^(feedback|moderation)\.[a-z_]+$")


def _written_kinds() -> set[str]:
    """Every item event kind named in the source: string literals, and the f-string
    "feedback.{target}" of a group's step, spelled out for every step a group can take."""
    kinds: set[str] = set()
    for path in SRC.rglob("*.py"):
        if path.name == "texts.py":
            continue  # the words themselves, not a writer
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if ITEM_EVENT.match(node.value):
                    kinds.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                if isinstance(head, ast.Constant) and head.value == "feedback.":
                    kinds.update(f"feedback.{target}" for target in GROUP_TARGETS)
    return kinds


def test_the_scan_finds_the_writers() -> None:
    kinds = _written_kinds()
    # A scan that found nothing would pass anything.
    assert {"feedback.submitted", "moderation.approved", "feedback.routed"} <= kinds
    assert "feedback.change_planned" in kinds  # from the f-string


def test_every_item_event_written_anywhere_has_words() -> None:
    missing = sorted(_written_kinds() - TRAIL_WORDS.keys())
    assert not missing, f"no plain Swedish for {missing} in triage/texts.py TRAIL_WORDS"


@pytest.mark.parametrize(
    ("action", "codes"),
    [
        ("moderation.rejected", RejectReason),
        ("moderation.redacted", RedactionReason),
        ("moderation.original_read", ReadReason),
        ("feedback.closed", CloseReason),
        ("feedback.forwarded", ForwardReason),
    ],
)
def test_every_reason_has_words(action: str, codes: type) -> None:
    for code in codes:
        assert code.value in TRAIL_REASONS[action], (action, code)
        text = trail_text(action, code.value, who="en moderator", group="Grupp A")
        assert code.value not in text.replace(" ", "_")


def test_no_event_text_shows_a_code() -> None:
    for action in TRAIL_WORDS:
        text = trail_text(action, "group:3:rule:9", who="en moderator", group="Grupp A")
        assert not re.search(r"[a-z]+[._:][a-z0-9]+", text), (action, text)


def test_a_route_names_the_group_and_how_it_was_chosen() -> None:
    def routed(reason: str, rule: str | None = None) -> str:
        return trail_text(
            "feedback.routed",
            reason,
            who="en moderator",
            group="Nationell arbetsgrupp hjärtsvikt",
            rule=rule,
        )

    assert routed("group:1:owner") == (
        "Skickad till Nationell arbetsgrupp hjärtsvikt av en moderator "
        "(gruppen äger kunskapsstödet)"
    )
    assert routed("group:1:rule:4", "Läkemedel") == (
        "Skickad till Nationell arbetsgrupp hjärtsvikt av en moderator "
        "(enligt dirigeringsregeln ”Läkemedel”)"
    )
    assert routed("group:1:rule:4").endswith("(enligt en dirigeringsregel)")


def test_approval_and_rejection_read_as_people_say_them() -> None:
    assert trail_text("moderation.approved", None, who="en moderator") == (
        "Godkänd av en moderator"
    )
    assert trail_text("moderation.rejected", "spam", who="mod@region.se") == (
        "Avvisad av mod@region.se (skäl: skräppost eller reklam)"
    )
    assert trail_text("moderation.marked_urgent", "patient_safety", who="en moderator") == (
        "Markerad som möjlig patientsäkerhetsrisk av en moderator"
    )
    assert trail_text("feedback.submitted", "organisation_statement", who="den som skrev") == (
        "Organisationens yttrande kom in"
    )


def test_an_unknown_event_or_group_is_never_shown_as_a_code() -> None:
    assert trail_text("feedback.teleported", None, who="x") == texts.UNKNOWN_EVENT
    assert texts.UNKNOWN_GROUP in trail_text("feedback.routed", "group:9:owner", who="x")
