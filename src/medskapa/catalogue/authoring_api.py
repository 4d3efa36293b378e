"""The JSON API for guidance content: import a file, create a document, write a draft, publish,
read a version's re-anchoring report. For admins and the leads of the owning group."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.catalogue import importer
from medskapa.catalogue.authoring import Actor, AuthoringService, ImportResult, SectionInput
from medskapa.catalogue.authoring_texts import ignored_text, problem_text, removal_text
from medskapa.catalogue.importer import MAX_FILE_BYTES, Problem, Rejected
from medskapa.catalogue.reanchoring import AnchorReport
from medskapa.clock import Clock
from medskapa.errors import Invalid, NotFound, Refused
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.principal import Principal
from medskapa.triage.service import TriageService
from medskapa.web.deps import Conn, clock
from medskapa.web.errors import PROBLEM_JSON
from medskapa.web.errors import Problem as ProblemDetails

# Refusals that depend on what is stored rather than on the request itself.
CONFLICTS = frozenset(
    {
        "document_exists",
        "version_exists",
        "draft_exists",
        "already_published",
        "group_archived",
        "document_archived",
    }
)
Label = Annotated[str, msgspec.Meta(pattern=r"^[0-9]+(\.[0-9]+){0,3}$", max_length=20)]


async def provide_authoring(conn: Conn, clock: NamedDependency[Clock]) -> AuthoringService:
    return AuthoringService(conn, clock)


def rejected(exc: Rejected, *, detail: str = "Nothing was stored.") -> Response[ProblemDetails]:
    conflict = all(p.code in CONFLICTS for p in exc.problems)
    status = HTTP_409_CONFLICT if conflict else HTTP_422_UNPROCESSABLE_ENTITY
    return Response(
        ProblemDetails(
            title="Conflict" if conflict else "Unprocessable content",
            status=status,
            detail=detail,
            errors=[_problem_out(p) for p in exc.problems],
        ),
        status_code=status,
        media_type=PROBLEM_JSON,
    )


def _problem_out(problem: Problem) -> dict[str, Any]:
    out: dict[str, Any] = {"code": problem.code, "message": problem_text(problem, "en")}
    if problem.field:
        out["field"] = problem.field
    return out


class ImportOut(msgspec.Struct):
    slug: str
    version: str
    new_document: bool
    published: bool
    sections: int
    removed: list[str]
    """What the sanitiser took out (scripts, event handlers, javascript: links), in words."""
    ignored: list[str]


def import_out(result: ImportResult) -> ImportOut:
    return ImportOut(
        slug=result.slug,
        version=result.version,
        new_document=result.new_document,
        published=result.published,
        sections=result.sections,
        removed=[removal_text(r, "en") for r in result.removed],
        ignored=[ignored_text(code, "en") for code in result.ignored],
    )


class SectionIn(msgspec.Struct, forbid_unknown_fields=True):
    heading: Annotated[str, msgspec.Meta(max_length=300)]
    body: Annotated[str, msgspec.Meta(max_length=importer.MAX_BODY)]
    number: Annotated[str, msgspec.Meta(pattern=r"^([0-9]+(\.[0-9]+)*)?$", max_length=20)] = ""
    level: Annotated[int, msgspec.Meta(ge=2, le=3)] = 2
    key: Annotated[str, msgspec.Meta(max_length=importer.MAX_KEY)] | None = None
    """Keep a section's key when its heading changes, so that feedback on it stays with it."""


class DraftIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(max_length=importer.MAX_TITLE)]
    sections: Annotated[list[SectionIn], msgspec.Meta(max_length=importer.MAX_SECTIONS)]
    summary: Annotated[str, msgspec.Meta(max_length=importer.MAX_SUMMARY)] = ""
    change_summary: Annotated[str, msgspec.Meta(max_length=importer.MAX_CHANGE_SUMMARY)] = ""
    easy_read: Annotated[str, msgspec.Meta(max_length=importer.MAX_EASY_READ)] | None = None
    """The easy-to-read (lättläst) summary, plain text; left out: kept as it is."""


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(max_length=100)]
    title: Annotated[str, msgspec.Meta(max_length=importer.MAX_TITLE)]
    kind: Annotated[str, msgspec.Meta(max_length=50)]
    group: Annotated[str, msgspec.Meta(max_length=100)]
    version: Label
    sections: Annotated[list[SectionIn], msgspec.Meta(max_length=importer.MAX_SECTIONS)]
    summary: Annotated[str, msgspec.Meta(max_length=importer.MAX_SUMMARY)] = ""
    change_summary: Annotated[str, msgspec.Meta(max_length=importer.MAX_CHANGE_SUMMARY)] = ""
    easy_read: Annotated[str, msgspec.Meta(max_length=importer.MAX_EASY_READ)] = ""
    """The easy-to-read (lättläst) summary, plain text."""


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    change_summary: Annotated[str, msgspec.Meta(max_length=importer.MAX_CHANGE_SUMMARY)]
    link_planned: Annotated[list[uuid.UUID], msgspec.Meta(max_length=1000)] = []
    """Items whose planned change this version makes: marked "changed" in the same step."""


def _sections(given: list[SectionIn]) -> list[importer.SectionDraft]:
    drafts = []
    for s in given:
        heading = f"{s.number} {s.heading}" if s.number else s.heading
        made = importer.make_section(heading, s.level, s.body)
        drafts.append(msgspec.structs.replace(made, key=s.key) if s.key else made)
    return drafts


class PlannedNotLinked(Exception):
    """The planned changes named could not be marked as made; nothing was published."""

    def __init__(self, problems: list[Problem], swedish: str) -> None:
        super().__init__(swedish)
        self.problems = problems
        self.swedish = swedish


async def link_planned(
    conn: Conn, clock: Clock, principal: Principal, ids: list[uuid.UUID], label: str
) -> None:
    """Mark the planned changes ``ids`` as made in version ``label`` (triage's step), or
    ``PlannedNotLinked`` with the reasons, for the API (problems) and the page (Swedish)."""
    try:
        await TriageService(conn, clock).link_planned(principal, ids, label)
    except (NotFound, Refused):
        # Not in the asker's groups, or not theirs to act on: either way not one they can link.
        unknown = Problem("unknown_item", "link_planned")
        raise PlannedNotLinked([unknown], problem_text(unknown)) from None
    except Invalid as exc:
        raise PlannedNotLinked(
            [Problem(e.code, "link_planned") for e in exc.errors],
            " ".join(exc.message(e) for e in exc.errors),
        ) from None


AUTHORING_DEPENDENCIES = {
    "clock": Provide(clock, sync_to_thread=False),
    "authoring": Provide(provide_authoring),
}


async def create_document(
    request: Request[Any, Any, Any], authoring: AuthoringService, data: DocumentIn
) -> Response[Any]:
    """``POST /api/v1/documents``, which lives in catalogue/web.py's CatalogueApi beside the
    public list on the same path (one controller per path keeps OPTIONS and Allow right)."""
    fields = {
        "slug": data.slug,
        "title": data.title,
        "kind": data.kind,
        "group": data.group,
        "version": data.version,
        "summary": data.summary,
        "change_summary": data.change_summary,
        "easy_read": data.easy_read,
    }
    metadata, problems = importer.check_metadata(fields)
    sections = _sections(data.sections)
    problems += importer.check_sections(sections)
    try:
        if problems:
            raise Rejected(problems)
        if await authoring.exists(data.slug):
            raise Rejected([Problem("document_exists", "slug", data.slug)])
        result = await authoring.import_document(
            Actor.of(principal_of(request)),
            importer.ImportedDocument(sections=sections, **metadata),
        )
    except Rejected as exc:
        return rejected(exc)
    return Response(import_out(result), status_code=HTTP_201_CREATED)


class AuthoringApi(Controller):
    path = "/api/v1/documents"
    tags = ("content",)
    opt = requires(Permission.AUTHOR_DOCUMENTS)
    dependencies = AUTHORING_DEPENDENCIES

    @post(
        "/import",
        summary="Import a guidance document from a file",
        description="The body is the file: Markdown with TOML front matter between `+++` lines "
        "(`Content-Type: text/markdown`), or a saved HTML guidance page (`text/html`; give "
        "`slug`, `kind`, `group` and `version` as query parameters, the title is the page's h1 "
        "unless `title` is given). `##`/`###` (h2/h3) headings become sections. An existing slug "
        "with a later version label adds a draft version. `publish=true` publishes it at once. "
        "Scripts, event handlers and `javascript:` links are removed and listed in `removed`.",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FILE_BYTES + 1,
        opt={"problems": [409, 422]},
    )
    async def import_file(
        self,
        request: Request[Any, Any, Any],
        authoring: NamedDependency[AuthoringService],
        publish: Annotated[
            bool, QueryParameter(description="Publish the version at once.")
        ] = False,
        slug: Annotated[str | None, QueryParameter(max_length=100)] = None,
        kind: Annotated[str | None, QueryParameter(max_length=50)] = None,
        group: Annotated[str | None, QueryParameter(max_length=100)] = None,
        version: Annotated[str | None, QueryParameter(max_length=20)] = None,
        title: Annotated[str | None, QueryParameter(max_length=300)] = None,
    ) -> Response[Any]:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        # The file is the body as it came (Litestar would decode a typed body as JSON); its
        # size is capped by request_max_body_size before any of it is read.
        data = await request.body()
        try:
            if media == "text/markdown":
                document = importer.read_markdown(data)
            elif media == "text/html":
                fields = {"slug": slug, "kind": kind, "group": group, "version": version}
                if title:
                    fields["title"] = title
                document = importer.read_html(data, fields)
            else:
                raise Rejected([Problem("unsupported_format")])
            result = await authoring.import_document(
                Actor.of(principal_of(request)), document, publish=publish
            )
        except Rejected as exc:
            return rejected(exc)
        return Response(import_out(result), status_code=HTTP_201_CREATED)

    @put(
        "/{slug:str}/versions/{label:str}",
        summary="Write a draft version (created from the newest version if it does not exist)",
        description="Replaces the draft's title, summary, change summary and sections. A section "
        "keeps its `key` when given, so feedback on it follows a renamed heading. A published "
        "version never changes: writing one is a 409.",
        opt={"problems": [409, 422]},
    )
    async def write_draft(
        self,
        request: Request[Any, Any, Any],
        authoring: NamedDependency[AuthoringService],
        slug: FromPath[str],
        label: FromPath[Label],
        data: JSONBody[DraftIn],
    ) -> Response[Any]:
        actor = Actor.of(principal_of(request))
        try:
            _, versions = await authoring.document(actor, slug)
            if not any(v.label == label for v in versions):
                await authoring.create_draft(actor, slug, label)
            await authoring.save_draft(
                actor,
                slug,
                label,
                title=data.title,
                summary=data.summary,
                change_summary=data.change_summary,
                sections=[
                    SectionInput(
                        heading=s.heading, body=s.body, number=s.number, level=s.level, key=s.key
                    )
                    for s in data.sections
                ],
                easy_read=data.easy_read,
            )
            _, version, sections = await authoring.draft(actor, slug, label)
        except Rejected as exc:
            return rejected(exc)
        return Response(
            {
                "slug": slug,
                "version": version.label,
                "draft": version.is_draft,
                "sections": [
                    {"key": s.key, "number": s.number, "heading": s.heading, "level": s.level}
                    for s in sections
                ],
            }
        )

    @post(
        "/{slug:str}/versions/{label:str}/publish",
        summary="Publish a draft version",
        description="Needs a change summary. Builds and stores the re-anchoring report (where "
        "each open item's passage is now), makes the version the current one, links the "
        "planned changes named in `link_planned`, and tells followers and submitters. All or "
        "nothing.",
        status_code=200,
        opt={"problems": [409, 422]},
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        authoring: NamedDependency[AuthoringService],
        clock: NamedDependency[Clock],
        slug: FromPath[str],
        label: FromPath[Label],
        data: JSONBody[PublishIn],
    ) -> Response[Any]:
        principal = principal_of(request)
        try:
            async with conn.transaction():
                report = await authoring.publish(
                    Actor.of(principal), slug, label, change_summary=data.change_summary
                )
                if data.link_planned:
                    await link_planned(conn, clock, principal, list(data.link_planned), label)
        except Rejected as exc:
            return rejected(exc)
        except PlannedNotLinked as exc:
            return rejected(
                Rejected(exc.problems),
                detail="Planned changes could not be linked; nothing was published.",
            )
        return Response(report)

    @get(
        "/{slug:str}/versions/{label:str}/anchors",
        summary="A version's re-anchoring report",
        description="Where each open feedback item's passage is in this version: `same`, "
        "`moved` (same words, another section), `changed` (found by its context with a "
        "`confidence`), or `gone`. A draft's report is built anew on each request; a published "
        "version's is the one stored when it was published.",
    )
    async def anchors(
        self,
        request: Request[Any, Any, Any],
        authoring: NamedDependency[AuthoringService],
        slug: FromPath[str],
        label: FromPath[Label],
    ) -> AnchorReport:
        return await authoring.anchor_report(Actor.of(principal_of(request)), slug, label)
