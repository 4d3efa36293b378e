"""The public answers to a guidance document: its moderated feedback that the submitters let
be shown (anonymised), each with the subject groups' answers and the version that changed,
and the document's statistics. Read only; anyone may ask."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing

import asyncpg
import msgspec

from medskapa.answers import queries
from medskapa.errors import FieldError, Invalid, NotFound
from medskapa.feedback.domain import Category, FeedbackStatus
from medskapa.i18n import N_
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


# The open data's fields, in order, with what each holds: the documentation page and the
# files are made from this one list.
OPEN_DATA_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", N_("Synpunktens id (slumpat, säger ingenting om den som skrev).")),
    ("received_on", N_("Dagen synpunkten kom in, svensk tid (ÅÅÅÅ-MM-DD).")),
    ("programme_area", N_("Programområdet som äger kunskapsstödet (kortnamn).")),
    ("document", N_("Kunskapsstödets kortnamn, som i adressen /kunskapsstod/<kortnamn>.")),
    ("document_title", N_("Kunskapsstödets titel.")),
    ("version", N_("Versionen av kunskapsstödet som synpunkten gällde.")),
    ("section", N_("Avsnittets nyckel, tom om synpunkten gällde hela kunskapsstödet.")),
    ("section_heading", N_("Avsnittets rubrik i den versionen.")),
    (
        "category",
        N_(
            "hard_to_understand, missing_information, incorrect_or_outdated, "
            "own_experience, suggestion eller other."
        ),
    ),
    ("submitter_role", N_("patient, relative (närstående), other eller organisation.")),
    ("text", N_("Synpunkten så som en moderator släppte fram den (personuppgifter borttagna).")),
    ("status", N_("routed, in_review, answered, closed, change_planned eller changed.")),
    ("changed_in_version", N_("Versionen där texten ändrades på grund av synpunkten, annars tom.")),
    ("answer", N_("Arbetsgruppens senaste skrivna svar, tomt om inget svar finns än.")),
    ("answer_group", N_("Arbetsgruppen som skrev svaret.")),
    ("answered_on", N_("Dagen för gruppens första svar, svensk tid.")),
    ("will_change", N_("true om gruppen svarade att texten ska ändras, false om inte.")),
    ("close_reason", N_("Skälet när synpunkten avslutades utan ändring (kod), annars tom.")),
)
OPEN_DATA_COLUMNS = tuple(name for name, _meaning in OPEN_DATA_FIELDS)
OPEN_DATA_LICENCE = "CC0 1.0"


def open_record(item: queries.OpenItem) -> dict[str, object]:
    """One item of the open data under ``OPEN_DATA_COLUMNS``: the answers flattened to the
    group's last written answer, its first answer day and the last reason given."""
    written = [a for a in item.answers if a.get("text")]
    reasons = [a["reason"] for a in item.answers if a.get("reason")]
    last = written[-1] if written else {}
    return {
        "id": str(item.id),
        "received_on": item.received_on.isoformat(),
        "programme_area": item.programme_area,
        "document": item.document,
        "document_title": item.document_title,
        "version": item.version,
        "section": item.section,
        "section_heading": item.section_heading,
        "category": item.category,
        "submitter_role": item.submitter_role,
        "text": item.text,
        "status": item.status,
        "changed_in_version": item.changed_in_version,
        "answer": last.get("text"),
        "answer_group": last.get("group"),
        "answered_on": item.answers[0]["answered_on"] if item.answers else None,
        "will_change": last.get("will_change"),
        "close_reason": reasons[-1] if reasons else None,
    }


async def open_records(
    conn: asyncpg.Connection,
) -> AsyncGenerator[list[dict[str, object]], None]:
    """The open data in batches of records, read while it is sent."""
    async with aclosing(queries.open_items(conn)) as batches:
        async for items in batches:
            yield [open_record(item) for item in items]
