"""What the national structure's admin page (structure_pages.py) and JSON API
(structure_api.py) share: the service for a request and the size of a form. The rules are in
catalogue/structure.py."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from medskapa.catalogue.structure import StructureService
from medskapa.clock import Clock
from medskapa.web.deps import Conn, clock

MAX_FORM_BYTES = 16 * 1024


async def provide_structure(conn: Conn, clock: NamedDependency[Clock]) -> StructureService:
    return StructureService(conn, clock)


DEPENDENCIES = {
    "clock": Provide(clock, sync_to_thread=False),
    "structure": Provide(provide_structure),
}
AnyRequest = Request[Any, Any, Any]
