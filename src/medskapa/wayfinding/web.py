"""The start page of one's own work ("Mina uppgifter") and the admins' index (/admin)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.response import Template

from medskapa.clock import Clock
from medskapa.security.permissions import Permission, principal_of
from medskapa.triage.texts import GROUP_STATUS_LABELS
from medskapa.wayfinding import service
from medskapa.wayfinding.texts import ADMIN_PAGES, MAILBOX_PAGE
from medskapa.web.deps import Conn, clock, receipt_key
from medskapa.web.responses import private_page

DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
}


class WayfindingPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/mina-uppgifter", name="my-tasks", permission=Permission.SIGNED_IN)
    async def my_tasks(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        clock: NamedDependency[Clock],
        receipt_key: NamedDependency[bytes],
    ) -> Template:
        """Where everyone lands after signing in: what waits for them, area by area."""
        tasks = await service.tasks(conn, clock, receipt_key, principal_of(request))
        return private_page("wayfinding/tasks.html", tasks=tasks, status_labels=GROUP_STATUS_LABELS)

    @get("/admin", name="admin-index", permission=Permission.ADMINISTER)
    async def admin_index(self, request: Request[Any, Any, Any]) -> Template:
        """Every administration page, with what it is for."""
        pages = list(ADMIN_PAGES)
        if request.app.state.settings.debug:
            pages.append(MAILBOX_PAGE)
        return private_page("wayfinding/admin.html", pages=pages)
