"""The e-mails a group's step sends, queued in the step's own transaction: to the submitter
who left an address, and, when the item is an organisation's statement, to those who read its
answer. A step on merged items (medskapa.feedback.lifecycle.follows) tells the followers of
each item it moved, and each of them once: one address, or one reader of one statement, gets
one mail however many of the items are theirs."""

from __future__ import annotations

import datetime as dt

import asyncpg

from medskapa.feedback.domain import FeedbackStatus
from medskapa.outbox.queue import enqueue
from medskapa.triage import cluster_queries, item_queries
from medskapa.triage.item_queries import ItemRecord

# The e-mail each step sends to a submitter who left an address.
STEP_TEMPLATES: dict[FeedbackStatus, str] = {
    FeedbackStatus.IN_REVIEW: "feedback_in_review",
    FeedbackStatus.ANSWERED: "feedback_answered",
    FeedbackStatus.CLOSED: "feedback_closed",
    FeedbackStatus.CHANGE_PLANNED: "feedback_change_planned",
    FeedbackStatus.CHANGED: "feedback_changed",
}
FORWARDED_TEMPLATE = "feedback_forwarded"
# To the coordinators and the members who asked, when an organisation's statement is answered.
STATEMENT_ANSWERED_TEMPLATE = "statement_answered"


async def tell_submitter(
    conn: asyncpg.Connection,
    record: ItemRecord,
    template: str,
    now: dt.datetime,
    **context: str | None,
) -> None:
    await tell_submitters(conn, [record], template, now, **context)


async def tell_submitters(
    conn: asyncpg.Connection,
    records: list[ItemRecord],
    template: str,
    now: dt.datetime,
    **context: str | None,
) -> None:
    """The submitters of ``records`` who left an address, once per address (about the first
    of the items that came from it)."""
    by_contact = {r.contact_id: r for r in reversed(records) if r.contact_id is not None}
    if not by_contact:
        return
    given = [r.contact_id for r in records if r.contact_id is not None]
    for contact_id in await cluster_queries.one_contact_per_address(conn, given):
        record = by_contact[contact_id]
        await enqueue(
            conn,
            template,
            now=now,
            contact_id=contact_id,
            language=record.language,
            context={
                "document_slug": record.document_slug,
                "document_title": record.document_title,
                "follow_path": "/folj",
                **{k: v for k, v in context.items() if v is not None},
            },
        )


async def tell_statement_readers(
    conn: asyncpg.Connection,
    records: list[ItemRecord],
    now: dt.datetime,
    **context: str | None,
) -> None:
    """When an item is an organisation's statement, its answer goes back to the
    coordinators (of the sender and of each co-signer) and to the members who asked to be
    told and whose input it cites; each person once per statement, however many of the
    merged items name them. Nothing happens for ordinary feedback."""
    told: set[tuple[int, str]] = set()
    for record in records:
        if record.submitter_role == "organisation":
            for to in await item_queries.statement_readers(conn, record.id):
                if (to.user_id, to.path) not in told:
                    told.add((to.user_id, to.path))
                    await _tell_reader(conn, record, to, now, **context)


async def _tell_reader(
    conn: asyncpg.Connection,
    record: ItemRecord,
    to: item_queries.StatementReader,
    now: dt.datetime,
    **context: str | None,
) -> None:
    await enqueue(
        conn,
        STATEMENT_ANSWERED_TEMPLATE,
        now=now,
        user_id=to.user_id,
        context={
            "organisation": to.organisation,
            "document_title": record.document_title,
            "path": to.path,
            **{k: v for k, v in context.items() if v is not None},
        },
    )
