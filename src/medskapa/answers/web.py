"""The public answers to a guidance document, as a page and in the JSON API: anonymous, read
only, for anyone."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.answers import service
from medskapa.errors import Invalid
from medskapa.feedback.domain import CATEGORY_LABELS, ROLE_LABELS
from medskapa.security.permissions import Permission, requires
from medskapa.triage import texts
from medskapa.web.deps import Conn

VersionQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=20, pattern=r"^[0-9]+(\.[0-9]+)*$", description="Only feedback on this version"
    ),
]
AfterQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=200, pattern=r"^[A-Za-z0-9_-]*$", description="Cursor from the previous page"
    ),
]


class PublicResponsesApi(Controller):
    path = "/api/v1/documents"
    tags = ("transparency",)
    opt = requires(Permission.PUBLIC)

    @get(
        "/{slug:str}/responses",
        summary="Public feedback and the groups' answers for one document",
        description="Only moderated feedback whose submitters allowed it to be shown, "
        "anonymised, with the subject group's answers and the version that changed.",
        opt={"problems": [422], "shared_cache": True},
    )
    async def responses(
        self,
        conn: Conn,
        slug: FromPath[str],
        version: VersionQuery = None,
        after: AfterQuery = None,
    ) -> Response[Any]:
        return Response(await service.responses(conn, slug, version, after))


class PublicResponsesPages(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)

    @get("/kunskapsstod/{slug:str}/svar", name="public-responses", opt={"shared_cache": True})
    async def responses(
        self,
        conn: Conn,
        slug: FromPath[str],
        version: VersionQuery = None,
        after: AfterQuery = None,
    ) -> Template:
        errors: dict[str, str] = {}
        try:
            result = await service.responses(conn, slug, version, after)
        except Invalid as exc:
            # The page shows the first page of all versions, with what was wrong beside the
            # version filter.
            errors = exc.by_field()
            result = await service.responses(conn, slug, None, None)
        return Template(
            "triage/responses.html",
            context={
                "r": result,
                "versions": await service.published_versions(conn, slug),
                "errors": errors,
                "category_labels": CATEGORY_LABELS,
                "role_labels": ROLE_LABELS,
                "close_reasons": texts.CLOSE_REASON_LABELS,
                "status_labels": texts.GROUP_STATUS_LABELS,
            },
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK,
        )
