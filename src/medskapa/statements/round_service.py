"""Input rounds: a coordinator asks the members for their input on a consultation or a
published document until a last day; the input stays inside the organisation. One transaction
per use case, authorised per organisation (organisations.service.Access)."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from medskapa.catalogue.markdown import plain_text
from medskapa.clock import Clock
from medskapa.consultations.domain import Consultation
from medskapa.consultations.service import ConsultationService
from medskapa.errors import FieldError, Invalid, Refused
from medskapa.feedback.domain import QUOTE_MAX, TEXT_MAX, Category, InvalidText, anchor_quote
from medskapa.feedback.domain import clean_text as clean
from medskapa.organisations.domain import (
    Organisation,
    as_int,
    date_field,
    end_of_day,
    is_open,
    text_field,
)
from medskapa.organisations.service import Access
from medskapa.security.principal import Principal
from medskapa.statements import domain
from medskapa.statements import round_queries as queries
from medskapa.statements.round_queries import (
    MemberInput,
    Round,
    TargetVersion,
    VersionSection,
)
from medskapa.statements.texts import ERRORS
from medskapa.triage import service as triage
from medskapa.triage.service import AnswerRecord


class RoundInput(msgspec.Struct, kw_only=True):
    title: str
    deadline: str
    consultation: str | None = None
    document: str | None = None


class InputData(msgspec.Struct, kw_only=True):
    category: str
    text: str
    section: str | None = None
    quote: str | None = None
    quote_prefix: str | None = None
    quote_suffix: str | None = None
    show_name: bool = False
    notify_on_answer: bool = False


class Cited(msgspec.Struct, frozen=True):
    """A submitted statement citing a member's input, and the group's answers to it."""

    statement_title: str
    answers: list[AnswerRecord]


class RoundView(msgspec.Struct, frozen=True):
    organisation: Organisation
    round: Round
    consultation: Consultation | None
    inputs: list[MemberInput]
    coordinator: bool
    open: bool
    cited: dict[uuid.UUID, list[Cited]] = {}
    """Per shown input: the submitted statements that cite it, with the group's answers."""


async def current_version(
    conn: asyncpg.Connection, slug: str, errors: list[FieldError]
) -> TargetVersion | None:
    """The version a round or statement on the document ``slug`` is about: its newest
    published one, if the document takes feedback; if not, an error on the document field is
    added to ``errors``."""
    target = await queries.current_version(conn, slug.strip()[:200])
    if target is None:
        errors.append(FieldError("document", "unknown_document"))
    return target


class RoundService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock
        self._access = Access(conn, clock)
        self._consultations = ConsultationService(conn, clock)

    async def rounds(self, principal: Principal, slug: str) -> tuple[Organisation, list[Round]]:
        organisation = await self._access.organisation(principal, slug)
        return organisation, await queries.rounds(self._conn, organisation.id)

    async def open_round(self, principal: Principal, slug: str, data: RoundInput) -> Round:
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        errors: list[FieldError] = []
        now = self._clock()
        title = text_field(errors, "title", data.title, domain.TITLE_MAX, multiline=False)
        deadline = date_field(errors, "deadline", data.deadline)
        if deadline is not None and end_of_day(deadline) <= now:
            errors.append(FieldError("deadline", "deadline_past"))
        consultation_id = document_id = version_id = None
        if (data.consultation or "").strip():
            wanted = as_int(data.consultation)
            found = await self._consultations.get(wanted) if wanted else None
            if found is None or not await self._consultations.may_answer(found.id, organisation.id):
                errors.append(FieldError("consultation", "unknown_consultation"))
            elif not is_open(now, found.closes_at):
                errors.append(FieldError("consultation", "consultation_closed"))
            else:
                consultation_id, document_id, version_id = (
                    found.id,
                    found.document_id,
                    found.version_id,
                )
                if deadline is not None and deadline > found.deadline:
                    errors.append(FieldError("deadline", "deadline_after_consultation"))
        elif (data.document or "").strip():
            target = await current_version(self._conn, data.document or "", errors)
            if target is not None:
                document_id, version_id = target.document_id, target.version_id
        else:
            errors.append(FieldError("document", "round_target_required"))
        if errors:
            raise Invalid(errors, ERRORS)
        assert deadline is not None
        assert document_id is not None
        assert version_id is not None
        async with self._conn.transaction():
            round_id = await queries.insert_round(
                self._conn,
                org_id=organisation.id,
                consultation_id=consultation_id,
                document_id=document_id,
                version_id=version_id,
                title=title,
                deadline=deadline,
                closes_at=end_of_day(deadline),
                created_by=principal.user_id,
                now=now,
            )
            await self._access.record(
                principal, "input_round.opened", "input_round", round_id, to_state="open"
            )
        found_round = await queries.round_in(self._conn, organisation.id, round_id)
        assert found_round is not None
        return found_round

    async def _round(
        self, principal: Principal, organisation: Organisation, round_id: int | str
    ) -> Round:
        wanted = as_int(round_id)
        found = await queries.round_in(self._conn, organisation.id, wanted) if wanted else None
        if found is None:
            raise await self._access.not_found(principal, "input_round", str(round_id)[:40])
        return found

    async def _round_open(self, found: Round) -> tuple[Consultation | None, bool]:
        now = self._clock()
        consultation = (
            await self._consultations.get(found.consultation_id) if found.consultation_id else None
        )
        open_ = is_open(now, found.closes_at) and (
            consultation is None or is_open(now, consultation.closes_at)
        )
        return consultation, open_

    async def round_view(self, principal: Principal, slug: str, round_id: int | str) -> RoundView:
        organisation = await self._access.organisation(principal, slug)
        found = await self._round(principal, organisation, round_id)
        coordinator = principal.organisations.get(organisation.id) == "coordinator"
        consultation, open_ = await self._round_open(found)
        # Members see what they wrote themselves; coordinators see everyone's text.
        shown = await queries.inputs(
            self._conn, organisation.id, found.id, None if coordinator else principal.user_id
        )
        cited: dict[uuid.UUID, list[Cited]] = {}
        answers: dict[uuid.UUID, list[AnswerRecord]] = {}
        for c in await queries.cited_in(self._conn, [i.id for i in shown]):
            if c.feedback_id not in answers:
                answers[c.feedback_id] = await triage.answers(self._conn, c.feedback_id)
            cited.setdefault(c.member_input_id, []).append(
                Cited(c.statement_title, answers[c.feedback_id])
            )
        return RoundView(organisation, found, consultation, shown, coordinator, open_, cited)

    async def sections(self, version_id: int) -> list[VersionSection]:
        """The sections of the round's version, for choosing what an input is about."""
        return await queries.version_sections(self._conn, version_id)

    async def add_input(
        self, principal: Principal, slug: str, round_id: int | str, data: InputData
    ) -> MemberInput:
        organisation = await self._access.organisation(principal, slug)
        found = await self._round(principal, organisation, round_id)
        consultation, open_ = await self._round_open(found)
        if not open_:
            closed_by_consultation = consultation is not None and not is_open(
                self._clock(), consultation.closes_at
            )
            raise Refused(
                "consultation_closed" if closed_by_consultation else "round_closed", ERRORS
            )
        errors: list[FieldError] = []
        if data.category not in Category.__members__.values():
            errors.append(FieldError("category", "choose_one"))
        text = ""
        try:
            text = clean(data.text)
            if not text:
                errors.append(FieldError("text", "text_required"))
            elif len(text) > TEXT_MAX:
                errors.append(FieldError("text", "text_too_long"))
        except InvalidText as exc:
            errors.append(FieldError("text", exc.code))
        section_key = (data.section or "").strip() or None
        raw_quote = (data.quote or "").strip() or None
        quote = None
        if section_key is not None:
            body = await queries.section_body(self._conn, found.version_id, section_key[:100])
            if body is None:
                errors.append(FieldError("section", "unknown_section"))
            elif raw_quote is not None:
                try:
                    cleaned = clean(raw_quote)
                    if len(cleaned) > QUOTE_MAX:
                        errors.append(FieldError("quote", "quote_too_long"))
                    else:
                        # Quotes are selected on the page: in the words a reader sees.
                        quote = anchor_quote(
                            plain_text(body),
                            cleaned,
                            clean(data.quote_prefix or ""),
                            clean(data.quote_suffix or ""),
                        )
                        if quote is None:
                            errors.append(FieldError("quote", "quote_not_found"))
                except InvalidText as exc:
                    errors.append(FieldError("quote", exc.code))
        elif raw_quote is not None:
            errors.append(FieldError("section", "quote_needs_section"))
        if errors:
            raise Invalid(errors, ERRORS)
        now = self._clock()
        async with self._conn.transaction():
            # Checked again under a lock: a round that closed meanwhile takes nothing more.
            if now >= await queries.closes_at_for_share(self._conn, found.id):
                raise Refused("round_closed", ERRORS)
            input_id = await queries.insert_input(
                self._conn,
                round_id=found.id,
                org_id=organisation.id,
                author_id=principal.user_id,
                show_name=data.show_name,
                section_key=section_key,
                quote_exact=quote.exact if quote else None,
                quote_prefix=quote.prefix if quote else None,
                quote_suffix=quote.suffix if quote else None,
                category=data.category,
                body=text,
                now=now,
                notify_on_answer=data.notify_on_answer,
            )
            await self._access.record(
                principal,
                "member_input.added",
                "input_round",
                found.id,
                reason_code="named" if data.show_name else "text_only",
            )
        added = await queries.input_in(self._conn, organisation.id, input_id)
        assert added is not None
        return added
