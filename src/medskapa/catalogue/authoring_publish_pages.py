"""Publishing a draft in the browser (/admin/dokument/SLUG/LABEL/publicera): the re-anchoring
report, the change summary and the planned changes the version makes, then publish in one step.
Parse, authorise, render; the rules are in catalogue/authoring.py (and triage's service for the
planned changes)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.catalogue.authoring import Actor, AuthoringService
from medskapa.catalogue.authoring_api import (
    AUTHORING_DEPENDENCIES,
    PlannedNotLinked,
    link_planned,
)
from medskapa.catalogue.authoring_forms import publish_errors, report_rows
from medskapa.catalogue.authoring_pages import (
    MAX_FORM_BYTES,
    PAGE,
    AnyRequest,
    published_page,
    to_version,
)
from medskapa.catalogue.authoring_queries import DocumentRow
from medskapa.catalogue.importer import Rejected
from medskapa.clock import Clock
from medskapa.errors import NotFound
from medskapa.feedback.domain import CATEGORY_LABELS, FeedbackStatus
from medskapa.i18n import gettext
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.principal import Principal
from medskapa.triage.domain import InboxFilter, Sort
from medskapa.triage.service import TriageService
from medskapa.web import forms
from medskapa.web.deps import Conn
from medskapa.web.responses import private_page

PLANNED_LIMIT = 500


class PublishPages(Controller):
    path = PAGE
    include_in_schema = False
    opt = requires(Permission.AUTHOR_DOCUMENTS)
    dependencies = AUTHORING_DEPENDENCIES

    async def _publish_page(
        self,
        request: AnyRequest,
        conn: Conn,
        authoring: AuthoringService,
        clock: Clock,
        slug: str,
        label: str,
        *,
        errors: dict[str, str] | None = None,
        change_summary: str | None = None,
        chosen: set[str] | None = None,
        status: int = HTTP_200_OK,
    ) -> Response[Any]:
        principal = principal_of(request)
        actor = Actor.of(principal)
        document, version, _ = await authoring.draft(actor, slug, label)
        if not version.is_draft and errors:
            # Published meanwhile (another tab, a colleague): say so on its read-only page.
            return await published_page(
                request,
                authoring,
                document,
                version,
                error=" ".join(errors.values()),
                status=status,
            )
        if not version.is_draft:
            return to_version(request, slug, label)
        report = await authoring.anchor_report(actor, slug, label)
        return private_page(
            "admin/documents/publish.html",
            status,
            document=document,
            version=version,
            report=report_rows(report),
            counts=report.counts,
            planned=await _planned(conn, clock, principal, document),
            may_link=document.group_id in principal.answering_groups,
            change_summary=(version.change_summary if change_summary is None else change_summary),
            chosen=chosen or set(),
            errors=errors or {},
            category_labels=CATEGORY_LABELS,
        )

    @get("/{slug:str}/{label:str}/publicera", name="authoring-publish")
    async def publish_page(
        self,
        request: AnyRequest,
        conn: Conn,
        authoring: NamedDependency[AuthoringService],
        clock: NamedDependency[Clock],
        slug: FromPath[str],
        label: FromPath[str],
    ) -> Response[Any]:
        return await self._publish_page(request, conn, authoring, clock, slug, label)

    @post("/{slug:str}/{label:str}/publicera", request_max_body_size=MAX_FORM_BYTES * 4)
    async def publish(
        self,
        request: AnyRequest,
        conn: Conn,
        authoring: NamedDependency[AuthoringService],
        clock: NamedDependency[Clock],
        slug: FromPath[str],
        label: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        change_summary = forms.field(data, "change_summary")
        chosen = forms.fields(data, "item")[:PLANNED_LIMIT]
        errors: dict[str, str] = {}
        try:
            ids = [uuid.UUID(value) for value in chosen]
        except ValueError:
            ids, errors = [], {"planned": gettext("Välj bland de planerade ändringarna i listan.")}
        if not errors:
            try:
                async with conn.transaction():
                    await authoring.publish(
                        Actor.of(principal), slug, label, change_summary=change_summary
                    )
                    if ids:
                        await link_planned(conn, clock, principal, ids, label)
            except Rejected as exc:
                errors = publish_errors(exc.problems)
            except PlannedNotLinked as exc:
                errors = {"planned": exc.swedish}
            else:
                return to_version(
                    request, slug, label, f"?klart=publicerad&kopplade={len(set(ids))}"
                )
        return await self._publish_page(
            request,
            conn,
            authoring,
            clock,
            slug,
            label,
            errors=errors,
            change_summary=change_summary,
            chosen=set(chosen),
            status=HTTP_409_CONFLICT if "version" in errors else HTTP_422_UNPROCESSABLE_ENTITY,
        )


# ---------------------------------------------------------------- helpers


async def _planned(
    conn: Conn, clock: Clock, principal: Principal, document: DocumentRow
) -> list[Any]:
    """The document's planned changes in its group's inbox, for those who act for the group
    (an admin outside the group, or a patient representative, cannot link them)."""
    if document.group_id not in principal.answering_groups:
        return []
    try:
        inbox = await TriageService(conn, clock).inbox(
            principal,
            document.group_slug,
            InboxFilter(
                status=FeedbackStatus.CHANGE_PLANNED, document=document.slug, sort=Sort.OLDEST
            ),
            page_size=PLANNED_LIMIT,
        )
    except NotFound:
        return []
    return inbox.page.rows
