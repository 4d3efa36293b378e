"""A subject group's use cases on its items: read the inbox and an item, move it through the
lifecycle with an answer, assign, tag, note, merge similar items, forward. One transaction each;
every change writes its audit event (and, where the submitter left an address, its e-mail) in
that same transaction.

An item belongs to the groups it is routed to. Anyone else asking for it gets ``NotFound``, the
same as for an item that does not exist, and the attempt is written to the item's trail.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.audit.domain import AuditEvent
from medskapa.clock import Clock
from medskapa.feedback.domain import FeedbackStatus
from medskapa.feedback.lifecycle import (
    FORWARD_NOTE_MAX,
    OPEN_FOR_GROUP,
    Actor,
    ForwardReason,
    GroupStep,
    StepRefused,
    Unmet,
    allowed,
    check_step,
    later_version,
)
from medskapa.organisations import queries as organisation_queries
from medskapa.outbox.queue import enqueue
from medskapa.security.principal import Principal
from medskapa.triage import queries
from medskapa.triage.domain import (
    PAGE_SIZE,
    FilterInvalid,
    InboxFilter,
    PassageState,
    age_in_days,
    clean_note,
    passage_state,
)
from medskapa.triage.queries import Group, InboxPage, ItemRecord

SUBJECT = "feedback"

# The e-mail each step sends to a submitter who left an address.
STEP_TEMPLATES: dict[FeedbackStatus, str] = {
    FeedbackStatus.IN_REVIEW: "feedback_in_review",
    FeedbackStatus.ANSWERED: "feedback_answered",
    FeedbackStatus.CLOSED: "feedback_closed",
    FeedbackStatus.CHANGE_PLANNED: "feedback_change_planned",
    FeedbackStatus.CHANGED: "feedback_changed",
}
FORWARDED_TEMPLATE = "feedback_forwarded"
# To the coordinators and the members who asked, when an organisation's statement is answered.
STATEMENT_ANSWERED_TEMPLATE = "statement_answered"


class NotFound(Exception):
    """No such item, or not one of the asker's groups' items: the asker cannot tell which."""


class _Foreign(Exception):
    """The item exists but is not routed to any of the asker's groups."""


class NotPermitted(Exception):
    """The asker sits in the item's group as a patient representative: they read the item and
    write notes, but do not act for the group (answer, change status, assign, tag, merge,
    forward). Nothing was written."""


class Refused(Exception):
    """The request cannot be carried out; ``unmet`` names each field and rule. Nothing was
    written."""

    def __init__(self, unmet: list[Unmet]) -> None:
        super().__init__(", ".join(f"{u.field}: {u.code}" for u in unmet))
        self.unmet = unmet


class Inbox(msgspec.Struct, frozen=True):
    group: Group
    page: InboxPage
    counts: dict[str, int]
    oldest_unanswered_days: int | None


class ItemView(msgspec.Struct, frozen=True):
    item: ItemRecord
    group: Group
    """The asker's group this item is worked on in."""
    other_groups: list[Group]
    passage: PassageState
    passage_section: str | None
    current_version: str | None
    timeline: list[AuditEvent]
    answers: list[queries.AnswerRecord]
    notes: list[queries.Note]
    forwards: list[queries.Forward]
    assignee_id: int | None
    members: list[queries.Member]
    themes: list[queries.Theme]
    item_themes: set[int]
    cluster_id: int | None
    cluster: list[queries.ClusterItem]


class TriageService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    # ------------------------------------------------------------ reading

    async def my_groups(self, principal: Principal) -> list[Group]:
        return await queries.groups_by_id(self._conn, list(principal.groups))

    async def group(self, principal: Principal, slug: str) -> Group:
        """One of the asker's groups by slug; ``NotFound`` for any other."""
        group = await queries.group_by_slug(self._conn, slug)
        if group is None or group.id not in principal.groups:
            raise NotFound(slug)
        return group

    async def inbox(
        self, principal: Principal, slug: str, inbox_filter: InboxFilter, page_size: int = PAGE_SIZE
    ) -> Inbox:
        group = await self.group(principal, slug)
        assert principal.user_id is not None
        async with self._conn.transaction(isolation="repeatable_read", readonly=True):
            page = await queries.inbox(
                self._conn, group.id, inbox_filter, principal.user_id, page_size
            )
            counts = await queries.status_counts(self._conn, group.id)
            oldest = await queries.oldest_unanswered(self._conn, group.id)
        return Inbox(
            group,
            page,
            counts,
            None if oldest is None else age_in_days(oldest, self._clock()),
        )

    async def item(self, principal: Principal, feedback_id: uuid.UUID) -> ItemView:
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id, lock=False)
            return await self._view(record, group)

    async def timeline(self, principal: Principal, feedback_id: uuid.UUID) -> list[AuditEvent]:
        async with self._work(principal, feedback_id):
            await self._own(principal, feedback_id, lock=False)
            return await audit.events_for(self._conn, SUBJECT, str(feedback_id))

    async def similar(self, principal: Principal, feedback_id: uuid.UUID) -> list[queries.Similar]:
        async with self._work(principal, feedback_id):
            _, group = await self._own(principal, feedback_id, lock=False)
            return await queries.similar(self._conn, feedback_id, group.id)

    # ------------------------------------------------------------ changing

    async def transition(
        self, principal: Principal, feedback_id: uuid.UUID, step: GroupStep
    ) -> ItemView:
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id, acting=True)
            current = FeedbackStatus(record.status)
            try:
                checked = check_step(current, step)
            except StepRefused as exc:
                raise Refused(exc.unmet) from None
            version = None
            if checked.version is not None:
                version = await queries.document_version(
                    self._conn, record.document_id, checked.version
                )
                if version is None:
                    raise Refused([Unmet("version", "unknown_version")])
                if version.published_on is None:
                    raise Refused([Unmet("version", "version_not_published")])
                if not later_version(record.version_label, version.label):
                    raise Refused([Unmet("version", "version_not_later")])
            now = self._clock()
            await queries.set_status(
                self._conn, record.id, checked.target, now, version.id if version else None
            )
            if checked.target is not FeedbackStatus.IN_REVIEW:
                await queries.insert_answer(
                    self._conn,
                    feedback_id=record.id,
                    group_id=group.id,
                    status=checked.target,
                    body=checked.answer,
                    will_change=checked.will_change,
                    reason_code=checked.reason,
                    version_id=version.id if version else None,
                    author=principal.pseudonym,
                    at=now,
                )
            await self._audit(
                principal,
                record,
                f"feedback.{checked.target}",
                now,
                to_state=checked.target,
                reason_code=checked.reason,
            )
            await self._tell_submitter(
                record,
                STEP_TEMPLATES[checked.target],
                now,
                status=str(checked.target),
                group_name=group.name,
                reason_code=checked.reason,
                version_label=version.label if version else None,
            )
            if checked.target is not FeedbackStatus.IN_REVIEW:
                await self._tell_organisations(
                    record,
                    now,
                    status=str(checked.target),
                    group_name=group.name,
                    version_label=version.label if version else None,
                )
            return await self._view(await self._reload(record.id), group)

    async def link_planned(
        self, principal: Principal, feedback_ids: list[uuid.UUID], version: str
    ) -> int:
        """Mark planned changes as made in ``version``, all or none: the step a group takes
        when it publishes the version that carries them. Returns how many were linked."""
        if not feedback_ids:
            raise Refused([Unmet("items", "choose_items")])
        async with self._conn.transaction():
            for feedback_id in sorted(set(feedback_ids)):
                await self.transition(
                    principal, feedback_id, GroupStep(target="changed", version=version)
                )
        return len(set(feedback_ids))

    async def forward(
        self,
        principal: Principal,
        feedback_id: uuid.UUID,
        to_group: str,
        reason: str,
        note: str | None,
    ) -> ItemView:
        """Hand the item from the asker's group to another. The item leaves this group's inbox
        and starts afresh (``routed``) in the other's."""
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id, acting=True)
            unmet: list[Unmet] = []
            current = FeedbackStatus(record.status)
            if not allowed(current, FeedbackStatus.ROUTED, Actor.GROUP_MEMBER):
                raise Refused([Unmet("to", "not_forwardable")])
            target = await queries.group_by_slug(self._conn, to_group.strip(), live=True)
            if target is None:
                unmet.append(Unmet("group", "unknown_group"))
            elif target.id == group.id:
                unmet.append(Unmet("group", "same_group"))
            elif target.id in await queries.item_groups(self._conn, record.id):
                unmet.append(Unmet("group", "already_routed_there"))
            if reason not in ForwardReason.__members__.values():
                unmet.append(Unmet("reason", "unknown_reason" if reason else "reason_required"))
            cleaned_note = None
            if note and note.strip():
                cleaned_note, code = clean_note(note, FORWARD_NOTE_MAX)
                if code is not None:
                    unmet.append(Unmet("note", code))
            if unmet:
                raise Refused(unmet)
            assert target is not None
            now = self._clock()
            await self._conn.execute(
                "INSERT INTO feedback_forwards (feedback_id, from_group_id, to_group_id, "
                "reason_code, note, actor, forwarded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                record.id,
                group.id,
                target.id,
                reason,
                cleaned_note,
                principal.pseudonym,
                now,
            )
            await queries.move_route(self._conn, record.id, group.id, target.id, now)
            await self._conn.execute(
                "DELETE FROM feedback_assignments WHERE feedback_id = $1 AND group_id = $2",
                record.id,
                group.id,
            )
            await queries.set_status(self._conn, record.id, FeedbackStatus.ROUTED, now)
            await self._audit(
                principal,
                record,
                "feedback.forwarded",
                now,
                to_state=FeedbackStatus.ROUTED,
                reason_code=reason,
            )
            await self._tell_submitter(
                record, FORWARDED_TEMPLATE, now, status="routed", group_name=target.name
            )
            return await self._view(await self._reload(record.id), target)

    async def assign(
        self, principal: Principal, feedback_id: uuid.UUID, user_id: int | None
    ) -> None:
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id, acting=True)
            self._open(record)
            now = self._clock()
            if user_id is None:
                await queries.unassign(self._conn, record.id, group.id)
                await self._audit(principal, record, "feedback.unassigned", now)
                return
            if not await queries.may_be_assigned(self._conn, group.id, user_id):
                raise Refused([Unmet("assignee", "not_a_member")])
            await queries.assign(
                self._conn, record.id, group.id, user_id, by=principal.pseudonym, at=now
            )
            await self._audit(principal, record, "feedback.assigned", now)

    async def set_themes(
        self, principal: Principal, feedback_id: uuid.UUID, theme_ids: list[int]
    ) -> None:
        """Tag the item with exactly these of the group's themes."""
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id, acting=True)
            known = {t.id: t for t in await queries.themes(self._conn, group.id)}
            wanted = set(theme_ids)
            current = await queries.item_theme_ids(self._conn, record.id, group.id)
            added = wanted - current
            if any(t not in known or known[t].archived for t in added):
                raise Refused([Unmet("themes", "unknown_theme")])
            if wanted == current:
                return
            now = self._clock()
            await self._conn.execute(
                "DELETE FROM feedback_themes "
                "WHERE feedback_id = $1 AND theme_id = ANY($2::bigint[])",
                record.id,
                list(current - wanted),
            )
            await self._conn.executemany(
                "INSERT INTO feedback_themes (feedback_id, theme_id, tagged_by, tagged_at) "
                "VALUES ($1, $2, $3, $4)",
                [(record.id, t, principal.pseudonym, now) for t in sorted(added)],
            )
            await self._audit(principal, record, "feedback.themes_changed", now)

    async def add_note(self, principal: Principal, feedback_id: uuid.UUID, text: str) -> None:
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id)
            body, code = clean_note(text)
            if code is not None:
                raise Refused([Unmet("note", code)])
            now = self._clock()
            await self._conn.execute(
                "INSERT INTO feedback_notes (feedback_id, group_id, author, body, created_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                record.id,
                group.id,
                principal.pseudonym,
                body,
                now,
            )
            await self._audit(principal, record, "feedback.noted", now)

    async def merge(
        self, principal: Principal, feedback_id: uuid.UUID, others: list[uuid.UUID]
    ) -> int:
        """Put the item and ``others`` (all in the same group) into one cluster; clusters they
        are already in are joined. Returns the cluster's id."""
        others = [o for o in dict.fromkeys(others) if o != feedback_id]
        if not others:
            raise Refused([Unmet("items", "choose_items")])
        async with self._work(principal, feedback_id):
            _, group = await self._own(principal, feedback_id, lock=False, acting=True)
            ids = [feedback_id, *others]
            found = set(await queries.lock_items(self._conn, ids))
            routed_here = {
                row[0]
                for row in await self._conn.fetch(
                    "SELECT feedback_id FROM feedback_routes "
                    "WHERE feedback_id = ANY($1::uuid[]) AND group_id = $2",
                    ids,
                    group.id,
                )
            }
            if any(i not in found or i not in routed_here for i in others):
                raise Refused([Unmet("items", "not_in_group")])
            clusters = [
                row[0]
                for row in await self._conn.fetch(
                    "SELECT DISTINCT cluster_id FROM feedback_cluster_members "
                    "WHERE group_id = $1 AND feedback_id = ANY($2::uuid[]) ORDER BY cluster_id",
                    group.id,
                    ids,
                )
            ]
            now = self._clock()
            if clusters:
                cluster_id = clusters[0]
                await self._conn.execute(
                    "UPDATE feedback_cluster_members SET cluster_id = $1 "
                    "WHERE cluster_id = ANY($2::bigint[])",
                    cluster_id,
                    clusters[1:],
                )
            else:
                cluster_id = await self._conn.fetchval(
                    "INSERT INTO feedback_clusters (group_id, created_by, created_at) "
                    "VALUES ($1, $2, $3) RETURNING id",
                    group.id,
                    principal.pseudonym,
                    now,
                )
            new = await self._conn.fetch(
                "INSERT INTO feedback_cluster_members (cluster_id, group_id, feedback_id, "
                "added_by, added_at) SELECT $1, $2, i, $3, $4 FROM unnest($5::uuid[]) AS i "
                "ON CONFLICT (group_id, feedback_id) DO NOTHING RETURNING feedback_id",
                cluster_id,
                group.id,
                principal.pseudonym,
                now,
                ids,
            )
            for row in sorted(new, key=lambda r: r[0]):
                await audit.record(
                    self._conn,
                    at=now,
                    actor=principal.pseudonym,
                    action="feedback.merged",
                    subject_type=SUBJECT,
                    subject_id=str(row[0]),
                )
            return cluster_id

    # ------------------------------------------------------------ helpers

    @asynccontextmanager
    async def _work(self, principal: Principal, feedback_id: uuid.UUID) -> AsyncIterator[None]:
        """One transaction for a use case on one item. When the item is not the asker's, the
        use case's transaction is rolled back and the refusal is written in one of its own, so
        it stays on the trail while nothing else does."""
        try:
            async with self._conn.transaction():
                yield
        except _Foreign:
            async with self._conn.transaction():
                await queries.item(self._conn, feedback_id, lock=True)
                await audit.record(
                    self._conn,
                    at=self._clock(),
                    actor=principal.pseudonym,
                    action="feedback.access_refused",
                    subject_type=SUBJECT,
                    subject_id=str(feedback_id),
                )
            raise NotFound(str(feedback_id)) from None

    async def _own(
        self,
        principal: Principal,
        feedback_id: uuid.UUID,
        *,
        lock: bool = True,
        acting: bool = False,
    ) -> tuple[ItemRecord, Group]:
        """The item and the asker's group it is routed to (one they act for, when there is
        one), or ``NotFound``. A refusal of an existing item is ``_Foreign``, which ``_work``
        writes to the item's trail. ``acting``: the use case acts for the group, which a
        patient representative may not (``NotPermitted``)."""
        record = await queries.item(self._conn, feedback_id, lock=lock)
        if record is None:
            raise NotFound(str(feedback_id))
        routed_to = await queries.item_groups(self._conn, feedback_id)
        answering = principal.answering_groups
        mine = sorted(
            (g for g in routed_to if g in principal.groups), key=lambda g: g not in answering
        )
        if not mine:
            raise _Foreign(str(feedback_id))
        if acting and mine[0] not in answering:
            raise NotPermitted(str(feedback_id))
        groups = await queries.groups_by_id(self._conn, [mine[0]])
        return record, groups[0]

    def _open(self, record: ItemRecord) -> None:
        if FeedbackStatus(record.status) not in OPEN_FOR_GROUP:
            raise Refused([Unmet("to", "item_finished")])

    async def _reload(self, feedback_id: uuid.UUID) -> ItemRecord:
        record = await queries.item(self._conn, feedback_id)
        assert record is not None
        return record

    async def _audit(
        self,
        principal: Principal,
        record: ItemRecord,
        action: str,
        at: dt.datetime,
        *,
        to_state: str | None = None,
        reason_code: str | None = None,
    ) -> None:
        await audit.record(
            self._conn,
            at=at,
            actor=principal.pseudonym,
            action=action,
            subject_type=SUBJECT,
            subject_id=str(record.id),
            from_state=record.status if to_state is not None else None,
            to_state=to_state,
            reason_code=reason_code,
        )

    async def _tell_submitter(
        self, record: ItemRecord, template: str, now: dt.datetime, **context: str | None
    ) -> None:
        if record.contact_id is None:
            return
        await enqueue(
            self._conn,
            template,
            now=now,
            contact_id=record.contact_id,
            language=record.language,
            context={
                "document_slug": record.document_slug,
                "document_title": record.document_title,
                "follow_path": "/folj",
                **{k: v for k, v in context.items() if v is not None},
            },
        )

    async def _tell_organisations(
        self, record: ItemRecord, now: dt.datetime, **context: str | None
    ) -> None:
        """When the item is an organisation's statement, its answer goes back to the
        coordinators (of the sender and of each co-signer) and to the members who asked to be
        told and whose input it cites. Nothing happens for ordinary feedback."""
        if record.submitter_role != "organisation":
            return
        for to in await organisation_queries.answer_recipients(self._conn, record.id):
            await enqueue(
                self._conn,
                STATEMENT_ANSWERED_TEMPLATE,
                now=now,
                user_id=to.user_id,
                context={
                    "organisation": to.organisation,
                    "document_title": record.document_title,
                    "path": to.path,
                    **{k: v for k, v in context.items() if v is not None},
                },
            )

    async def _view(self, record: ItemRecord, group: Group) -> ItemView:
        current_label, sections = await queries.current_sections(self._conn, record.document_id)
        passage, passage_section = passage_state(record.quote, record.section_key, sections)
        routed_to = await queries.item_groups(self._conn, record.id)
        others = [g for g in await queries.groups_by_id(self._conn, routed_to) if g.id != group.id]
        cluster_id, cluster = await queries.cluster_of(self._conn, record.id, group.id)
        return ItemView(
            item=record,
            group=group,
            other_groups=others,
            passage=passage,
            passage_section=passage_section,
            current_version=current_label,
            timeline=await audit.events_for(self._conn, SUBJECT, str(record.id)),
            answers=await queries.answers(self._conn, record.id),
            notes=await queries.notes(self._conn, record.id, group.id),
            forwards=await queries.forwards(self._conn, record.id),
            assignee_id=await queries.assignee(self._conn, record.id, group.id),
            members=await queries.members(self._conn, group.id),
            themes=await queries.themes(self._conn, group.id),
            item_themes=await queries.item_theme_ids(self._conn, record.id, group.id),
            cluster_id=cluster_id,
            cluster=cluster,
        )


__all__ = ["FilterInvalid", "NotFound", "NotPermitted", "Refused", "TriageService"]
