"""What moderation's pages, routing-rule pages and JSON API share: their services, provided
per request, and the size of a form they accept. Their pages are the web kit's private_page
(never kept in a cache: they show feedback not yet public)."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from medskapa.clock import Clock
from medskapa.moderation.rules import RoutingRules
from medskapa.moderation.service import ModerationService
from medskapa.web.deps import Conn, clock

MAX_FORM_BYTES = 64 * 1024


async def provide_moderation(conn: Conn, clock: NamedDependency[Clock]) -> ModerationService:
    return ModerationService(conn, clock)


async def provide_rules(conn: Conn, clock: NamedDependency[Clock]) -> RoutingRules:
    return RoutingRules(conn, clock)


DEPENDENCIES = {
    "clock": Provide(clock, sync_to_thread=False),
    "moderation": Provide(provide_moderation),
    "rules": Provide(provide_rules),
}
