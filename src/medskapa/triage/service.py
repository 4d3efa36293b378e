"""A subject group's use cases on its items: read the inbox and an item, move it through the
lifecycle with an answer, assign, tag, note, merge similar items, forward. One transaction each;
every change writes its audit event (and, where the submitter left an address, its e-mail) in
that same transaction.

An item belongs to the groups it is routed to. Anyone else asking for it gets ``NotFound``, the
same as for an item that does not exist, and the attempt is written to the item's trail. A
patient representative in the group reads the item and writes notes, but does not act for the
group (answer, change status, assign, tag, merge, forward): ``Refused("not_permitted")``, 403.
Input the group cannot use is ``Invalid``, each error naming its field. Nothing is written when
one of them is raised.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from medskapa.audit import service as audit
from medskapa.audit.domain import AuditEvent
from medskapa.clock import Clock
from medskapa.db.pool import retries_deadlocks
from medskapa.errors import FieldError, Invalid, NotFound, Refused
from medskapa.feedback.domain import FeedbackStatus
from medskapa.feedback.lifecycle import (
    FORWARD_NOTE_MAX,
    GROUP_TARGETS,
    OPEN_FOR_GROUP,
    Actor,
    CheckedStep,
    CloseReason,
    ForwardReason,
    GroupStep,
    StepRefused,
    allowed,
    check_step,
    follows,
    later_version,
)
from medskapa.security.principal import Principal
from medskapa.triage import (
    cluster_queries,
    group_queries,
    inbox_queries,
    item_queries,
    notices,
    texts,
)
from medskapa.triage.domain import (
    PAGE_SIZE,
    SUBJECT,
    InboxFilter,
    age_in_days,
    clean_note,
)
from medskapa.triage.group_queries import Group
from medskapa.triage.inbox_queries import InboxRow
from medskapa.triage.item_queries import AnswerRecord, ItemRecord
from medskapa.triage.item_view import Inbox, InboxSummary, ItemView, item_view

NO_SUCH_ITEM = "No such item in your groups."
NOT_A_MEMBER = "You are not a member of that group."


class _Foreign(Exception):
    """The item exists but is not routed to any of the asker's groups."""


def _invalid(*errors: FieldError) -> Invalid:
    return Invalid(list(errors), texts.ERRORS)


def _not_permitted() -> Refused:
    """The asker sits in the item's group as a patient representative."""
    return Refused("not_permitted", texts.ERRORS, status=403)


async def answers(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> list[AnswerRecord]:
    """The groups' answers to an item, oldest first, for the areas that show them to the one
    who wrote it (the follow page, an organisation's statement)."""
    return await item_queries.answers(conn, feedback_id)


class TriageService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock
        # Every event this service writes is about a feedback item.
        self._audit = functools.partial(audit.record, conn, subject_type=SUBJECT)

    # ------------------------------------------------------------ reading

    async def my_groups(self, principal: Principal) -> list[Group]:
        return await group_queries.groups_by_id(self._conn, list(principal.groups))

    async def group(self, principal: Principal, slug: str) -> Group:
        """One of the asker's groups by slug; ``NotFound`` for any other."""
        group = await group_queries.group_by_slug(self._conn, slug)
        if group is None or group.id not in principal.groups:
            raise NotFound(NOT_A_MEMBER)
        return group

    async def inbox(
        self, principal: Principal, slug: str, inbox_filter: InboxFilter, page_size: int = PAGE_SIZE
    ) -> Inbox:
        group = await self.group(principal, slug)
        assert principal.user_id is not None
        async with self._conn.transaction(isolation="repeatable_read", readonly=True):
            page = await inbox_queries.inbox(
                self._conn, group.id, inbox_filter, principal.user_id, page_size
            )
            counts = await inbox_queries.status_counts(self._conn, group.id)
            oldest = await inbox_queries.oldest_unanswered(self._conn, group.id)
        return Inbox(
            group,
            page,
            counts,
            None if oldest is None else age_in_days(oldest, self._clock()),
        )

    async def inbox_summaries(self, principal: Principal) -> list[InboxSummary]:
        """Each of the principal's groups with what its inbox counts (kept by triggers, so
        cheap), for their start page."""
        now = self._clock()
        summaries = []
        async with self._conn.transaction(isolation="repeatable_read", readonly=True):
            for group in await self.my_groups(principal):
                oldest = await inbox_queries.oldest_unanswered(self._conn, group.id)
                summaries.append(
                    InboxSummary(
                        group,
                        await inbox_queries.status_counts(self._conn, group.id),
                        await inbox_queries.urgent_unanswered(self._conn, group.id),
                        None if oldest is None else age_in_days(oldest, now),
                        group.id in principal.answering_groups,
                    )
                )
        return summaries

    async def item(self, principal: Principal, feedback_id: uuid.UUID) -> ItemView:
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id, lock=False)
            return await item_view(self._conn, record, group)

    async def timeline(self, principal: Principal, feedback_id: uuid.UUID) -> list[AuditEvent]:
        async with self._work(principal, feedback_id):
            await self._own(principal, feedback_id, lock=False)
            return await audit.events_for(self._conn, SUBJECT, str(feedback_id))

    async def similar(
        self, principal: Principal, feedback_id: uuid.UUID
    ) -> list[cluster_queries.Similar]:
        async with self._work(principal, feedback_id):
            _, group = await self._own(principal, feedback_id, lock=False)
            return await cluster_queries.similar(self._conn, feedback_id, group.id)

    # ------------------------------------------------------------ changing

    @retries_deadlocks
    async def transition(
        self, principal: Principal, feedback_id: uuid.UUID, step: GroupStep
    ) -> ItemView:
        """Move the item, and the items merged with it that follow it
        (medskapa.feedback.lifecycle.follows), with the same answer and the same e-mails."""
        view, _ = await self._transition(principal, feedback_id, step)
        return view

    async def _transition(
        self, principal: Principal, feedback_id: uuid.UUID, step: GroupStep
    ) -> tuple[ItemView, set[uuid.UUID]]:
        """The step, and the ids of every item it moved."""
        async with self._work(principal, feedback_id):
            _, group = await self._own(principal, feedback_id, lock=False, acting=True)
            # The item and its cluster locked in one order, so that steps on two merged items
            # at once take turns instead of deadlocking; then read as they are now.
            cluster = await cluster_queries.cluster_member_ids(self._conn, feedback_id, group.id)
            await item_queries.lock_items(self._conn, [feedback_id, *cluster])
            record = await self._reload(feedback_id)
            try:
                checked = check_step(FeedbackStatus(record.status), step)
            except StepRefused as exc:
                raise _invalid(*(FieldError(u.field, u.code) for u in exc.unmet)) from None
            version = None
            if checked.version is not None:
                version = await item_queries.document_version(
                    self._conn, record.document_id, checked.version
                )
                if version is None:
                    raise _invalid(FieldError("version", "unknown_version"))
                if version.published_on is None:
                    raise _invalid(FieldError("version", "version_not_published"))
                if not later_version(record.version_label, version.label):
                    raise _invalid(FieldError("version", "version_not_later"))
            moved = [record, *await self._followers(record, cluster, checked, version)]
            await self._step(principal, moved, group, checked, version, self._clock())
            view = await item_view(self._conn, await self._reload(record.id), group)
            return view, {m.id for m in moved}

    async def _followers(
        self,
        leader: ItemRecord,
        cluster: list[uuid.UUID],
        step: CheckedStep,
        version: item_queries.VersionRef | None,
    ) -> list[ItemRecord]:
        """The items of ``cluster`` that take ``step`` with ``leader``. A change is made in a
        version of the leader's document, so only items on that document, on an earlier
        version, follow it there."""
        found = []
        for item_id in cluster:
            other = await self._reload(item_id)
            if not follows(FeedbackStatus(other.status), step.target):
                continue
            if version is not None and (
                other.document_id != leader.document_id
                or not later_version(other.version_label, version.label)
            ):
                continue
            found.append(other)
        return found

    async def _step(
        self,
        principal: Principal,
        records: list[ItemRecord],
        group: Group,
        step: CheckedStep,
        version: item_queries.VersionRef | None,
        now: dt.datetime,
    ) -> None:
        """Write one group step on each of ``records`` (status, answer, audit event) and the
        e-mails it sends, each follower told once."""
        for record in records:
            await item_queries.set_status(
                self._conn, record.id, step.target, now, version.id if version else None
            )
            if step.target is not FeedbackStatus.IN_REVIEW:
                await item_queries.insert_answer(
                    self._conn,
                    feedback_id=record.id,
                    group_id=group.id,
                    status=step.target,
                    body=step.answer,
                    will_change=step.will_change,
                    reason_code=step.reason,
                    version_id=version.id if version else None,
                    author=principal.pseudonym,
                    at=now,
                )
            await self._audit(
                at=now,
                actor=principal.pseudonym,
                action=f"feedback.{step.target}",
                subject_id=str(record.id),
                from_state=record.status,
                to_state=step.target,
                reason_code=step.reason,
            )
        told = {
            "status": str(step.target),
            "group_name": group.name,
            "version_label": version.label if version else None,
        }
        await notices.tell_submitters(
            self._conn,
            records,
            notices.STEP_TEMPLATES[step.target],
            now,
            reason_code=step.reason,
            **told,
        )
        if step.target is not FeedbackStatus.IN_REVIEW:
            await notices.tell_statement_readers(self._conn, records, now, **told)

    async def link_planned(
        self, principal: Principal, feedback_ids: list[uuid.UUID], version: str
    ) -> int:
        """Mark planned changes as made in ``version``, all or none: the step a group takes
        when it publishes the version that carries them. Returns how many were linked."""
        if not feedback_ids:
            raise _invalid(FieldError("items", "choose_items"))
        moved: set[uuid.UUID] = set()
        async with self._conn.transaction():
            for feedback_id in sorted(set(feedback_ids)):
                # An item merged with one linked before it has followed it already.
                if feedback_id not in moved:
                    _, ids = await self._transition(
                        principal, feedback_id, GroupStep(target="changed", version=version)
                    )
                    moved |= ids
        return len(set(feedback_ids))

    @retries_deadlocks
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
            unmet: list[FieldError] = []
            current = FeedbackStatus(record.status)
            if not allowed(current, FeedbackStatus.ROUTED, Actor.GROUP_MEMBER):
                raise _invalid(FieldError("to", "not_forwardable"))
            target = await group_queries.group_by_slug(self._conn, to_group.strip(), live=True)
            if target is None:
                unmet.append(FieldError("group", "unknown_group"))
            elif target.id == group.id:
                unmet.append(FieldError("group", "same_group"))
            elif target.id in await item_queries.item_groups(self._conn, record.id):
                unmet.append(FieldError("group", "already_routed_there"))
            if reason not in ForwardReason.__members__.values():
                unmet.append(
                    FieldError("reason", "unknown_reason" if reason else "reason_required")
                )
            cleaned_note = None
            if note and note.strip():
                cleaned_note, code = clean_note(note, FORWARD_NOTE_MAX)
                if code is not None:
                    unmet.append(FieldError("note", code))
            if unmet:
                raise _invalid(*unmet)
            assert target is not None
            now = self._clock()
            await item_queries.insert_forward(
                self._conn,
                feedback_id=record.id,
                from_group_id=group.id,
                to_group_id=target.id,
                reason_code=reason,
                note=cleaned_note,
                actor=principal.pseudonym,
                at=now,
            )
            await item_queries.move_route(self._conn, record.id, group.id, target.id, now)
            await item_queries.unassign(self._conn, record.id, group.id)
            await item_queries.set_status(self._conn, record.id, FeedbackStatus.ROUTED, now)
            await self._audit(
                at=now,
                actor=principal.pseudonym,
                action="feedback.forwarded",
                subject_id=str(record.id),
                from_state=record.status,
                to_state=FeedbackStatus.ROUTED,
                reason_code=reason,
            )
            await notices.tell_submitter(
                self._conn,
                record,
                notices.FORWARDED_TEMPLATE,
                now,
                status="routed",
                group_name=target.name,
            )
            return await item_view(self._conn, await self._reload(record.id), target)

    async def assign(
        self, principal: Principal, feedback_id: uuid.UUID, user_id: int | None
    ) -> None:
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id, acting=True)
            self._open(record)
            now = self._clock()
            if user_id is None:
                await item_queries.unassign(self._conn, record.id, group.id)
                await self._audit(
                    at=now,
                    actor=principal.pseudonym,
                    action="feedback.unassigned",
                    subject_id=str(record.id),
                )
                return
            if not await group_queries.may_be_assigned(self._conn, group.id, user_id):
                raise _invalid(FieldError("assignee", "not_a_member"))
            await item_queries.assign(
                self._conn, record.id, group.id, user_id, by=principal.pseudonym, at=now
            )
            await self._audit(
                at=now,
                actor=principal.pseudonym,
                action="feedback.assigned",
                subject_id=str(record.id),
            )

    async def set_themes(
        self, principal: Principal, feedback_id: uuid.UUID, theme_ids: list[int]
    ) -> None:
        """Tag the item with exactly these of the group's themes."""
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id, acting=True)
            known = {t.id: t for t in await group_queries.themes(self._conn, group.id)}
            wanted = set(theme_ids)
            current = await item_queries.item_theme_ids(self._conn, record.id, group.id)
            added = wanted - current
            if any(t not in known or known[t].archived for t in added):
                raise _invalid(FieldError("themes", "unknown_theme"))
            if wanted == current:
                return
            now = self._clock()
            await item_queries.change_themes(
                self._conn,
                record.id,
                removed=list(current - wanted),
                added=sorted(added),
                by=principal.pseudonym,
                at=now,
            )
            await self._audit(
                at=now,
                actor=principal.pseudonym,
                action="feedback.themes_changed",
                subject_id=str(record.id),
            )

    async def add_note(self, principal: Principal, feedback_id: uuid.UUID, text: str) -> None:
        async with self._work(principal, feedback_id):
            record, group = await self._own(principal, feedback_id)
            body, code = clean_note(text)
            if code is not None:
                raise _invalid(FieldError("note", code))
            assert body is not None
            now = self._clock()
            await item_queries.insert_note(
                self._conn,
                feedback_id=record.id,
                group_id=group.id,
                author=principal.pseudonym,
                body=body,
                at=now,
            )
            await self._audit(
                at=now,
                actor=principal.pseudonym,
                action="feedback.noted",
                subject_id=str(record.id),
            )

    async def merge(
        self, principal: Principal, feedback_id: uuid.UUID, others: list[uuid.UUID]
    ) -> int:
        """Merge ``others`` (all in the same group) into the item: one cluster, joining any
        they are already in. Those behind the item take its status and latest answer now
        (medskapa.feedback.lifecycle.follows), and from then on the cluster moves as one.
        Returns the cluster's id."""
        others = [o for o in dict.fromkeys(others) if o != feedback_id]
        if not others:
            raise _invalid(FieldError("items", "choose_items"))
        async with self._work(principal, feedback_id):
            _, group = await self._own(principal, feedback_id, lock=False, acting=True)
            ids = [feedback_id, *others]
            found = set(await item_queries.lock_items(self._conn, ids))
            routed_here = await cluster_queries.routed_to_group(self._conn, ids, group.id)
            if any(i not in found or i not in routed_here for i in others):
                raise _invalid(FieldError("items", "not_in_group"))
            clusters = await cluster_queries.clusters_of(self._conn, group.id, ids)
            now = self._clock()
            if clusters:
                cluster_id = clusters[0]
                await cluster_queries.join_clusters(self._conn, cluster_id, clusters[1:])
            else:
                cluster_id = await cluster_queries.new_cluster(
                    self._conn, group.id, by=principal.pseudonym, at=now
                )
            new = await cluster_queries.add_to_cluster(
                self._conn, cluster_id, group.id, ids, by=principal.pseudonym, at=now
            )
            for merged_id in sorted(new):
                await self._audit(
                    at=now,
                    actor=principal.pseudonym,
                    action="feedback.merged",
                    subject_id=str(merged_id),
                )
            await self._catch_up(principal, feedback_id, group, now)
            return cluster_id

    async def _catch_up(
        self, principal: Principal, leader_id: uuid.UUID, group: Group, now: dt.datetime
    ) -> None:
        """The items merged with ``leader_id`` take the step that brought it where it is,
        with the answer that step gave (the group's latest)."""
        leader = await self._reload(leader_id)
        status = FeedbackStatus(leader.status)
        if status not in GROUP_TARGETS:
            return
        given = [a for a in await item_queries.answers(self._conn, leader.id) if a.status == status]
        if status is not FeedbackStatus.IN_REVIEW and not given:
            return  # moved there before answers were kept: nothing to pass on
        last = given[-1] if given else None
        version = None
        if last is not None and last.version_label is not None:
            version = await item_queries.document_version(
                self._conn, leader.document_id, last.version_label
            )
        step = CheckedStep(
            target=status,
            answer=last.body if last else None,
            will_change=last.will_change if last else None,
            reason=CloseReason(last.reason_code) if last and last.reason_code else None,
            version=version.label if version else None,
        )
        cluster = await cluster_queries.cluster_member_ids(self._conn, leader.id, group.id)
        await item_queries.lock_items(self._conn, [leader.id, *cluster])
        followers = await self._followers(leader, cluster, step, version)
        if followers:
            await self._step(principal, followers, group, step, version, now)

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
                await item_queries.item(self._conn, feedback_id, lock=True)
                await self._audit(
                    at=self._clock(),
                    actor=principal.pseudonym,
                    action="feedback.access_refused",
                    subject_id=str(feedback_id),
                )
            raise NotFound(NO_SUCH_ITEM) from None

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
        patient representative may not (``Refused("not_permitted")``)."""
        record = await item_queries.item(self._conn, feedback_id, lock=lock)
        if record is None:
            raise NotFound(NO_SUCH_ITEM)
        routed_to = await item_queries.item_groups(self._conn, feedback_id)
        answering = principal.answering_groups
        mine = sorted(
            (g for g in routed_to if g in principal.groups), key=lambda g: g not in answering
        )
        if not mine:
            raise _Foreign(str(feedback_id))
        if acting and mine[0] not in answering:
            raise _not_permitted()
        groups = await group_queries.groups_by_id(self._conn, [mine[0]])
        return record, groups[0]

    def _open(self, record: ItemRecord) -> None:
        if FeedbackStatus(record.status) not in OPEN_FOR_GROUP:
            raise _invalid(FieldError("to", "item_finished"))

    async def _reload(self, feedback_id: uuid.UUID) -> ItemRecord:
        record = await item_queries.item(self._conn, feedback_id)
        assert record is not None
        return record


__all__ = [
    "AnswerRecord",
    "Group",
    "Inbox",
    "InboxRow",
    "ItemView",
    "TriageService",
    "answers",
]
