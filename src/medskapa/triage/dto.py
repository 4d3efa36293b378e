"""The triage JSON shapes (what the API reads and writes) and the converters into them. A
group's answer has the one shape every area shows it in, ``triage.domain.AnswerOut``."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from medskapa.audit.domain import AuditEvent
from medskapa.feedback.domain import Category, FeedbackStatus
from medskapa.feedback.lifecycle import FORWARD_NOTE_MAX, CloseReason, ForwardReason
from medskapa.triage.domain import AnswerOut, encode_cursor, snippet
from medskapa.triage.service import AnswerRecord, Inbox, ItemView


class InboxItemOut(msgspec.Struct):
    id: uuid.UUID
    status: FeedbackStatus
    received_at: str
    routed_at: str
    document: str
    version: str
    section: str | None
    category: Category
    excerpt: str
    urgent: bool
    assignee_id: int | None
    themes: list[str]
    care_region: str | None = None
    """The county code of the region where the care took place, if the submitter said."""


class InboxOut(msgspec.Struct):
    group: str
    counts: dict[str, int]
    oldest_unanswered_days: int | None
    items: list[InboxItemOut]
    next: str | None


class TransitionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    to: Annotated[str, msgspec.Meta(max_length=30, description="The status to move to")]
    answer: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None
    reason: (
        Annotated[
            str, msgspec.Meta(max_length=40, description=f"For closed: {', '.join(CloseReason)}")
        ]
        | None
    ) = None
    version: (
        Annotated[str, msgspec.Meta(max_length=20, description="For changed: the version label")]
        | None
    ) = None


class ForwardIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    group: Annotated[str, msgspec.Meta(max_length=200, description="Slug of the other group")]
    reason: Annotated[str, msgspec.Meta(max_length=40, description=", ".join(ForwardReason))]
    note: Annotated[str, msgspec.Meta(max_length=FORWARD_NOTE_MAX * 2)] | None = None


class ItemOut(msgspec.Struct):
    id: uuid.UUID
    status: FeedbackStatus
    group: str
    changed_in_version: str | None
    answers: list[AnswerOut]


class EventOut(msgspec.Struct):
    at: str
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None


class TimelineOut(msgspec.Struct):
    id: uuid.UUID
    events: list[EventOut]


def inbox_out(result: Inbox) -> InboxOut:
    return InboxOut(
        group=result.group.slug,
        counts=result.counts,
        oldest_unanswered_days=result.oldest_unanswered_days,
        items=[
            InboxItemOut(
                id=r.id,
                status=FeedbackStatus(r.status),
                received_at=r.created_at.isoformat(),
                routed_at=r.routed_at.isoformat(),
                document=r.document_slug,
                version=r.version_label,
                section=r.section_key,
                category=Category(r.category),
                excerpt=snippet(r.body),
                urgent=r.urgent,
                assignee_id=r.assignee_id,
                themes=r.themes,
                care_region=r.care_region,
            )
            for r in result.page.rows
        ],
        next=encode_cursor(result.page.next) if result.page.next else None,
    )


def answer_out(a: AnswerRecord) -> AnswerOut:
    return AnswerOut(
        status=a.status,
        text=a.body,
        will_change=a.will_change,
        reason=a.reason_code,
        version=a.version_label,
        group=a.group_name,
        answered_at=a.answered_at.isoformat(),
    )


def item_out(view: ItemView) -> ItemOut:
    return ItemOut(
        id=view.item.id,
        status=FeedbackStatus(view.item.status),
        group=view.group.slug,
        changed_in_version=view.item.changed_in_version,
        answers=[answer_out(a) for a in view.answers],
    )


def timeline_out(feedback_id: uuid.UUID, events: list[AuditEvent]) -> TimelineOut:
    return TimelineOut(
        id=feedback_id,
        events=[
            EventOut(
                at=e.occurred_at.isoformat(),
                actor=e.actor,
                action=e.action,
                from_status=e.from_state,
                to_status=e.to_state,
                reason=e.reason_code,
            )
            for e in events
        ],
    )
