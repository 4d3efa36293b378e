"""The e-mails a group's step sends, queued in the step's own transaction: to the submitter
who left an address, and, when the item is an organisation's statement, to those who read its
answer."""

from __future__ import annotations

import datetime as dt

import asyncpg

from medskapa.feedback.domain import FeedbackStatus
from medskapa.outbox.queue import enqueue
from medskapa.triage import item_queries
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
    if record.contact_id is None:
        return
    await enqueue(
        conn,
        template,
        now=now,
        contact_id=record.contact_id,
        language=record.language,
        context={
            "document_slug": record.document_slug,
            "document_title": record.document_title,
            "follow_path": "/folj",
            **{k: v for k, v in context.items() if v is not None},
        },
    )


async def tell_statement_readers(
    conn: asyncpg.Connection, record: ItemRecord, now: dt.datetime, **context: str | None
) -> None:
    """When the item is an organisation's statement, its answer goes back to the
    coordinators (of the sender and of each co-signer) and to the members who asked to be
    told and whose input it cites. Nothing happens for ordinary feedback."""
    if record.submitter_role != "organisation":
        return
    for to in await item_queries.statement_readers(conn, record.id):
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
