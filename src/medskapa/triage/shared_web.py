"""What the triage pages and API share: the service and the inbox filter as dependencies, and
the context every group page starts from."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from medskapa.clock import Clock
from medskapa.feedback.domain import CATEGORY_LABELS, ROLE_LABELS
from medskapa.security.principal import Principal
from medskapa.triage import texts
from medskapa.triage.domain import QUERY_MAX, snippet
from medskapa.triage.service import TriageService
from medskapa.web.deps import Conn, clock

MAX_FORM_BYTES = 32 * 1024


async def provide_triage(conn: Conn, clock: NamedDependency[Clock]) -> TriageService:
    return TriageService(conn, clock)


def _filter_values(
    status: Annotated[str | None, QueryParameter(max_length=30, description="A status")] = None,
    document: Annotated[
        str | None, QueryParameter(max_length=200, description="Document slug")
    ] = None,
    section: Annotated[
        str | None, QueryParameter(max_length=100, description="Section key, e.g. 3.2-behandling")
    ] = None,
    category: Annotated[str | None, QueryParameter(max_length=40)] = None,
    region: Annotated[
        str | None,
        QueryParameter(
            max_length=10, description="Where the care took place: a region's county code"
        ),
    ] = None,
    healthcare_region: Annotated[
        str | None,
        QueryParameter(
            max_length=40,
            description="Where the care took place: any region of this healthcare region",
        ),
    ] = None,
    theme: Annotated[str | None, QueryParameter(max_length=20, description="Theme id")] = None,
    assignee: Annotated[
        str | None, QueryParameter(max_length=20, description='"me", "nobody" or a user id')
    ] = None,
    older_than_days: Annotated[str | None, QueryParameter(max_length=5)] = None,
    urgent: Annotated[str | None, QueryParameter(max_length=5)] = None,
    q: Annotated[
        str | None,
        QueryParameter(max_length=QUERY_MAX * 2, description="Full-text search (Swedish)"),
    ] = None,
    sort: Annotated[str | None, QueryParameter(max_length=10, description="newest|oldest")] = None,
    after: Annotated[
        str | None, QueryParameter(max_length=200, description="Cursor from the previous page")
    ] = None,
) -> dict[str, str | None]:
    return {
        "status": status,
        "document": document,
        "section": section,
        "category": category,
        "region": region,
        "healthcare_region": healthcare_region,
        "theme": theme,
        "assignee": assignee,
        "older_than_days": older_than_days,
        "urgent": urgent,
        "q": q,
        "sort": sort,
        "after": after,
    }


DEPENDENCIES = {
    "clock": Provide(clock, sync_to_thread=False),
    "triage": Provide(provide_triage),
    "filter_values": Provide(_filter_values, sync_to_thread=False),
}


def base_context(principal: Principal) -> dict[str, Any]:
    return {
        "me_id": principal.user_id,
        "status_labels": texts.GROUP_STATUS_LABELS,
        "category_labels": CATEGORY_LABELS,
        "role_labels": ROLE_LABELS,
        "snippet": snippet,
    }
