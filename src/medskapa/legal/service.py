"""Reports of accessibility problems, as feedback items about the service itself (site items):
filed by anyone through the one creator of feedback items, so the sender gets a receipt code
and all that comes with it; taken up, answered and closed by the admins through the feedback
lifecycle (actor ADMIN), each step in the item's audit trail and, when the sender left an
address, in an e-mail; erased after the retention period. One transaction each.

A site item is the admins' alone: it is never moderated (there is nothing to publish: it is
never public), routed to a group, shown in public answers, statistics, open data, follow-up or
exports. Its personal-data findings are stored as for all feedback (kinds and spans), and the
admins' view says when the text may hold such data."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.audit.domain import AuditEvent
from medskapa.clock import Clock
from medskapa.errors import Invalid, NotFound, Refused
from medskapa.feedback import lifecycle
from medskapa.feedback.domain import ACCESSIBILITY, FeedbackStatus, SubmitterRole
from medskapa.feedback.service import Submitted, create_item
from medskapa.ids import parse_id
from medskapa.legal import queries
from medskapa.legal.domain import ReportInput, check_answer, check_report
from medskapa.legal.queries import SiteAnswer, SiteItem
from medskapa.legal.texts import ERRORS, WHO_WORDS
from medskapa.outbox.queue import enqueue

SUBJECT = "feedback"
# The trail a report had before reports became feedback items (sql/0030): kept, append-only,
# under the same id.
OLD_SUBJECT = "accessibility_report"
SHOWN = 200
FOLLOW_PATH = "/folj"


class SiteItemView(msgspec.Struct, frozen=True):
    item: SiteItem
    trail: list[AuditEvent]
    answers: list[SiteAnswer]
    actors: dict[str, str]
    """Who did each step, in words, by the trail's pseudonyms (``AccessibilityReports._actors``)."""


class AccessibilityReports:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    async def file(
        self, data: ReportInput, receipt_key: bytes, *, user_id: int | None = None
    ) -> Submitted:
        """Store a report as a site item (``Invalid`` with the errors beside each field,
        nothing stored) and return its receipt (the code, once). ``user_id``: the sender's
        account when signed in, so it is listed under "Mina synpunkter". Inside the caller's
        transaction when there is one, so a rate-limit count taken in it stands or falls with
        the report."""
        report, errors = check_report(data)
        if report is None:
            raise Invalid(errors, ERRORS)
        async with self._conn.transaction():
            return await create_item(
                self._conn,
                receipt_key,
                now=self._clock(),
                document_id=None,
                version_id=None,
                site_page=report.page or None,
                category=ACCESSIBILITY,
                submitter_role=SubmitterRole.OTHER,
                body=report.problem,
                language=report.language,
                consent_public=False,
                email=report.email,
                user_id=user_id,
            )

    async def listing(self) -> tuple[list[SiteItem], int]:
        """The site items an admin sees (open first) and how many are open."""
        return (
            await queries.site_items(self._conn, SHOWN),
            await queries.open_count(self._conn),
        )

    async def item(self, item_id: uuid.UUID) -> SiteItemView:
        found = await queries.site_item(self._conn, item_id)
        if found is None:
            raise NotFound("No accessibility report has that id.")
        return await self._view(found)

    async def _view(self, item: SiteItem) -> SiteItemView:
        subject_id = str(item.id)
        trail = [
            *await audit.events_for(self._conn, OLD_SUBJECT, subject_id),
            *await audit.events_for(self._conn, SUBJECT, subject_id),
        ]
        return SiteItemView(
            item,
            trail,
            await queries.answers(self._conn, item.id),
            await self._actors(trail),
        )

    async def _actors(self, trail: list[AuditEvent]) -> dict[str, str]:
        """The trail's pseudonyms ("user:17") as admins may read them: a fellow administrator
        by address; a moderator, anyone else or an account since deleted only as such. The
        trail itself never holds an address."""
        ids = {
            user_id
            for event in trail
            if event.actor.startswith("user:") and (user_id := parse_id(event.actor[5:]))
        }
        names = {f"user:{user_id}": WHO_WORDS["gone"] for user_id in ids}
        for user in await queries.trail_users(self._conn, sorted(ids)):
            if user.role == "admin":
                names[f"user:{user.id}"] = user.email
            else:
                role = "moderator" if user.role == "moderator" else "other"
                names[f"user:{user.id}"] = WHO_WORDS[role]
        return names | {"submitter": WHO_WORDS["submitter"], "system": WHO_WORDS["system"]}

    async def take_up(self, item_id: uuid.UUID, actor: str) -> None:
        """received -> in_review: an admin works on it now."""
        await self._step(item_id, actor, FeedbackStatus.IN_REVIEW)

    async def answer(self, item_id: uuid.UUID, actor: str, text: str) -> None:
        """-> answered, with the admins' words: shown where the sender follows the item and,
        when they left an address, sent to them."""
        answer, error = check_answer(text)
        if error is not None:
            raise Invalid([error], ERRORS)
        assert answer is not None
        await self._step(item_id, actor, FeedbackStatus.ANSWERED, answer)

    async def close(self, item_id: uuid.UUID, actor: str) -> None:
        """-> closed without an answer (nothing to answer, or no way to)."""
        await self._step(item_id, actor, FeedbackStatus.CLOSED)

    async def _step(
        self,
        item_id: uuid.UUID,
        actor: str,
        target: FeedbackStatus,
        answer: str | None = None,
    ) -> None:
        now = self._clock()
        async with self._conn.transaction():
            item = await queries.site_item(self._conn, item_id, lock=True)
            if item is None:
                raise NotFound("No accessibility report has that id.")
            current = FeedbackStatus(item.status)
            if not lifecycle.allowed(current, target, lifecycle.Actor.ADMIN):
                raise Refused("not_open", ERRORS)
            await queries.set_status(self._conn, item.id, target, now)
            if answer is not None:
                await queries.insert_answer(
                    self._conn, item.id, status=target, body=answer, author=actor, at=now
                )
            await audit.record(
                self._conn,
                at=now,
                actor=actor,
                action=f"site_feedback.{target}",
                subject_type=SUBJECT,
                subject_id=str(item.id),
                from_state=current,
                to_state=target,
            )
            template = _MAILS.get(target)
            if item.contact_id is not None and template is not None:
                await enqueue(
                    self._conn,
                    template,
                    now=now,
                    contact_id=item.contact_id,
                    language=item.language,
                    context={
                        "follow_path": FOLLOW_PATH,
                        **({"answer": answer} if answer is not None else {}),
                    },
                )

    async def purge(self, retention_days: int, *, batch: int = 500) -> int:
        """Erase the text, page and address of every site item older than the retention
        period (the item and its trail stay, holding none of them)."""
        now = self._clock()
        cutoff = now - dt.timedelta(days=retention_days)
        total = 0
        while True:
            async with self._conn.transaction():
                gone = await queries.purge(self._conn, cutoff, now, batch)
            total += gone
            if gone < batch:
                return total


# What the sender is told of each step, when they left an address. Taking an item up is only
# in the trail (and on /folj).
_MAILS: dict[FeedbackStatus, str] = {
    FeedbackStatus.ANSWERED: "site_feedback_answered",
    FeedbackStatus.CLOSED: "site_feedback_closed",
}
