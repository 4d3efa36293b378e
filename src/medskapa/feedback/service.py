"""Feedback use cases: submit, look up by receipt code, withdraw, erase. One transaction each."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.audit.domain import AuditEvent
from medskapa.catalogue.domain import Placement
from medskapa.catalogue.reanchoring import where_now
from medskapa.clock import Clock
from medskapa.errors import FieldError, Invalid, Language, NotFound, Refused
from medskapa.feedback import lifecycle, queries
from medskapa.feedback.domain import (
    ITEM_CATEGORY_LABELS,
    QUOTE_MAX,
    TEXT_MAX,
    Category,
    FeedbackStatus,
    InvalidText,
    Quote,
    SubmitterRole,
    anchor_quote,
    clean_email,
    clean_text,
    status_labels,
)
from medskapa.feedback.personal_data import Finding, find_personal_data
from medskapa.feedback.queries import FeedbackRecord, TargetVersion
from medskapa.feedback.receipts import new_receipt_code, normalise, receipt_hash
from medskapa.feedback.safety import SignalKind, find_signals
from medskapa.feedback.texts import ERRORS, timeline_text
from medskapa.i18n import translate
from medskapa.regions import service as regions
from medskapa.regions.domain import is_region_code
from medskapa.security import ratelimit
from medskapa.security.secrets import derive
from medskapa.triage import service as triage
from medskapa.web.caching import PageCache

SUBJECT = "feedback"
T = TypeVar("T")
# Anyone may leave any address for the receipt: at most this many receipt mails go to one
# address an hour (the rest of the submissions are stored as usual, without the mail), so the
# form cannot be used to flood someone's inbox.
RECEIPT_MAILS_PER_ADDRESS = 10
RECEIPT_MAIL_WINDOW = 3600
# "Mina synpunkter" shows at most this many of an account's items (the data download has all).
OWN_ITEMS_SHOWN = 500


class SubmissionInput(msgspec.Struct, kw_only=True):
    """What a submitter sent, before any checking: strings as they came."""

    document: str
    category: str
    role: str
    text: str
    version: str | None = None
    section: str | None = None
    quote: str | None = None
    quote_prefix: str | None = None
    quote_suffix: str | None = None
    consent_public: bool = False
    consent_contact: bool = False
    email: str | None = None
    language: str = "sv"
    care_region: str | None = None
    """The code of the region where the care took place, when the submitter chose to say."""


class Submitted(msgspec.Struct, frozen=True):
    id: uuid.UUID
    receipt_code: str
    status: FeedbackStatus
    personal_data: list[Finding]
    safety: list[SignalKind] = []
    """Safety signals in the text (feedback/safety.py): the receipt shows where to get help
    now, and the item is stored urgent, first for moderators and group leads."""


class FeedbackView(msgspec.Struct, frozen=True):
    record: FeedbackRecord
    timeline: list[AuditEvent]
    answers: list[triage.AnswerRecord] = []
    """The group's answers, oldest first: public words, shown to whoever holds the code."""
    placement: Placement | None = None
    """Where the passage is in the newest version published since it was sent."""


class UnknownReceipt(NotFound):
    """No feedback has this receipt code (``unknown_code``), or the code cannot be one
    (``code_format``)."""

    def __init__(self, code: str) -> None:
        super().__init__(translate(ERRORS[code], "en"))
        self.code = code

    def message(self, language: Language | None = None) -> str:
        return translate(ERRORS[self.code], language)


async def _view(conn: asyncpg.Connection, record: FeedbackRecord) -> FeedbackView:
    timeline = await audit.events_for(conn, SUBJECT, str(record.id))
    answers = await triage.answers(conn, record.id)
    return FeedbackView(record, timeline, answers, await where_now(conn, record.id))


async def own_items(
    conn: asyncpg.Connection, user_id: int, limit: int | None
) -> list[FeedbackView]:
    """The account's feedback (sent while signed in), newest first, as its submitter sees it;
    at most ``limit`` items (None: all of them)."""
    return [await _view(conn, record) for record in await queries.by_account(conn, user_id, limit)]


class Counting(msgspec.Struct, frozen=True):
    """A client's submission limits (security/ratelimit.py), counted in the statement that
    stores the item rather than in statements and a transaction of their own: the attempt
    always, the submission only when it is stored."""

    client: str
    attempt: ratelimit.Limit
    accepted: ratelimit.Limit


def _optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


async def create_item(
    conn: asyncpg.Connection,
    receipt_key: bytes,
    *,
    now: dt.datetime,
    document_id: int | None,
    version_id: int | None,
    category: str,
    submitter_role: str,
    body: str,
    language: str,
    consent_public: bool,
    consent_contact: bool = False,
    section_key: str | None = None,
    quote: Quote | None = None,
    email: str | None = None,
    care_region: str | None = None,
    reason_code: str | None = None,
    user_id: int | None = None,
    site_page: str | None = None,
    counting: Counting | None = None,
    findings: list[Finding] | None = None,
) -> Submitted:
    """The one way a feedback item comes to be, from the public form or as an organisation's
    statement: the item (status received), its first audit event (``reason_code`` says why it
    came, when not from the form) and, with an address, its contact and receipt mail. Everything
    is checked before; this writes, inside the caller's transaction if there is one. The
    receipt code is returned once and only its hash is kept. ``user_id``: the account of a
    submitter who was signed in, so the item is listed under "Mina synpunkter"; the trail
    never names it (the actor is "submitter", signed in or not). Without a document and version
    the item is about the service itself (a site item, ``site_page`` the page it names): the
    admins' alone, never moderated or routed. With ``counting`` the client's hits are counted
    with it; ``RateLimited`` (nothing stored) when one is past its limit. ``findings``: the
    personal data in ``body``, when the caller has looked already."""
    code = new_receipt_code()
    feedback_id = uuid.uuid4()
    findings = find_personal_data(body) if findings is None else findings
    signals = find_signals(body)
    event = AuditEvent(
        occurred_at=now,
        actor=lifecycle.Actor.SUBMITTER,
        action="feedback.submitted",
        subject_type=SUBJECT,
        subject_id=str(feedback_id),
        seq=1,
        to_state=FeedbackStatus.RECEIVED,
        reason_code=reason_code,
    )
    epoch = int(now.timestamp())
    refused_by = await queries.insert_item(
        conn,
        feedback_id=feedback_id,
        document_id=document_id,
        version_id=version_id,
        site_page=site_page,
        section_key=section_key,
        quote=quote,
        category=category,
        submitter_role=submitter_role,
        body=body,
        language=language,
        consent_public=consent_public,
        consent_contact=consent_contact,
        now=now,
        email=email,
        receipt_hash=receipt_hash(receipt_key, code),
        personal_data=msgspec.to_builtins(findings),
        audit_values=audit.insert_values(conn, event),
        mail_bucket=(
            "receipt-mail:" + derive(receipt_key, "mail-account", email.lower()).hex()[:32]
            if email is not None
            else None
        ),
        mail_window=dt.datetime.fromtimestamp(epoch - epoch % RECEIPT_MAIL_WINDOW, dt.UTC),
        mails_per_window=RECEIPT_MAILS_PER_ADDRESS,
        care_region=care_region,
        user_id=user_id,
        urgent=bool(signals),
        attempt=None
        if counting is None
        else ratelimit.counted(counting.attempt, counting.client, now),
        accepted=None
        if counting is None
        else ratelimit.counted(counting.accepted, counting.client, now),
    )
    if refused_by is not None:
        assert counting is not None
        limit = counting.attempt if refused_by == "attempt" else counting.accepted
        raise ratelimit.refused(limit, now)
    return Submitted(feedback_id, code, FeedbackStatus.RECEIVED, findings, signals)


class FeedbackService:
    def __init__(
        self,
        conn: asyncpg.Connection,
        clock: Clock,
        receipt_key: bytes,
        catalogue_cache: PageCache | None = None,
    ) -> None:
        self._conn = conn
        self._clock = clock
        self._receipt_key = receipt_key
        # The process's cache of what the catalogue says (web/caching.py): the version a
        # submission goes to and its sections' words do not change until the catalogue does.
        self._cache = catalogue_cache

    async def _known(
        self,
        key: tuple[object, ...],
        read: Callable[[], Awaitable[T]],
        exists: Callable[[T], bool],
    ) -> T:
        """What ``read`` gives, kept by the process until the catalogue changes. Only what
        ``exists`` is kept, so that made-up names cannot push real entries out."""
        if self._cache is not None and (known := self._cache.recall(key)) is not None:
            return known  # type: ignore[no-any-return]
        generation = self._cache.generation if self._cache is not None else 0
        value = await read()
        if self._cache is not None and exists(value):
            self._cache.remember(key, generation, value)
        return value

    async def _target(self, slug: str, label: str | None) -> tuple[bool, TargetVersion | None]:
        return await self._known(
            ("feedback-target", slug, label),
            lambda: queries.target_version(self._conn, slug, label),
            lambda found: found[1] is not None,
        )

    async def _section_text(self, version_id: int, section_key: str) -> str | None:
        return await self._known(
            ("feedback-section", version_id, section_key),
            lambda: queries.section_text(self._conn, version_id, section_key),
            lambda text: text is not None,
        )

    def now(self) -> dt.datetime:
        return self._clock()

    def check_text(self, text: str) -> tuple[str | None, list[FieldError], list[Finding]]:
        """The cleaned text, its errors and its personal-data findings."""
        try:
            cleaned = clean_text(text)
        except InvalidText as exc:
            return None, [FieldError("text", exc.code)], []
        if not cleaned:
            return None, [FieldError("text", "text_required")], []
        if len(cleaned) > TEXT_MAX:
            return None, [FieldError("text", "text_too_long")], []
        return cleaned, [], find_personal_data(cleaned)

    async def submit(
        self,
        data: SubmissionInput,
        *,
        user_id: int | None = None,
        counting: Counting | None = None,
    ) -> Submitted:
        """Check and store a submission; ``user_id`` is the signed-in submitter's account.
        ``counting``: the client's limits, counted with the item (``create_item``)."""
        errors: list[FieldError] = []
        if data.category not in Category.__members__.values():
            errors.append(FieldError("category", "choose_one"))
        if data.role not in SubmitterRole.__members__.values():
            errors.append(FieldError("role", "choose_one"))
        language = data.language if data.language in ("sv", "en") else "sv"
        text, text_errors, findings = self.check_text(data.text)
        errors += text_errors
        email = _optional(data.email)
        if email is not None:
            try:
                email = clean_email(email)
            except InvalidText as exc:
                errors.append(FieldError("email", exc.code))

        care_region = _optional(data.care_region)
        if care_region is not None and (
            not is_region_code(care_region)
            or await regions.region_name(self._conn, care_region) is None
        ):
            errors.append(FieldError("care_region", "unknown_region"))
        section_key, quote = _optional(data.section), None
        raw_quote = _optional(data.quote)
        document_found, target = await self._target(data.document, _optional(data.version))
        if not document_found:
            errors.append(FieldError("document", "unknown_document"))
        elif target is None:
            errors.append(FieldError("version", "unknown_version"))
        elif section_key is not None:
            section = await self._section_text(target.version_id, section_key)
            if section is None:
                errors.append(FieldError("section", "unknown_section"))
            elif raw_quote is not None:
                try:
                    raw_quote = clean_text(raw_quote)
                    prefix = clean_text(data.quote_prefix or "")
                    suffix = clean_text(data.quote_suffix or "")
                except InvalidText as exc:
                    errors.append(FieldError("quote", exc.code))
                else:
                    if len(raw_quote) > QUOTE_MAX:
                        errors.append(FieldError("quote", "quote_too_long"))
                    else:
                        quote = anchor_quote(section, raw_quote, prefix, suffix)
                        if quote is None:
                            errors.append(FieldError("quote", "quote_not_found"))
        if raw_quote is not None and section_key is None and document_found:
            errors.append(FieldError("section", "quote_needs_section"))
        if errors:
            raise Invalid(errors, ERRORS)
        assert target is not None
        assert text is not None

        return await create_item(
            self._conn,
            self._receipt_key,
            now=self._clock(),
            document_id=target.document_id,
            version_id=target.version_id,
            category=data.category,
            submitter_role=data.role,
            body=text,
            language=language,
            consent_public=data.consent_public,
            consent_contact=data.consent_contact,
            section_key=section_key,
            quote=quote,
            email=email,
            care_region=care_region,
            user_id=user_id,
            counting=counting,
            findings=findings,
        )

    async def mine(self, user_id: int) -> list[FeedbackView]:
        """The account's feedback, newest first, each as its submitter sees it on /folj."""
        return await own_items(self._conn, user_id, OWN_ITEMS_SHOWN)

    async def _record(self, code: str, *, lock: bool = False) -> FeedbackRecord:
        canonical = normalise(code)
        if canonical is None:
            raise UnknownReceipt("code_format")
        record = await queries.by_receipt(
            self._conn, receipt_hash(self._receipt_key, canonical), lock=lock
        )
        if record is None:
            raise UnknownReceipt("unknown_code")
        return record

    async def lookup(self, code: str) -> FeedbackView:
        return await _view(self._conn, await self._record(code))

    async def withdraw(self, code: str) -> FeedbackView:
        async with self._conn.transaction():
            record = await self._record(code, lock=True)
            current = FeedbackStatus(record.status)
            if not lifecycle.allowed(current, FeedbackStatus.WITHDRAWN, lifecycle.Actor.SUBMITTER):
                raise Refused("not_withdrawable", ERRORS)
            await self._set_status(record, FeedbackStatus.WITHDRAWN, "feedback.withdrawn")
        return await self.lookup(code)

    async def erase(self, code: str) -> FeedbackView:
        """Remove the text, the quote and the contact. The trail stays, and stays verifiable:
        it never held any of them."""
        async with self._conn.transaction():
            record = await self._record(code, lock=True)
            if record.erased_at is not None:
                raise Refused("already_erased", ERRORS)
            now = self._clock()
            await queries.erase(self._conn, record.id, now)
            current = FeedbackStatus(record.status)
            await audit.record(
                self._conn,
                at=now,
                actor=lifecycle.Actor.SUBMITTER,
                action="feedback.erased",
                subject_type=SUBJECT,
                subject_id=str(record.id),
                from_state=current,
                to_state=current,
            )
            if lifecycle.allowed(current, FeedbackStatus.WITHDRAWN, lifecycle.Actor.SUBMITTER):
                await self._set_status(record, FeedbackStatus.WITHDRAWN, "feedback.withdrawn")
        return await self.lookup(code)

    async def _set_status(
        self, record: FeedbackRecord, target: FeedbackStatus, action: str
    ) -> None:
        now = self._clock()
        await queries.set_status(self._conn, record.id, target, now)
        await audit.record(
            self._conn,
            at=now,
            actor=lifecycle.Actor.SUBMITTER,
            action=action,
            subject_type=SUBJECT,
            subject_id=str(record.id),
            from_state=record.status,
            to_state=target,
        )


def submitter_timeline(
    view: FeedbackView, language: Language | None = None
) -> list[tuple[dt.datetime, str]]:
    """The steps of the item's trail that mean something to its submitter, in their words
    (the /folj page, "Mina synpunkter" and the data download show the same); a route per
    group or a moderator's reading of a redacted original stays in the trail only."""
    steps = (
        (e.occurred_at, timeline_text(e.action, e.reason_code, language)) for e in view.timeline
    )
    return [(at, text) for at, text in steps if text]


async def account_items(conn: asyncpg.Connection, user_id: int) -> list[dict[str, object]]:
    """The account's feedback as stored, for its data download (GDPR art. 15 and 20): the
    text as it stands after moderation, the quote, the choices made, the address left for
    replies, the status and what happened, and the groups' answers (for a report about the
    site: the page it named and the administrators' answers, with no group). Never staff-only things
    (who moderated, internal notes, the unredacted original)."""
    facts = {f.id: f for f in await queries.stored_facts(conn, user_id)}
    items: list[dict[str, object]] = []
    for view in await own_items(conn, user_id, limit=None):
        record, stored = view.record, facts.get(view.record.id)
        items.append(
            {
                "id": str(record.id),
                "sent_at": record.created_at.isoformat(),
                "about": record.subject,
                "document": None
                if record.document_slug is None
                else {"slug": record.document_slug, "title": record.document_title},
                "page": record.site_page,
                "version": record.version_label,
                "section": None
                if record.section_key is None
                else {"key": record.section_key, "heading": record.section_heading},
                "quote": record.quote,
                "category": record.category,
                "category_text": ITEM_CATEGORY_LABELS[record.category],
                "submitter_role": record.submitter_role,
                "text": record.body,
                "text_erased_at": record.erased_at.isoformat() if record.erased_at else None,
                "language": stored.language if stored else None,
                "care_region": stored.care_region if stored else None,
                "consent_public": record.consent_public,
                "consent_contact": record.consent_contact,
                "contact_email": stored.contact_email if stored else None,
                "status": record.status,
                "status_text": status_labels(record.subject)[record.status],
                "moderator_message": record.moderator_message,
                "timeline": [
                    {"at": at.isoformat(), "text": text} for at, text in submitter_timeline(view)
                ],
                "answers": [
                    {
                        "group": answer.group_name,
                        "status": answer.status,
                        "answered_at": answer.answered_at.isoformat(),
                        "text": answer.body,
                        "changed_in_version": answer.version_label,
                    }
                    for answer in view.answers
                ],
            }
        )
    return items


async def detach_account(conn: asyncpg.Connection, user_id: int) -> int:
    """When an account is deleted its feedback stays, anonymised: in the groups' inboxes and
    the public answers, with the text as moderation left it, but with no link to the account
    and no e-mail address. The unredacted original of a redacted text keeps its retention
    period (the moderation purge job destroys it, as for every item). Nothing is written to
    the items' trails: the time of such an event would tie each item to the account's
    deletion. Inside the caller's transaction; how many items there were."""
    return await queries.detach_account(conn, user_id)
