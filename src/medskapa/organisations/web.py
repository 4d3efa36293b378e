"""Organisation pages: the list and registration, an organisation's own page, verification,
invitations (by e-mail and by link), joining and removing members. Parse, authorise, render:
the rules live in the service."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.clock import Clock
from medskapa.errors import Invalid, NotFound, Refused, describe
from medskapa.organisations import domain
from medskapa.organisations.service import OrganisationService, every_organisation
from medskapa.organisations.texts import ERRORS
from medskapa.security.permissions import Permission, principal_of
from medskapa.web.deps import Conn, clock, receipt_key
from medskapa.web.forms import field, see_other
from medskapa.web.responses import private_page

MAX_FORM_BYTES = 64 * 1024


async def provide_service(
    conn: Conn, clock: NamedDependency[Clock], receipt_key: NamedDependency[bytes]
) -> OrganisationService:
    return OrganisationService(conn, clock, receipt_key)


DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
    "organisations": Provide(provide_service),
}

Service = NamedDependency[OrganisationService]
AnyRequest = Request[Any, Any, Any]


def _page(name: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return private_page(f"organisations/{name}.html", status, **context)


async def organisation_page(
    request: AnyRequest,
    organisations: OrganisationService,
    slug: str,
    status: int = HTTP_200_OK,
    **extra: Any,
) -> Template:
    """An organisation's own page, with ``extra`` (errors, values, a notice) on top."""
    home = await organisations.home(principal_of(request), slug)
    return _page("organisation", status, **home.page_context(**extra))


async def _refused_page(
    request: AnyRequest,
    organisations: OrganisationService,
    slug: str,
    exc: Invalid | Refused,
    values: dict[str, str] | None = None,
) -> Template:
    """The organisation's page again with what was refused: a field's error beside its form
    (``values`` as sent), or a conflict above the page."""
    if isinstance(exc, Invalid):
        return await organisation_page(
            request,
            organisations,
            slug,
            HTTP_422_UNPROCESSABLE_ENTITY,
            errors=exc.by_field(),
            values=values or {},
        )
    return await organisation_page(
        request, organisations, slug, HTTP_409_CONFLICT, error=exc.message()
    )


async def _done_or_again(
    request: AnyRequest,
    organisations: OrganisationService,
    slug: str,
    work: Awaitable[Any],
    done: str,
    values: dict[str, str] | None = None,
) -> Response[Any]:
    """Do a coordinator's or administrator's ``work`` on the organisation, then go back to its
    page saying what was ``done``, or show the page again with what was refused."""
    try:
        await work
    except (Invalid, Refused) as exc:
        return await _refused_page(request, organisations, slug, exc, values)
    return see_other(f"/organisationer/{slug}?klart={done}")


class OrganisationPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    async def _list(self, conn: Conn, status: int = HTTP_200_OK, **extra: Any) -> Template:
        return _page(
            "list",
            status,
            organisations=await every_organisation(conn),
            values=extra.pop("values", {}),
            errors=extra.pop("errors", {}),
            **extra,
        )

    @get("/organisationer", name="organisations", permission=Permission.PUBLIC)
    async def list_page(self, conn: Conn) -> Template:
        return await self._list(conn)

    @post(
        "/organisationer",
        permission=Permission.SIGNED_IN,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def create(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values = {"name": field(data, "name"), "description": field(data, "description")}
        try:
            created = await organisations.create_organisation(
                principal_of(request), values["name"], values["description"]
            )
        except Invalid as exc:
            return await self._list(
                conn, HTTP_422_UNPROCESSABLE_ENTITY, values=values, errors=exc.by_field()
            )
        return see_other(f"/organisationer/{created.slug}?klart=skapad")

    @get("/organisationer/{slug:str}", permission=Permission.PUBLIC)
    async def organisation(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await organisation_page(request, organisations, slug, done=done)

    @post("/organisationer/{slug:str}/verifiera", permission=Permission.ADMINISTER)
    async def verify(
        self, request: AnyRequest, organisations: Service, slug: FromPath[str]
    ) -> Response[Any]:
        return await _done_or_again(
            request,
            organisations,
            slug,
            organisations.verify(principal_of(request), slug),
            "verifierad",
        )

    @post(
        "/organisationer/{slug:str}/inbjudningar",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def invite(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        email = field(data, "email")[:320]
        return await _done_or_again(
            request,
            organisations,
            slug,
            organisations.invite_by_email(principal_of(request), slug, email),
            "inbjuden",
            values={"email": email},
        )

    @post(
        "/organisationer/{slug:str}/inbjudningslankar",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def create_link(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        days = field(data, "days")[:10]
        try:
            token, expires = await organisations.create_link(principal_of(request), slug, days)
        except Invalid as exc:
            return await _refused_page(request, organisations, slug, exc, {"days": days})
        return await organisation_page(
            request,
            organisations,
            slug,
            # Shown to copy and share: made from MEDSKAPA_BASE_URL, never the Host header.
            new_link=f"{request.app.state.settings.base_url.rstrip('/')}{domain.JOIN_PATH}"
            f"?token={token}",
            new_link_expires=domain.local_date(expires),
        )

    @post(
        "/organisationer/{slug:str}/inbjudningslankar/aterkalla",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def revoke_link(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        await organisations.revoke_link(principal_of(request), slug, field(data, "invitation"))
        return see_other(f"/organisationer/{slug}?klart=aterkallad")

    @post(
        "/organisationer/{slug:str}/medlemmar/ta-bort",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def remove_member(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        return await _done_or_again(
            request,
            organisations,
            slug,
            organisations.remove_member(principal_of(request), slug, field(data, "user")),
            "borttagen",
        )

    # -- joining

    @get("/inbjudan", permission=Permission.PUBLIC)
    async def invitation(
        self,
        request: AnyRequest,
        organisations: Service,
        token: Annotated[str, QueryParameter(name="token", max_length=100)] = "",
    ) -> Template:
        # A page with a button, not an action on GET: link scanners in mail systems open links.
        try:
            organisation, state = await organisations.invitation(token)
        except NotFound:
            return _page(
                "join",
                HTTP_422_UNPROCESSABLE_ENTITY,
                error=describe(ERRORS, "invitation_unknown"),
            )
        valid = state is domain.InvitationState.VALID
        return _page(
            "join",
            HTTP_200_OK if valid else HTTP_422_UNPROCESSABLE_ENTITY,
            organisation=organisation,
            token=token,
            error=None if valid else describe(ERRORS, f"invitation_{state}"),
            signed_in=principal_of(request).authenticated,
        )

    @post(
        "/inbjudan",
        permission=Permission.SIGNED_IN,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def join(
        self, request: AnyRequest, organisations: Service, data: URLEncodedBody[dict[str, Any]]
    ) -> Response[Any]:
        try:
            organisation = await organisations.join(
                principal_of(request), field(data, "token")[:100]
            )
        except Refused as exc:
            return _page("join", HTTP_422_UNPROCESSABLE_ENTITY, error=exc.message())
        return see_other(f"/organisationer/{organisation.slug}?klart=medlem")
