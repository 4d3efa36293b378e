"""Organisation use cases, one transaction each, authorised per organisation.

Routes say which kind of user may call them (a coordinator of *some* organisation); here every
use case checks that the principal belongs to *this* organisation, and anything that belongs to
another organisation answers exactly as if it did not exist (and the attempt is audited).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.catalogue.following import notify_consultation_opened
from medskapa.clock import Clock
from medskapa.feedback import queries as feedback_queries
from medskapa.feedback.domain import (
    QUOTE_MAX,
    TEXT_MAX,
    Category,
    FeedbackStatus,
    InvalidText,
    anchor_quote,
    clean_email,
    clean_text,
)
from medskapa.feedback.lifecycle import Actor
from medskapa.feedback.personal_data import find_personal_data
from medskapa.feedback.receipts import new_receipt_code, receipt_hash
from medskapa.feedback.service import FieldError
from medskapa.organisations import domain, queries
from medskapa.organisations.queries import (
    Citation,
    Consultation,
    ConsultationItem,
    Cosigner,
    Invitation,
    Member,
    MemberInput,
    Organisation,
    ResponseRow,
    Revision,
    Round,
    Statement,
    StatementSection,
)
from medskapa.outbox.queue import enqueue
from medskapa.security import ratelimit
from medskapa.security.principal import Principal
from medskapa.security.secrets import derive
from medskapa.triage import service as triage_queries
from medskapa.triage.service import AnswerRecord


class NotFound(Exception):
    """Nothing here for this principal: unknown, or another organisation's."""


class Refused(Exception):
    """The action is understood but not possible now; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Invalid(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


_ID_SAFE = re.compile(r"[^A-Za-z0-9-]")


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _text(errors: list[FieldError], field: str, value: str, maximum: int, **kw: bool) -> str:
    try:
        return domain.checked_text(value, field, maximum, **kw)
    except InvalidText as exc:
        errors.append(FieldError(field, exc.code))
        return ""


def _date(errors: list[FieldError], field: str, value: str) -> dt.date | None:
    if not value.strip():
        errors.append(FieldError(field, f"{field}_required"))
        return None
    try:
        return domain.parse_date(value)
    except InvalidText as exc:
        errors.append(FieldError(field, exc.code))
        return None


def _int(value: str | int | None) -> int | None:
    if isinstance(value, int):
        return value
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 18 else None


def _uuid(value: str | uuid.UUID | None) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None


class ConsultationInput(msgspec.Struct, kw_only=True):
    document: str
    version: str
    title: str
    questions: list[str]
    start: str
    deadline: str
    organisations: list[str] = []
    open_to_all_verified: bool = False


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


class ResponseTable(msgspec.Struct, frozen=True):
    """A consultation's comment/response table, as the asker may read it."""

    consultation: Consultation
    rows: list[ResponseRow]
    for_group: bool
    """The group's own table; otherwise a confidential preview for a contributing
    organisation, where an individual's text shows only if they allowed it to be public."""


class ConsultationOverview(msgspec.Struct, frozen=True):
    consultation: Consultation
    statements: list[Statement]
    cosigners: dict[uuid.UUID, list[str]]
    """Statement id → the organisations that co-signed it."""
    items: list[ConsultationItem]
    closed: bool


class Submitted(msgspec.Struct, frozen=True):
    feedback_id: uuid.UUID
    receipt_code: str


INVITES_PER_ORGANISATION = ratelimit.Limit("invite-organisation", hits=200, seconds=86400)
INVITES_PER_ADDRESS = ratelimit.Limit("invite-address", hits=3, seconds=86400)


class OrganisationService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, receipt_key: bytes) -> None:
        self._conn = conn
        self._clock = clock
        self._receipt_key = receipt_key

    def now(self) -> dt.datetime:
        return self._clock()

    # ------------------------------------------------------------ access

    async def _audit(
        self,
        principal: Principal,
        action: str,
        subject_type: str,
        subject_id: object,
        *,
        from_state: str | None = None,
        to_state: str | None = None,
        reason_code: str | None = None,
    ) -> None:
        # Serialise writers of one chain (some subjects, like a refused id, have no row to lock).
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 7007))",
            f"{subject_type}:{subject_id}",
        )
        await audit.record(
            self._conn,
            at=self._clock(),
            actor=principal.pseudonym,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            from_state=from_state,
            to_state=to_state,
            reason_code=reason_code,
        )

    async def _not_found(
        self, principal: Principal, subject_type: str, subject_id: object
    ) -> NotFound:
        """Record the refused attempt (ids only) and return the error to raise."""
        # What was asked for came from a URL: keep only characters an id or slug can have.
        asked = _ID_SAFE.sub("", str(subject_id))[:80] or "invalid"
        async with self._conn.transaction():
            await self._audit(
                principal,
                "organisation.access_refused",
                subject_type,
                asked,
                reason_code="not_member",
            )
        return NotFound()

    async def _organisation(
        self, principal: Principal, slug: str, *, coordinator: bool = False
    ) -> Organisation:
        organisation = await queries.organisation_by_slug(self._conn, slug)
        role = principal.organisations.get(organisation.id) if organisation else None
        if organisation is None or role is None or (coordinator and role != "coordinator"):
            raise await self._not_found(principal, "organisation", slug[:80])
        return organisation

    # ------------------------------------------------------------ organisations

    async def create_organisation(
        self, principal: Principal, name: str, description: str
    ) -> Organisation:
        assert principal.user_id is not None
        errors: list[FieldError] = []
        name = _text(errors, "name", name, domain.NAME_MAX, multiline=False)
        try:
            description = clean_text(description)
            if len(description) > domain.DESCRIPTION_MAX:
                errors.append(FieldError("description", "description_too_long"))
        except InvalidText as exc:
            errors.append(FieldError("description", exc.code))
        slug = domain.slugify(name) if name else ""
        if name and not slug:
            errors.append(FieldError("name", "name_letters"))
        if errors:
            raise Invalid(errors)
        now = self._clock()
        async with self._conn.transaction():
            org_id = await self._conn.fetchval(
                "INSERT INTO organisations (slug, name, description, created_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING RETURNING id",
                slug,
                name,
                description,
                now,
            )
            if org_id is None:
                raise Invalid([FieldError("name", "name_taken")])
            await self._conn.execute(
                "INSERT INTO organisation_memberships (user_id, organisation_id, role, "
                "created_at) VALUES ($1, $2, 'coordinator', $3)",
                principal.user_id,
                org_id,
                now,
            )
            await self._audit(
                principal, "organisation.created", "organisation", org_id, to_state="unverified"
            )
        organisation = await queries.organisation_by_id(self._conn, org_id)
        assert organisation is not None
        return organisation

    async def public_organisation(self, slug: str) -> Organisation:
        organisation = await queries.organisation_by_slug(self._conn, slug)
        if organisation is None:
            raise NotFound()
        return organisation

    async def verify(self, principal: Principal, slug: str) -> Organisation:
        """An admin vouches that the organisation is who it says it is."""
        async with self._conn.transaction():
            row = await self._conn.fetchrow(
                "SELECT id, verified_at FROM organisations WHERE slug = $1 FOR UPDATE", slug
            )
            if row is None:
                raise NotFound()
            if row["verified_at"] is not None:
                raise Refused("already_verified")
            await self._conn.execute(
                "UPDATE organisations SET verified_at = $2, verified_by = $3 WHERE id = $1",
                row["id"],
                self._clock(),
                principal.user_id,
            )
            await self._audit(
                principal,
                "organisation.verified",
                "organisation",
                row["id"],
                from_state="unverified",
                to_state="verified",
            )
        return await self.public_organisation(slug)

    async def members(self, principal: Principal, slug: str) -> tuple[Organisation, list[Member]]:
        organisation = await self._organisation(principal, slug, coordinator=True)
        return organisation, await queries.members(self._conn, organisation.id)

    async def open_links(self, principal: Principal, slug: str) -> list[Invitation]:
        organisation = await self._organisation(principal, slug, coordinator=True)
        return await queries.open_links(self._conn, organisation.id, self._clock())

    async def invite_by_email(self, principal: Principal, slug: str, email: str) -> None:
        organisation = await self._organisation(principal, slug, coordinator=True)
        try:
            address = clean_email(email)
        except InvalidText as exc:
            code = "email_required" if not email.strip() else exc.code
            raise Invalid([FieldError("email", code)]) from exc
        # Anyone can register an organisation: until an admin has verified it, its name must
        # not reach strangers' inboxes (a phishing channel). Verified ones send a bounded number.
        if not organisation.verified:
            raise Invalid([FieldError("email", "invite_needs_verification")])
        now = self._clock()
        for limit, key in (
            (INVITES_PER_ORGANISATION, str(organisation.id)),
            (INVITES_PER_ADDRESS, derive(self._receipt_key, "mail-account", address.lower()).hex()),
        ):
            try:
                await ratelimit.check(self._conn, limit, key[:32], now)
            except ratelimit.RateLimited as exc:
                raise Invalid([FieldError("email", f"{limit.name}_limited")]) from exc
        expires = now + dt.timedelta(days=domain.INVITE_EMAIL_DAYS)
        token = secrets.token_urlsafe(32)
        async with self._conn.transaction():
            contact_id = await self._conn.fetchval(
                "INSERT INTO contacts (email, created_at) VALUES ($1, $2) RETURNING id",
                address,
                now,
            )
            invitation_id = await self._conn.fetchval(
                "INSERT INTO organisation_invitations (organisation_id, kind, token_hash, "
                "contact_id, created_by, created_at, expires_at) "
                "VALUES ($1, 'email', $2, $3, $4, $5, $6) RETURNING id",
                organisation.id,
                _hash(token),
                contact_id,
                principal.user_id,
                now,
                expires,
            )
            await enqueue(
                self._conn,
                "organisation_invite",
                now=now,
                contact_id=contact_id,
                context={
                    "organisation": organisation.name,
                    "link": f"{domain.JOIN_PATH}?token={token}",
                    "expires": domain.local_date(expires).isoformat(),
                },
            )
            await self._audit(
                principal,
                "organisation.invited",
                "organisation",
                organisation.id,
                reason_code=f"email:{invitation_id}",
            )

    async def create_link(
        self, principal: Principal, slug: str, days: str
    ) -> tuple[str, dt.datetime]:
        """A shareable invitation link; the token is shown once and only its hash is kept."""
        organisation = await self._organisation(principal, slug, coordinator=True)
        valid_days = _int(days)
        if valid_days is None or not 1 <= valid_days <= domain.LINK_DAYS_MAX:
            raise Invalid([FieldError("days", "days_range")])
        now = self._clock()
        expires = now + dt.timedelta(days=valid_days)
        token = secrets.token_urlsafe(32)
        async with self._conn.transaction():
            invitation_id = await self._conn.fetchval(
                "INSERT INTO organisation_invitations (organisation_id, kind, token_hash, "
                "created_by, created_at, expires_at) VALUES ($1, 'link', $2, $3, $4, $5) "
                "RETURNING id",
                organisation.id,
                _hash(token),
                principal.user_id,
                now,
                expires,
            )
            await self._audit(
                principal,
                "organisation.invited",
                "organisation",
                organisation.id,
                reason_code=f"link:{invitation_id}",
            )
        return token, expires

    async def revoke_link(self, principal: Principal, slug: str, invitation_id: str) -> None:
        organisation = await self._organisation(principal, slug, coordinator=True)
        target = _int(invitation_id)
        async with self._conn.transaction():
            done = await self._conn.fetchval(
                "UPDATE organisation_invitations SET revoked_at = $3 WHERE id = $1 "
                "AND organisation_id = $2 AND revoked_at IS NULL RETURNING id",
                target,
                organisation.id,
                self._clock(),
            )
            if done is None:
                raise NotFound()
            await self._audit(
                principal,
                "organisation.invitation_revoked",
                "organisation",
                organisation.id,
                reason_code=str(done),
            )

    async def invitation(self, token: str) -> tuple[Organisation, domain.InvitationState]:
        found = await queries.invitation_by_hash(self._conn, _hash(token.strip()))
        if found is None:
            raise NotFound()
        organisation = await queries.organisation_by_id(self._conn, found.organisation_id)
        assert organisation is not None
        state = domain.invitation_state(
            self._clock(),
            domain.InvitationKind(found.kind),
            found.expires_at,
            found.used_at,
            found.revoked_at,
        )
        return organisation, state

    async def join(self, principal: Principal, token: str) -> Organisation:
        assert principal.user_id is not None
        now = self._clock()
        async with self._conn.transaction():
            found = await queries.invitation_by_hash(self._conn, _hash(token.strip()), lock=True)
            if found is None:
                raise Refused("invitation_unknown")
            state = domain.invitation_state(
                now,
                domain.InvitationKind(found.kind),
                found.expires_at,
                found.used_at,
                found.revoked_at,
            )
            if state is not domain.InvitationState.VALID:
                raise Refused(f"invitation_{state}")
            joined = await self._conn.fetchval(
                "INSERT INTO organisation_memberships (user_id, organisation_id, role, "
                "created_at) VALUES ($1, $2, 'member', $3) ON CONFLICT DO NOTHING RETURNING 1",
                principal.user_id,
                found.organisation_id,
                now,
            )
            if joined is None:
                raise Refused("already_member")
            if found.kind == domain.InvitationKind.EMAIL:
                # The address was only needed to send the invitation.
                contact_id = await self._conn.fetchval(
                    "UPDATE organisation_invitations i SET used_at = $2, used_by = $3, "
                    "contact_id = NULL FROM organisation_invitations old "
                    "WHERE old.id = i.id AND i.id = $1 RETURNING old.contact_id",
                    found.id,
                    now,
                    principal.user_id,
                )
                if contact_id is not None:
                    await self._conn.execute("DELETE FROM contacts WHERE id = $1", contact_id)
            await self._audit(
                principal,
                "organisation.member_joined",
                "organisation",
                found.organisation_id,
                to_state="member",
                reason_code=f"{found.kind}:{found.id}",
            )
        organisation = await queries.organisation_by_id(self._conn, found.organisation_id)
        assert organisation is not None
        return organisation

    async def remove_member(self, principal: Principal, slug: str, user_id: str) -> None:
        organisation = await self._organisation(principal, slug, coordinator=True)
        target = _int(user_id)
        async with self._conn.transaction():
            rows = await self._conn.fetch(
                "SELECT user_id, role FROM organisation_memberships WHERE organisation_id = $1 "
                "FOR UPDATE",
                organisation.id,
            )
            roles = {row["user_id"]: row["role"] for row in rows}
            if target not in roles:
                raise NotFound()
            coordinators = [u for u, r in roles.items() if r == "coordinator"]
            if coordinators == [target]:
                raise Refused("last_coordinator")
            await self._conn.execute(
                "DELETE FROM organisation_memberships WHERE organisation_id = $1 AND user_id = $2",
                organisation.id,
                target,
            )
            await self._audit(
                principal,
                "organisation.member_removed",
                "organisation",
                organisation.id,
                from_state=roles[target],
                reason_code=f"user:{target}",
            )

    # ------------------------------------------------------------ consultations

    async def open_consultation(
        self, principal: Principal, data: ConsultationInput
    ) -> Consultation:
        errors: list[FieldError] = []
        now = self._clock()
        document = await self._conn.fetchrow(
            "SELECT id, subject_group_id FROM guidance_documents WHERE slug = $1",
            data.document.strip()[:200],
        )
        version_id = None
        if document is None:
            errors.append(FieldError("document", "unknown_document"))
        elif document["subject_group_id"] not in principal.answering_groups:
            # A patient representative sits in the group but does not act for it.
            errors.append(FieldError("document", "not_your_group"))
        else:
            version_id = await self._conn.fetchval(
                "SELECT id FROM document_versions WHERE document_id = $1 AND label = $2",
                document["id"],
                data.version.strip()[:20],
            )
            if version_id is None:
                errors.append(FieldError("version", "unknown_version"))
        title = _text(errors, "title", data.title, domain.TITLE_MAX, multiline=False)
        questions: list[str] = []
        for raw in data.questions:
            if raw.strip():
                questions.append(_text(errors, "questions", raw, domain.QUESTION_MAX))
        if not questions and not any(e.field == "questions" for e in errors):
            errors.append(FieldError("questions", "questions_required"))
        elif len(questions) > domain.QUESTIONS_MAX:
            errors.append(FieldError("questions", "questions_too_many"))
        start = _date(errors, "start", data.start)
        deadline = _date(errors, "deadline", data.deadline)
        if start and deadline:
            if deadline < start:
                errors.append(FieldError("deadline", "deadline_before_start"))
            elif domain.end_of_day(deadline) <= now:
                errors.append(FieldError("deadline", "deadline_past"))
        organisation_ids: list[int] = []
        for slug in dict.fromkeys(s.strip() for s in data.organisations if s.strip()):
            org_id = await self._conn.fetchval(
                "SELECT id FROM organisations WHERE slug = $1", slug[:100]
            )
            if org_id is None:
                errors.append(FieldError("organisations", "unknown_organisation"))
                break
            organisation_ids.append(org_id)
        if (
            not organisation_ids
            and not data.open_to_all_verified
            and not any(e.field == "organisations" for e in errors)
        ):
            errors.append(FieldError("organisations", "organisations_required"))
        if errors:
            raise Invalid(errors)
        assert document is not None
        assert start is not None
        assert deadline is not None
        async with self._conn.transaction():
            consultation_id = await self._conn.fetchval(
                "INSERT INTO consultations (group_id, document_id, version_id, title, "
                "questions, start_date, deadline, opens_at, closes_at, open_to_all_verified, "
                "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                "$12) RETURNING id",
                document["subject_group_id"],
                document["id"],
                version_id,
                title,
                questions,
                start,
                deadline,
                domain.start_of_day(start),
                domain.end_of_day(deadline),
                data.open_to_all_verified,
                principal.user_id,
                now,
            )
            if organisation_ids:
                await self._conn.executemany(
                    "INSERT INTO consultation_organisations (consultation_id, organisation_id) "
                    "VALUES ($1, $2)",
                    [(consultation_id, org_id) for org_id in organisation_ids],
                )
            await self._audit(
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
        organisation = await queries.organisation_by_id(self._conn, org_id)
        assert organisation is not None
        sent = 0
        for user_id in await queries.coordinator_ids(self._conn, org_id):
            await enqueue(
                self._conn,
                template,
                now=now,
                user_id=user_id,
                context={
                    "organisation": organisation.name,
                    "consultation": consultation.title,
                    "document": consultation.document_title,
                    "version": consultation.version_label,
                    "deadline": consultation.deadline.isoformat(),
                    "link": f"/remisser/{consultation.id}{path}",
                },
            )
            sent += 1
        return sent

    async def consultations(self, principal: Principal) -> list[Consultation]:
        return await queries.consultations_for(
            self._conn, list(principal.groups), list(principal.organisations)
        )

    async def consultation(self, principal: Principal, consultation_id: int | str) -> Consultation:
        """A consultation as seen by its group or by an organisation that may answer it."""
        wanted = _int(consultation_id)
        found = await queries.consultation(self._conn, wanted) if wanted is not None else None
        if found is not None:
            if found.group_id in principal.groups:
                return found
            for org_id in principal.organisations:
                if await queries.may_answer(self._conn, found.id, org_id):
                    return found
        raise await self._not_found(principal, "consultation", str(consultation_id)[:40])

    async def overview(
        self, principal: Principal, consultation_id: int | str
    ) -> ConsultationOverview:
        """The subject group's view: statements and individual items on the version."""
        found = await self.consultation(principal, consultation_id)
        if found.group_id not in principal.groups:
            raise await self._not_found(principal, "consultation", found.id)
        statements = await queries.statements_for_consultation(self._conn, found.id)
        cosigners: dict[uuid.UUID, list[str]] = {}
        for statement in statements:
            assert statement.feedback_id is not None
            signed = await queries.statement_signatories(self._conn, statement.feedback_id)
            cosigners[statement.id] = signed.cosigners if signed else []
        return ConsultationOverview(
            found,
            statements,
            cosigners,
            await queries.consultation_items(self._conn, found.version_id),
            not domain.is_open(self._clock(), found.closes_at),
        )

    async def _contributors(self, consultation_id: int) -> set[int]:
        """Organisations whose statement on the consultation moderation let through."""
        statements = await queries.statements_for_consultation(self._conn, consultation_id)
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
            raise await self._not_found(principal, "consultation_responses", found.id)
        rows = await queries.response_rows(self._conn, found.version_id)
        return ResponseTable(found, rows, for_group=for_group)

    async def share_preview(self, principal: Principal, consultation_id: int | str) -> Consultation:
        """Share the table in confidence with the organisations that sent statements, once
        the consultation has closed; their coordinators are told by e-mail. Sharing again
        changes nothing."""
        found = await self.consultation(principal, consultation_id)
        if found.group_id not in principal.groups:
            raise await self._not_found(principal, "consultation", found.id)
        if found.group_id not in principal.answering_groups:
            raise Refused("patient_representative")
        now = self._clock()
        if domain.is_open(now, found.closes_at):
            raise Refused("consultation_open")
        async with self._conn.transaction():
            shared = await self._conn.fetchval(
                "UPDATE consultations SET preview_shared_at = $2, preview_shared_by = $3 "
                "WHERE id = $1 AND preview_shared_at IS NULL RETURNING id",
                found.id,
                now,
                principal.user_id,
            )
            if shared is not None:
                await self._audit(
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

    # ------------------------------------------------------------ input rounds

    async def rounds(self, principal: Principal, slug: str) -> tuple[Organisation, list[Round]]:
        organisation = await self._organisation(principal, slug)
        return organisation, await queries.rounds(self._conn, organisation.id)

    async def open_round(self, principal: Principal, slug: str, data: RoundInput) -> Round:
        organisation = await self._organisation(principal, slug, coordinator=True)
        errors: list[FieldError] = []
        now = self._clock()
        title = _text(errors, "title", data.title, domain.TITLE_MAX, multiline=False)
        deadline = _date(errors, "deadline", data.deadline)
        if deadline is not None and domain.end_of_day(deadline) <= now:
            errors.append(FieldError("deadline", "deadline_past"))
        consultation_id = document_id = version_id = None
        if (data.consultation or "").strip():
            wanted = _int(data.consultation)
            found = await queries.consultation(self._conn, wanted) if wanted else None
            if found is None or not await queries.may_answer(self._conn, found.id, organisation.id):
                errors.append(FieldError("consultation", "unknown_consultation"))
            elif not domain.is_open(now, found.closes_at):
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
            _, target = await feedback_queries.target_version(
                self._conn, data.document.strip()[:200], None
            )
            if target is None:
                errors.append(FieldError("document", "unknown_document"))
            else:
                document_id, version_id = target.document_id, target.version_id
        else:
            errors.append(FieldError("document", "round_target_required"))
        if errors:
            raise Invalid(errors)
        assert deadline is not None
        async with self._conn.transaction():
            round_id = await self._conn.fetchval(
                "INSERT INTO input_rounds (organisation_id, consultation_id, document_id, "
                "version_id, title, deadline, closes_at, created_by, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                organisation.id,
                consultation_id,
                document_id,
                version_id,
                title,
                deadline,
                domain.end_of_day(deadline),
                principal.user_id,
                now,
            )
            await self._audit(
                principal, "input_round.opened", "input_round", round_id, to_state="open"
            )
        found_round = await queries.round_in(self._conn, organisation.id, round_id)
        assert found_round is not None
        return found_round

    async def _round(
        self, principal: Principal, organisation: Organisation, round_id: int | str
    ) -> Round:
        wanted = _int(round_id)
        found = await queries.round_in(self._conn, organisation.id, wanted) if wanted else None
        if found is None:
            raise await self._not_found(principal, "input_round", str(round_id)[:40])
        return found

    async def _round_open(self, found: Round) -> tuple[Consultation | None, bool]:
        now = self._clock()
        consultation = (
            await queries.consultation(self._conn, found.consultation_id)
            if found.consultation_id
            else None
        )
        open_ = domain.is_open(now, found.closes_at) and (
            consultation is None or domain.is_open(now, consultation.closes_at)
        )
        return consultation, open_

    async def round_view(self, principal: Principal, slug: str, round_id: int | str) -> RoundView:
        organisation = await self._organisation(principal, slug)
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
                answers[c.feedback_id] = await triage_queries.answers(self._conn, c.feedback_id)
            cited.setdefault(c.member_input_id, []).append(
                Cited(c.statement_title, answers[c.feedback_id])
            )
        return RoundView(organisation, found, consultation, shown, coordinator, open_, cited)

    async def add_input(
        self, principal: Principal, slug: str, round_id: int | str, data: InputData
    ) -> MemberInput:
        organisation = await self._organisation(principal, slug)
        found = await self._round(principal, organisation, round_id)
        consultation, open_ = await self._round_open(found)
        if not open_:
            closed_by_consultation = consultation is not None and not domain.is_open(
                self._clock(), consultation.closes_at
            )
            raise Refused("consultation_closed" if closed_by_consultation else "round_closed")
        errors: list[FieldError] = []
        if data.category not in Category.__members__.values():
            errors.append(FieldError("category", "choose_one"))
        text = ""
        try:
            text = clean_text(data.text)
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
            section_text = await feedback_queries.section_text(
                self._conn, found.version_id, section_key[:100]
            )
            if section_text is None:
                errors.append(FieldError("section", "unknown_section"))
            elif raw_quote is not None:
                try:
                    cleaned = clean_text(raw_quote)
                    if len(cleaned) > QUOTE_MAX:
                        errors.append(FieldError("quote", "quote_too_long"))
                    else:
                        quote = anchor_quote(
                            section_text,
                            cleaned,
                            clean_text(data.quote_prefix or ""),
                            clean_text(data.quote_suffix or ""),
                        )
                        if quote is None:
                            errors.append(FieldError("quote", "quote_not_found"))
                except InvalidText as exc:
                    errors.append(FieldError("quote", exc.code))
        elif raw_quote is not None:
            errors.append(FieldError("section", "quote_needs_section"))
        if errors:
            raise Invalid(errors)
        now = self._clock()
        async with self._conn.transaction():
            # Checked again under a lock: a round that closed meanwhile takes nothing more.
            closes_at = await self._conn.fetchval(
                "SELECT closes_at FROM input_rounds WHERE id = $1 FOR SHARE", found.id
            )
            if now >= closes_at:
                raise Refused("round_closed")
            input_id = await self._conn.fetchval(
                "INSERT INTO member_inputs (round_id, organisation_id, author_id, show_name, "
                "section_key, quote_exact, quote_prefix, quote_suffix, category, body, "
                "created_at, notify_on_answer) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                found.id,
                organisation.id,
                principal.user_id,
                data.show_name,
                section_key,
                quote.exact if quote else None,
                quote.prefix if quote else None,
                quote.suffix if quote else None,
                data.category,
                text,
                now,
                data.notify_on_answer,
            )
            await self._audit(
                principal,
                "member_input.added",
                "input_round",
                found.id,
                reason_code="named" if data.show_name else "text_only",
            )
        added = await queries.input_in(self._conn, organisation.id, input_id)
        assert added is not None
        return added

    # ------------------------------------------------------------ statements

    async def statements(
        self, principal: Principal, slug: str
    ) -> tuple[Organisation, list[Statement]]:
        organisation = await self._organisation(principal, slug, coordinator=True)
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
        organisation = await self._organisation(principal, slug, coordinator=True)
        errors: list[FieldError] = []
        title = _text(errors, "title", title, domain.TITLE_MAX, multiline=False)
        consultation_id = document_id = version_id = found_round = None
        if (round_id or "").strip():
            wanted = _int(round_id)
            found_round = (
                await queries.round_in(self._conn, organisation.id, wanted) if wanted else None
            )
            if found_round is None:
                errors.append(FieldError("round", "unknown_round"))
            else:
                consultation_id = found_round.consultation_id
                document_id, version_id = found_round.document_id, found_round.version_id
        elif (document or "").strip():
            _, target = await feedback_queries.target_version(
                self._conn, document.strip()[:200], None
            )
            if target is None:
                errors.append(FieldError("document", "unknown_document"))
            else:
                document_id, version_id = target.document_id, target.version_id
        else:
            errors.append(FieldError("round", "statement_target_required"))
        if errors:
            raise Invalid(errors)
        now = self._clock()
        async with self._conn.transaction():
            statement_id = await self._conn.fetchval(
                "INSERT INTO statements (organisation_id, round_id, consultation_id, "
                "document_id, version_id, title, created_by, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                organisation.id,
                found_round.id if found_round else None,
                consultation_id,
                document_id,
                version_id,
                title,
                principal.user_id,
                now,
            )
            await self._audit(
                principal, "statement.created", "statement", statement_id, to_state="draft"
            )
        created = await queries.statement(self._conn, statement_id)
        assert created is not None
        return created

    async def _statement(
        self, principal: Principal, slug: str, statement_id: str | uuid.UUID
    ) -> tuple[Organisation, Statement, bool]:
        """(organisation acted for, statement, whether that organisation wrote it)."""
        organisation = await self._organisation(principal, slug, coordinator=True)
        wanted = _uuid(statement_id)
        found = await queries.statement(self._conn, wanted) if wanted else None
        if found is not None:
            if found.organisation_id == organisation.id:
                return organisation, found, True
            invited = await self._conn.fetchval(
                "SELECT 1 FROM statement_cosigners WHERE statement_id = $1 "
                "AND organisation_id = $2",
                found.id,
                organisation.id,
            )
            if invited:
                return organisation, found, False
        raise await self._not_found(principal, "statement", str(statement_id)[:40])

    async def acting_slug(self, principal: Principal, statement_id: str | uuid.UUID) -> str:
        """For the API, which names only the statement: the principal's organisation that wrote
        it, else one of theirs asked to co-sign it."""
        wanted = _uuid(statement_id)
        found = await queries.statement(self._conn, wanted) if wanted else None
        coordinated = [o for o, role in principal.organisations.items() if role == "coordinator"]
        if found is not None:
            if found.organisation_id in coordinated:
                return found.organisation_slug
            slug = await self._conn.fetchval(
                "SELECT o.slug FROM statement_cosigners c JOIN organisations o "
                "ON o.id = c.organisation_id WHERE c.statement_id = $1 "
                "AND c.organisation_id = ANY($2::bigint[]) ORDER BY o.id LIMIT 1",
                found.id,
                coordinated,
            )
            if slug is not None:
                return slug
        raise await self._not_found(principal, "statement", str(statement_id)[:40])

    async def _own_draft(
        self, principal: Principal, slug: str, statement_id: str | uuid.UUID
    ) -> tuple[Organisation, Statement]:
        organisation, found, owner = await self._statement(principal, slug, statement_id)
        if not owner:
            raise await self._not_found(principal, "statement", found.id)
        if found.status != domain.StatementStatus.DRAFT:
            raise Refused("already_submitted")
        return organisation, found

    async def statement_view(
        self, principal: Principal, slug: str, statement_id: str | uuid.UUID
    ) -> StatementView:
        organisation, found, owner = await self._statement(principal, slug, statement_id)
        citable: list[MemberInput] = []
        if owner and found.round_id is not None:
            citable = await queries.inputs(self._conn, organisation.id, found.round_id)
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
            else await triage_queries.answers(self._conn, found.feedback_id),
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
        heading = _text(errors, "heading", heading, domain.HEADING_MAX, multiline=False)
        body = _text(errors, "body", body, domain.SECTION_BODY_MAX)
        existing = None
        if (section_id or "").strip():
            existing = _int(section_id)
            if existing is None or not await self._conn.fetchval(
                "SELECT 1 FROM statement_sections WHERE id = $1 AND statement_id = $2",
                existing,
                found.id,
            ):
                errors.append(FieldError("section", "unknown_statement_section"))
        if errors:
            raise Invalid(errors)
        now = self._clock()
        async with self._conn.transaction():
            status = await self._conn.fetchval(
                "SELECT status FROM statements WHERE id = $1 FOR UPDATE", found.id
            )
            if status != domain.StatementStatus.DRAFT:
                raise Refused("already_submitted")
            if existing is None:
                saved_id = await self._conn.fetchval(
                    "INSERT INTO statement_sections (statement_id, position, heading, body, "
                    "updated_at, updated_by) VALUES ($1, (SELECT coalesce(max(position), 0) + 1 "
                    "FROM statement_sections WHERE statement_id = $1), $2, $3, $4, $5) "
                    "RETURNING id",
                    found.id,
                    heading,
                    body,
                    now,
                    principal.user_id,
                )
            else:
                saved_id = await self._conn.fetchval(
                    "UPDATE statement_sections SET heading = $2, body = $3, updated_at = $4, "
                    "updated_by = $5 WHERE id = $1 RETURNING id",
                    existing,
                    heading,
                    body,
                    now,
                    principal.user_id,
                )
            await self._conn.execute(
                "INSERT INTO statement_revisions (section_id, statement_id, editor_id, heading, "
                "body, edited_at) VALUES ($1, $2, $3, $4, $5, $6)",
                saved_id,
                found.id,
                principal.user_id,
                heading,
                body,
                now,
            )
            await self._conn.execute(
                "UPDATE statements SET updated_at = $2 WHERE id = $1", found.id, now
            )
            await self._audit(
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
        wanted = _uuid(input_id)
        cited = await queries.input_in(self._conn, organisation.id, wanted) if wanted else None
        if cited is None:
            errors.append(FieldError("input", "unknown_input"))
        section = None
        if (section_id or "").strip():
            section = _int(section_id)
            if section is None or not await self._conn.fetchval(
                "SELECT 1 FROM statement_sections WHERE id = $1 AND statement_id = $2",
                section,
                found.id,
            ):
                errors.append(FieldError("section", "unknown_statement_section"))
        if errors:
            raise Invalid(errors)
        assert cited is not None
        async with self._conn.transaction():
            await self._conn.execute(
                "INSERT INTO statement_citations (statement_id, member_input_id, section_id, "
                "cited_by, cited_at) VALUES ($1, $2, $3, $4, $5) "
                "ON CONFLICT (statement_id, member_input_id) DO UPDATE SET section_id = "
                "EXCLUDED.section_id",
                found.id,
                cited.id,
                section,
                principal.user_id,
                self._clock(),
            )
            await self._audit(principal, "statement.cited", "statement", found.id)

    async def invite_cosigner(
        self,
        principal: Principal,
        slug: str,
        statement_id: str | uuid.UUID,
        cosigner: str,
    ) -> None:
        organisation, found = await self._own_draft(principal, slug, statement_id)
        other = await queries.organisation_by_slug(self._conn, cosigner.strip()[:100])
        if other is None:
            raise Invalid([FieldError("organisation", "unknown_organisation")])
        if other.id == organisation.id:
            raise Invalid([FieldError("organisation", "own_organisation")])
        if not domain.may_cosign(verified=other.verified, owner=False):
            raise Invalid([FieldError("organisation", "not_verified")])
        now = self._clock()
        async with self._conn.transaction():
            added = await self._conn.fetchval(
                "INSERT INTO statement_cosigners (statement_id, organisation_id, invited_by, "
                "invited_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                found.id,
                other.id,
                principal.user_id,
                now,
            )
            if added is None:
                return
            for user_id in await queries.coordinator_ids(self._conn, other.id):
                await enqueue(
                    self._conn,
                    "organisation_cosign_request",
                    now=now,
                    user_id=user_id,
                    context={
                        "organisation": organisation.name,
                        "statement": found.title,
                        "document": found.document_title,
                        "link": f"/organisationer/{other.slug}/yttranden/{found.id}",
                    },
                )
            await self._audit(
                principal,
                "statement.cosigner_invited",
                "statement",
                found.id,
                reason_code=f"organisation:{other.id}",
            )

    async def cosign(self, principal: Principal, slug: str, statement_id: str | uuid.UUID) -> None:
        organisation, found, owner = await self._statement(principal, slug, statement_id)
        if owner:
            raise Refused("own_statement")
        if not domain.may_cosign(verified=organisation.verified, owner=owner):
            raise Refused("not_verified")
        async with self._conn.transaction():
            status = await self._conn.fetchval(
                "SELECT status FROM statements WHERE id = $1 FOR UPDATE", found.id
            )
            if status != domain.StatementStatus.DRAFT:
                raise Refused("already_submitted")
            signed = await self._conn.fetchval(
                "UPDATE statement_cosigners SET signed_at = $3, signed_by = $4 "
                "WHERE statement_id = $1 AND organisation_id = $2 AND signed_at IS NULL "
                "RETURNING 1",
                found.id,
                organisation.id,
                self._clock(),
                principal.user_id,
            )
            if signed is None:
                raise Refused("already_signed")
            await self._audit(
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
            raise Invalid([FieldError("category", "choose_one")])
        if not organisation.verified:
            raise Refused("not_verified")
        now = self._clock()
        if found.consultation_id is not None:
            consultation = await queries.consultation(self._conn, found.consultation_id)
            assert consultation is not None
            if not domain.is_open(now, consultation.closes_at):
                raise Refused("consultation_closed")
        code = new_receipt_code()
        async with self._conn.transaction():
            status = await self._conn.fetchval(
                "SELECT status FROM statements WHERE id = $1 FOR UPDATE", found.id
            )
            if status != domain.StatementStatus.DRAFT:
                raise Refused("already_submitted")
            sections = await queries.sections(self._conn, found.id)
            text = domain.compose_statement([(s.heading, s.body) for s in sections])
            if not text:
                raise Refused("statement_empty")
            if len(text) > domain.STATEMENT_MAX:
                raise Refused("statement_too_long")
            feedback_id = uuid.uuid4()
            await self._conn.execute(
                "INSERT INTO feedback (id, document_id, version_id, category, submitter_role, "
                "body, language, consent_public, consent_contact, receipt_hash, personal_data, "
                "created_at, updated_at) VALUES ($1, $2, $3, $4, 'organisation', $5, $6, $7, "
                "false, $8, $9, $10, $10)",
                feedback_id,
                found.document_id,
                found.version_id,
                category,
                text,
                language if language in ("sv", "en") else "sv",
                consent_public,
                receipt_hash(self._receipt_key, code),
                msgspec.to_builtins(find_personal_data(text)),
                now,
            )
            await audit.record(
                self._conn,
                at=now,
                actor=Actor.SUBMITTER,
                action="feedback.submitted",
                subject_type="feedback",
                subject_id=str(feedback_id),
                to_state=FeedbackStatus.RECEIVED,
                reason_code="organisation_statement",
            )
            await self._conn.execute(
                "UPDATE statements SET status = 'submitted', feedback_id = $2, submitted_at = $3, "
                "submitted_by = $4, updated_at = $3 WHERE id = $1",
                found.id,
                feedback_id,
                now,
                principal.user_id,
            )
            await self._audit(
                principal,
                "statement.submitted",
                "statement",
                found.id,
                from_state="draft",
                to_state="submitted",
            )
        return Submitted(feedback_id, code)

    # ------------------------------------------------------------ reminders

    async def remind(self) -> int:
        """Remind coordinators of consultations closing soon; once per organisation per
        consultation, however often this runs. Returns how many e-mails were queued."""
        now = self._clock()
        sent = 0
        rows = await self._conn.fetch(
            "SELECT id FROM consultations WHERE opens_at <= $1 AND closes_at > $1 "
            "AND closes_at <= $2 ORDER BY id",
            now,
            now + domain.REMIND_BEFORE,
        )
        for (consultation_id,) in rows:
            found = await queries.consultation(self._conn, consultation_id)
            assert found is not None
            if not domain.needs_reminder(now, found.opens_at, found.closes_at):
                continue
            for org_id in await queries.answering_organisations(self._conn, found.id):
                async with self._conn.transaction():
                    answered = await self._conn.fetchval(
                        "SELECT 1 FROM statements WHERE consultation_id = $1 "
                        "AND organisation_id = $2 AND status = 'submitted'",
                        found.id,
                        org_id,
                    )
                    if answered:
                        continue
                    claimed = await self._conn.fetchval(
                        "INSERT INTO consultation_reminders (consultation_id, organisation_id, "
                        "sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                        found.id,
                        org_id,
                        now,
                    )
                    if claimed:
                        sent += await self._tell_coordinators(
                            org_id, "consultation_reminder", found, now
                        )
        return sent
