"""Joint statements: coordinators write one from their members' input (citing it without
names), other verified organisations co-sign, and once sent it is one feedback item that
moderation and routing take from there. One transaction per use case, authorised per
organisation (organisations.service.Access)."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from medskapa.clock import Clock
from medskapa.consultations.service import ConsultationService
from medskapa.errors import FieldError, Invalid, Refused
from medskapa.feedback.domain import Category
from medskapa.feedback.service import create_item
from medskapa.organisations import service as organisations
from medskapa.organisations.domain import Organisation, as_int, as_uuid, is_open, text_field
from medskapa.security.principal import Principal
from medskapa.statements import domain, queries, round_queries
from medskapa.statements.queries import (
    Citation,
    Cosigner,
    Revision,
    Statement,
    StatementSection,
)
from medskapa.statements.round_queries import MemberInput
from medskapa.statements.round_service import current_version
from medskapa.statements.texts import ERRORS
from medskapa.triage import service as triage
from medskapa.triage.service import AnswerRecord


class StatementView(msgspec.Struct, frozen=True):
    organisation: Organisation
    """The organisation the principal acts for: the author, or a co-signer."""
    statement: Statement
    owner: bool
    sections: list[StatementSection]
    revisions: list[Revision]
    citations: list[Citation]
    cosigners: list[Cosigner]
    citable: list[MemberInput]
    answers: list[AnswerRecord] = []
    """The subject group's answers once the statement has been answered."""


class Submitted(msgspec.Struct, frozen=True):
    feedback_id: uuid.UUID
    receipt_code: str


class StatementService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, receipt_key: bytes) -> None:
        self._conn = conn
        self._clock = clock
        self._receipt_key = receipt_key
        self._access = organisations.Access(conn, clock)
        self._consultations = ConsultationService(conn, clock)

    async def statements(
        self, principal: Principal, slug: str
    ) -> tuple[Organisation, list[Statement]]:
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        return organisation, await queries.statements_of(self._conn, organisation.id)

    async def create_statement(
        self,
        principal: Principal,
        slug: str,
        title: str,
        *,
        round_id: str | None = None,
        document: str | None = None,
    ) -> Statement:
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        errors: list[FieldError] = []
        title = text_field(errors, "title", title, domain.TITLE_MAX, multiline=False)
        consultation_id = document_id = version_id = found_round = None
        if (round_id or "").strip():
            wanted = as_int(round_id)
            found_round = (
                await round_queries.round_in(self._conn, organisation.id, wanted)
                if wanted
                else None
            )
            if found_round is None:
                errors.append(FieldError("round", "unknown_round"))
            else:
                consultation_id = found_round.consultation_id
                document_id, version_id = found_round.document_id, found_round.version_id
        elif (document or "").strip():
            target = await current_version(self._conn, document or "", errors)
            if target is not None:
                document_id, version_id = target.document_id, target.version_id
        else:
            errors.append(FieldError("round", "statement_target_required"))
        if errors:
            raise Invalid(errors, ERRORS)
        assert document_id is not None
        assert version_id is not None
        now = self._clock()
        async with self._conn.transaction():
            statement_id = await queries.insert_statement(
                self._conn,
                org_id=organisation.id,
                round_id=found_round.id if found_round else None,
                consultation_id=consultation_id,
                document_id=document_id,
                version_id=version_id,
                title=title,
                created_by=principal.user_id,
                now=now,
            )
            await self._access.record(
                principal, "statement.created", "statement", statement_id, to_state="draft"
            )
        created = await queries.statement(self._conn, statement_id)
        assert created is not None
        return created

    async def _statement(
        self, principal: Principal, slug: str, statement_id: str | uuid.UUID
    ) -> tuple[Organisation, Statement, bool]:
        """(organisation acted for, statement, whether that organisation wrote it)."""
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        wanted = as_uuid(statement_id)
        found = await queries.statement(self._conn, wanted) if wanted else None
        if found is not None:
            if found.organisation_id == organisation.id:
                return organisation, found, True
            if await queries.is_asked_to_cosign(self._conn, found.id, organisation.id):
                return organisation, found, False
        raise await self._access.not_found(principal, "statement", str(statement_id)[:40])

    async def acting_slug(self, principal: Principal, statement_id: str | uuid.UUID) -> str:
        """For the API, which names only the statement: the principal's organisation that wrote
        it, else one of theirs asked to co-sign it."""
        wanted = as_uuid(statement_id)
        found = await queries.statement(self._conn, wanted) if wanted else None
        coordinated = [o for o, role in principal.organisations.items() if role == "coordinator"]
        if found is not None:
            if found.organisation_id in coordinated:
                return found.organisation_slug
            slug = await queries.cosigning_slug(self._conn, found.id, coordinated)
            if slug is not None:
                return slug
        raise await self._access.not_found(principal, "statement", str(statement_id)[:40])

    async def _own_draft(
        self, principal: Principal, slug: str, statement_id: str | uuid.UUID
    ) -> tuple[Organisation, Statement]:
        organisation, found, owner = await self._statement(principal, slug, statement_id)
        if not owner:
            raise await self._access.not_found(principal, "statement", found.id)
        if found.status != domain.StatementStatus.DRAFT:
            raise Refused("already_submitted", ERRORS)
        return organisation, found

    async def _lock_draft(self, statement_id: uuid.UUID) -> None:
        """Lock the statement for this transaction; refused once it has been sent."""
        status = await queries.status_for_update(self._conn, statement_id)
        if status != domain.StatementStatus.DRAFT:
            raise Refused("already_submitted", ERRORS)

    async def _section(
        self, statement_id: uuid.UUID, section_id: str | None, errors: list[FieldError]
    ) -> int | None:
        """The statement's section ``section_id`` names, or None when none is named; a section
        not in the statement is an error on the section field, added to ``errors``."""
        if not (section_id or "").strip():
            return None
        section = as_int(section_id)
        if section is None or not await queries.has_section(self._conn, statement_id, section):
            errors.append(FieldError("section", "unknown_statement_section"))
        return section

    async def statement_view(
        self, principal: Principal, slug: str, statement_id: str | uuid.UUID
    ) -> StatementView:
        organisation, found, owner = await self._statement(principal, slug, statement_id)
        citable: list[MemberInput] = []
        if owner and found.round_id is not None:
            citable = await round_queries.inputs(self._conn, organisation.id, found.round_id)
        return StatementView(
            organisation,
            found,
            owner,
            await queries.sections(self._conn, found.id),
            await queries.revisions(self._conn, found.id) if owner else [],
            await queries.citations(self._conn, found.id),
            await queries.cosigners(self._conn, found.id),
            citable,
            []
            if found.feedback_id is None
            else await triage.answers(self._conn, found.feedback_id),
        )

    async def save_section(
        self,
        principal: Principal,
        slug: str,
        statement_id: str | uuid.UUID,
        *,
        heading: str,
        body: str,
        section_id: str | None = None,
    ) -> StatementSection:
        _, found = await self._own_draft(principal, slug, statement_id)
        errors: list[FieldError] = []
        heading = text_field(errors, "heading", heading, domain.HEADING_MAX, multiline=False)
        body = text_field(errors, "body", body, domain.SECTION_BODY_MAX)
        existing = await self._section(found.id, section_id, errors)
        if errors:
            raise Invalid(errors, ERRORS)
        now = self._clock()
        async with self._conn.transaction():
            await self._lock_draft(found.id)
            saved_id = await queries.save_section(
                self._conn,
                found.id,
                existing,
                heading=heading,
                body=body,
                now=now,
                by=principal.user_id,
            )
            await self._access.record(
                principal, "statement.edited", "statement", found.id, reason_code=str(saved_id)
            )
        saved = [s for s in await queries.sections(self._conn, found.id) if s.id == saved_id]
        return saved[0]

    async def cite(
        self,
        principal: Principal,
        slug: str,
        statement_id: str | uuid.UUID,
        input_id: str,
        section_id: str | None = None,
    ) -> None:
        organisation, found = await self._own_draft(principal, slug, statement_id)
        errors: list[FieldError] = []
        wanted = as_uuid(input_id)
        cited = (
            await round_queries.input_in(self._conn, organisation.id, wanted) if wanted else None
        )
        if cited is None:
            errors.append(FieldError("input", "unknown_input"))
        section = await self._section(found.id, section_id, errors)
        if errors:
            raise Invalid(errors, ERRORS)
        assert cited is not None
        async with self._conn.transaction():
            await queries.cite(
                self._conn, found.id, cited.id, section, principal.user_id, self._clock()
            )
            await self._access.record(principal, "statement.cited", "statement", found.id)

    async def invite_cosigner(
        self,
        principal: Principal,
        slug: str,
        statement_id: str | uuid.UUID,
        cosigner: str,
    ) -> None:
        organisation, found = await self._own_draft(principal, slug, statement_id)
        other = await organisations.by_slug(self._conn, cosigner.strip()[:100])
        if other is None:
            raise Invalid([FieldError("organisation", "unknown_organisation")], ERRORS)
        if other.id == organisation.id:
            raise Invalid([FieldError("organisation", "own_organisation")], ERRORS)
        if not domain.may_cosign(verified=other.verified, owner=False):
            raise Invalid([FieldError("organisation", "not_verified")], ERRORS)
        now = self._clock()
        async with self._conn.transaction():
            if not await queries.ask_to_cosign(
                self._conn, found.id, other.id, principal.user_id, now
            ):
                return
            await organisations.tell_coordinators(
                self._conn,
                other.id,
                "organisation_cosign_request",
                {
                    "organisation": organisation.name,
                    "statement": found.title,
                    "document": found.document_title,
                    "link": f"/organisationer/{other.slug}/yttranden/{found.id}",
                },
                now,
            )
            await self._access.record(
                principal,
                "statement.cosigner_invited",
                "statement",
                found.id,
                reason_code=f"organisation:{other.id}",
            )

    async def cosign(self, principal: Principal, slug: str, statement_id: str | uuid.UUID) -> None:
        organisation, found, owner = await self._statement(principal, slug, statement_id)
        if owner:
            raise Refused("own_statement", ERRORS)
        if not domain.may_cosign(verified=organisation.verified, owner=owner):
            raise Refused("not_verified", ERRORS)
        async with self._conn.transaction():
            await self._lock_draft(found.id)
            if not await queries.sign(
                self._conn, found.id, organisation.id, self._clock(), principal.user_id
            ):
                raise Refused("already_signed", ERRORS)
            await self._access.record(
                principal,
                "statement.cosigned",
                "statement",
                found.id,
                reason_code=f"organisation:{organisation.id}",
            )

    async def submit(
        self,
        principal: Principal,
        slug: str,
        statement_id: str | uuid.UUID,
        *,
        category: str = Category.OTHER,
        consent_public: bool = False,
        language: str = "sv",
    ) -> Submitted:
        """Send the statement as the organisation: it becomes one feedback item (status
        received, submitter role organisation) in this same transaction, and moderation and
        routing take it from there."""
        organisation, found = await self._own_draft(principal, slug, statement_id)
        if category not in Category.__members__.values():
            raise Invalid([FieldError("category", "choose_one")], ERRORS)
        if not organisation.verified:
            raise Refused("not_verified", ERRORS)
        now = self._clock()
        if found.consultation_id is not None:
            consultation = await self._consultations.get(found.consultation_id)
            assert consultation is not None
            if not is_open(now, consultation.closes_at):
                raise Refused("consultation_closed", ERRORS)
        async with self._conn.transaction():
            await self._lock_draft(found.id)
            sections = await queries.sections(self._conn, found.id)
            text = domain.compose_statement([(s.heading, s.body) for s in sections])
            if not text:
                raise Refused("statement_empty", ERRORS)
            if len(text) > domain.STATEMENT_MAX:
                raise Refused("statement_too_long", ERRORS)
            item = await create_item(
                self._conn,
                self._receipt_key,
                now=now,
                document_id=found.document_id,
                version_id=found.version_id,
                category=category,
                submitter_role="organisation",
                body=text,
                language=language if language in ("sv", "en") else "sv",
                consent_public=consent_public,
                reason_code="organisation_statement",
            )
            await queries.mark_submitted(self._conn, found.id, item.id, now, principal.user_id)
            await self._access.record(
                principal,
                "statement.submitted",
                "statement",
                found.id,
                from_state="draft",
                to_state="submitted",
            )
        return Submitted(item.id, item.receipt_code)
