"""The national structure for admins: the page at /admin/struktur and the JSON API under
/api/v1 (programme areas, groups, a document's group). Parse, authorise, render; the rules are
in catalogue/structure.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import FromPath, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from medskapa.catalogue.structure import (
    DESCRIPTION_MAX,
    KIND_LABELS,
    NAME_MAX,
    SLUG_MAX,
    StructureService,
)
from medskapa.catalogue.structure_queries import AreaRow, DocumentRow, GroupRow
from medskapa.catalogue.structure_texts import ERRORS
from medskapa.clock import Clock
from medskapa.errors import FieldError, Invalid, NotFound, Refused
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.web.deps import Conn, clock
from medskapa.web.forms import see_other

MAX_FORM_BYTES = 16 * 1024
PAGE = "/admin/struktur"

# What each form says when it worked (?klart=...).
DONE = {
    "omrade": "Programområdet är skapat.",
    "omradesnamn": "Programområdet har fått sitt nya namn.",
    "omrade-arkiverat": "Programområdet är arkiverat.",
    "omrade-aterstallt": "Programområdet är återställt.",
    "grupp": "Gruppen är skapad.",
    "grupp-andrad": "Gruppen är ändrad.",
    "grupp-flyttad": "Gruppen är flyttad till det andra programområdet.",
    "grupp-arkiverad": "Gruppen är arkiverad.",
    "grupp-aterstalld": "Gruppen är återställd.",
    "dokument": "Dokumentet tillhör nu den valda gruppen.",
}


async def provide_structure(conn: Conn, clock: NamedDependency[Clock]) -> StructureService:
    return StructureService(conn, clock)


DEPENDENCIES = {
    "clock": Provide(clock, sync_to_thread=False),
    "structure": Provide(provide_structure),
}
AnyRequest = Request[Any, Any, Any]


def _values(data: dict[str, Any]) -> dict[str, str]:
    return {k: v[: DESCRIPTION_MAX * 2] for k, v in data.items() if isinstance(v, str)}


def _archive_choice(value: str) -> bool | None:
    return {"arkivera": True, "aterstall": False}.get(value)


class StructureAdminPages(Controller):
    path = PAGE
    include_in_schema = False
    guards = [requires(Permission.ADMINISTER)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    async def _page(
        self,
        structure: StructureService,
        status: int = HTTP_200_OK,
        *,
        done: str | None = None,
        form: str | None = None,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        areas = await structure.overview()
        return Template(
            "admin/structure.html",
            context={
                "areas": areas,
                "live_areas": [a for a in areas if not a.archived],
                "groups": sorted(
                    (g for a in areas for g in a.groups), key=lambda g: g.name.lower()
                ),
                "documents": await structure.documents(),
                "kinds": KIND_LABELS,
                "done": DONE.get(done or ""),
                "form": form,
                "errors": errors or {},
                "values": values or {},
                "slug_max": SLUG_MAX,
                "name_max": NAME_MAX,
                "description_max": DESCRIPTION_MAX,
            },
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    @get("/", name="structure-admin")
    async def index(
        self,
        structure: NamedDependency[StructureService],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._page(structure, done=done)

    async def _act(
        self,
        structure: StructureService,
        form: str,
        values: dict[str, str],
        work: Callable[[], Awaitable[Any]],
        done: str | Callable[[], str],
    ) -> Response[Any]:
        """Run one change; back to the page with a notice when it worked, or the page with
        this form's errors in Swedish (and what was typed) when it did not."""
        try:
            await work()
        except Invalid as exc:
            errors, status = exc.by_field(), HTTP_422_UNPROCESSABLE_ENTITY
        except Refused as exc:
            errors, status = {"subject": exc.message()}, HTTP_409_CONFLICT
        except NotFound:
            errors = {"subject": "Välj något som finns i listan."}
            status = HTTP_422_UNPROCESSABLE_ENTITY
        else:
            code = done() if callable(done) else done
            return see_other(f"{PAGE}?klart={code}")
        return await self._page(structure, status, form=form, errors=errors, values=values)

    @post("/programomraden", request_max_body_size=MAX_FORM_BYTES)
    async def create_area(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        v = _values(data)
        return await self._act(
            structure,
            "area",
            v,
            lambda: structure.create_area(
                principal_of(request).pseudonym, slug=v.get("slug", ""), name=v.get("name", "")
            ),
            "omrade",
        )

    @post("/programomraden/namn", request_max_body_size=MAX_FORM_BYTES)
    async def rename_area(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        v = _values(data)
        return await self._act(
            structure,
            "area-rename",
            v,
            lambda: structure.update_area(
                principal_of(request).pseudonym, v.get("subject", ""), name=v.get("name", "")
            ),
            "omradesnamn",
        )

    @post("/programomraden/arkiv", request_max_body_size=MAX_FORM_BYTES)
    async def archive_area(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        v = _values(data)
        archived = _archive_choice(v.get("action", ""))

        async def work() -> None:
            if archived is None:
                raise Invalid([FieldError("action", "unknown_action")], ERRORS)
            await structure.update_area(
                principal_of(request).pseudonym, v.get("subject", ""), archived=archived
            )

        return await self._act(
            structure,
            "area-archive",
            v,
            work,
            "omrade-arkiverat" if archived else "omrade-aterstallt",
        )

    @post("/grupper", request_max_body_size=MAX_FORM_BYTES)
    async def create_group(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        v = _values(data)
        return await self._act(
            structure,
            "group",
            v,
            lambda: structure.create_group(
                principal_of(request).pseudonym,
                slug=v.get("slug", ""),
                name=v.get("name", ""),
                kind=v.get("kind", ""),
                area=v.get("area", ""),
                description=v.get("description", ""),
            ),
            "grupp",
        )

    @post("/grupper/andra", request_max_body_size=MAX_FORM_BYTES)
    async def edit_group(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """Fields left empty keep what the group has."""
        v = _values(data)
        return await self._act(
            structure,
            "group-edit",
            v,
            lambda: structure.update_group(
                principal_of(request).pseudonym,
                v.get("subject", ""),
                name=v.get("name") or None,
                kind=v.get("kind") or None,
                description=v.get("description") or None,
            ),
            "grupp-andrad",
        )

    @post("/grupper/flytta", request_max_body_size=MAX_FORM_BYTES)
    async def move_group(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        v = _values(data)
        return await self._act(
            structure,
            "group-move",
            v,
            lambda: structure.update_group(
                principal_of(request).pseudonym, v.get("subject", ""), area=v.get("area", "")
            ),
            "grupp-flyttad",
        )

    @post("/grupper/arkiv", request_max_body_size=MAX_FORM_BYTES)
    async def archive_group(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        v = _values(data)
        archived = _archive_choice(v.get("action", ""))

        async def work() -> None:
            if archived is None:
                raise Invalid([FieldError("action", "unknown_action")], ERRORS)
            await structure.update_group(
                principal_of(request).pseudonym, v.get("subject", ""), archived=archived
            )

        return await self._act(
            structure,
            "group-archive",
            v,
            work,
            "grupp-arkiverad" if archived else "grupp-aterstalld",
        )

    @post("/dokument", request_max_body_size=MAX_FORM_BYTES)
    async def assign_document(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        v = _values(data)
        return await self._act(
            structure,
            "document",
            v,
            lambda: structure.assign_document(
                principal_of(request).pseudonym, v.get("subject", ""), v.get("group", "")
            ),
            "dokument",
        )


# ---------------------------------------------------------------- JSON API

Change = TypeVar("Change")

Slug = Annotated[str, msgspec.Meta(max_length=SLUG_MAX * 2)]
Name = Annotated[str, msgspec.Meta(max_length=NAME_MAX * 2)]
Description = Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX * 2)]
Kind = Annotated[str, msgspec.Meta(max_length=10, description="nag or nsg")]


class AreaIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    slug: Slug
    name: Name


class AreaChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name | None = None
    archived: bool | None = None


class GroupIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    slug: Slug
    name: Name
    kind: Kind
    programme_area: Slug
    description: Description = ""


class GroupChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name | None = None
    kind: Kind | None = None
    description: Description | None = None
    programme_area: Slug | None = None
    archived: bool | None = None


class DocumentGroupIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    group: Slug


class AreaOut(msgspec.Struct):
    slug: str
    name: str
    archived: bool


class GroupOut(msgspec.Struct):
    slug: str
    name: str
    kind: str
    description: str
    programme_area: str
    archived: bool
    documents: int


class DocumentGroupOut(msgspec.Struct):
    document: str
    group: str


def _area_out(a: AreaRow) -> AreaOut:
    return AreaOut(slug=a.slug, name=a.name, archived=a.archived_at is not None)


def _group_out(g: GroupRow) -> GroupOut:
    return GroupOut(
        slug=g.slug,
        name=g.name,
        kind=g.kind,
        description=g.description,
        programme_area=g.area_slug,
        archived=g.archived_at is not None,
        documents=g.document_count,
    )


def _document_out(d: DocumentRow) -> DocumentGroupOut:
    return DocumentGroupOut(document=d.slug, group=d.group_slug)


async def _strictly(request: AnyRequest, shape: type[Change]) -> Change:
    """The body decoded again without Litestar's lax conversions, which would take 0 or "no"
    for a boolean: ``archived`` must be true, false or null, as the schema says."""
    try:
        return msgspec.json.decode(await request.body(), type=shape)
    except msgspec.ValidationError as exc:
        raise ValidationException(
            detail="Some values are not valid.", extra=[{"key": "body", "message": str(exc)}]
        ) from None


# Field names in the API that the service calls by another name.
_API_FIELDS = {"area": "programme_area"}


async def _api(work: Awaitable[Any], status: int = HTTP_200_OK) -> Response[Any]:
    """The result with ``status``. Refusals and unknown slugs are answered app-wide
    (web/errors.py); invalid fields too, under the API's names for them."""
    try:
        result = await work
    except Invalid as exc:
        renamed = [FieldError(_API_FIELDS.get(e.field, e.field), e.code) for e in exc.errors]
        raise Invalid(renamed, exc.texts) from None
    return Response(result, status_code=status)


class StructureApi(Controller):
    path = "/api/v1"
    tags = ("structure",)
    guards = [requires(Permission.ADMINISTER)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get("/programme-areas", summary="Programme areas (NPO), archived ones included")
    async def areas(self, structure: NamedDependency[StructureService]) -> list[AreaOut]:
        return [
            AreaOut(slug=a.slug, name=a.name, archived=a.archived)
            for a in await structure.overview()
        ]

    @post(
        "/programme-areas",
        summary="Create a programme area",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        opt={"problems": [422]},
    )
    async def create_area(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: JSONBody[AreaIn],
    ) -> Response[Any]:
        async def work() -> AreaOut:
            return _area_out(
                await structure.create_area(
                    principal_of(request).pseudonym, slug=data.slug, name=data.name
                )
            )

        return await _api(work(), HTTP_201_CREATED)

    @patch(
        "/programme-areas/{slug:str}",
        summary="Rename, archive or bring back a programme area",
        description="An area is archived only when none of its groups is live (409 otherwise).",
        request_max_body_size=MAX_FORM_BYTES,
        opt={"problems": [404, 409, 422]},
    )
    async def change_area(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        slug: FromPath[str],
        data: JSONBody[AreaChange],
    ) -> Response[Any]:
        change = await _strictly(request, AreaChange)

        async def work() -> AreaOut:
            return _area_out(
                await structure.update_area(
                    principal_of(request).pseudonym,
                    slug,
                    name=change.name,
                    archived=change.archived,
                )
            )

        return await _api(work())

    @get("/groups", summary="Subject groups (NAG and NSG), archived ones included")
    async def groups(self, structure: NamedDependency[StructureService]) -> list[GroupOut]:
        return [_group_out(g) for a in await structure.overview() for g in a.groups]

    @post(
        "/groups",
        summary="Create a subject group in a programme area",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        opt={"problems": [422]},
    )
    async def create_group(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        data: JSONBody[GroupIn],
    ) -> Response[Any]:
        async def work() -> GroupOut:
            return _group_out(
                await structure.create_group(
                    principal_of(request).pseudonym,
                    slug=data.slug,
                    name=data.name,
                    kind=data.kind,
                    area=data.programme_area,
                    description=data.description,
                )
            )

        return await _api(work(), HTTP_201_CREATED)

    @patch(
        "/groups/{slug:str}",
        summary="Rename, describe, change the kind of, move, archive or bring back a group",
        description="All given fields change together or none does. A group is not archived "
        "(409) while it owns a document that is not archived, an active routing rule sends "
        "items to it, or it has items it has not finished.",
        request_max_body_size=MAX_FORM_BYTES,
        opt={"problems": [404, 409, 422]},
    )
    async def change_group(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        slug: FromPath[str],
        data: JSONBody[GroupChange],
    ) -> Response[Any]:
        change = await _strictly(request, GroupChange)

        async def work() -> GroupOut:
            return _group_out(
                await structure.update_group(
                    principal_of(request).pseudonym,
                    slug,
                    name=change.name,
                    kind=change.kind,
                    description=change.description,
                    area=change.programme_area,
                    archived=change.archived,
                )
            )

        return await _api(work())

    @put(
        "/documents/{slug:str}/group",
        summary="Give a guidance document to another subject group",
        request_max_body_size=MAX_FORM_BYTES,
        opt={"problems": [404, 422]},
    )
    async def assign_document(
        self,
        request: AnyRequest,
        structure: NamedDependency[StructureService],
        slug: FromPath[str],
        data: JSONBody[DocumentGroupIn],
    ) -> Response[Any]:
        async def work() -> DocumentGroupOut:
            return _document_out(
                await structure.assign_document(principal_of(request).pseudonym, slug, data.group)
            )

        return await _api(work())
