"""What the group's use cases return to read: an inbox page with its counts, and one item with
everything its page shows (answers, notes, forwards, trail, themes, cluster)."""

from __future__ import annotations

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.audit.domain import AuditEvent
from medskapa.catalogue.markdown import plain_text
from medskapa.triage import cluster_queries, group_queries, item_queries
from medskapa.triage.domain import SUBJECT, PassageState, passage_state
from medskapa.triage.group_queries import Group
from medskapa.triage.inbox_queries import InboxPage
from medskapa.triage.item_queries import AnswerRecord, ItemRecord


class Inbox(msgspec.Struct, frozen=True):
    group: Group
    page: InboxPage
    counts: dict[str, int]
    oldest_unanswered_days: int | None


class InboxSummary(msgspec.Struct, frozen=True):
    """One of a member's groups at a glance, for their start page: the inbox's counts by
    status, how many unanswered items a moderator marked urgent, the oldest unanswered."""

    group: Group
    counts: dict[str, int]
    urgent: int
    oldest_unanswered_days: int | None
    answering: bool
    """Whether the member acts for the group (member, lead), not only reads it."""


class ItemView(msgspec.Struct, frozen=True):
    item: ItemRecord
    group: Group
    """The asker's group this item is worked on in."""
    other_groups: list[Group]
    passage: PassageState
    passage_section: str | None
    current_version: str | None
    timeline: list[AuditEvent]
    answers: list[AnswerRecord]
    notes: list[item_queries.Note]
    forwards: list[item_queries.Forward]
    assignee_id: int | None
    members: list[group_queries.Member]
    themes: list[group_queries.Theme]
    item_themes: set[int]
    cluster_id: int | None
    cluster: list[cluster_queries.ClusterItem]


async def item_view(conn: asyncpg.Connection, record: ItemRecord, group: Group) -> ItemView:
    """The item as ``group`` works on it."""
    worked = await item_queries.worked_on(conn, record.id, group.id, record.document_id)
    sections = {key: plain_text(body) for key, body in worked.sections}
    passage, passage_section = passage_state(record.quote, record.section_key, sections)
    return ItemView(
        item=record,
        group=group,
        other_groups=[g for g in worked.routed_to if g.id != group.id],
        passage=passage,
        passage_section=passage_section,
        current_version=worked.current_version,
        timeline=await audit.events_for(conn, SUBJECT, str(record.id)),
        answers=await item_queries.answers(conn, record.id),
        notes=worked.notes,
        forwards=worked.forwards,
        assignee_id=worked.assignee_id,
        members=worked.members,
        themes=worked.themes,
        item_themes=worked.item_themes,
        cluster_id=worked.cluster_id,
        cluster=worked.cluster,
    )
