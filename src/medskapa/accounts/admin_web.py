"""The admin page for users, roles and memberships: find a user, see what they may do, grant a
role (which ends their sessions, as `medskapa user set-role` does)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.accounts.admin import (
    RoleChoice,
    grantable,
    reset_second_factor,
    set_role,
    users_overview,
)
from medskapa.accounts.texts import ERRORS
from medskapa.clock import Clock
from medskapa.errors import Invalid, describe
from medskapa.i18n import N_, Labels
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.web.deps import Conn, clock
from medskapa.web.forms import field, see_other
from medskapa.web.responses import private_page

MAX_FORM_BYTES = 4096
SHOWN = 100
ROLE_LABELS = Labels(
    {
        RoleChoice.PATIENT: N_("Patient eller närstående (tar bort moderator- och adminrätt)"),
        RoleChoice.MODERATOR: N_("Moderator"),
        RoleChoice.ADMIN: N_("Administratör"),
        RoleChoice.GROUP_MEMBER: N_("Medlem i en arbetsgrupp"),
        RoleChoice.GROUP_LEAD: N_("Ledare för en arbetsgrupp"),
        RoleChoice.GROUP_PATIENT_REPRESENTATIVE: N_(
            "Patientföreträdare i en arbetsgrupp (läser "
            "inkorgen och skriver anteckningar, svarar inte för gruppen)"
        ),
        RoleChoice.ORGANISATION_MEMBER: N_("Medlem i en organisation"),
        RoleChoice.ORGANISATION_COORDINATOR: N_("Samordnare i en organisation"),
    }
)
# On the page, the admin picks the group or organisation from a list (the CLI names a flag).
PAGE_ERRORS = {
    **ERRORS,
    "group_required": N_("Välj vilken arbetsgrupp rollen gäller."),
    "organisation_required": N_("Välj vilken organisation rollen gäller."),
    "unknown_role": N_("Välj en av rollerna."),
}


def _error(exc: Invalid) -> str:
    return describe(PAGE_ERRORS, exc.errors[0].code)


class UserAdminPages(Controller):
    include_in_schema = False
    opt = requires(Permission.ADMINISTER)
    dependencies = {"clock": Provide(clock, sync_to_thread=False)}  # noqa: RUF012

    async def _page(self, conn: Conn, status: int = HTTP_200_OK, **context: Any) -> Template:
        search = context.pop("search", None)
        return private_page(
            "admin/users.html",
            status,
            **{
                "users": await users_overview(conn, search, SHOWN),
                "search": search or "",
                "shown": SHOWN,
                "roles": ROLE_LABELS,
                **await grantable(conn),
                "values": {},
                "error": None,
                "reset_values": {},
                "reset_error": None,
                **context,
            },
        )

    @get("/admin/anvandare", name="user-admin")
    async def index(
        self,
        conn: Conn,
        search: Annotated[str | None, QueryParameter(name="sok", max_length=254)] = None,
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._page(conn, search=(search or "").strip() or None, done=done)

    @post("/admin/anvandare/tvastegsverifiering", request_max_body_size=MAX_FORM_BYTES)
    async def reset_factor(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        clock: NamedDependency[Clock],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        email = field(data, "email").strip()[:254]
        try:
            await reset_second_factor(
                conn, email=email, now=clock(), actor=principal_of(request).pseudonym
            )
        except Invalid as exc:
            return await self._page(
                conn,
                HTTP_422_UNPROCESSABLE_ENTITY,
                reset_values={"email": email},
                reset_error=_error(exc),
            )
        return see_other("/admin/anvandare?klart=tvasteg")

    @post("/admin/anvandare/roll", request_max_body_size=MAX_FORM_BYTES)
    async def grant(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        clock: NamedDependency[Clock],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        email = values.get("email", "").strip()[:254]
        try:
            role = RoleChoice(values.get("role", ""))
        except ValueError:
            error = describe(PAGE_ERRORS, "unknown_role")
        else:
            try:
                await set_role(
                    conn,
                    email=email,
                    role=role,
                    now=clock(),
                    group=values.get("group") or None,
                    organisation=values.get("organisation") or None,
                    actor=principal_of(request).pseudonym,
                )
            except Invalid as exc:
                error = _error(exc)
            else:
                return see_other("/admin/anvandare?klart=roll")
        return await self._page(conn, HTTP_422_UNPROCESSABLE_ENTITY, values=values, error=error)
