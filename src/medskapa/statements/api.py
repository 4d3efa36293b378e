"""The JSON API for input rounds and joint statements. Refusals become problem details that
name fields and codes (medskapa.web.errors); the rules live in the services."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from medskapa.security.permissions import Permission, principal_of
from medskapa.security.principal import Principal
from medskapa.statements.dto import (
    CitationIn,
    CosignerIn,
    InputIn,
    InputOut,
    RoundDetail,
    RoundIn,
    RoundOut,
    SectionIn,
    StatementIn,
    StatementLineOut,
    StatementOut,
    SubmitIn,
    SubmittedOut,
    input_out,
    round_out,
    statement_out,
)
from medskapa.statements.pages import DEPENDENCIES, MAX_FORM_BYTES, Rounds, Statements
from medskapa.statements.round_service import InputData
from medskapa.statements.service import StatementService

AnyRequest = Request[Any, Any, Any]


class StatementApi(Controller):
    path = "/api/v1"
    tags = ("organisations",)
    dependencies = DEPENDENCIES

    # -- rounds

    @get(
        "/organisations/{slug:str}/rounds",
        permission=Permission.BELONG_TO_ORGANISATION,
        summary="Input rounds of your organisation",
    )
    async def rounds(
        self, request: AnyRequest, rounds: Rounds, slug: FromPath[str]
    ) -> list[RoundOut]:
        _, found = await rounds.rounds(principal_of(request), slug)
        return [round_out(r) for r in found]

    @post(
        "/organisations/{slug:str}/rounds",
        permission=Permission.COORDINATE_ORGANISATION,
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Open an input round on a consultation or a published document",
    )
    async def open_round(
        self, request: AnyRequest, rounds: Rounds, slug: FromPath[str], data: JSONBody[RoundIn]
    ) -> RoundOut:
        return round_out(await rounds.open_round(principal_of(request), slug, data.to_input()))

    @get(
        "/organisations/{slug:str}/rounds/{round_id:str}",
        permission=Permission.BELONG_TO_ORGANISATION,
        summary="A round with the input you may see (coordinators: all; members: their own)",
    )
    async def round(
        self, request: AnyRequest, rounds: Rounds, slug: FromPath[str], round_id: FromPath[str]
    ) -> RoundDetail:
        view = await rounds.round_view(principal_of(request), slug, round_id)
        return RoundDetail(round_out(view.round), view.open, [input_out(i) for i in view.inputs])

    @post(
        "/organisations/{slug:str}/rounds/{round_id:str}/inputs",
        permission=Permission.BELONG_TO_ORGANISATION,
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Add your input to a round (private to the organisation)",
    )
    async def add_input(
        self,
        request: AnyRequest,
        rounds: Rounds,
        slug: FromPath[str],
        round_id: FromPath[str],
        data: JSONBody[InputIn],
    ) -> InputOut:
        added = await rounds.add_input(
            principal_of(request),
            slug,
            round_id,
            InputData(
                category=data.category,
                text=data.text,
                section=data.section,
                quote=data.quote.exact if data.quote else None,
                quote_prefix=data.quote.prefix if data.quote else None,
                quote_suffix=data.quote.suffix if data.quote else None,
                show_name=data.show_name,
                notify_on_answer=data.notify_on_answer,
            ),
        )
        return input_out(added)

    # -- statements

    @get(
        "/statements",
        permission=Permission.COORDINATE_ORGANISATION,
        summary="Statements your organisation wrote or was asked to co-sign",
    )
    async def statements(
        self,
        request: AnyRequest,
        statements: Statements,
        organisation: Annotated[str, QueryParameter(name="organisation", max_length=100)],
    ) -> list[StatementLineOut]:
        _, found = await statements.statements(principal_of(request), organisation)
        return [
            StatementLineOut(s.id, s.organisation_slug, s.title, s.status, s.feedback_status)
            for s in found
        ]

    @post(
        "/statements",
        permission=Permission.COORDINATE_ORGANISATION,
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Start a joint statement (a draft)",
    )
    async def create_statement(
        self, request: AnyRequest, statements: Statements, data: JSONBody[StatementIn]
    ) -> StatementOut:
        principal = principal_of(request)
        created = await statements.create_statement(
            principal,
            data.organisation,
            data.title,
            round_id=str(data.round) if data.round is not None else None,
            document=data.document,
        )
        return statement_out(
            await statements.statement_view(principal, data.organisation, created.id)
        )

    async def _on_statement(
        self,
        request: AnyRequest,
        statements: StatementService,
        statement_id: str,
        action: Callable[[Principal, str], Awaitable[Any]] | None = None,
    ) -> StatementOut:
        """Act as the principal's organisation behind the statement, then show it."""
        principal = principal_of(request)
        slug = await statements.acting_slug(principal, statement_id)
        if action is not None:
            await action(principal, slug)
        return statement_out(await statements.statement_view(principal, slug, statement_id))

    @get(
        "/statements/{statement_id:str}",
        permission=Permission.COORDINATE_ORGANISATION,
        summary="A statement with its sections, citations and co-signers",
    )
    async def statement(
        self, request: AnyRequest, statements: Statements, statement_id: FromPath[str]
    ) -> StatementOut:
        return await self._on_statement(request, statements, statement_id)

    @post(
        "/statements/{statement_id:str}/sections",
        permission=Permission.COORDINATE_ORGANISATION,
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Add a section, or save a new draft of one (kept in the edit history)",
    )
    async def save_section(
        self,
        request: AnyRequest,
        statements: Statements,
        statement_id: FromPath[str],
        data: JSONBody[SectionIn],
    ) -> StatementOut:
        return await self._on_statement(
            request,
            statements,
            statement_id,
            lambda p, slug: statements.save_section(
                p,
                slug,
                statement_id,
                heading=data.heading,
                body=data.body,
                section_id=str(data.section_id) if data.section_id is not None else None,
            ),
        )

    @post(
        "/statements/{statement_id:str}/citations",
        permission=Permission.COORDINATE_ORGANISATION,
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Cite a member input of your organisation in the statement",
    )
    async def cite(
        self,
        request: AnyRequest,
        statements: Statements,
        statement_id: FromPath[str],
        data: JSONBody[CitationIn],
    ) -> StatementOut:
        return await self._on_statement(
            request,
            statements,
            statement_id,
            lambda p, slug: statements.cite(
                p,
                slug,
                statement_id,
                data.input,
                str(data.section_id) if data.section_id is not None else None,
            ),
        )

    @post(
        "/statements/{statement_id:str}/cosigners",
        permission=Permission.COORDINATE_ORGANISATION,
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Ask another verified organisation to co-sign",
    )
    async def invite_cosigner(
        self,
        request: AnyRequest,
        statements: Statements,
        statement_id: FromPath[str],
        data: JSONBody[CosignerIn],
    ) -> StatementOut:
        return await self._on_statement(
            request,
            statements,
            statement_id,
            lambda p, slug: statements.invite_cosigner(p, slug, statement_id, data.organisation),
        )

    @post(
        "/statements/{statement_id:str}/cosign",
        permission=Permission.COORDINATE_ORGANISATION,
        status_code=HTTP_200_OK,
        summary="Co-sign as your organisation (it must have been asked)",
    )
    async def cosign(
        self, request: AnyRequest, statements: Statements, statement_id: FromPath[str]
    ) -> StatementOut:
        return await self._on_statement(
            request,
            statements,
            statement_id,
            lambda p, slug: statements.cosign(p, slug, statement_id),
        )

    @post(
        "/statements/{statement_id:str}/submit",
        permission=Permission.COORDINATE_ORGANISATION,
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Send the statement as the organisation; it becomes a feedback item",
        description="Returns the receipt code once. Moderation and routing take it from there; "
        "its status is shown on the statement.",
    )
    async def submit(
        self,
        request: AnyRequest,
        statements: Statements,
        statement_id: FromPath[str],
        data: JSONBody[SubmitIn],
    ) -> SubmittedOut:
        principal = principal_of(request)
        slug = await statements.acting_slug(principal, statement_id)
        submitted = await statements.submit(
            principal,
            slug,
            statement_id,
            category=data.category,
            consent_public=data.consent_public,
            language=data.language,
        )
        return SubmittedOut(
            uuid.UUID(str(statement_id)), submitted.feedback_id, submitted.receipt_code
        )
