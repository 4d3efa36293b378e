"""The national structure for admins at /admin/struktur: programme areas, groups, a document's
group. Parse, authorise, render; the rules are in catalogue/structure.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.catalogue.structure import (
    DESCRIPTION_MAX,
    KIND_LABELS,
    NAME_MAX,
    SLUG_MAX,
    StructureService,
)
from medskapa.catalogue.structure_texts import ERRORS
from medskapa.catalogue.structure_web import DEPENDENCIES, MAX_FORM_BYTES, AnyRequest
from medskapa.errors import FieldError, Invalid, NotFound, Refused
from medskapa.i18n import N_, Labels, gettext
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.web.forms import see_other
from medskapa.web.responses import private_page

PAGE = "/admin/struktur"

# What each form says when it worked (?klart=...).
DONE = Labels(
    {
        "omrade": N_("Programområdet är skapat."),
        "omradesnamn": N_("Programområdet har fått sitt nya namn."),
        "omrade-arkiverat": N_("Programområdet är arkiverat."),
        "omrade-aterstallt": N_("Programområdet är återställt."),
        "grupp": N_("Gruppen är skapad."),
        "grupp-andrad": N_("Gruppen är ändrad."),
        "grupp-flyttad": N_("Gruppen är flyttad till det andra programområdet."),
        "grupp-arkiverad": N_("Gruppen är arkiverad."),
        "grupp-aterstalld": N_("Gruppen är återställd."),
        "dokument": N_("Dokumentet tillhör nu den valda gruppen."),
    }
)


def _values(data: dict[str, Any]) -> dict[str, str]:
    return {k: v[: DESCRIPTION_MAX * 2] for k, v in data.items() if isinstance(v, str)}


def _archive_choice(value: str) -> bool | None:
    return {"arkivera": True, "aterstall": False}.get(value)


class StructureAdminPages(Controller):
    path = PAGE
    include_in_schema = False
    opt = requires(Permission.ADMINISTER)
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
        return private_page(
            "admin/structure.html",
            status,
            areas=areas,
            live_areas=[a for a in areas if not a.archived],
            groups=sorted((g for a in areas for g in a.groups), key=lambda g: g.name.lower()),
            documents=await structure.documents(),
            kinds=KIND_LABELS,
            done=DONE.get(done or ""),
            form=form,
            errors=errors or {},
            values=values or {},
            slug_max=SLUG_MAX,
            name_max=NAME_MAX,
            description_max=DESCRIPTION_MAX,
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
            errors = {"subject": gettext("Välj något som finns i listan.")}
            status = HTTP_422_UNPROCESSABLE_ENTITY
        else:
            code = done() if callable(done) else done
            return see_other(f"{PAGE}?klart={code}")
        return await self._page(structure, status, form=form, errors=errors, values=values)

    async def _archive(
        self,
        request: AnyRequest,
        structure: StructureService,
        data: dict[str, Any],
        update: Callable[..., Awaitable[Any]],
        form: str,
        done: tuple[str, str],
    ) -> Response[Any]:
        """Archive or bring back an area or a group, as the form's action says; ``done`` is
        the notice after archiving and the one after bringing back."""
        v = _values(data)
        archived = _archive_choice(v.get("action", ""))

        async def work() -> None:
            if archived is None:
                raise Invalid([FieldError("action", "unknown_action")], ERRORS)
            await update(principal_of(request).pseudonym, v.get("subject", ""), archived=archived)

        return await self._act(structure, form, v, work, done[0] if archived else done[1])

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
        return await self._archive(
            request,
            structure,
            data,
            structure.update_area,
            "area-archive",
            ("omrade-arkiverat", "omrade-aterstallt"),
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
        return await self._archive(
            request,
            structure,
            data,
            structure.update_group,
            "group-archive",
            ("grupp-arkiverad", "grupp-aterstalld"),
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
