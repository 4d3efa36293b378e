"""Pages of input rounds (open one, give input) and joint statements (draft, cite, ask to
co-sign, co-sign, send). Parse, authorise, render: the rules live in the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.clock import Clock
from medskapa.errors import Invalid, Refused
from medskapa.feedback.domain import CATEGORY_LABELS, QUOTE_MAX, STATUS_LABELS, TEXT_MAX, Category
from medskapa.organisations.domain import STOCKHOLM
from medskapa.organisations.service import OrganisationService
from medskapa.security.permissions import Permission, principal_of
from medskapa.security.principal import Principal
from medskapa.statements import domain
from medskapa.statements.round_service import InputData, RoundInput, RoundService
from medskapa.statements.service import StatementService
from medskapa.web.deps import Conn, clock, receipt_key
from medskapa.web.forms import field, see_other
from medskapa.web.responses import private_page

MAX_FORM_BYTES = 64 * 1024


async def provide_rounds(conn: Conn, clock: NamedDependency[Clock]) -> RoundService:
    return RoundService(conn, clock)


async def provide_statements(
    conn: Conn, clock: NamedDependency[Clock], receipt_key: NamedDependency[bytes]
) -> StatementService:
    return StatementService(conn, clock, receipt_key)


async def provide_organisations(
    conn: Conn, clock: NamedDependency[Clock], receipt_key: NamedDependency[bytes]
) -> OrganisationService:
    return OrganisationService(conn, clock, receipt_key)


DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
    "rounds": Provide(provide_rounds),
    "statements": Provide(provide_statements),
    "organisations": Provide(provide_organisations),
}

Rounds = NamedDependency[RoundService]
Statements = NamedDependency[StatementService]
Organisations = NamedDependency[OrganisationService]
AnyRequest = Request[Any, Any, Any]


def _page(name: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return private_page(f"organisations/{name}.html", status, **context)


async def _organisation_page(
    request: AnyRequest, organisations: OrganisationService, slug: str, **extra: Any
) -> Template:
    """The organisation's own page (where rounds are opened and statements begun), shown again
    with the errors of its round or statement form."""
    home = await organisations.home(principal_of(request), slug)
    return _page("organisation", HTTP_422_UNPROCESSABLE_ENTITY, **home.page_context(**extra))


def _refusal(
    exc: Invalid | Refused, values: dict[str, Any] | None = None, prefix: str = ""
) -> tuple[int, dict[str, Any]]:
    """How a round's or statement's page shows what was refused, and with which status: a
    field's error beside its form (``prefix`` names the form), or a conflict above the page;
    either way with the ``values`` as sent."""
    if isinstance(exc, Invalid):
        errors = {f"{prefix}{k}": v for k, v in exc.by_field().items()}
        return HTTP_422_UNPROCESSABLE_ENTITY, {"errors": errors, "values": values or {}}
    return HTTP_409_CONFLICT, {"error": exc.message(), "values": values or {}}


class StatementPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    # -- input rounds

    @post(
        "/organisationer/{slug:str}/omgangar",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def open_round(
        self,
        request: AnyRequest,
        rounds: Rounds,
        organisations: Organisations,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values = {
            name: field(data, name)[:1000]
            for name in ("title", "deadline", "consultation", "document")
        }
        try:
            opened = await rounds.open_round(principal_of(request), slug, RoundInput(**values))
        except Invalid as exc:
            return await _organisation_page(
                request, organisations, slug, errors=exc.by_field(), values=values
            )
        return see_other(f"/organisationer/{slug}/omgangar/{opened.id}")

    async def _round_page(
        self,
        request: AnyRequest,
        rounds: RoundService,
        slug: str,
        round_id: str,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        view = await rounds.round_view(principal_of(request), slug, round_id)
        context: dict[str, Any] = {
            "view": view,
            "sections": await rounds.sections(view.round.version_id),
            "categories": list(Category),
            "category_labels": CATEGORY_LABELS,
            "text_max": TEXT_MAX,
            "quote_max": QUOTE_MAX,
            "values": {},
            "errors": {},
        }
        context.update(extra)
        return _page("round", status, **context)

    @get(
        "/organisationer/{slug:str}/omgangar/{round_id:str}",
        permission=Permission.BELONG_TO_ORGANISATION,
    )
    async def round_page(
        self,
        request: AnyRequest,
        rounds: Rounds,
        slug: FromPath[str],
        round_id: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._round_page(request, rounds, slug, round_id, done=done)

    @post(
        "/organisationer/{slug:str}/omgangar/{round_id:str}/synpunkter",
        permission=Permission.BELONG_TO_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def add_input(
        self,
        request: AnyRequest,
        rounds: Rounds,
        slug: FromPath[str],
        round_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values: dict[str, Any] = {
            name: field(data, name)
            for name in ("section", "quote", "quote_prefix", "quote_suffix", "category", "text")
        }
        values["show_name"] = field(data, "show_name") == "ja"
        values["notify_on_answer"] = field(data, "notify_on_answer") == "ja"
        try:
            await rounds.add_input(principal_of(request), slug, round_id, InputData(**values))
        except (Invalid, Refused) as exc:
            status, shown = _refusal(exc, values)
            return await self._round_page(request, rounds, slug, round_id, status, **shown)
        return see_other(f"/organisationer/{slug}/omgangar/{round_id}?klart=skickad")

    # -- statements

    @post(
        "/organisationer/{slug:str}/yttranden",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def create_statement(
        self,
        request: AnyRequest,
        statements: Statements,
        organisations: Organisations,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values = {name: field(data, name)[:1000] for name in ("title", "round", "document")}
        try:
            created = await statements.create_statement(
                principal_of(request),
                slug,
                values["title"],
                round_id=values["round"],
                document=values["document"],
            )
        except Invalid as exc:
            return await _organisation_page(
                request,
                organisations,
                slug,
                errors={f"statement_{k}": v for k, v in exc.by_field().items()},
                values={f"statement_{k}": v for k, v in values.items()},
            )
        return see_other(f"/organisationer/{slug}/yttranden/{created.id}")

    async def _statement_page(
        self,
        request: AnyRequest,
        statements: StatementService,
        slug: str,
        statement_id: str,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        view = await statements.statement_view(principal_of(request), slug, statement_id)
        context: dict[str, Any] = {
            "view": view,
            "categories": list(Category),
            "category_labels": CATEGORY_LABELS,
            "status_labels": STATUS_LABELS,
            "cited_ids": {c.member_input_id for c in view.citations},
            "errors": {},
            "values": {},
            "statement_max": domain.STATEMENT_MAX,
            "tz": STOCKHOLM,
        }
        context.update(extra)
        return _page("statement", status, **context)

    @get(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}",
        permission=Permission.COORDINATE_ORGANISATION,
    )
    async def statement(
        self,
        request: AnyRequest,
        statements: Statements,
        slug: FromPath[str],
        statement_id: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._statement_page(request, statements, slug, statement_id, done=done)

    async def _statement_action(
        self,
        request: AnyRequest,
        statements: StatementService,
        slug: str,
        statement_id: str,
        work: Callable[[Principal], Awaitable[Any]],
        done: str,
        values: dict[str, Any] | None = None,
        prefix: str = "",
    ) -> Response[Any]:
        try:
            await work(principal_of(request))
        except (Invalid, Refused) as exc:
            status, shown = _refusal(exc, values, prefix)
            return await self._statement_page(
                request, statements, slug, statement_id, status, **shown
            )
        return see_other(f"/organisationer/{slug}/yttranden/{statement_id}?klart={done}")

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/avsnitt",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def save_section(
        self,
        request: AnyRequest,
        statements: Statements,
        slug: FromPath[str],
        statement_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        section = field(data, "section")[:20]
        values = {"heading": field(data, "heading"), "body": field(data, "body")}
        return await self._statement_action(
            request,
            statements,
            slug,
            statement_id,
            lambda p: statements.save_section(p, slug, statement_id, section_id=section, **values),
            "sparad",
            {f"{section or 'new'}_{k}": v for k, v in values.items()},
            prefix=f"{section or 'new'}_",
        )

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/citat",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def cite(
        self,
        request: AnyRequest,
        statements: Statements,
        slug: FromPath[str],
        statement_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        return await self._statement_action(
            request,
            statements,
            slug,
            statement_id,
            lambda p: statements.cite(
                p, slug, statement_id, field(data, "input")[:40], field(data, "section")[:20]
            ),
            "citerad",
            prefix="cite_",
        )

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/medundertecknare",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def invite_cosigner(
        self,
        request: AnyRequest,
        statements: Statements,
        slug: FromPath[str],
        statement_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        return await self._statement_action(
            request,
            statements,
            slug,
            statement_id,
            lambda p: statements.invite_cosigner(
                p, slug, statement_id, field(data, "organisation")[:100]
            ),
            "tillfragad",
            prefix="cosigner_",
        )

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/underteckna",
        permission=Permission.COORDINATE_ORGANISATION,
    )
    async def cosign(
        self,
        request: AnyRequest,
        statements: Statements,
        slug: FromPath[str],
        statement_id: FromPath[str],
    ) -> Response[Any]:
        return await self._statement_action(
            request,
            statements,
            slug,
            statement_id,
            lambda p: statements.cosign(p, slug, statement_id),
            "undertecknad",
        )

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/skicka",
        permission=Permission.COORDINATE_ORGANISATION,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def submit(
        self,
        request: AnyRequest,
        statements: Statements,
        slug: FromPath[str],
        statement_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        try:
            submitted = await statements.submit(
                principal_of(request),
                slug,
                statement_id,
                category=field(data, "category"),
                consent_public=field(data, "consent_public") == "ja",
            )
        except (Invalid, Refused) as exc:
            status, shown = _refusal(exc, prefix="submit_")
            return await self._statement_page(
                request, statements, slug, statement_id, status, **shown
            )
        return await self._statement_page(
            request, statements, slug, statement_id, receipt_code=submitted.receipt_code
        )
