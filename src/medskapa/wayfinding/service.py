"""What a signed-in person's start page shows, asked of each area they work in through its
service: the moderation queue, their groups' inboxes, their organisations' open rounds.
Read only; a section is there only if the person may open the pages it links to."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from medskapa.clock import Clock
from medskapa.moderation.service import ModerationService, QueueCounts
from medskapa.organisations import service as organisations
from medskapa.organisations.domain import end_of_day, is_open
from medskapa.organisations.service import Home, OrganisationService, RoundLine
from medskapa.security.permissions import Permission, may
from medskapa.security.principal import Principal
from medskapa.triage.item_view import InboxSummary
from medskapa.triage.service import TriageService


class OrganisationWork(msgspec.Struct, frozen=True):
    """One of the person's organisations: its page's facts and the rounds still open."""

    home: Home
    open_rounds: list[RoundLine]

    @property
    def coordinator(self) -> bool:
        return self.home.role == "coordinator"


class Tasks(msgspec.Struct, frozen=True, kw_only=True):
    moderation: QueueCounts | None = None
    """Set for a moderator (and an admin): the queue's counts."""
    groups: list[InboxSummary] = []
    organisations: list[OrganisationWork] = []
    administer: bool = False
    author_documents: bool = False
    """A group lead who is not an admin: writes the group's documents."""

    @property
    def staff(self) -> bool:
        return bool(self.moderation or self.groups or self.administer)


def _open_rounds(home: Home, now: dt.datetime) -> list[RoundLine]:
    return [r for r in home.rounds if is_open(now, end_of_day(r.deadline))]


async def tasks(
    conn: asyncpg.Connection, clock: Clock, receipt_key: bytes, principal: Principal
) -> Tasks:
    moderation = None
    if may(principal, Permission.MODERATE):
        moderation = await ModerationService(conn, clock).waiting()
    groups: list[InboxSummary] = []
    if may(principal, Permission.WORK_IN_GROUP):
        groups = await TriageService(conn, clock).inbox_summaries(principal)
    work = []
    if may(principal, Permission.BELONG_TO_ORGANISATION):
        service = OrganisationService(conn, clock, receipt_key)
        now = clock()
        for org_id in principal.organisations:
            organisation = await organisations.by_id(conn, org_id)
            if organisation is not None:
                home = await service.home(principal, organisation.slug)
                work.append(OrganisationWork(home, _open_rounds(home, now)))
        work.sort(key=lambda w: w.home.organisation.name)
    administer = may(principal, Permission.ADMINISTER)
    return Tasks(
        moderation=moderation,
        groups=groups,
        organisations=work,
        administer=administer,
        author_documents=not administer and may(principal, Permission.AUTHOR_DOCUMENTS),
    )
