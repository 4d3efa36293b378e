"""The follow-up pages: the dashboard (/uppfoljning) for group leads and admins with its CSV,
and the public statistics of a document or programme area with theirs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import asyncpg
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.clock import Clock
from medskapa.errors import Invalid
from medskapa.followup import charts, service
from medskapa.followup.domain import days, percent
from medskapa.followup.texts import CAPTIONS, INTERVALS
from medskapa.i18n import _
from medskapa.security.permissions import Permission, principal_of
from medskapa.web.deps import Conn, clock
from medskapa.web.responses import private_page
from medskapa.web.templating import STOCKHOLM

FILTER_NAMES = ("from", "to", "per", "area", "group", "document", "version")
# A query value longer than this is no filter of ours; cut before it is read.
LONGEST_VALUE = 200


def _raw(request: Request[Any, Any, Any]) -> dict[str, str | None]:
    query = request.query_params
    return {name: (query.get(name) or "")[:LONGEST_VALUE] for name in FILTER_NAMES}


def _today(clock: Clock) -> dt.date:
    return clock().astimezone(STOCKHOLM).date()


def _csv(filename: str, rows: list[list[Any]], private: bool) -> Response[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(service.CSV_COLUMNS)
    # Labels are titles and names from the catalogue; one starting like a formula is quoted
    # so that a spreadsheet shows it as text.
    writer.writerows(
        [("'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c) for c in r]
        for r in rows
    )
    return Response(
        ("\ufeff" + buffer.getvalue()).encode(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store" if private else "public, max-age=300",
        },
    )


HELPERS = {"days": days, "percent": percent, "intervals": INTERVALS, "captions": CAPTIONS}


class FollowUpPages(Controller):
    include_in_schema = False
    dependencies = {"clock": Provide(clock, sync_to_thread=False)}  # noqa: RUF012

    @get("/uppfoljning", name="follow-up", permission=Permission.FOLLOW_UP)
    async def dashboard(
        self, request: Request[Any, Any, Any], conn: Conn, clock: NamedDependency[Clock]
    ) -> Template:
        """The figures over the asker's groups (a lead) or the whole country (an admin)."""
        principal = principal_of(request)
        raw = _raw(request)
        try:
            board = await service.dashboard(conn, principal, raw, _today(clock))
        except Invalid as exc:
            # The page shows the default figures, the filters as sent and what was wrong.
            board = await service.dashboard(conn, principal, {}, _today(clock))
            return private_page(
                "followup/dashboard.html",
                HTTP_422_UNPROCESSABLE_ENTITY,
                board=board,
                sent=raw,
                errors=exc.by_field(),
                **_charts(board.series, board.breakdowns),
                **HELPERS,
            )
        return private_page(
            "followup/dashboard.html",
            board=board,
            sent=raw,
            errors={},
            csv_query=board.filters.query(),
            **_charts(board.series, board.breakdowns),
            **HELPERS,
        )

    @get(
        "/uppfoljning/siffror.csv",
        name="follow-up-csv",
        permission=Permission.FOLLOW_UP,
    )
    async def dashboard_csv(
        self, request: Request[Any, Any, Any], conn: Conn, clock: NamedDependency[Clock]
    ) -> Response[bytes]:
        """Every figure of the dashboard with these filters; bad filters are a 422 page."""
        board = await service.dashboard(conn, principal_of(request), _raw(request), _today(clock))
        name = f"uppfoljning-{board.filters.start}-{board.filters.end}.csv"
        return _csv(
            name,
            service.csv_rows(board.total, board.series, board.breakdowns, board.helpfulness),
            True,
        )

    async def _public(
        self,
        request: Request[Any, Any, Any],
        conn: asyncpg.Connection,
        clock: Clock,
        kind: str,
        slug: str,
    ) -> Template:
        raw = _raw(request)
        today = _today(clock)
        errors: dict[str, str] = {}
        try:
            stats = await service.public_statistics(conn, kind, slug, raw, today)
        except Invalid as exc:
            errors = exc.by_field()
            stats = await service.public_statistics(conn, kind, slug, {}, today)
        return Template(
            "followup/public.html",
            context={
                "s": stats,
                "sent": raw,
                "errors": errors,
                "csv_query": stats.filters.query() if not errors else {},
                **_charts(stats.series, stats.breakdowns),
                **HELPERS,
            },
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK,
        )

    @get(
        "/kunskapsstod/{slug:str}/statistik",
        name="document-statistics",
        permission=Permission.PUBLIC,
    )
    async def document_statistics(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        clock: NamedDependency[Clock],
        slug: FromPath[str],
    ) -> Template:
        """A public document's statistics: moderated items only, no text."""
        return await self._public(request, conn, clock, "document", slug)

    @get(
        "/programomraden/{slug:str}/statistik",
        name="area-statistics",
        permission=Permission.PUBLIC,
    )
    async def area_statistics(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        clock: NamedDependency[Clock],
        slug: FromPath[str],
    ) -> Template:
        """A programme area's statistics over its documents."""
        return await self._public(request, conn, clock, "area", slug)

    @get(
        "/kunskapsstod/{slug:str}/statistik.csv",
        name="document-statistics-csv",
        permission=Permission.PUBLIC,
    )
    async def document_statistics_csv(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        clock: NamedDependency[Clock],
        slug: FromPath[str],
    ) -> Response[bytes]:
        stats = await service.public_statistics(
            conn, "document", slug, _raw(request), _today(clock)
        )
        rows = service.csv_rows(stats.total, stats.series, stats.breakdowns, stats.helpfulness)
        return _csv(f"{slug}-statistik.csv", rows, False)

    @get(
        "/programomraden/{slug:str}/statistik.csv",
        name="area-statistics-csv",
        permission=Permission.PUBLIC,
    )
    async def area_statistics_csv(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        clock: NamedDependency[Clock],
        slug: FromPath[str],
    ) -> Response[bytes]:
        stats = await service.public_statistics(conn, "area", slug, _raw(request), _today(clock))
        rows = service.csv_rows(stats.total, stats.series, stats.breakdowns, stats.helpfulness)
        return _csv(f"{slug}-statistik.csv", rows, False)


def _charts(series: list, breakdowns: list) -> dict[str, Any]:
    category = next((b for b in breakdowns if b.dimension == "category"), None)
    return {
        "period_chart": charts.period_chart(
            "per-period", _("Synpunkter per period: inkomna, besvarade och ändrade"), series
        ),
        "category_chart": charts.bar_chart(
            "per-kategori", _("Inkomna synpunkter per kategori"), category.rows
        )
        if category
        else None,
    }
