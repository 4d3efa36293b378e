"""The outbox as admins see it (counts, dead letters, send again) and, in debug mode only, the
development mailbox: what would have been sent, rendered, when no SMTP server is configured."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from medskapa.clock import Clock
from medskapa.security.permissions import Permission, allows, principal_of, requires
from medskapa.web.deps import Conn, RowId, clock
from medskapa.web.forms import see_other
from medskapa.web.responses import private_page

from . import admin, queries
from .render import render

MAILBOX_SIZE = 100


class OutboxAdminPages(Controller):
    include_in_schema = False
    opt = requires(Permission.ADMINISTER)
    dependencies = {"clock": Provide(clock, sync_to_thread=False)}  # noqa: RUF012

    @get("/admin/utskick", name="outbox-admin")
    async def index(
        self,
        conn: Conn,
        state: State,
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return private_page(
            "admin/outbox.html",
            counts=await admin.counts(conn),
            letters=await admin.dead_letters(conn),
            smtp_configured=state.settings.smtp_host is not None,
            done=done,
        )

    @post("/admin/utskick/{message_id:int}/skicka-igen")
    async def retry(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        clock: NamedDependency[Clock],
        message_id: RowId,
    ) -> Redirect:
        actor = principal_of(request).pseudonym
        done = await admin.retry(conn, message_id, actor, clock())
        page = request.app.route_reverse("outbox-admin")
        return see_other(f"{page}?klart={'igen' if done else 'inget'}")


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


async def local_or_admin(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """The development mailbox shows reset and invitation links: only in debug mode, and only to
    a browser on this machine (the peer's address, or the client's behind a trusted proxy) or an
    admin who has passed the second factor. Everyone else gets 404, as without debug mode."""
    if not connection.app.state.settings.debug:
        raise NotFoundException()
    principal = principal_of(connection)
    if allows(principal, Permission.ADMINISTER) and principal.second_factor:
        return
    if connection.client is not None and _loopback(connection.client.host):
        return
    raise NotFoundException()


class DevMailboxPages(Controller):
    """Only in debug mode (MEDSKAPA_DEBUG), and only from this machine or for an admin;
    otherwise every path here is 404. Local development has no mail server, and this is where
    the mail can be read instead."""

    include_in_schema = False
    opt = requires(Permission.PUBLIC)
    guards = [local_or_admin]  # noqa: RUF012

    @get("/dev/mailbox")
    async def index(self, conn: Conn, state: State) -> Template:
        messages = []
        for row in await queries.mailbox(conn, MAILBOX_SIZE):
            try:
                rendered = render(row.template, row.context, base_url=state.settings.base_url)
            except Exception as exc:  # a broken template shows as such, not as a 500
                subject, text = f"({type(exc).__name__})", ""
            else:
                subject, text = rendered.subject, rendered.text
            messages.append(
                {
                    "id": row.id,
                    "status": row.status,
                    "created_at": row.created_at,
                    "to": row.address,
                    "subject": subject,
                    "text": text,
                }
            )
        return private_page("admin/mailbox.html", messages=messages)
