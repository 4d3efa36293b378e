"""The public answers as open data: every moderated item its submitter let be shown, with the
groups' answers, as CSV and JSON (streamed), and the page that documents the fields and the
licence. Anyone may read them."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import asyncpg
import msgspec
from litestar import Controller, Request, get
from litestar.response import Stream, Template

from medskapa.answers import service
from medskapa.security.permissions import Permission, requires
from medskapa.web.connection import held_connection
from medskapa.web.deps import Conn

# A cell a spreadsheet would take for a formula is prefixed with an apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


async def _body(conn: asyncpg.Connection, kind: str) -> AsyncGenerator[bytes, None]:
    if kind == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(service.OPEN_DATA_COLUMNS)
        yield ("\ufeff" + buffer.getvalue()).encode()
    else:
        yield b"["
    first = True
    async with aclosing(service.open_records(conn)) as batches:
        async for records in batches:
            if kind == "csv":
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\r\n").writerows(
                    [_cell(r[c]) for c in service.OPEN_DATA_COLUMNS] for r in records
                )
                yield buffer.getvalue().encode()
            else:
                chunk = b",".join(msgspec.json.encode(r) for r in records)
                yield chunk if first else b"," + chunk
                first = False
    if kind == "json":
        yield b"]"


class OpenDataPages(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)

    @get("/oppna-data", name="open-data")
    async def about(self) -> Template:
        """What the open data holds, field by field, and its licence."""
        return Template(
            "answers/open_data.html",
            context={"fields": service.OPEN_DATA_FIELDS, "licence": service.OPEN_DATA_LICENCE},
        )

    def _stream(
        self, request: Request[Any, Any, Any], conn: asyncpg.Connection, kind: str
    ) -> Stream:
        return Stream(
            held_connection(request.scope).stream(_body(conn, kind)),
            media_type="text/csv; charset=utf-8" if kind == "csv" else "application/json",
            headers={
                "Content-Disposition": f'attachment; filename="medskapa-synpunkter.{kind}"',
                "Cache-Control": "public, max-age=3600",
            },
        )

    @get("/oppna-data/synpunkter.csv", name="open-data-csv")
    async def as_csv(self, request: Request[Any, Any, Any], conn: Conn) -> Stream:
        return self._stream(request, conn, "csv")

    @get("/oppna-data/synpunkter.json", name="open-data-json")
    async def as_json(self, request: Request[Any, Any, Any], conn: Conn) -> Stream:
        return self._stream(request, conn, "json")
