"""Accessibility reports: filed by anyone, read and marked handled by admins, erased after the
retention period. One transaction each."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from medskapa.audit import service as audit
from medskapa.clock import Clock
from medskapa.errors import Invalid, NotFound
from medskapa.legal import queries
from medskapa.legal.domain import ReportInput, check_report
from medskapa.legal.queries import Report
from medskapa.legal.texts import ERRORS

SUBJECT = "accessibility_report"
SHOWN = 200


class AccessibilityReports:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    async def file(self, data: ReportInput) -> uuid.UUID:
        """Store a report (``Invalid`` with the errors beside each field, nothing stored).
        Inside the caller's transaction when there is one, so a rate-limit count taken in it
        stands or falls with the report."""
        report, errors = check_report(data)
        if report is None:
            raise Invalid(errors, ERRORS)
        report_id = uuid.uuid4()
        now = self._clock()
        async with self._conn.transaction():
            await queries.insert_report(
                self._conn,
                report_id=report_id,
                page=report.page,
                problem=report.problem,
                language=report.language,
                email=report.email,
                now=now,
            )
            await audit.record(
                self._conn,
                at=now,
                actor="submitter",
                action="accessibility_report.filed",
                subject_type=SUBJECT,
                subject_id=str(report_id),
                to_state="open",
            )
        return report_id

    async def listing(self) -> tuple[list[Report], int]:
        """The reports an admin sees (open first) and how many are open."""
        return await queries.reports(self._conn, SHOWN), await queries.unhandled_count(self._conn)

    async def handle(self, report_id: uuid.UUID, user_id: int) -> None:
        """Mark a report handled; doing it twice is harmless."""
        now = self._clock()
        async with self._conn.transaction():
            if not await queries.exists(self._conn, report_id):
                raise NotFound("No accessibility report has that id.")
            if await queries.mark_handled(self._conn, report_id, user_id, now):
                await audit.record(
                    self._conn,
                    at=now,
                    actor=f"user:{user_id}",
                    action="accessibility_report.handled",
                    subject_type=SUBJECT,
                    subject_id=str(report_id),
                    from_state="open",
                    to_state="handled",
                )

    async def purge(self, retention_days: int, *, batch: int = 500) -> int:
        """Erase every report (and its address) older than the retention period."""
        cutoff = self._clock() - dt.timedelta(days=retention_days)
        total = 0
        while True:
            async with self._conn.transaction():
                gone = await queries.purge(self._conn, cutoff, batch)
            total += gone
            if gone < batch:
                return total
