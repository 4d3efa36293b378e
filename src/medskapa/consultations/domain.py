"""Pure rules for consultations (remisser): a subject group sends a version of its guidance to
organisations, who answer until the last day (midnight in Stockholm, see organisations.domain).
"""

from __future__ import annotations

import datetime as dt

import msgspec

TITLE_MAX = 200
QUESTION_MAX = 1000
QUESTIONS_MAX = 5
REMIND_BEFORE = dt.timedelta(days=3)


class Consultation(msgspec.Struct, frozen=True):
    id: int
    group_id: int
    group_name: str
    document_id: int
    document_slug: str
    document_title: str
    version_id: int
    version_label: str
    title: str
    questions: list[str]
    start_date: dt.date
    deadline: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime
    open_to_all_verified: bool
    created_at: dt.datetime
    organisation_ids: list[int]
    preview_shared_at: dt.datetime | None
    """When the group shared the comment/response table with the organisations that sent
    statements (after the deadline, before the new version is published)."""


def needs_reminder(now: dt.datetime, opens_at: dt.datetime, closes_at: dt.datetime) -> bool:
    """A consultation is reminded of once, in the last days before it closes."""
    return opens_at <= now < closes_at and closes_at - now <= REMIND_BEFORE
