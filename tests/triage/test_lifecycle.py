"""The group part of the lifecycle, as pure rules."""

from __future__ import annotations

import pytest

from medskapa.feedback.domain import FeedbackStatus as S
from medskapa.feedback.lifecycle import (
    Actor,
    CloseReason,
    GroupStep,
    StepRefused,
    allowed,
    check_step,
    later_version,
)

ANSWER = "Vi har läst din synpunkt. Texten ändras inte eftersom den redan beskriver detta."

# Every move a group member may make, and nothing else.
GROUP_MOVES = {
    (S.ROUTED, S.ROUTED),
    (S.IN_REVIEW, S.ROUTED),
    (S.ROUTED, S.IN_REVIEW),
    (S.IN_REVIEW, S.ANSWERED),
    (S.IN_REVIEW, S.CLOSED),
    (S.IN_REVIEW, S.CHANGE_PLANNED),
    (S.CHANGE_PLANNED, S.CHANGED),
}


def test_group_members_make_exactly_the_group_moves() -> None:
    found = {(a, b) for a in S for b in S if allowed(a, b, Actor.GROUP_MEMBER)}
    assert found == GROUP_MOVES


def test_no_one_else_makes_group_moves() -> None:
    for current, target in GROUP_MOVES:
        for actor in (Actor.SUBMITTER, Actor.MODERATOR, Actor.SYSTEM):
            assert not allowed(current, target, actor)


def refused(current: S, **step: str) -> list[tuple[str, str]]:
    with pytest.raises(StepRefused) as caught:
        check_step(current, GroupStep(**step))
    return [(u.field, u.code) for u in caught.value.unmet]


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.RECEIVED, S.CHANGED),
        (S.RECEIVED, S.IN_REVIEW),
        (S.ROUTED, S.ANSWERED),
        (S.ROUTED, S.CHANGED),
        (S.ANSWERED, S.IN_REVIEW),
        (S.CHANGED, S.CHANGED),
        (S.WITHDRAWN, S.IN_REVIEW),
        (S.IN_REVIEW, S.REJECTED),
        (S.IN_REVIEW, S.WITHDRAWN),
        # Forwarding is its own use case, not a status request.
        (S.ROUTED, S.ROUTED),
    ],
)
def test_moves_outside_the_table_are_refused(current: S, target: S) -> None:
    assert refused(current, target=target, answer=ANSWER, reason="duplicate", version="2.1") == [
        ("to", "transition_not_allowed")
    ]


def test_unknown_status_is_named() -> None:
    assert refused(S.ROUTED, target="done") == [("to", "unknown_status")]


def test_answered_needs_an_answer_that_explains() -> None:
    assert refused(S.IN_REVIEW, target="answered") == [("answer", "answer_required")]
    assert refused(S.IN_REVIEW, target="answered", answer="  Tack!  ") == [
        ("answer", "answer_too_short")
    ]
    assert refused(S.IN_REVIEW, target="answered", answer="x" * 5001) == [
        ("answer", "answer_too_long")
    ]
    assert refused(S.IN_REVIEW, target="answered", answer=ANSWER + "\x00") == [("answer", "nul")]
    step = check_step(S.IN_REVIEW, GroupStep(target="answered", answer=f"  {ANSWER}\r\n"))
    assert (step.target, step.answer, step.will_change) == (S.ANSWERED, ANSWER, False)


def test_change_planned_says_the_text_will_change() -> None:
    assert refused(S.IN_REVIEW, target="change_planned") == [("answer", "answer_required")]
    step = check_step(S.IN_REVIEW, GroupStep(target="change_planned", answer=ANSWER))
    assert step.will_change is True


def test_closed_needs_a_known_reason_and_may_explain() -> None:
    assert refused(S.IN_REVIEW, target="closed") == [("reason", "reason_required")]
    assert refused(S.IN_REVIEW, target="closed", reason="tired") == [("reason", "unknown_reason")]
    plain = check_step(S.IN_REVIEW, GroupStep(target="closed", reason="duplicate"))
    assert (plain.reason, plain.answer, plain.will_change) == (CloseReason.DUPLICATE, None, None)
    explained = check_step(
        S.IN_REVIEW, GroupStep(target="closed", reason="out_of_scope", answer=ANSWER)
    )
    assert explained.answer == ANSWER


def test_changed_needs_a_version_label() -> None:
    assert refused(S.CHANGE_PLANNED, target="changed") == [("version", "version_required")]
    assert refused(S.CHANGE_PLANNED, target="changed", version="v2") == [
        ("version", "version_format")
    ]
    assert check_step(S.CHANGE_PLANNED, GroupStep(target="changed", version=" 2.1 ")).version == (
        "2.1"
    )


def test_fields_a_move_does_not_take_are_refused_together() -> None:
    unmet = refused(S.ROUTED, target="in_review", answer=ANSWER, reason="duplicate", version="2")
    assert unmet == [
        ("answer", "answer_not_expected"),
        ("reason", "reason_not_expected"),
        ("version", "version_not_expected"),
    ]


def test_versions_compare_as_numbers() -> None:
    assert later_version("2.9", "2.10")
    assert later_version("2", "2.1")
    assert not later_version("2.1", "2.1")
    assert not later_version("3.0", "2.12")
