"""Which actor may move feedback from which status to which: the one table of the lifecycle.

Services ask ``check`` and never compare states by hand. Later steps (moderation, triage) add
their actors' rows here, not elsewhere.
"""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec

from medskapa.feedback.domain import FeedbackStatus as S
from medskapa.feedback.domain import InvalidText, clean_text


class Actor(StrEnum):
    SUBMITTER = "submitter"
    MODERATOR = "moderator"
    GROUP_MEMBER = "group_member"
    ADMIN = "admin"
    """The site's administrators, on site items (reports of accessibility problems) only: no
    moderator or group ever sees those."""
    SYSTEM = "system"


TRANSITIONS: dict[tuple[S, S], frozenset[Actor]] = {
    (S.RECEIVED, S.REJECTED): frozenset({Actor.MODERATOR}),
    (S.RECEIVED, S.ROUTED): frozenset({Actor.MODERATOR}),
    # Forwarded to another group, also after review began (the new group starts afresh).
    (S.ROUTED, S.ROUTED): frozenset({Actor.GROUP_MEMBER}),
    (S.IN_REVIEW, S.ROUTED): frozenset({Actor.GROUP_MEMBER}),
    (S.ROUTED, S.IN_REVIEW): frozenset({Actor.GROUP_MEMBER}),
    (S.IN_REVIEW, S.CHANGE_PLANNED): frozenset({Actor.GROUP_MEMBER}),
    (S.CHANGE_PLANNED, S.CHANGED): frozenset({Actor.GROUP_MEMBER}),
    # The admins take up a site item, answer it or close it (with or without taking it up).
    (S.RECEIVED, S.IN_REVIEW): frozenset({Actor.ADMIN}),
    (S.RECEIVED, S.ANSWERED): frozenset({Actor.ADMIN}),
    (S.RECEIVED, S.CLOSED): frozenset({Actor.ADMIN}),
    (S.IN_REVIEW, S.ANSWERED): frozenset({Actor.GROUP_MEMBER, Actor.ADMIN}),
    (S.IN_REVIEW, S.CLOSED): frozenset({Actor.GROUP_MEMBER, Actor.ADMIN}),
    # A submitter may take feedback back until the group has answered it.
    (S.RECEIVED, S.WITHDRAWN): frozenset({Actor.SUBMITTER}),
    (S.ROUTED, S.WITHDRAWN): frozenset({Actor.SUBMITTER}),
    (S.IN_REVIEW, S.WITHDRAWN): frozenset({Actor.SUBMITTER}),
}


class TransitionRefused(Exception):
    def __init__(self, current: S, target: S, actor: Actor) -> None:
        super().__init__(f"{actor} may not move feedback from {current} to {target}")
        self.current, self.target, self.actor = current, target, actor


def allowed(current: S, target: S, actor: Actor) -> bool:
    return actor in TRANSITIONS.get((current, target), frozenset())


def check(current: S, target: S, actor: Actor) -> None:
    if not allowed(current, target, actor):
        raise TransitionRefused(current, target, actor)


# ---------------------------------------------------------------- what each group step needs
#
# The table above says who may move an item; the rules below say what a group's move must
# carry. An answer is for the submitter and the public: it says in words whether the text will
# change and why, so it has a floor as well as a ceiling. Whether it promises a change is not a
# separate choice: ``answered`` means no change, ``change_planned`` means one is coming.

ANSWER_MIN = 20
ANSWER_MAX = 5000
FORWARD_NOTE_MAX = 1000

GROUP_TARGETS = frozenset({S.IN_REVIEW, S.ANSWERED, S.CLOSED, S.CHANGE_PLANNED, S.CHANGED})
NEEDS_ANSWER = frozenset({S.ANSWERED, S.CHANGE_PLANNED})
# A closing may explain itself; a change may say what changed.
OPTIONAL_ANSWER = frozenset({S.CLOSED, S.CHANGED})
WILL_CHANGE = {S.ANSWERED: False, S.CHANGE_PLANNED: True}
# Statuses that still wait for the group's answer (the inbox's "unanswered").
UNANSWERED = frozenset({S.ROUTED, S.IN_REVIEW})
# Statuses in which a group may still forward, assign, tag and merge.
OPEN_FOR_GROUP = frozenset({S.ROUTED, S.IN_REVIEW, S.CHANGE_PLANNED})

# Merged items. Items a group merges say the same thing, so the group answers them as one: a
# step the group takes on one item of a cluster is taken, with the same answer, by every other
# item in it that is still open for the group and behind the step; an item merged into one the
# group has already moved takes that item's status and latest answer at once. Items follow
# forward only: one the group has finished (answered, closed, changed), or one its submitter
# withdrew, keeps its own. Forwarding is not a step the cluster shares: each item stays with
# the group it is routed to, and one forwarded away no longer follows. How far along each
# status is:
_PROGRESS = {
    S.ROUTED: 0,
    S.IN_REVIEW: 1,
    S.ANSWERED: 2,
    S.CLOSED: 2,
    S.CHANGE_PLANNED: 2,
    S.CHANGED: 3,
}


def follows(current: S, target: S) -> bool:
    """Whether an item in ``current``, merged with one the group moves to ``target``, moves
    with it."""
    return (
        current in OPEN_FOR_GROUP
        and target in GROUP_TARGETS
        and _PROGRESS[target] > _PROGRESS[current]
    )


class CloseReason(StrEnum):
    ALREADY_COVERED = "already_covered"
    """The text already says this."""
    OUT_OF_SCOPE = "out_of_scope"
    """Outside what the document covers."""
    DUPLICATE = "duplicate"
    """Said already in another item, which is answered."""
    NOT_ACTIONABLE = "not_actionable"
    """Too unclear to act on, and the submitter cannot be asked."""
    PERSONAL_CARE_MATTER = "personal_care_matter"
    """About the submitter's own care: for the care provider, 1177 or patientnämnden."""


class ForwardReason(StrEnum):
    OTHER_GROUP_OWNS_TEXT = "other_group_owns_text"
    SPANS_GROUPS = "spans_groups"
    """Another group should answer too, or instead."""
    WRONG_ROUTING = "wrong_routing"


class Unmet(msgspec.Struct, frozen=True):
    """A field of a transition request that does not meet the rules, and which rule."""

    field: str
    code: str


class GroupStep(msgspec.Struct, frozen=True, kw_only=True):
    """A group member's request to move an item: strings as they came."""

    target: str
    answer: str | None = None
    reason: str | None = None
    version: str | None = None


class CheckedStep(msgspec.Struct, frozen=True, kw_only=True):
    target: S
    answer: str | None = None
    will_change: bool | None = None
    reason: CloseReason | None = None
    version: str | None = None


_LABEL = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def version_key(label: str) -> tuple[int, ...]:
    """Version labels compare as numbers: 2.10 comes after 2.9."""
    return tuple(int(part) for part in label.split("."))


def later_version(item_label: str, candidate: str) -> bool:
    return version_key(candidate) > version_key(item_label)


def check_step(current: S, step: GroupStep) -> CheckedStep:
    """The step, cleaned, if the item may take it from ``current``; otherwise ``StepRefused``
    naming every unmet rule. Whether the named version exists is the service's to check."""
    unmet: list[Unmet] = []
    try:
        target = S(step.target)
    except ValueError:
        raise StepRefused([Unmet("to", "unknown_status")]) from None
    if target not in GROUP_TARGETS or not allowed(current, target, Actor.GROUP_MEMBER):
        raise StepRefused([Unmet("to", "transition_not_allowed")], current, target)

    answer = None
    if target in NEEDS_ANSWER or (target in OPTIONAL_ANSWER and step.answer):
        answer, code = _clean_answer(step.answer or "")
        if code is not None:
            unmet.append(Unmet("answer", code))
    elif step.answer:
        unmet.append(Unmet("answer", "answer_not_expected"))

    reason = None
    if target is S.CLOSED:
        if not step.reason:
            unmet.append(Unmet("reason", "reason_required"))
        elif step.reason not in CloseReason.__members__.values():
            unmet.append(Unmet("reason", "unknown_reason"))
        else:
            reason = CloseReason(step.reason)
    elif step.reason:
        unmet.append(Unmet("reason", "reason_not_expected"))

    version = None
    if target is S.CHANGED:
        label = (step.version or "").strip()
        if not label:
            unmet.append(Unmet("version", "version_required"))
        elif not _LABEL.match(label):
            unmet.append(Unmet("version", "version_format"))
        else:
            version = label
    elif step.version:
        unmet.append(Unmet("version", "version_not_expected"))

    if unmet:
        raise StepRefused(unmet, current, target)
    return CheckedStep(
        target=target,
        answer=answer,
        will_change=WILL_CHANGE.get(target),
        reason=reason,
        version=version,
    )


def _clean_answer(text: str) -> tuple[str | None, str | None]:
    try:
        cleaned = clean_text(text)
    except InvalidText as exc:
        return None, exc.code
    if not cleaned:
        return None, "answer_required"
    if len(cleaned) < ANSWER_MIN:
        return None, "answer_too_short"
    if len(cleaned) > ANSWER_MAX:
        return None, "answer_too_long"
    return cleaned, None


class StepRefused(Exception):
    def __init__(self, unmet: list[Unmet], current: S | None = None, target: S | None = None):
        super().__init__(", ".join(f"{u.field}: {u.code}" for u in unmet))
        self.unmet, self.current, self.target = unmet, current, target
