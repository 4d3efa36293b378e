"""The public answers to a guidance document: its moderated feedback that the submitters let
be shown (anonymised), each with the subject groups' answers and the version that changed,
and the document's statistics. Read only; anyone may ask."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from medskapa.answers import queries
from medskapa.errors import FieldError, Invalid, NotFound
from medskapa.feedback.domain import Category, FeedbackStatus
from medskapa.triage import texts
from medskapa.triage.domain import AnswerOut, decode_cursor, encode_cursor

PUBLIC_PAGE_SIZE = 50


class PublicItemOut(msgspec.Struct):
    id: uuid.UUID
    received_at: str
    version: str
    section: str | None
    category: Category
    submitter_role: str
    text: str
    status: FeedbackStatus
    changed_in_version: str | None
    answers: list[AnswerOut]


class StatisticsOut(msgspec.Struct):
    received: int
    answered: int
    change_planned: int
    changed: int
    median_days_to_answer: float | None


class ResponsesOut(msgspec.Struct):
    document: str
    title: str
    version: str | None
    statistics: StatisticsOut
    items: list[PublicItemOut]
    next: str | None


async def responses(
    conn: asyncpg.Connection, slug: str, version: str | None, after: str | None
) -> ResponsesOut:
    """One page of a public document's answers, only on ``version`` when given, continuing
    after the cursor ``after``. ``NotFound`` for a document that is not public; ``Invalid``
    for a version the document does not have or a broken cursor."""
    document = await queries.public_document(conn, slug)
    if document is None:
        raise NotFound("No such guidance document.")
    unmet: list[FieldError] = []
    cursor = None
    if after:
        try:
            cursor = decode_cursor(after)
        except Invalid as exc:
            unmet += exc.errors
    label = (version or "").strip() or None
    if label is not None and not await queries.has_version(conn, document.id, label):
        unmet.append(FieldError("version", "unknown_version"))
    if unmet:
        raise Invalid(unmet, texts.ERRORS)
    items, next_cursor = await queries.public_items(
        conn, document.id, label, cursor, PUBLIC_PAGE_SIZE
    )
    stats = await queries.statistics(conn, document_id=document.id, version=label)
    return ResponsesOut(
        document=document.slug,
        title=document.title,
        version=label,
        statistics=StatisticsOut(**msgspec.structs.asdict(stats)),
        items=[
            PublicItemOut(
                id=i.id,
                received_at=i.created_at.isoformat(),
                version=i.version_label,
                section=i.section_heading,
                category=Category(i.category),
                submitter_role=i.submitter_role,
                text=i.body,
                status=FeedbackStatus(i.status),
                changed_in_version=i.changed_in_version,
                answers=[msgspec.convert(a, AnswerOut) for a in i.answers],
            )
            for i in items
        ],
        next=encode_cursor(next_cursor) if next_cursor else None,
    )


async def published_versions(conn: asyncpg.Connection, slug: str) -> list[str]:
    """A document's published version labels, oldest first: what the page filters by."""
    return await queries.published_labels(conn, slug)
