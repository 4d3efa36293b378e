"""Guidance content in the browser, for group leads and admins (/admin/dokument): the
documents one may author and a file import, a document's versions and a new draft, the draft
editor, its preview, and a published version's page (publishing itself is in
authoring_publish_pages.py). Parse, authorise, render; the rules are in catalogue/authoring.py."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.catalogue import importer
from medskapa.catalogue.authoring import Actor, AuthoringService
from medskapa.catalogue.authoring_api import AUTHORING_DEPENDENCIES, CONFLICTS
from medskapa.catalogue.authoring_forms import (
    HTML_FIELDS,
    SECTION_ANCHOR,
    SectionForm,
    apply_action,
    blank_headings,
    editor_errors,
    import_errors,
    label_text,
    next_label,
    read_sections,
    report_rows,
    sections_view,
)
from medskapa.catalogue.authoring_queries import DocumentRow, VersionRow
from medskapa.catalogue.authoring_texts import ignored_text, removal_text
from medskapa.catalogue.domain import KIND_LABELS
from medskapa.catalogue.importer import MAX_FILE_BYTES, Problem, Rejected, label_key
from medskapa.catalogue.structure import StructureService
from medskapa.clock import Clock
from medskapa.i18n import N_, Labels, gettext
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.web import forms
from medskapa.web.deps import Conn
from medskapa.web.responses import private_page

PAGE = "/admin/dokument"
MAX_FORM_BYTES = 16 * 1024
# A draft's whole text in one form: a 2 MB document, percent-encoded (å is six bytes).
MAX_EDITOR_BYTES = 6 * MAX_FILE_BYTES
# Room for the form fields around the file, and for a file a little too large to be told so
# in words (the importer's limit) rather than refused unread.
MAX_UPLOAD_BYTES = 2 * MAX_FILE_BYTES
MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
HTML_SUFFIXES = (".html", ".htm")

DONE = Labels(
    {
        "skapat": N_("Utkastet är skapat som en kopia av den senaste versionen."),
        "sparat": N_("Utkastet är sparat."),
    }
)

AnyRequest = Request[Any, Any, Any]


def to_version(request: AnyRequest, slug: str, label: str, query: str = "") -> Redirect:
    """After a POST: the version's page (its editor, or its read-only page once published)."""
    return forms.see_other(
        request.app.route_reverse("authoring-version", slug=slug, label=label) + query
    )


def _status(problems: list[Problem]) -> int:
    if problems and all(p.code in CONFLICTS for p in problems):
        return HTTP_409_CONFLICT
    return HTTP_422_UNPROCESSABLE_ENTITY


class AuthoringPages(Controller):
    path = PAGE
    include_in_schema = False
    opt = requires(Permission.AUTHOR_DOCUMENTS)
    dependencies = AUTHORING_DEPENDENCIES

    # ------------------------------------------------------------ the list and the import

    async def _index(
        self,
        request: AnyRequest,
        conn: Conn,
        authoring: AuthoringService,
        clock: Clock,
        *,
        errors: dict[str, str] | None = None,
        summary: list[tuple[str, str]] | None = None,
        values: dict[str, str] | None = None,
        status: int = HTTP_200_OK,
    ) -> Template:
        actor = Actor.of(principal_of(request))
        rows = [
            {"document": o.document, "current": o.current, "draft": o.draft}
            for o in await authoring.overview(actor)
        ]
        groups = [
            g
            for area in await StructureService(conn, clock).overview()
            for g in area.groups
            if g.archived_at is None and actor.may_author(g.id)
        ]
        return private_page(
            "admin/documents/index.html",
            status,
            rows=rows,
            groups=sorted(groups, key=lambda g: g.name.lower()),
            kinds=KIND_LABELS,
            errors=errors or {},
            summary_items=summary or [],
            values=values or {},
            max_mb=MAX_FILE_BYTES // (1024 * 1024),
        )

    @get("/", name="authoring-documents")
    async def index(
        self,
        request: AnyRequest,
        conn: Conn,
        authoring: NamedDependency[AuthoringService],
        clock: NamedDependency[Clock],
    ) -> Template:
        return await self._index(request, conn, authoring, clock)

    @post("/", request_max_body_size=MAX_UPLOAD_BYTES)
    async def import_file(
        self,
        request: AnyRequest,
        conn: Conn,
        authoring: NamedDependency[AuthoringService],
        clock: NamedDependency[Clock],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        values = {k: v[:300] for k, v in data.items() if isinstance(v, str)}
        upload = data.get("file")
        publish = values.get("publish") == "ja"
        html = isinstance(upload, UploadFile) and upload.filename.lower().endswith(HTML_SUFFIXES)
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise Rejected([Problem("no_file", "file")])
            content = await upload.read()
            if html:
                fields = {name: values.get(name, "").strip() for name in HTML_FIELDS}
                document = importer.read_html(content, {k: v for k, v in fields.items() if v})
            elif upload.filename.lower().endswith(MARKDOWN_SUFFIXES):
                document = importer.read_markdown(content)
            else:
                raise Rejected([Problem("unsupported_format", "file")])
            result = await authoring.import_document(
                Actor.of(principal_of(request)), document, publish=publish
            )
        except Rejected as exc:
            errors, summary = import_errors(exc.problems, html=html)
            return await self._index(
                request,
                conn,
                authoring,
                clock,
                errors=errors,
                summary=summary,
                values=values,
                status=_status(exc.problems),
            )
        finally:
            if isinstance(upload, UploadFile):
                await upload.close()
        return private_page(
            "admin/documents/imported.html",
            result=result,
            removed=[removal_text(r) for r in result.removed],
            ignored=[ignored_text(code) for code in result.ignored],
        )

    # ------------------------------------------------------------ a document and its versions

    async def _document(
        self,
        request: AnyRequest,
        authoring: AuthoringService,
        slug: str,
        *,
        errors: dict[str, str] | None = None,
        label: str = "",
        status: int = HTTP_200_OK,
    ) -> Template:
        document, versions = await authoring.document(Actor.of(principal_of(request)), slug)
        latest = versions[-1].label if versions else None
        return private_page(
            "admin/documents/document.html",
            status,
            document=document,
            versions=list(reversed(versions)),
            draft=next((v for v in versions if v.is_draft), None),
            latest=latest,
            suggested=label or next_label(latest),
            errors=errors or {},
        )

    @get("/{slug:str}", name="authoring-document")
    async def document(
        self, request: AnyRequest, authoring: NamedDependency[AuthoringService], slug: FromPath[str]
    ) -> Template:
        return await self._document(request, authoring, slug)

    @post("/{slug:str}", request_max_body_size=MAX_FORM_BYTES)
    async def create_draft(
        self,
        request: AnyRequest,
        authoring: NamedDependency[AuthoringService],
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        label = forms.field(data, "label").strip()[:20]
        try:
            if not label:
                raise Rejected([Problem("missing_label", "version")])
            await authoring.create_draft(Actor.of(principal_of(request)), slug, label)
        except Rejected as exc:
            message = " ".join(label_text(p) for p in exc.problems)
            return await self._document(
                request,
                authoring,
                slug,
                errors={"label": message},
                label=label,
                status=_status(exc.problems),
            )
        return to_version(request, slug, label, "?klart=skapat")

    # ------------------------------------------------------------ the editor

    async def _editor(
        self,
        request: AnyRequest,
        authoring: AuthoringService,
        slug: str,
        label: str,
        *,
        form: dict[str, Any] | None = None,
        sections: list[SectionForm] | None = None,
        errors: dict[str, str] | None = None,
        notice: str | None = None,
        status: int = HTTP_200_OK,
    ) -> Template:
        actor = Actor.of(principal_of(request))
        document, version, stored = await authoring.draft(actor, slug, label)
        if not version.is_draft:
            error = " ".join((errors or {}).values()) or None
            return await published_page(
                request, authoring, document, version, notice=notice, error=error, status=status
            )
        if sections is None:
            sections = [SectionForm(s.key, s.number, s.heading, s.level, s.body) for s in stored]
        fields = form or {
            "title": version.title or document.title,
            "summary": version.summary if version.summary is not None else document.summary,
            "change_summary": version.change_summary,
            "easy_read": version.easy_read,
        }
        return private_page(
            "admin/documents/editor.html",
            status,
            document=document,
            version=version,
            fields=fields,
            sections=sections,
            errors=errors or {},
            notice=notice,
            anchor=SECTION_ANCHOR,
            base=f"{PAGE}/{slug}/{label}",
        )

    @get("/{slug:str}/{label:str}", name="authoring-version")
    async def version(
        self,
        request: AnyRequest,
        authoring: NamedDependency[AuthoringService],
        slug: FromPath[str],
        label: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
        linked: Annotated[int | None, QueryParameter(name="kopplade", ge=0, le=10_000)] = None,
    ) -> Template:
        notice = DONE.get(done or "")
        if done == "publicerad":
            notice = gettext("Version {label} är publicerad.").format(label=label)
            if linked:
                notice += " " + gettext(
                    "{linked} planerade ändringar är markerade som gjorda i den."
                ).format(linked=linked)
        return await self._editor(request, authoring, slug, label, notice=notice)

    @post("/{slug:str}/{label:str}", request_max_body_size=MAX_EDITOR_BYTES)
    async def save(
        self,
        request: AnyRequest,
        authoring: NamedDependency[AuthoringService],
        slug: FromPath[str],
        label: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        sections = read_sections(data)
        fields = {
            name: forms.field(data, name)
            for name in ("title", "summary", "change_summary", "easy_read")
        }
        changed = apply_action(sections, forms.field(data, "action"))
        if changed is not None:
            # Add, remove, move: only the form changes; "Spara" stores it.
            new_sections, told, _ = changed
            return await self._editor(
                request,
                authoring,
                slug,
                label,
                form=fields,
                sections=new_sections,
                notice=gettext(
                    "{told} Ändringen är inte sparad förrän du trycker på Spara utkastet."
                ).format(told=told),
            )
        try:
            if blank := blank_headings(sections):
                raise Rejected(blank)
            await authoring.save_draft(
                Actor.of(principal_of(request)),
                slug,
                label,
                title=fields["title"],
                summary=fields["summary"],
                change_summary=fields["change_summary"],
                sections=[s.as_input() for s in sections],
                easy_read=fields["easy_read"],
            )
        except Rejected as exc:
            return await self._editor(
                request,
                authoring,
                slug,
                label,
                form=fields,
                sections=sections,
                errors=editor_errors(exc.problems, sections),
                status=_status(exc.problems),
            )
        return to_version(request, slug, label, "?klart=sparat")

    @get("/{slug:str}/{label:str}/forhandsgranska", name="authoring-preview")
    async def preview(
        self,
        request: AnyRequest,
        authoring: NamedDependency[AuthoringService],
        slug: FromPath[str],
        label: FromPath[str],
    ) -> Template:
        document, version, stored = await authoring.draft(
            Actor.of(principal_of(request)), slug, label
        )
        return private_page(
            "admin/documents/preview.html",
            document=document,
            version=version,
            title=version.title or document.title,
            summary=version.summary if version.summary is not None else document.summary,
            sections=sections_view(stored),
        )


async def published_page(
    request: AnyRequest,
    authoring: AuthoringService,
    document: DocumentRow,
    version: VersionRow,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    """A published version's read-only page (its text, its stored report)."""
    actor = Actor.of(principal_of(request))
    _, _, stored = await authoring.draft(actor, document.slug, version.label)
    _, versions = await authoring.document(actor, document.slug)
    report = await authoring.anchor_report(actor, document.slug, version.label)
    earlier = [
        v for v in versions if not v.is_draft and label_key(v.label) < label_key(version.label)
    ]
    return private_page(
        "admin/documents/published.html",
        status,
        document=document,
        version=version,
        sections=sections_view(stored),
        report=report_rows(report),
        counts=report.counts,
        previous=earlier[-1].label if earlier else None,
        notice=notice,
        error=error,
    )
