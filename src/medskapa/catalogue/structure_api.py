"""The national structure's JSON API under /api/v1 (programme areas, groups, a document's
group), for admins. Refusals and unknown slugs are answered app-wide (web/errors.py); the rules
are in catalogue/structure.py."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from medskapa.catalogue.structure import DESCRIPTION_MAX, NAME_MAX, SLUG_MAX, StructureService
from medskapa.catalogue.structure_queries import AreaRow, DocumentRow, GroupRow
from medskapa.catalogue.structure_web import DEPENDENCIES, MAX_FORM_BYTES, AnyRequest
from medskapa.errors import FieldError, Invalid
from medskapa.security.permissions import Permission, principal_of, requires

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
    opt = requires(Permission.ADMINISTER)
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
