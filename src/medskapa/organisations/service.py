"""Organisation use cases (register, verify, invite, join, members), one transaction each,
authorised per organisation.

Routes say which kind of user may call them (a coordinator of *some* organisation); here every
use case checks that the principal belongs to *this* organisation, and anything that belongs to
another organisation answers exactly as if it did not exist (and the attempt is audited).
``Access`` does that for consultations and statements too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.clock import Clock
from medskapa.errors import FieldError, Invalid, NotFound, Refused
from medskapa.feedback.domain import InvalidText, clean_email, clean_text
from medskapa.organisations import domain, queries
from medskapa.organisations.domain import Organisation
from medskapa.organisations.queries import (
    DocumentChoice,
    Invitation,
    Member,
    OpenConsultation,
    RoundLine,
    StatementLine,
)
from medskapa.organisations.texts import ERRORS
from medskapa.outbox.queue import enqueue
from medskapa.security import ratelimit
from medskapa.security.principal import Principal
from medskapa.security.secrets import derive

_ID_SAFE = re.compile(r"[^A-Za-z0-9-]")

INVITES_PER_ORGANISATION = ratelimit.Limit("invite-organisation", hits=200, seconds=86400)
INVITES_PER_ADDRESS = ratelimit.Limit("invite-address", hits=3, seconds=86400)


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


# ---------------------------------------------------------------- for the areas built on this


async def by_id(conn: asyncpg.Connection, org_id: int) -> Organisation | None:
    return await queries.organisation_by_id(conn, org_id)


async def by_slug(conn: asyncpg.Connection, slug: str) -> Organisation | None:
    return await queries.organisation_by_slug(conn, slug)


async def every_organisation(conn: asyncpg.Connection) -> list[Organisation]:
    """Verified ones first, then by name."""
    return await queries.organisations(conn)


async def verified_organisations(conn: asyncpg.Connection) -> list[Organisation]:
    return await queries.verified_organisations(conn)


async def tell_coordinators(
    conn: asyncpg.Connection,
    org_id: int,
    template: str,
    context: dict[str, str],
    now: dt.datetime,
) -> int:
    """E-mail every coordinator of the organisation (accounts not deleted) through the outbox,
    inside the caller's transaction; how many were told."""
    coordinators = await queries.coordinator_ids(conn, org_id)
    for user_id in coordinators:
        await enqueue(conn, template, now=now, user_id=user_id, context=context)
    return len(coordinators)


class Access:
    """The audit trail of organisation work, and the one answer to whatever is not the
    principal's: not found, with the attempt recorded."""

    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    async def record(
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
        """One audit event by the principal, inside the caller's transaction."""
        await queries.lock_subject(self._conn, f"{subject_type}:{subject_id}")
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

    async def not_found(
        self, principal: Principal, subject_type: str, subject_id: object
    ) -> NotFound:
        """Record the refused attempt (ids only) and return the error to raise."""
        # What was asked for came from a URL: keep only characters an id or slug can have.
        asked = _ID_SAFE.sub("", str(subject_id))[:80] or "invalid"
        async with self._conn.transaction():
            await self.record(
                principal,
                "organisation.access_refused",
                subject_type,
                asked,
                reason_code="not_member",
            )
        return NotFound()

    async def organisation(
        self, principal: Principal, slug: str, *, coordinator: bool = False
    ) -> Organisation:
        """The organisation, if the principal belongs to it (as a coordinator, if asked)."""
        organisation = await queries.organisation_by_slug(self._conn, slug)
        role = principal.organisations.get(organisation.id) if organisation else None
        if organisation is None or role is None or (coordinator and role != "coordinator"):
            raise await self.not_found(principal, "organisation", slug[:80])
        return organisation


class Home(msgspec.Struct, frozen=True):
    """An organisation's own page: what anyone sees, and what its members and coordinators
    see of their work (rounds, statements, the consultations they may answer)."""

    organisation: Organisation
    role: str | None
    is_admin: bool
    rounds: list[RoundLine] = []
    members: list[Member] = []
    links: list[Invitation] = []
    statements: list[StatementLine] = []
    consultations: list[OpenConsultation] = []
    """Open consultations the organisation may answer, for a new input round."""
    documents: list[DocumentChoice] = []

    def page_context(self, **extra: Any) -> dict[str, Any]:
        """What the page shows: this, its forms empty and without errors, and ``extra``
        (errors, values, a notice) on top. The organisation's and the statements' pages both
        show it."""
        return {**msgspec.structs.asdict(self), "errors": {}, "values": {}, **extra}


class OrganisationService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, receipt_key: bytes) -> None:
        self._conn = conn
        self._clock = clock
        self._receipt_key = receipt_key
        self._access = Access(conn, clock)

    async def create_organisation(
        self, principal: Principal, name: str, description: str
    ) -> Organisation:
        assert principal.user_id is not None
        errors: list[FieldError] = []
        name = domain.text_field(errors, "name", name, domain.NAME_MAX, multiline=False)
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
            raise Invalid(errors, ERRORS)
        now = self._clock()
        async with self._conn.transaction():
            org_id = await queries.insert_organisation(self._conn, slug, name, description, now)
            if org_id is None:
                raise Invalid([FieldError("name", "name_taken")], ERRORS)
            await queries.add_membership(self._conn, principal.user_id, org_id, "coordinator", now)
            await self._access.record(
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

    async def home(self, principal: Principal, slug: str) -> Home:
        organisation = await self.public_organisation(slug)
        role = principal.organisations.get(organisation.id)
        home = Home(
            organisation, role, is_admin=principal.role == "admin" and principal.second_factor
        )
        if role is None:
            return home
        rounds = await queries.round_lines(self._conn, organisation.id)
        if role != "coordinator":
            return msgspec.structs.replace(home, rounds=rounds)
        return msgspec.structs.replace(
            home,
            rounds=rounds,
            members=await queries.members(self._conn, organisation.id),
            links=await queries.open_links(self._conn, organisation.id, self._clock()),
            statements=await queries.statement_lines(self._conn, organisation.id),
            consultations=await queries.open_consultations(
                self._conn, organisation.id, self._clock()
            ),
            documents=await queries.documents_taking_feedback(self._conn),
        )

    async def verify(self, principal: Principal, slug: str) -> Organisation:
        """An admin vouches that the organisation is who it says it is."""
        async with self._conn.transaction():
            found = await queries.verification_for_update(self._conn, slug)
            if found is None:
                raise NotFound()
            org_id, verified_at = found
            if verified_at is not None:
                raise Refused("already_verified", ERRORS)
            await queries.mark_verified(self._conn, org_id, self._clock(), principal.user_id)
            await self._access.record(
                principal,
                "organisation.verified",
                "organisation",
                org_id,
                from_state="unverified",
                to_state="verified",
            )
        return await self.public_organisation(slug)

    async def members(self, principal: Principal, slug: str) -> tuple[Organisation, list[Member]]:
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        return organisation, await queries.members(self._conn, organisation.id)

    async def open_links(self, principal: Principal, slug: str) -> list[Invitation]:
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        return await queries.open_links(self._conn, organisation.id, self._clock())

    async def invite_by_email(self, principal: Principal, slug: str, email: str) -> None:
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        try:
            address = clean_email(email)
        except InvalidText as exc:
            code = "email_required" if not email.strip() else exc.code
            raise Invalid([FieldError("email", code)], ERRORS) from exc
        # Anyone can register an organisation: until an admin has verified it, its name must
        # not reach strangers' inboxes (a phishing channel). Verified ones send a bounded number.
        if not organisation.verified:
            raise Invalid([FieldError("email", "invite_needs_verification")], ERRORS)
        now = self._clock()
        for limit, key in (
            (INVITES_PER_ORGANISATION, str(organisation.id)),
            (INVITES_PER_ADDRESS, derive(self._receipt_key, "mail-account", address.lower()).hex()),
        ):
            try:
                await ratelimit.check(self._conn, limit, key[:32], now)
            except ratelimit.RateLimited as exc:
                raise Invalid([FieldError("email", f"{limit.name}_limited")], ERRORS) from exc
        expires = now + dt.timedelta(days=domain.INVITE_EMAIL_DAYS)
        async with self._conn.transaction():
            contact_id = await queries.insert_contact(self._conn, address, now)
            token = await self._invitation(
                principal, organisation, domain.InvitationKind.EMAIL, now, expires, contact_id
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

    async def create_link(
        self, principal: Principal, slug: str, days: str
    ) -> tuple[str, dt.datetime]:
        """A shareable invitation link; the token is shown once and only its hash is kept."""
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        valid_days = domain.as_int(days)
        if valid_days is None or not 1 <= valid_days <= domain.LINK_DAYS_MAX:
            raise Invalid([FieldError("days", "days_range")], ERRORS)
        now = self._clock()
        expires = now + dt.timedelta(days=valid_days)
        async with self._conn.transaction():
            token = await self._invitation(
                principal, organisation, domain.InvitationKind.LINK, now, expires
            )
        return token, expires

    async def _invitation(
        self,
        principal: Principal,
        organisation: Organisation,
        kind: domain.InvitationKind,
        now: dt.datetime,
        expires: dt.datetime,
        contact_id: int | None = None,
    ) -> str:
        """A new invitation of either kind, recorded, inside the caller's transaction; its token
        is returned to be sent or shown once (only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        invitation_id = await queries.insert_invitation(
            self._conn,
            org_id=organisation.id,
            kind=kind,
            token_hash=_hash(token),
            contact_id=contact_id,
            created_by=principal.user_id,
            now=now,
            expires_at=expires,
        )
        await self._access.record(
            principal,
            "organisation.invited",
            "organisation",
            organisation.id,
            reason_code=f"{kind}:{invitation_id}",
        )
        return token

    async def revoke_link(self, principal: Principal, slug: str, invitation_id: str) -> None:
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        async with self._conn.transaction():
            done = await queries.revoke_invitation(
                self._conn, domain.as_int(invitation_id), organisation.id, self._clock()
            )
            if done is None:
                raise NotFound()
            await self._access.record(
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
                raise Refused("invitation_unknown", ERRORS)
            state = domain.invitation_state(
                now,
                domain.InvitationKind(found.kind),
                found.expires_at,
                found.used_at,
                found.revoked_at,
            )
            if state is not domain.InvitationState.VALID:
                raise Refused(f"invitation_{state}", ERRORS)
            if not await queries.add_membership(
                self._conn, principal.user_id, found.organisation_id, "member", now
            ):
                raise Refused("already_member", ERRORS)
            if found.kind == domain.InvitationKind.EMAIL:
                # The address was only needed to send the invitation.
                contact_id = await queries.mark_used(self._conn, found.id, now, principal.user_id)
                if contact_id is not None:
                    await queries.delete_contact(self._conn, contact_id)
            await self._access.record(
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
        organisation = await self._access.organisation(principal, slug, coordinator=True)
        target = domain.as_int(user_id)
        async with self._conn.transaction():
            roles = await queries.roles_for_update(self._conn, organisation.id)
            if target is None or target not in roles:
                raise NotFound()
            coordinators = [u for u, r in roles.items() if r == "coordinator"]
            if coordinators == [target]:
                raise Refused("last_coordinator", ERRORS)
            await queries.delete_membership(self._conn, organisation.id, target)
            await self._access.record(
                principal,
                "organisation.member_removed",
                "organisation",
                organisation.id,
                from_state=roles[target],
                reason_code=f"user:{target}",
            )
