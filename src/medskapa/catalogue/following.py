"""Follow a document by e-mail (Bevaka): double opt-in, no account, one-click unsubscribe.

Anyone may ask to follow a published document. The address goes into ``contacts`` (the only
place an address lives) and a confirmation link is mailed; only a confirmed follower is told,
once per event, when a new version is published or a consultation opens. Asking again gives
the same answer whether or not the address already follows (so the form never tells who
follows what): a pending follower gets a fresh link, a confirmed one a note that they already
do. Unsubscribing erases the address.

Links carry random tokens; only their SHA-256 is stored. Every mail to a follower has a token
of its own for unsubscribing, so no token has to be kept to put in the next mail.

The two hooks at the bottom are called inside the transaction that publishes a version or
opens a consultation.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable
from typing import Literal
from urllib.parse import urlencode

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.catalogue.following_texts import ERRORS
from medskapa.clock import Clock
from medskapa.errors import FieldError, Invalid, NotFound
from medskapa.feedback.domain import InvalidText, clean_email
from medskapa.outbox.queue import enqueue
from medskapa.security import ratelimit
from medskapa.security.secrets import derive
from medskapa.security.sessions import token_hash

from . import following_queries as queries

SUBJECT = "follower"
ACTOR = "follower"
SYSTEM_ACTOR = "system:following"
CONFIRM_VALID = dt.timedelta(days=7)
# Per client: past this the form answers 429. Per address: past this nothing more is mailed,
# silently (the answer is the same), so the form cannot be used to flood someone's inbox.
CLIENT_LIMIT = ratelimit.Limit("follow-client", hits=10, seconds=600)
ADDRESS_LIMIT = ratelimit.Limit("follow-address", hits=3, seconds=3600)

FollowerState = Literal["pending", "confirmed", "unsubscribed"]
TokenProblemCode = Literal["unknown", "expired", "ended"]


def _not_followable() -> NotFound:
    """No published document at that slug."""
    return NotFound("No guidance document is published there.")


def _invalid_email(code: str) -> Invalid:
    known = code if code in ERRORS else "email_format"
    return Invalid([FieldError("email", known)], ERRORS)


class FollowLimited(Exception):
    """Too many requests from this client for now: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"limited for {retry_after} s")
        self.retry_after = retry_after


class TokenProblem(Exception):
    """The link is unknown, has expired, or names a follower that has unsubscribed."""

    def __init__(self, code: TokenProblemCode, document: FollowedDocument | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.document = document


class FollowedDocument(msgspec.Struct, frozen=True):
    slug: str
    title: str


class LinkView(msgspec.Struct, frozen=True):
    """What a confirm or unsubscribe page shows: the document and the follower's state."""

    document: FollowedDocument
    state: FollowerState


def _state(confirmed_at: dt.datetime | None, unsubscribed_at: dt.datetime | None) -> FollowerState:
    if unsubscribed_at is not None:
        return "unsubscribed"
    return "confirmed" if confirmed_at is not None else "pending"


def new_token() -> tuple[str, bytes]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def confirm_path(token: str) -> str:
    return f"/bevaka/bekrafta/{token}"


def unsubscribe_path(token: str) -> str:
    return f"/bevaka/avsluta/{token}"


UNSUBSCRIBE_PATH_PATTERN = r"/bevaka/avsluta/[A-Za-z0-9_-]{43}"
"""The one-click unsubscribe URL (a token of ``new_token``): the only path exempt from CSRF."""


def document_path(slug: str) -> str:
    return f"/kunskapsstod/{slug}"


def changes_path(slug: str, previous: str, new: str) -> str:
    return f"/kunskapsstod/{slug}/andringar?" + urlencode({"fran": previous, "till": new})


class FollowingService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, key: bytes) -> None:
        self._conn = conn
        self._clock = clock
        self._key = key

    async def document(self, slug: str) -> FollowedDocument:
        found = await queries.followable_document(self._conn, slug)
        if found is None:
            raise _not_followable()
        return FollowedDocument(slug=found.slug, title=found.title)

    async def follow(self, slug: str, email: str, *, client: str) -> None:
        """Ask to follow; the answer is the same whatever the address's standing."""
        now = self._clock()
        document = await queries.followable_document(self._conn, slug)
        if document is None:
            raise _not_followable()
        if not email.strip():
            raise _invalid_email("email_required")
        try:
            address = clean_email(email)
        except InvalidText as exc:
            raise _invalid_email(exc.code) from exc
        normalised = address.lower()
        # Counted in statements of their own, before the transaction: a refusal still counts.
        try:
            await ratelimit.check(
                self._conn, CLIENT_LIMIT, derive(self._key, "follow-client", client).hex()[:32], now
            )
        except ratelimit.RateLimited as exc:
            raise FollowLimited(exc.retry_after) from exc
        try:
            await ratelimit.check(
                self._conn,
                ADDRESS_LIMIT,
                derive(self._key, "follow-address", normalised).hex()[:32],
                now,
            )
        except ratelimit.RateLimited:
            return
        email_hash = derive(self._key, "follower-email", normalised)
        context = {"document": document.title, "link": document_path(document.slug)}
        async with self._conn.transaction():
            follower = await queries.follower_for_update(self._conn, document.id, email_hash)
            if follower is None:
                follower = await queries.insert_follower(
                    self._conn, document.id, address, email_hash, now
                )
                await audit.record(
                    self._conn,
                    at=now,
                    actor=ACTOR,
                    action="follower.requested",
                    subject_type=SUBJECT,
                    subject_id=str(follower.id),
                    to_state="pending",
                )
            contact_id = follower.contact_id
            assert contact_id is not None  # found by its address hash: not unsubscribed
            if follower.confirmed_at is None:
                token, hashed = new_token()
                expires = now + CONFIRM_VALID
                await queries.insert_token(
                    self._conn, hashed, follower.id, "confirm", now, expires_at=expires
                )
                await enqueue(
                    self._conn,
                    "follow_confirm",
                    now=now,
                    contact_id=contact_id,
                    context={
                        **context,
                        "link": confirm_path(token),
                        "expires": _swedish_date(expires),
                    },
                )
            else:
                token, hashed = new_token()
                await queries.insert_token(self._conn, hashed, follower.id, "unsubscribe", now)
                await enqueue(
                    self._conn,
                    "follow_already",
                    now=now,
                    contact_id=contact_id,
                    context={**context, "unsubscribe": unsubscribe_path(token)},
                )

    async def look(self, token: str, purpose: Literal["confirm", "unsubscribe"]) -> LinkView:
        """What a link would do, without doing it (a GET: mail scanners open links)."""
        found = await queries.token(self._conn, token_hash(token), purpose)
        return self._view(found, purpose, self._clock())

    def _view(self, found: queries.TokenRow | None, purpose: str, now: dt.datetime) -> LinkView:
        if found is None:
            raise TokenProblem("unknown")
        document = FollowedDocument(slug=found.document_slug, title=found.document_title)
        state = _state(found.confirmed_at, found.unsubscribed_at)
        if purpose == "confirm":
            if state == "unsubscribed":
                raise TokenProblem("ended", document)
            if state == "pending" and found.expires_at is not None and found.expires_at <= now:
                raise TokenProblem("expired", document)
        return LinkView(document=document, state=state)

    async def confirm(self, token: str) -> LinkView:
        return await self._settle(token, "confirm", "confirmed", queries.confirm)

    async def unsubscribe(self, token: str, *, one_click: bool) -> LinkView:
        return await self._settle(
            token,
            "unsubscribe",
            "unsubscribed",
            queries.unsubscribe,
            reason_code="one_click" if one_click else "link",
        )

    async def _settle(
        self,
        token: str,
        purpose: Literal["confirm", "unsubscribe"],
        to_state: FollowerState,
        write: Callable[[asyncpg.Connection, int, bytes, dt.datetime], Awaitable[None]],
        *,
        reason_code: str | None = None,
    ) -> LinkView:
        """Do what the link says, once: a link used again shows what it did the first time."""
        now = self._clock()
        hashed = token_hash(token)
        async with self._conn.transaction():
            found = await queries.token(self._conn, hashed, purpose, lock=True)
            view = self._view(found, purpose, now)
            if view.state == to_state:
                return view
            assert found is not None
            await write(self._conn, found.follower_id, hashed, now)
            await audit.record(
                self._conn,
                at=now,
                actor=ACTOR,
                action=f"follower.{to_state}",
                subject_type=SUBJECT,
                subject_id=str(found.follower_id),
                from_state=view.state,
                to_state=to_state,
                reason_code=reason_code,
            )
        return LinkView(document=view.document, state=to_state)


async def follows_of(
    conn: asyncpg.Connection, key: bytes, email: str
) -> list[queries.AddressFollow]:
    """What an address follows, for the data download of an account with that (confirmed)
    address. Followers are kept by a keyed hash of the address, so this is the only way to
    find them."""
    return await queries.follows_by_hash(conn, derive(key, "follower-email", email.lower()))


async def erase_lapsed(conn: asyncpg.Connection, now: dt.datetime, *, batch: int = 500) -> int:
    """Erase the addresses of follows never confirmed once their confirmation links have
    expired: an address nobody confirmed is kept no longer than the link to confirm it.
    Returns how many were erased (at most ``batch``; call again while it returns ``batch``)."""
    async with conn.transaction():
        lapsed = await queries.lapsed_unconfirmed(conn, now, batch)
        for follower_id, _ in lapsed:
            await audit.record(
                conn,
                at=now,
                actor="retention",
                action="follower.lapsed",
                subject_type=SUBJECT,
                subject_id=str(follower_id),
                from_state="pending",
                to_state="erased",
            )
        await queries.erase_contacts(conn, [contact for _, contact in lapsed])
    return len(lapsed)


_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def _swedish_date(moment: dt.datetime | dt.date) -> str:
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


async def _notify(
    conn: asyncpg.Connection,
    *,
    document_id: int,
    event: Literal["version", "consultation"],
    subject_id: int,
    template: str,
    context: dict[str, str],
    now: dt.datetime,
) -> int:
    notices = await queries.record_notices(conn, document_id, event, subject_id, now)
    tokens = [new_token() for _ in notices]
    await queries.insert_tokens(
        conn,
        [(hashed, n.follower_id) for (_, hashed), n in zip(tokens, notices, strict=True)],
        "unsubscribe",
        now,
    )
    for (token, _), notice in zip(tokens, notices, strict=True):
        await enqueue(
            conn,
            template,
            now=now,
            contact_id=notice.contact_id,
            context={**context, "unsubscribe": unsubscribe_path(token)},
        )
    return len(notices)


async def notify_new_version(
    conn: asyncpg.Connection, *, document_id: int, version_id: int, now: dt.datetime
) -> int:
    """Queue one mail to every confirmed follower of the document about a version just
    published (call inside the publishing transaction); returns how many. Calling it again for
    the same version queues nothing more."""
    facts = await queries.version_facts(conn, version_id)
    if facts is None or facts.document_id != document_id:
        raise ValueError(f"version {version_id} is not a published version of {document_id}")
    changes = (
        changes_path(facts.slug, facts.previous_label, facts.label) if facts.previous_label else ""
    )
    return await _notify(
        conn,
        document_id=document_id,
        event="version",
        subject_id=version_id,
        template="follow_new_version",
        context={
            "document": facts.title,
            "version": facts.label,
            "change_summary": facts.change_summary,
            "link": document_path(facts.slug),
            "changes": changes,
        },
        now=now,
    )


async def notify_consultation_opened(
    conn: asyncpg.Connection, *, consultation_id: int, now: dt.datetime
) -> int:
    """Queue one mail to every confirmed follower of the consultation's document (call inside
    the transaction that opens it); returns how many, and nothing more on a second call."""
    facts = await queries.consultation_facts(conn, consultation_id)
    if facts is None:
        raise ValueError(f"no consultation {consultation_id}")
    link = document_path(facts.slug)
    if facts.document_status == "consultation":
        link += "?" + urlencode({"version": facts.label})
    return await _notify(
        conn,
        document_id=facts.document_id,
        event="consultation",
        subject_id=consultation_id,
        template="follow_consultation",
        context={
            "document": facts.title,
            "version": facts.label,
            "deadline": _swedish_date(facts.deadline),
            "link": link,
        },
        now=now,
    )
