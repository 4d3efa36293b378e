"""A group's items as files: the CSV and JSON exports (API) and the printable traceability
report (a page). Each is streamed from the request's connection while it is sent, so it costs
the same memory for ten items as for 100,000."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import asyncpg
import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream
from markupsafe import escape

from medskapa.i18n import _, current_language, ngettext
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.triage import export_queries, texts
from medskapa.triage.export_queries import EXPORT_COLUMNS
from medskapa.triage.service import TriageService
from medskapa.triage.shared_web import DEPENDENCIES
from medskapa.web.connection import held_connection
from medskapa.web.deps import Conn
from medskapa.web.templating import STOCKHOLM

# A cell a spreadsheet would take for a formula is prefixed with an apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    # A list (the item's themes) is one cell, its parts separated by semicolons.
    text = "; ".join(value) if isinstance(value, list) else str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID) or hasattr(value, "isoformat"):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    return value


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d") if value else "–"


def traceability_report(
    request: Request[Any, Any, Any], conn: asyncpg.Connection, group_id: int, group_name: str
) -> Stream:
    """The group's traceability report as a streamed HTML page."""
    return Stream(
        held_connection(request.scope).stream(_trace_stream(conn, group_id, group_name)),
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


async def _trace_stream(
    conn: asyncpg.Connection, group_id: int, group_name: str
) -> AsyncGenerator[bytes, None]:
    """The traceability report as HTML, written while it is sent; every value escaped; in the
    request's language (the language middleware's choice holds while the body is sent)."""
    title = escape(_("Spårbarhet – {group}").format(group=group_name))
    # A document's title and a group's name are Swedish content: marked so on a page in
    # another language.
    sv = ' lang="sv"' if current_language() != "sv" else ""
    heading = str(escape(_("Spårbarhet – {group}"))).replace(
        "{group}", f"<span{sv}>{escape(group_name)}</span>"
    )
    caption = _("Synpunkternas väg")
    headings = (
        _("Synpunkt"),
        _("Kunskapsstöd, version"),
        _("Inkom"),
        _("Granskad"),
        _("Dirigerad"),
        _("Besvarad"),
        _("Status nu"),
        _("Ändrad i version"),
    )
    intro = _(
        "Varje synpunkt som gått till gruppen: när den kom in, granskades, dirigerades och "
        "besvarades, och i vilken version texten ändrades. Datum i svensk tid. Skriv ut sidan "
        "eller spara den som PDF från webbläsaren."
    )
    yield (
        f'<!doctype html>\n<html lang="{current_language()}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        '<link rel="stylesheet" href="/static/css/site.css">\n</head>\n'
        '<body class="report">\n<main class="wrap">\n'
        f"<h1>{heading}</h1>\n<p>{escape(intro)}</p>\n"
        f'<table class="data">\n<caption class="visually-hidden">{escape(caption)}</caption>\n'
        "<thead><tr>"
        + "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
        + "</tr></thead>\n<tbody>\n"
    ).encode()
    count = 0
    async with aclosing(export_queries.trace_rows(conn, group_id)) as batches:
        async for rows in batches:
            count += len(rows)
            yield "".join(
                f"<tr><td><code>{str(r.id)[:8]}</code></td>"
                f"<td><span{sv}>{escape(r.document_title)}</span>, {escape(r.version_label)}</td>"
                f"<td>{_when(r.received_at)}</td><td>{_when(r.moderated_at)}</td>"
                f"<td>{_when(r.routed_at)}</td><td>{_when(r.answered_at)}</td>"
                f"<td>{escape(texts.GROUP_STATUS_LABELS.get(r.status, r.status))}</td>"
                f"<td>{escape(r.changed_in_version or '–')}</td></tr>\n"
                for r in rows
            ).encode()
    total = ngettext("{count} synpunkt.", "{count} synpunkter.", count).format(count=count)
    yield f"</tbody>\n</table>\n<p>{escape(total)}</p>\n</main>\n</body>\n</html>\n".encode()


async def _export_stream(
    conn: asyncpg.Connection, group_id: int, kind: str
) -> AsyncGenerator[bytes, None]:
    """The export, produced while it is sent, from the request's connection (which the
    request keeps until the body is done, see ``HeldConnection.stream``)."""
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        yield ("\ufeff" + buffer.getvalue()).encode()
    else:
        yield b"["
    first = True
    async with aclosing(export_queries.export_rows(conn, group_id)) as batches:
        async for rows in batches:
            if kind == "csv":
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\r\n")
                writer.writerows([_csv_cell(row[c]) for c in EXPORT_COLUMNS] for row in rows)
                yield buffer.getvalue().encode()
            else:
                chunk = b",".join(
                    msgspec.json.encode({c: _json_value(row[c]) for c in EXPORT_COLUMNS})
                    for row in rows
                )
                yield chunk if first else b"," + chunk
                first = False
    if kind == "json":
        yield b"]"


class TriageExportApi(Controller):
    path = "/api/v1/groups"
    tags = ("triage",)
    opt = requires(Permission.WORK_IN_GROUP)
    dependencies = DEPENDENCIES

    async def _export(
        self,
        request: Request[Any, Any, Any],
        conn: asyncpg.Connection,
        triage: TriageService,
        slug: str,
        kind: str,
    ) -> Stream:
        group = await triage.group(principal_of(request), slug)
        filename = f"{group.slug}-synpunkter.{kind}"
        return Stream(
            held_connection(request.scope).stream(_export_stream(conn, group.id, kind)),
            media_type="text/csv; charset=utf-8" if kind == "csv" else "application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    @get(
        "/{slug:str}/export.csv",
        summary="All of a group's items with states, answers and timestamps, as CSV",
        description="Streamed: memory stays flat however many items there are.",
    )
    async def export_csv(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
    ) -> Stream:
        return await self._export(request, conn, triage, slug, "csv")

    @get(
        "/{slug:str}/export.json",
        summary="All of a group's items with states, answers and timestamps, as JSON",
        description="A JSON array, streamed.",
    )
    async def export_json(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
    ) -> Stream:
        return await self._export(request, conn, triage, slug, "json")
