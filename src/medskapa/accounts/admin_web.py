"""The admin page for users, roles and memberships: find a user, see what they may do, grant a
role (which ends their sessions, as `medskapa user set-role` does)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.accounts.admin import RoleChoice, reset_second_factor, set_role
from medskapa.accounts.service import AccountError
from medskapa.accounts.texts import ERRORS
from medskapa.clock import Clock
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.web.deps import Conn, clock

MAX_FORM_BYTES = 4096
SHOWN = 100
ROLE_LABELS = {
    RoleChoice.PATIENT: "Patient eller närstående (tar bort moderator- och adminrätt)",
    RoleChoice.MODERATOR: "Moderator",
    RoleChoice.ADMIN: "Administratör",
    RoleChoice.GROUP_MEMBER: "Medlem i en arbetsgrupp",
    RoleChoice.GROUP_LEAD: "Ledare för en arbetsgrupp",
    RoleChoice.GROUP_PATIENT_REPRESENTATIVE: "Patientföreträdare i en arbetsgrupp (läser "
    "inkorgen och skriver anteckningar, svarar inte för gruppen)",
    RoleChoice.ORGANISATION_MEMBER: "Medlem i en organisation",
    RoleChoice.ORGANISATION_COORDINATOR: "Samordnare i en organisation",
}
PAGE_ERRORS = {
    **ERRORS,
    "group_required": "Välj vilken arbetsgrupp rollen gäller.",
    "organisation_required": "Välj vilken organisation rollen gäller.",
    "unknown_role": "Välj en av rollerna.",
}


async def _users(conn: Conn, search: str | None) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT u.id, u.email, u.role, u.totp_confirmed_at IS NOT NULL, "
        "  ARRAY(SELECT g.name || ' (' || CASE m.role WHEN 'lead' THEN 'ledare' "
        "    WHEN 'patient_representative' THEN 'patientföreträdare' ELSE 'medlem' END || ')' "
        "    FROM group_memberships m "
        "    JOIN subject_groups g ON g.id = m.group_id WHERE m.user_id = u.id ORDER BY g.name), "
        "  ARRAY(SELECT o.name || ' (' || CASE m.role WHEN 'coordinator' THEN 'samordnare' "
        "    ELSE 'medlem' END || ')' FROM organisation_memberships m "
        "    JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = u.id "
        "    ORDER BY o.name) "
        "FROM users u WHERE u.deleted_at IS NULL "
        "AND ($1::text IS NULL OR strpos(lower(u.email), lower($1)) > 0) "
        "ORDER BY lower(u.email) LIMIT $2",
        search,
        SHOWN,
    )
    keys = ("id", "email", "role", "second_factor", "groups", "organisations")
    return [dict(zip(keys, row, strict=True)) for row in rows]


class UserAdminPages(Controller):
    include_in_schema = False
    guards = [requires(Permission.ADMINISTER)]  # noqa: RUF012
    dependencies = {"clock": Provide(clock, sync_to_thread=False)}  # noqa: RUF012

    async def _page(self, conn: Conn, status: int = HTTP_200_OK, **context: Any) -> Template:
        search = context.pop("search", None)
        return Template(
            "admin/users.html",
            context={
                "users": await _users(conn, search),
                "search": search or "",
                "shown": SHOWN,
                "roles": ROLE_LABELS,
                "groups": await conn.fetch(
                    "SELECT slug, name FROM subject_groups WHERE archived_at IS NULL ORDER BY name"
                ),
                "organisations": await conn.fetch(
                    "SELECT slug, name FROM organisations ORDER BY name"
                ),
                "values": {},
                "error": None,
                "reset_values": {},
                "reset_error": None,
                **context,
            },
            status_code=status,
            headers={"Cache-Control": "no-store"},
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
        email = data.get("email")
        email = email.strip()[:254] if isinstance(email, str) else ""
        try:
            await reset_second_factor(
                conn, email=email, now=clock(), actor=principal_of(request).pseudonym
            )
        except AccountError as exc:
            return await self._page(
                conn,
                HTTP_422_UNPROCESSABLE_ENTITY,
                reset_values={"email": email},
                reset_error=PAGE_ERRORS.get(exc.code, exc.code),
            )
        return Redirect("/admin/anvandare?klart=tvasteg", status_code=303)

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
            code = "unknown_role"
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
            except AccountError as exc:
                code = exc.code
            else:
                return Redirect("/admin/anvandare?klart=roll", status_code=303)
        return await self._page(
            conn,
            HTTP_422_UNPROCESSABLE_ENTITY,
            values=values,
            error=PAGE_ERRORS.get(code, code),
        )
