"""What the rounds and statements API reads and writes, and how a view becomes it."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec

from medskapa.feedback.domain import QUOTE_MAX, TEXT_MAX, Category
from medskapa.statements.round_service import MemberInput, Round, RoundInput
from medskapa.statements.service import StatementView
from medskapa.triage.domain import AnswerOut

Id = Annotated[str, msgspec.Meta(max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=TEXT_MAX * 2)]
Short = Annotated[str, msgspec.Meta(max_length=1000)]


class RoundIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Short
    deadline: Annotated[str, msgspec.Meta(max_length=40, description="Last day, YYYY-MM-DD")]
    consultation: int | None = None
    document: Id | None = None

    def to_input(self) -> RoundInput:
        return RoundInput(
            title=self.title,
            deadline=self.deadline,
            consultation=str(self.consultation) if self.consultation is not None else None,
            document=self.document,
        )


class RoundOut(msgspec.Struct):
    id: int
    title: str
    consultation: int | None
    document: str
    version: str
    deadline: str
    closes_at: str
    inputs: int


def round_out(r: Round) -> RoundOut:
    return RoundOut(
        r.id,
        r.title,
        r.consultation_id,
        r.document_slug,
        r.version_label,
        r.deadline.isoformat(),
        r.closes_at.isoformat(),
        r.input_count,
    )


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    exact: Annotated[str, msgspec.Meta(max_length=QUOTE_MAX * 2)]
    prefix: Annotated[str, msgspec.Meta(max_length=200)] = ""
    suffix: Annotated[str, msgspec.Meta(max_length=200)] = ""


class InputIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    category: Category
    text: Text
    section: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    quote: QuoteIn | None = None
    show_name: bool = False
    notify_on_answer: bool = False
    """E-mail me (at my account's address) when the group answers a statement citing this."""


class InputOut(msgspec.Struct):
    id: uuid.UUID
    section: str | None
    quote: str | None
    category: str
    text: str
    author: str | None
    created_at: str
    notify_on_answer: bool


def input_out(i: MemberInput) -> InputOut:
    return InputOut(
        i.id,
        i.section_key,
        i.quote,
        i.category,
        i.body,
        i.author_email,
        i.created_at.isoformat(),
        i.notify_on_answer,
    )


class RoundDetail(msgspec.Struct):
    round: RoundOut
    open: bool
    inputs: list[InputOut]


class StatementIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    organisation: Id
    title: Short
    round: int | None = None
    document: Id | None = None


class SectionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    heading: Short
    body: Text
    section_id: int | None = None


class CitationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    input: Id
    section_id: int | None = None


class CosignerIn(msgspec.Struct, forbid_unknown_fields=True):
    organisation: Id


class SubmitIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    category: Category = Category.OTHER
    consent_public: bool = False
    language: Literal["sv", "en"] = "sv"


class SectionOut(msgspec.Struct):
    id: int
    position: int
    heading: str
    body: str
    updated_at: str


class CitationOut(msgspec.Struct):
    input: uuid.UUID
    section_id: int | None
    text: str


class SignatoryOut(msgspec.Struct):
    organisation: str
    name: str
    signed_at: str | None


class StatementOut(msgspec.Struct):
    id: uuid.UUID
    organisation: str
    title: str
    document: str
    version: str
    round: int | None
    consultation: int | None
    status: str
    feedback_id: uuid.UUID | None
    feedback_status: str | None
    sections: list[SectionOut]
    citations: list[CitationOut]
    cosigners: list[SignatoryOut]
    answers: list[AnswerOut]
    """The subject group's answers once it has answered the submitted statement."""


class StatementLineOut(msgspec.Struct):
    id: uuid.UUID
    organisation: str
    title: str
    status: str
    feedback_status: str | None


class SubmittedOut(msgspec.Struct):
    statement: uuid.UUID
    feedback_id: uuid.UUID
    receipt_code: str


def statement_out(view: StatementView) -> StatementOut:
    s = view.statement
    return StatementOut(
        s.id,
        s.organisation_slug,
        s.title,
        s.document_slug,
        s.version_label,
        s.round_id,
        s.consultation_id,
        s.status,
        s.feedback_id,
        s.feedback_status,
        [
            SectionOut(x.id, x.position, x.heading, x.body, x.updated_at.isoformat())
            for x in view.sections
        ],
        [CitationOut(c.member_input_id, c.section_id, c.body) for c in view.citations],
        [
            SignatoryOut(c.slug, c.name, c.signed_at.isoformat() if c.signed_at else None)
            for c in view.cosigners
        ],
        [
            AnswerOut(
                a.status,
                a.body,
                a.will_change,
                a.reason_code,
                a.version_label,
                a.group_name,
                a.answered_at.isoformat(),
            )
            for a in view.answers
        ],
    )
