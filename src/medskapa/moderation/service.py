"""Moderation use cases: the queue, claims, decisions (with redaction, urgency and routing),
reading a restricted original, and destroying originals after the retention period.

One transaction per use case; the audit events and outbox e-mails a decision causes are
written inside it.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.audit.domain import AuditEvent
from medskapa.clock import Clock
from medskapa.db.pool import retries_deadlocks
from medskapa.errors import FieldError, Invalid, Language, NotFound, Refused
from medskapa.feedback import lifecycle
from medskapa.feedback.domain import TEXT_MAX, FeedbackStatus, InvalidText, clean_text
from medskapa.feedback.personal_data import Finding, find_personal_data
from medskapa.i18n import translate
from medskapa.ids import parse_id
from medskapa.moderation import queries, routing_queries
from medskapa.moderation.domain import (
    CLAIM_MINUTES,
    MESSAGE_MAX,
    Decision,
    ReadReason,
    RedactionReason,
    RedactionRefused,
    RejectReason,
    RoutedItem,
    item_path,
    mark_redactions,
    route,
)
from medskapa.moderation.queries import (
    Claim,
    DecisionRecord,
    LockedItem,
    ModerationItem,
    QueueCounts,
    QueueFilter,
)
from medskapa.moderation.routing_queries import RouteView
from medskapa.moderation.texts import ERRORS
from medskapa.outbox.queue import enqueue
from medskapa.security.principal import Principal
from medskapa.triage.texts import routed_to

SUBJECT = "feedback"
SYSTEM = "system"


class DecisionInput(msgspec.Struct, kw_only=True):
    """A moderator's decision as it came, before any checking."""

    decision: str | None = None
    reason: str | None = None
    text: str | None = None
    """Redact: the moderator's edited text."""
    message: str | None = None
    """Reject: optional words to the submitter."""
    urgent: bool = False


def _no_such_item() -> NotFound:
    return NotFound(translate(ERRORS["not_found"], "en"))


def _invalid(errors: list[FieldError]) -> Invalid:
    return Invalid(errors, ERRORS)


class NotDecidable(Refused):
    """The item is not (or no longer) the asking moderator's to decide; ``code`` says why,
    and ``decision`` is the decision already made, if there is one."""

    def __init__(self, code: str, decision: DecisionRecord | None = None) -> None:
        super().__init__(code, ERRORS)
        self.decision = decision

    def message(self, language: Language | None = None) -> str:
        text = super().message(language)
        if language == "en" and self.decision is not None:
            at = f"{self.decision.decided_at:%Y-%m-%d %H:%M}"
            text += f" It was decided ({self.decision.decision}) at {at} UTC."
        return text


class OriginalUnavailable(NotFound):
    """There is no original to read: never redacted, or destroyed at ``destroyed_at``."""

    def __init__(self, code: str, destroyed_at: dt.datetime | None = None) -> None:
        super().__init__(translate(ERRORS[code], "en"))
        self.code = code
        self.destroyed_at = destroyed_at

    def message(self, language: Language | None = None) -> str:
        return translate(ERRORS[self.code], language)


class Queue(msgspec.Struct, frozen=True):
    items: list[ModerationItem]
    matching: int
    counts: QueueCounts


class Decided(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: FeedbackStatus
    decision: Decision
    reason: str | None
    urgent: bool
    routes: list[RouteView]


class ItemDetail(msgspec.Struct, frozen=True):
    item: ModerationItem
    decision: DecisionRecord | None
    routes: list[RouteView]
    claim: Claim | None


# The part of an item's trail that is moderation's: how it came, what was decided, where it
# was sent, and what became of the text. The group's own work is the group's.
MODERATION_TRAIL = frozenset(
    {
        "feedback.submitted",
        "moderation.approved",
        "moderation.redacted",
        "moderation.rejected",
        "moderation.marked_urgent",
        "moderation.original_read",
        "moderation.original_destroyed",
        "feedback.routed",
        "feedback.withdrawn",
        "feedback.erased",
    }
)


class Trail(msgspec.Struct, frozen=True):
    events: list[AuditEvent]
    users: dict[str, queries.TrailUser]
    """By pseudonym ("user:17"); an account since deleted is missing."""
    groups: dict[int, str]
    rules: dict[int, str]


class Original(msgspec.Struct, frozen=True):
    body: str
    personal_data: list[Finding]
    redacted_at: dt.datetime


class _Valid(msgspec.Struct, frozen=True):
    decision: Decision
    reason: str | None
    text: str | None
    message: str | None
    urgent: bool


def _clean(value: str | None, field: str, limit: int, too_long: str) -> tuple[str | None, list]:
    try:
        cleaned = clean_text(value or "")
    except InvalidText as exc:
        return None, [FieldError(field, exc.code)]
    if len(cleaned) > limit:
        return None, [FieldError(field, too_long)]
    return cleaned or None, []


def validate(data: DecisionInput, original: str) -> _Valid:
    """Check a decision against the item's text; raises Invalid naming each field."""
    errors: list[FieldError] = []
    if data.decision not in Decision.__members__.values():
        raise _invalid([FieldError("decision", "choose_decision")])
    decision = Decision(data.decision)
    reason = (data.reason or "").strip() or None
    text = message = None
    if decision is Decision.REJECT:
        if reason is None:
            errors.append(FieldError("reason", "reject_reason_required"))
        elif reason not in RejectReason.__members__.values():
            errors.append(FieldError("reason", "unknown_reason_code"))
        message, found = _clean(data.message, "message", MESSAGE_MAX, "message_too_long")
        errors += found
        if data.urgent:
            errors.append(FieldError("urgent", "urgent_needs_approval"))
    elif decision is Decision.REDACT:
        if reason is None:
            errors.append(FieldError("reason", "redaction_reason_required"))
        elif reason not in RedactionReason.__members__.values():
            errors.append(FieldError("reason", "unknown_reason_code"))
        edited, found = _clean(data.text, "text", TEXT_MAX, "text_too_long")
        if found:
            errors += found
        elif edited is None:
            errors.append(FieldError("text", "redacted_text_required"))
        else:
            try:
                text = mark_redactions(original, edited)
            except RedactionRefused as exc:
                errors.append(FieldError("text", exc.code))
    else:
        reason = None
    if errors:
        raise _invalid(errors)
    return _Valid(decision, reason, text, message, data.urgent)


class ModerationService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock
        # Every event this service writes is about a feedback item.
        self._audit = functools.partial(audit.record, conn, subject_type=SUBJECT)

    async def queue(self, filters: QueueFilter) -> Queue:
        now = self._clock()
        counts = await queries.queue_counts(self._conn, now, filters)
        items = await queries.queue(self._conn, filters, now)
        return Queue(items, counts.matching, counts)

    async def waiting(self) -> QueueCounts:
        """How many items wait for moderation, and how long (no items): a moderator's start
        page."""
        return await queries.queue_counts(self._conn, self._clock())

    async def detail(self, principal: Principal, feedback_id: uuid.UUID) -> ItemDetail:
        """The item for a moderator's page; an item waiting for a decision is claimed for
        them (a short lease) unless another moderator holds it."""
        assert principal.user_id is not None
        now = self._clock()
        claim = None
        item = await queries.item(self._conn, feedback_id, now)
        if item is None:
            raise _no_such_item()
        if item.status == FeedbackStatus.RECEIVED:
            claim = await queries.take_claim(
                self._conn,
                feedback_id,
                principal.user_id,
                now,
                now + dt.timedelta(minutes=CLAIM_MINUTES),
            )
        return ItemDetail(
            item,
            await queries.decision(self._conn, feedback_id),
            await routing_queries.routes(self._conn, feedback_id),
            claim,
        )

    async def trail(self, feedback_id: uuid.UUID) -> Trail:
        """Moderation's part of the item's trail, with the accounts, groups and routing rules
        it names (by id) looked up."""
        events = [
            e
            for e in await audit.events_for(self._conn, SUBJECT, str(feedback_id))
            if e.action in MODERATION_TRAIL
        ]
        user_ids = [
            user_id
            for e in events
            if e.actor[:5] == "user:" and (user_id := parse_id(e.actor[5:])) is not None
        ]
        group_ids, rule_ids = [], []
        for e in events:
            group_id, how = (
                routed_to(e.reason_code) if e.action == "feedback.routed" else (None, None)
            )
            if group_id is not None:
                group_ids.append(group_id)
            if how and how.startswith("rule:") and (rule_id := parse_id(how[5:])) is not None:
                rule_ids.append(rule_id)
        users = await queries.trail_users(self._conn, user_ids)
        groups = await queries.group_names_by_id(self._conn, group_ids)
        rules = await queries.rule_names_by_id(self._conn, rule_ids)
        return Trail(
            events,
            {f"user:{u.id}": u for u in users},
            {g.id: g.name for g in groups},
            {r.id: r.name for r in rules},
        )

    async def claim(self, principal: Principal, feedback_id: uuid.UUID) -> Claim:
        """Claim for the API: refused when decided, or held by another moderator."""
        detail = await self.detail(principal, feedback_id)
        if detail.claim is None:
            raise NotDecidable(self._closed_code(detail.item.status), detail.decision)
        if detail.claim.moderator_id != principal.user_id:
            raise NotDecidable("claimed_by_other")
        return detail.claim

    async def release(self, principal: Principal, feedback_id: uuid.UUID) -> None:
        await queries.release_claim(self._conn, feedback_id, principal.user_id)

    @staticmethod
    def _closed_code(status: str) -> str:
        return "not_in_queue" if status == FeedbackStatus.WITHDRAWN else "already_decided"

    @retries_deadlocks
    async def decide(
        self,
        principal: Principal,
        feedback_id: uuid.UUID,
        data: DecisionInput,
    ) -> Decided:
        assert principal.user_id is not None
        async with self._conn.transaction():
            # The row lock is the guarantee that one decision wins; the claim check only
            # names the other moderator's work in progress.
            item = await queries.lock_item(self._conn, feedback_id)
            if item is None:
                raise _no_such_item()
            now = self._clock()
            current = FeedbackStatus(item.status)
            if not any(
                lifecycle.allowed(current, outcome, lifecycle.Actor.MODERATOR)
                for outcome in (FeedbackStatus.ROUTED, FeedbackStatus.REJECTED)
            ):
                raise NotDecidable(
                    self._closed_code(item.status), await queries.decision(self._conn, item.id)
                )
            claim = await queries.live_claim(self._conn, item.id, now)
            if claim is not None and claim.moderator_id != principal.user_id:
                raise NotDecidable("claimed_by_other")
            valid = validate(data, item.body or "")
            rejected = valid.decision is Decision.REJECT
            target = FeedbackStatus.REJECTED if rejected else FeedbackStatus.ROUTED
            lifecycle.check(current, target, lifecycle.Actor.MODERATOR)

            await queries.insert_decision(
                self._conn,
                item.id,
                decision=valid.decision,
                reason_code=valid.reason,
                message=valid.message,
                urgent=valid.urgent,
                moderator_id=principal.user_id,
                moderator=principal.pseudonym,
                at=now,
            )
            body = item.body
            if valid.decision is Decision.REDACT:
                assert valid.text is not None
                body = valid.text
                await queries.redact(
                    self._conn,
                    item.id,
                    original=item.body,
                    original_findings=item.personal_data,
                    body=body,
                    findings=find_personal_data(body),
                    at=now,
                )
            await queries.set_decided(self._conn, item.id, target, urgent=valid.urgent, at=now)
            action = {
                Decision.APPROVE: "moderation.approved",
                Decision.REDACT: "moderation.redacted",
                Decision.REJECT: "moderation.rejected",
            }[valid.decision]
            await self._audit(
                at=now,
                actor=principal.pseudonym,
                action=action,
                subject_id=str(item.id),
                from_state=current,
                to_state=target,
                reason_code=valid.reason,
            )
            await queries.release_claim(self._conn, item.id)

            if target is FeedbackStatus.REJECTED:
                if item.contact_id is not None:
                    await enqueue(
                        self._conn,
                        "feedback_rejected",
                        now=now,
                        contact_id=item.contact_id,
                        language=item.language,
                        # The moderator's words are to this submitter only: in the body,
                        # never in the subject.
                        context={
                            "reason_code": valid.reason,
                            "document_title": item.document_title,
                            "message": valid.message,
                        },
                    )
                return Decided(item.id, target, valid.decision, valid.reason, False, [])

            if valid.urgent:
                await self._audit(
                    at=now,
                    actor=principal.pseudonym,
                    action="moderation.marked_urgent",
                    subject_id=str(item.id),
                    reason_code="patient_safety",
                )
            await self._route(principal, item, body or "", now, urgent=valid.urgent)
            routes = await routing_queries.routes(self._conn, item.id)
        return Decided(item.id, target, valid.decision, valid.reason, valid.urgent, routes)

    async def _route(
        self,
        principal: Principal,
        item: LockedItem,
        text: str,
        now: dt.datetime,
        *,
        urgent: bool,
    ) -> None:
        chosen = route(
            RoutedItem(
                document_id=item.document_id,
                owner_group_id=item.owner_group_id,
                section_key=item.section_key,
                category=item.category,
                text=text,
            ),
            await routing_queries.active_rules(self._conn),
        )
        for choice in chosen:
            await routing_queries.insert_route(
                self._conn, item.id, choice.group_id, choice.rule_id, now
            )
            how = "owner" if choice.rule_id is None else f"rule:{choice.rule_id}"
            await self._audit(
                at=now,
                actor=principal.pseudonym,
                action="feedback.routed",
                subject_id=str(item.id),
                from_state=FeedbackStatus.ROUTED,
                to_state=FeedbackStatus.ROUTED,
                reason_code=f"group:{choice.group_id}:{how}",
            )
        group_ids = [choice.group_id for choice in chosen]
        link = item_path(item.id)  # a path: the outbox renderer adds MEDSKAPA_BASE_URL
        if item.contact_id is not None:
            names = await routing_queries.group_names(self._conn, group_ids)
            await enqueue(
                self._conn,
                "feedback_routed",
                now=now,
                contact_id=item.contact_id,
                language=item.language,
                context={
                    "document_title": item.document_title,
                    "group_names": names,
                },
            )
        for user_id in await routing_queries.group_recipients(self._conn, group_ids):
            await enqueue(
                self._conn,
                "group_new_item",
                now=now,
                user_id=user_id,
                context={"document_title": item.document_title, "item_url": link},
            )
        if urgent:
            for user_id in await routing_queries.group_recipients(
                self._conn, group_ids, leads_only=True
            ):
                await enqueue(
                    self._conn,
                    "urgent_item",
                    now=now,
                    user_id=user_id,
                    context={"document_title": item.document_title, "item_url": link},
                )

    async def read_original(
        self, principal: Principal, feedback_id: uuid.UUID, reason: str | None
    ) -> Original:
        """The unredacted text, for a moderator who says why; the reading is audited (who,
        when, which reason code) in the same transaction."""
        reason = (reason or "").strip() or None
        if reason is None:
            raise _invalid([FieldError("reason", "read_reason_required")])
        if reason not in ReadReason.__members__.values():
            raise _invalid([FieldError("reason", "unknown_reason_code")])
        async with self._conn.transaction():
            state = await queries.lock_original_state(self._conn, feedback_id)
            if state is None:
                raise _no_such_item()
            found = await queries.original(self._conn, feedback_id)
            if found is None:
                if state.destroyed_at is not None:
                    raise OriginalUnavailable("original_destroyed", state.destroyed_at)
                raise OriginalUnavailable("no_original")
            await self._audit(
                at=self._clock(),
                actor=principal.pseudonym,
                action="moderation.original_read",
                subject_id=str(feedback_id),
                reason_code=reason,
            )
        return Original(found.body, found.personal_data, found.created_at)

    async def purge_originals(self, retention_days: int, *, batch: int = 500) -> int:
        """Destroy every original older than the retention period; returns how many. Safe to
        run from several processes at once (locked rows are skipped, not waited for)."""
        destroyed = 0
        while True:
            async with self._conn.transaction():
                now = self._clock()
                cutoff = now - dt.timedelta(days=retention_days)
                ids = await queries.destroy_originals(self._conn, cutoff, batch, now)
                for feedback_id in ids:
                    await self._audit(
                        at=now,
                        actor=SYSTEM,
                        action="moderation.original_destroyed",
                        subject_id=str(feedback_id),
                    )
            destroyed += len(ids)
            if len(ids) < batch:
                return destroyed
