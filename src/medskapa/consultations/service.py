"""Consultation use cases: a subject group opens a consultation (remiss) on a version of its
guidance, the organisations that may answer are told and reminded, and after the last day the
group may share its response table with those that sent statements. One transaction each."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.catalogue.following import notify_consultation_opened
from medskapa.clock import Clock
from medskapa.consultations import domain, queries
from medskapa.consultations.domain import Consultation
from medskapa.consultations.queries import ConsultationItem, ReceivedStatement, ResponseRow
from medskapa.consultations.texts import ERRORS
from medskapa.errors import FieldError, Invalid, Refused
from medskapa.organisations import service as organisations
from medskapa.organisations.domain import (
    Organisation,
    as_int,
    date_field,
    end_of_day,
    is_open,
    start_of_day,
    text_field,
)
from medskapa.security.principal import Principal


class ConsultationInput(msgspec.Struct, kw_only=True):
    document: str
    version: str
    title: str
    questions: list[str]
    start: str
    deadline: str
    organisations: list[str] = []
    open_to_all_verified: bool = False


class ResponseTable(msgspec.Struct, frozen=True):
    """A consultation's comment/response table, as the asker may read it."""

    consultation: Consultation
    rows: list[ResponseRow]
    for_group: bool
    """The group's own table; otherwise a confidential preview for a contributing
    organisation, where an individual's text shows only if they allowed it to be public."""


class ConsultationOverview(msgspec.Struct, frozen=True):
    consultation: Consultation
    statements: list[ReceivedStatement]
    cosigners: dict[uuid.UUID, list[str]]
    """Statement id → the organisations that co-signed it."""
    items: list[ConsultationItem]
    closed: bool


class ConsultationService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock
        self._access = organisations.Access(conn, clock)

    def now(self) -> dt.datetime:
        return self._clock()

    async def open_consultation(
        self, principal: Principal, data: ConsultationInput
    ) -> Consultation:
        errors: list[FieldError] = []
        now = self._clock()
        document = await queries.document_owner(self._conn, data.document.strip()[:200])
        version_id = None
        if document is None:
            errors.append(FieldError("document", "unknown_document"))
        elif document.subject_group_id not in principal.answering_groups:
            # A patient representative sits in the group but does not act for it.
            errors.append(FieldError("document", "not_your_group"))
        else:
            version_id = await queries.version_id(
                self._conn, document.id, data.version.strip()[:20]
            )
            if version_id is None:
                errors.append(FieldError("version", "unknown_version"))
        title = text_field(errors, "title", data.title, domain.TITLE_MAX, multiline=False)
        questions: list[str] = []
        for raw in data.questions:
            if raw.strip():
                questions.append(text_field(errors, "questions", raw, domain.QUESTION_MAX))
        if not questions and not any(e.field == "questions" for e in errors):
            errors.append(FieldError("questions", "questions_required"))
        elif len(questions) > domain.QUESTIONS_MAX:
            errors.append(FieldError("questions", "questions_too_many"))
        start = date_field(errors, "start", data.start)
        deadline = date_field(errors, "deadline", data.deadline)
        if start and deadline:
            if deadline < start:
                errors.append(FieldError("deadline", "deadline_before_start"))
            elif end_of_day(deadline) <= now:
                errors.append(FieldError("deadline", "deadline_past"))
        organisation_ids: list[int] = []
        for slug in dict.fromkeys(s.strip() for s in data.organisations if s.strip()):
            invited = await organisations.by_slug(self._conn, slug[:100])
            if invited is None:
                errors.append(FieldError("organisations", "unknown_organisation"))
                break
            organisation_ids.append(invited.id)
        if (
            not organisation_ids
            and not data.open_to_all_verified
            and not any(e.field == "organisations" for e in errors)
        ):
            errors.append(FieldError("organisations", "organisations_required"))
        if errors:
            raise Invalid(errors, ERRORS)
        assert document is not None
        assert version_id is not None
        assert start is not None
        assert deadline is not None
        async with self._conn.transaction():
            consultation_id = await queries.insert_consultation(
                self._conn,
                group_id=document.subject_group_id,
                document_id=document.id,
                version_id=version_id,
                title=title,
                questions=questions,
                start_date=start,
                deadline=deadline,
                opens_at=start_of_day(start),
                closes_at=end_of_day(deadline),
                open_to_all_verified=data.open_to_all_verified,
                created_by=principal.user_id,
                now=now,
            )
            if organisation_ids:
                await queries.invite_organisations(self._conn, consultation_id, organisation_ids)
            await self._access.record(
                principal, "consultation.opened", "consultation", consultation_id, to_state="open"
            )
            found = await queries.consultation(self._conn, consultation_id)
            assert found is not None
            for org_id in await queries.answering_organisations(self._conn, consultation_id):
                await self._tell_coordinators(org_id, "consultation_opened", found, now)
            await notify_consultation_opened(self._conn, consultation_id=consultation_id, now=now)
        return found

    async def _tell_coordinators(
        self,
        org_id: int,
        template: str,
        consultation: Consultation,
        now: dt.datetime,
        path: str = "",
    ) -> int:
        """E-mail every coordinator of ``org_id`` about the consultation; the link goes to the
        consultation page, or to ``path`` below it (a path: the outbox renderer adds the
        configured base URL)."""
        organisation = await organisations.by_id(self._conn, org_id)
        assert organisation is not None
        return await organisations.tell_coordinators(
            self._conn,
            org_id,
            template,
            {
                "organisation": organisation.name,
                "consultation": consultation.title,
                "document": consultation.document_title,
                "version": consultation.version_label,
                "deadline": consultation.deadline.isoformat(),
                "link": f"/remisser/{consultation.id}{path}",
            },
            now,
        )

    async def consultations(self, principal: Principal) -> list[Consultation]:
        return await queries.consultations_for(
            self._conn, list(principal.groups), list(principal.organisations)
        )

    async def get(self, consultation_id: int) -> Consultation | None:
        """The consultation, for a use case that has already authorised the asker."""
        return await queries.consultation(self._conn, consultation_id)

    async def may_answer(self, consultation_id: int, org_id: int) -> bool:
        """Whether the organisation is invited, or may answer as a verified organisation."""
        return await queries.may_answer(self._conn, consultation_id, org_id)

    async def consultation(self, principal: Principal, consultation_id: int | str) -> Consultation:
        """A consultation as seen by its group or by an organisation that may answer it."""
        wanted = as_int(consultation_id)
        found = await queries.consultation(self._conn, wanted) if wanted is not None else None
        if found is not None:
            if found.group_id in principal.groups:
                return found
            for org_id in principal.organisations:
                if await queries.may_answer(self._conn, found.id, org_id):
                    return found
        raise await self._access.not_found(principal, "consultation", str(consultation_id)[:40])

    async def answering(self, principal: Principal, found: Consultation) -> list[Organisation]:
        """The principal's organisations that may answer the consultation."""
        may_answer = set(await queries.answering_organisations(self._conn, found.id))
        return [
            o
            for o in await organisations.every_organisation(self._conn)
            if o.id in principal.organisations and o.id in may_answer
        ]

    async def group_documents(self, principal: Principal) -> list[tuple[str, str, list[str]]]:
        """(slug, title, version labels) of the documents the principal's groups act for."""
        return await queries.group_documents(self._conn, list(principal.answering_groups))

    async def overview(
        self, principal: Principal, consultation_id: int | str
    ) -> ConsultationOverview:
        """The subject group's view: statements and individual items on the version."""
        found = await self.consultation(principal, consultation_id)
        if found.group_id not in principal.groups:
            raise await self._access.not_found(principal, "consultation", found.id)
        statements = await queries.received_statements(self._conn, found.id)
        return ConsultationOverview(
            found,
            statements,
            {s.id: s.cosigners for s in statements},
            await queries.consultation_items(self._conn, found.version_id),
            not is_open(self._clock(), found.closes_at),
        )

    async def _contributors(self, consultation_id: int) -> set[int]:
        """Organisations whose statement on the consultation moderation let through."""
        statements = await queries.received_statements(self._conn, consultation_id)
        return {s.organisation_id for s in statements}

    async def may_read_preview(self, principal: Principal, found: Consultation) -> bool:
        """Whether the group has shared the response table and ``principal`` coordinates an
        organisation whose statement is in it."""
        if found.preview_shared_at is None:
            return False
        coordinates = {o for o, role in principal.organisations.items() if role == "coordinator"}
        return bool(coordinates and coordinates & await self._contributors(found.id))

    async def response_table(
        self, principal: Principal, consultation_id: int | str
    ) -> ResponseTable:
        """The comment/response table: every statement and item on the version with its
        answer. The group reads it any time; a coordinator of an organisation whose statement
        is in it, once the group has shared it. Anyone else: not found (audited)."""
        found = await self.consultation(principal, consultation_id)
        for_group = found.group_id in principal.groups
        if not for_group and not await self.may_read_preview(principal, found):
            raise await self._access.not_found(principal, "consultation_responses", found.id)
        rows = await queries.response_rows(self._conn, found.version_id)
        return ResponseTable(found, rows, for_group=for_group)

    async def share_preview(self, principal: Principal, consultation_id: int | str) -> Consultation:
        """Share the table in confidence with the organisations that sent statements, once
        the consultation has closed; their coordinators are told by e-mail. Sharing again
        changes nothing."""
        found = await self.consultation(principal, consultation_id)
        if found.group_id not in principal.groups:
            raise await self._access.not_found(principal, "consultation", found.id)
        if found.group_id not in principal.answering_groups:
            raise Refused("patient_representative", ERRORS)
        now = self._clock()
        if is_open(now, found.closes_at):
            raise Refused("consultation_open", ERRORS)
        async with self._conn.transaction():
            if await queries.share_preview(self._conn, found.id, now, principal.user_id):
                await self._access.record(
                    principal, "consultation.preview_shared", "consultation", found.id
                )
                for org_id in sorted(await self._contributors(found.id)):
                    await self._tell_coordinators(
                        org_id,
                        "consultation_preview",
                        found,
                        now,
                        path="/svarssammanstallning",
                    )
        updated = await queries.consultation(self._conn, found.id)
        assert updated is not None
        return updated

    async def remind(self) -> int:
        """Remind coordinators of consultations closing soon; once per organisation per
        consultation, however often this runs. Returns how many e-mails were queued."""
        now = self._clock()
        sent = 0
        for consultation_id in await queries.closing_between(
            self._conn, now, now + domain.REMIND_BEFORE
        ):
            found = await queries.consultation(self._conn, consultation_id)
            assert found is not None
            if not domain.needs_reminder(now, found.opens_at, found.closes_at):
                continue
            for org_id in await queries.answering_organisations(self._conn, found.id):
                async with self._conn.transaction():
                    if await queries.has_answered(self._conn, found.id, org_id):
                        continue
                    if await queries.claim_reminder(self._conn, found.id, org_id, now):
                        sent += await self._tell_coordinators(
                            org_id, "consultation_reminder", found, now
                        )
        return sent
