"""A subject group's own pages: its inbox with filters, its planned changes (linked to a
version once published) and its traceability report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.errors import Invalid
from medskapa.feedback.domain import Category, FeedbackStatus
from medskapa.feedback.lifecycle import later_version, version_key
from medskapa.regions import service as regions
from medskapa.regions.domain import each_region_once
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.triage import group_queries, inbox_queries
from medskapa.triage.domain import (
    INBOX_STATUSES,
    InboxFilter,
    Sort,
    encode_cursor,
    filter_params,
    parse_filter,
)
from medskapa.triage.exports import traceability_report
from medskapa.triage.service import TriageService
from medskapa.triage.shared_web import DEPENDENCIES, MAX_FORM_BYTES, base_context
from medskapa.web.deps import Conn
from medskapa.web.forms import field, fields, see_other
from medskapa.web.responses import private_page

PLANNED_PAGE_SIZE = 500


class TriageInboxPages(Controller):
    path = "/arbetsgrupp"
    include_in_schema = False
    opt = requires(Permission.WORK_IN_GROUP)
    dependencies = DEPENDENCIES

    @get("/", name="triage-home")
    async def home(
        self, request: Request[Any, Any, Any], triage: NamedDependency[TriageService]
    ) -> Redirect:
        groups = await triage.my_groups(principal_of(request))
        return see_other(f"/arbetsgrupp/{groups[0].slug}/inkorg")

    @get("/{slug:str}/inkorg", name="triage-inbox")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        filter_values: NamedDependency[dict[str, str | None]],
        slug: FromPath[str],
    ) -> Template:
        principal = principal_of(request)
        errors: dict[str, str] = {}
        try:
            inbox_filter = parse_filter(filter_values)
        except Invalid as exc:
            errors = exc.by_field()
            inbox_filter = InboxFilter()
        result = await triage.inbox(principal, slug, inbox_filter)
        group_id = result.group.id
        fragment = (
            request.headers.get("hx-request") == "true"
            and request.headers.get("hx-target") == "inkorg-resultat"
        )
        params = filter_params(inbox_filter)
        grouped = await regions.grouped(conn)
        context = {
            **base_context(principal),
            "inbox": result,
            "groups": await triage.my_groups(principal),
            "filter": inbox_filter,
            "values": {k: v or "" for k, v in filter_values.items()},
            "params": params,
            "next_params": {**params, "after": encode_cursor(result.page.next)}
            if result.page.next
            else None,
            "errors": errors,
            "statuses": INBOX_STATUSES,
            "categories": list(Category),
            "healthcare_regions": grouped,
            "regions": each_region_once(grouped),
            "documents": await group_queries.listed_documents(conn),
            "themes": await group_queries.live_theme_choices(conn, group_id),
            "members": await group_queries.member_choices(conn, group_id),
        }
        return Template(
            "triage/inbox_results.html" if fragment else "triage/inbox.html",
            context=context,
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK,
            headers={"Cache-Control": "no-store", "Vary": "HX-Request, HX-Target"},
        )

    @get("/{slug:str}/sparbarhet", name="triage-trace")
    async def traceability(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
    ) -> Stream:
        """A printable report: each of the group's items from received to changed in a
        version. Streamed, so it costs the same memory for ten items as for 100,000."""
        group = await triage.group(principal_of(request), slug)
        return traceability_report(request, conn, group.id, group.name)

    @get("/{slug:str}/planerade", name="triage-planned")
    async def planned(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=5)] = None,
    ) -> Template:
        return await self._render_planned(request, conn, triage, slug, done=done)

    async def _render_planned(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: TriageService,
        slug: str,
        *,
        done: str | None = None,
        errors: dict[str, str] | None = None,
        document: str | None = None,
    ) -> Template:
        principal = principal_of(request)
        result = await triage.inbox(
            principal,
            slug,
            InboxFilter(status=FeedbackStatus.CHANGE_PLANNED, sort=Sort.OLDEST),
            page_size=PLANNED_PAGE_SIZE,
        )
        by_document: dict[str, dict[str, Any]] = {}
        for row in result.page.rows:
            entry = by_document.setdefault(
                row.document_slug, {"title": row.document_title, "rows": [], "versions": []}
            )
            entry["rows"].append(row)
        for doc_slug, entry in by_document.items():
            labels = await inbox_queries.published_labels(conn, doc_slug)
            oldest = min((r.version_label for r in entry["rows"]), key=version_key)
            entry["versions"] = [label for label in labels if later_version(oldest, label)]
        return private_page(
            "triage/planned.html",
            HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK,
            **base_context(principal),
            group=result.group,
            may_answer=result.group.id in principal.answering_groups,
            documents=by_document,
            more=result.page.next is not None,
            done=done,
            errors=errors or {},
            error_document=document,
        )

    @post("/{slug:str}/planerade", request_max_body_size=MAX_FORM_BYTES)
    async def link_planned(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        ids: list[uuid.UUID] = []
        for value in fields(data, "item"):
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                ids.append(uuid.UUID(int=0))
        try:
            linked = await triage.link_planned(principal_of(request), ids, field(data, "version"))
        except Invalid as exc:
            return await self._render_planned(
                request,
                conn,
                triage,
                slug,
                errors=exc.by_field(),
                document=field(data, "document"),
            )
        return see_other(f"/arbetsgrupp/{slug}/planerade?klart={linked}")
