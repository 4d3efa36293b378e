"""Organisation pages (organisation, invitations, rounds, statements, consultations) and the
JSON API for consultations, rounds and statements. Parse, authorise, render: the rules live in
the service."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from medskapa.clock import Clock
from medskapa.feedback.domain import CATEGORY_LABELS, QUOTE_MAX, STATUS_LABELS, TEXT_MAX, Category
from medskapa.organisations import domain, queries
from medskapa.organisations.service import (
    ConsultationInput,
    InputData,
    Invalid,
    NotFound,
    OrganisationService,
    Refused,
    RoundInput,
)
from medskapa.organisations.texts import message
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.principal import Principal
from medskapa.triage.texts import CLOSE_REASON_LABELS
from medskapa.triage.dto import AnswerOut, answer_out
from medskapa.web.deps import Conn, clock, receipt_key
from medskapa.web.errors import PROBLEM_JSON, Problem

MAX_FORM_BYTES = 64 * 1024


async def provide_service(
    conn: Conn, clock: NamedDependency[Clock], receipt_key: NamedDependency[bytes]
) -> OrganisationService:
    return OrganisationService(conn, clock, receipt_key)


DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
    "organisations": Provide(provide_service),
}

Service = NamedDependency[OrganisationService]
AnyRequest = Request[Any, Any, Any]


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _fields(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _errors(exc: Invalid) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors:
        errors.setdefault(error.field, message(error.code))
    return errors


def _page(name: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return Template(
        f"organisations/{name}.html",
        context=context,
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303)


async def _or_404(work: Awaitable[Any]) -> Any:
    try:
        return await work
    except NotFound as exc:
        raise NotFoundException() from exc


# ---------------------------------------------------------------- HTML pages


class OrganisationPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    # -- organisations

    async def _list(self, conn: Conn, status: int = HTTP_200_OK, **extra: Any) -> Template:
        return _page(
            "list",
            status,
            organisations=await queries.organisations(conn),
            values=extra.pop("values", {}),
            errors=extra.pop("errors", {}),
            **extra,
        )

    @get("/organisationer", name="organisations", guards=[requires(Permission.PUBLIC)])
    async def list_page(self, conn: Conn) -> Template:
        return await self._list(conn)

    @post(
        "/organisationer",
        guards=[requires(Permission.SIGNED_IN)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def create(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values = {"name": _field(data, "name"), "description": _field(data, "description")}
        try:
            created = await organisations.create_organisation(
                principal_of(request), values["name"], values["description"]
            )
        except Invalid as exc:
            return await self._list(
                conn, HTTP_422_UNPROCESSABLE_ENTITY, values=values, errors=_errors(exc)
            )
        return _see_other(f"/organisationer/{created.slug}?klart=skapad")

    async def _organisation_page(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: OrganisationService,
        slug: str,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        principal = principal_of(request)
        organisation = await _or_404(organisations.public_organisation(slug))
        role = principal.organisations.get(organisation.id)
        context: dict[str, Any] = {
            "organisation": organisation,
            "role": role,
            "is_admin": principal.role == "admin" and principal.second_factor,
            "errors": {},
            "values": {},
            "rounds": [],
            "members": [],
            "links": [],
            "statements": [],
            "consultations": [],
            "documents": [],
        }
        if role is not None:
            _, context["rounds"] = await organisations.rounds(principal, slug)
        if role == "coordinator":
            _, context["members"] = await organisations.members(principal, slug)
            context["links"] = await organisations.open_links(principal, slug)
            _, context["statements"] = await organisations.statements(principal, slug)
            context["consultations"] = [
                c
                for c in await queries.consultations_for(conn, [], [organisation.id])
                if domain.is_open(organisations.now(), c.closes_at)
            ]
            context["documents"] = await conn.fetch(
                "SELECT slug, title FROM guidance_documents "
                "WHERE status IN ('published', 'consultation') ORDER BY title"
            )
        context.update(extra)
        return _page("organisation", status, **context)

    @get("/organisationer/{slug:str}", guards=[requires(Permission.PUBLIC)])
    async def organisation(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        slug: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._organisation_page(request, conn, organisations, slug, done=done)

    @post("/organisationer/{slug:str}/verifiera", guards=[requires(Permission.ADMINISTER)])
    async def verify(
        self, request: AnyRequest, conn: Conn, organisations: Service, slug: FromPath[str]
    ) -> Response[Any]:
        try:
            await _or_404(organisations.verify(principal_of(request), slug))
        except Refused as exc:
            return await self._organisation_page(
                request, conn, organisations, slug, HTTP_409_CONFLICT, error=message(exc.code)
            )
        return _see_other(f"/organisationer/{slug}?klart=verifierad")

    @post(
        "/organisationer/{slug:str}/inbjudningar",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def invite(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        email = _field(data, "email")[:320]
        try:
            await _or_404(organisations.invite_by_email(principal_of(request), slug, email))
        except Invalid as exc:
            return await self._organisation_page(
                request,
                conn,
                organisations,
                slug,
                HTTP_422_UNPROCESSABLE_ENTITY,
                errors=_errors(exc),
                values={"email": email},
            )
        return _see_other(f"/organisationer/{slug}?klart=inbjuden")

    @post(
        "/organisationer/{slug:str}/inbjudningslankar",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def create_link(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        days = _field(data, "days")[:10]
        try:
            token, expires = await _or_404(
                organisations.create_link(principal_of(request), slug, days)
            )
        except Invalid as exc:
            return await self._organisation_page(
                request,
                conn,
                organisations,
                slug,
                HTTP_422_UNPROCESSABLE_ENTITY,
                errors=_errors(exc),
                values={"days": days},
            )
        return await self._organisation_page(
            request,
            conn,
            organisations,
            slug,
            # Shown to copy and share: made from MEDSKAPA_BASE_URL, never the Host header.
            new_link=f"{request.app.state.settings.base_url.rstrip('/')}{domain.JOIN_PATH}"
            f"?token={token}",
            new_link_expires=domain.local_date(expires),
        )

    @post(
        "/organisationer/{slug:str}/inbjudningslankar/aterkalla",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def revoke_link(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        await _or_404(
            organisations.revoke_link(principal_of(request), slug, _field(data, "invitation"))
        )
        return _see_other(f"/organisationer/{slug}?klart=aterkallad")

    @post(
        "/organisationer/{slug:str}/medlemmar/ta-bort",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def remove_member(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        try:
            await _or_404(
                organisations.remove_member(principal_of(request), slug, _field(data, "user"))
            )
        except Refused as exc:
            return await self._organisation_page(
                request, conn, organisations, slug, HTTP_409_CONFLICT, error=message(exc.code)
            )
        return _see_other(f"/organisationer/{slug}?klart=borttagen")

    # -- joining

    @get("/inbjudan", guards=[requires(Permission.PUBLIC)])
    async def invitation(
        self,
        request: AnyRequest,
        organisations: Service,
        token: Annotated[str, QueryParameter(name="token", max_length=100)] = "",
    ) -> Template:
        # A page with a button, not an action on GET: link scanners in mail systems open links.
        try:
            organisation, state = await organisations.invitation(token)
        except NotFound:
            return _page("join", HTTP_422_UNPROCESSABLE_ENTITY, error=message("invitation_unknown"))
        error = None if state is domain.InvitationState.VALID else message(f"invitation_{state}")
        return _page(
            "join",
            HTTP_200_OK if error is None else HTTP_422_UNPROCESSABLE_ENTITY,
            organisation=organisation,
            token=token,
            error=error,
            signed_in=principal_of(request).authenticated,
        )

    @post(
        "/inbjudan",
        guards=[requires(Permission.SIGNED_IN)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def join(
        self, request: AnyRequest, organisations: Service, data: URLEncodedBody[dict[str, Any]]
    ) -> Response[Any]:
        try:
            organisation = await organisations.join(
                principal_of(request), _field(data, "token")[:100]
            )
        except Refused as exc:
            return _page("join", HTTP_422_UNPROCESSABLE_ENTITY, error=message(exc.code))
        return _see_other(f"/organisationer/{organisation.slug}?klart=medlem")

    # -- input rounds

    @post(
        "/organisationer/{slug:str}/omgangar",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def open_round(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values = {
            name: _field(data, name)[:1000]
            for name in ("title", "deadline", "consultation", "document")
        }
        try:
            opened = await _or_404(
                organisations.open_round(principal_of(request), slug, RoundInput(**values))
            )
        except Invalid as exc:
            return await self._organisation_page(
                request,
                conn,
                organisations,
                slug,
                HTTP_422_UNPROCESSABLE_ENTITY,
                errors=_errors(exc),
                values=values,
            )
        return _see_other(f"/organisationer/{slug}/omgangar/{opened.id}")

    async def _round_page(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: OrganisationService,
        slug: str,
        round_id: str,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        view = await _or_404(organisations.round_view(principal_of(request), slug, round_id))
        context: dict[str, Any] = {
            "view": view,
            "sections": await queries.version_sections(conn, view.round.version_id),
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
        guards=[requires(Permission.BELONG_TO_ORGANISATION)],
    )
    async def round_page(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        slug: FromPath[str],
        round_id: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._round_page(request, conn, organisations, slug, round_id, done=done)

    @post(
        "/organisationer/{slug:str}/omgangar/{round_id:str}/synpunkter",
        guards=[requires(Permission.BELONG_TO_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def add_input(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        slug: FromPath[str],
        round_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values: dict[str, Any] = {
            name: _field(data, name)
            for name in ("section", "quote", "quote_prefix", "quote_suffix", "category", "text")
        }
        values["show_name"] = _field(data, "show_name") == "ja"
        values["notify_on_answer"] = _field(data, "notify_on_answer") == "ja"
        try:
            await _or_404(
                organisations.add_input(principal_of(request), slug, round_id, InputData(**values))
            )
        except Invalid as exc:
            return await self._round_page(
                request,
                conn,
                organisations,
                slug,
                round_id,
                HTTP_422_UNPROCESSABLE_ENTITY,
                errors=_errors(exc),
                values=values,
            )
        except Refused as exc:
            return await self._round_page(
                request,
                conn,
                organisations,
                slug,
                round_id,
                HTTP_409_CONFLICT,
                error=message(exc.code),
                values=values,
            )
        return _see_other(f"/organisationer/{slug}/omgangar/{round_id}?klart=skickad")

    # -- statements

    @post(
        "/organisationer/{slug:str}/yttranden",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def create_statement(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        values = {name: _field(data, name)[:1000] for name in ("title", "round", "document")}
        try:
            created = await _or_404(
                organisations.create_statement(
                    principal_of(request),
                    slug,
                    values["title"],
                    round_id=values["round"],
                    document=values["document"],
                )
            )
        except Invalid as exc:
            return await self._organisation_page(
                request,
                conn,
                organisations,
                slug,
                HTTP_422_UNPROCESSABLE_ENTITY,
                errors={f"statement_{k}": v for k, v in _errors(exc).items()},
                values={f"statement_{k}": v for k, v in values.items()},
            )
        return _see_other(f"/organisationer/{slug}/yttranden/{created.id}")

    async def _statement_page(
        self,
        request: AnyRequest,
        organisations: OrganisationService,
        slug: str,
        statement_id: str,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        view = await _or_404(
            organisations.statement_view(principal_of(request), slug, statement_id)
        )
        context: dict[str, Any] = {
            "view": view,
            "categories": list(Category),
            "category_labels": CATEGORY_LABELS,
            "status_labels": STATUS_LABELS,
            "cited_ids": {c.member_input_id for c in view.citations},
            "errors": {},
            "values": {},
            "statement_max": domain.STATEMENT_MAX,
            "tz": domain.STOCKHOLM,
        }
        context.update(extra)
        return _page("statement", status, **context)

    @get(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
    )
    async def statement(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        statement_id: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._statement_page(request, organisations, slug, statement_id, done=done)

    async def _statement_action(
        self,
        request: AnyRequest,
        organisations: OrganisationService,
        slug: str,
        statement_id: str,
        work: Callable[[Principal], Awaitable[Any]],
        done: str,
        values: dict[str, Any] | None = None,
        prefix: str = "",
    ) -> Response[Any]:
        try:
            await _or_404(work(principal_of(request)))
        except Invalid as exc:
            return await self._statement_page(
                request,
                organisations,
                slug,
                statement_id,
                HTTP_422_UNPROCESSABLE_ENTITY,
                errors={f"{prefix}{k}": v for k, v in _errors(exc).items()},
                values=values or {},
            )
        except Refused as exc:
            return await self._statement_page(
                request,
                organisations,
                slug,
                statement_id,
                HTTP_409_CONFLICT,
                error=message(exc.code),
                values=values or {},
            )
        return _see_other(f"/organisationer/{slug}/yttranden/{statement_id}?klart={done}")

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/avsnitt",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def save_section(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        statement_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        section = _field(data, "section")[:20]
        values = {"heading": _field(data, "heading"), "body": _field(data, "body")}
        return await self._statement_action(
            request,
            organisations,
            slug,
            statement_id,
            lambda p: organisations.save_section(
                p, slug, statement_id, section_id=section, **values
            ),
            "sparad",
            {f"{section or 'new'}_{k}": v for k, v in values.items()},
            prefix=f"{section or 'new'}_",
        )

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/citat",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def cite(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        statement_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        return await self._statement_action(
            request,
            organisations,
            slug,
            statement_id,
            lambda p: organisations.cite(
                p,
                slug,
                statement_id,
                _field(data, "input")[:40],
                _field(data, "section")[:20],
            ),
            "citerad",
            prefix="cite_",
        )

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/medundertecknare",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def invite_cosigner(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        statement_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        return await self._statement_action(
            request,
            organisations,
            slug,
            statement_id,
            lambda p: organisations.invite_cosigner(
                p,
                slug,
                statement_id,
                _field(data, "organisation")[:100],
            ),
            "tillfragad",
            prefix="cosigner_",
        )

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/underteckna",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
    )
    async def cosign(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        statement_id: FromPath[str],
    ) -> Response[Any]:
        return await self._statement_action(
            request,
            organisations,
            slug,
            statement_id,
            lambda p: organisations.cosign(p, slug, statement_id),
            "undertecknad",
        )

    @post(
        "/organisationer/{slug:str}/yttranden/{statement_id:str}/skicka",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def submit(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        statement_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        category = _field(data, "category")
        try:
            submitted = await _or_404(
                organisations.submit(
                    principal,
                    slug,
                    statement_id,
                    category=category,
                    consent_public=_field(data, "consent_public") == "ja",
                )
            )
        except Invalid as exc:
            return await self._statement_page(
                request,
                organisations,
                slug,
                statement_id,
                HTTP_422_UNPROCESSABLE_ENTITY,
                errors={f"submit_{k}": v for k, v in _errors(exc).items()},
            )
        except Refused as exc:
            return await self._statement_page(
                request,
                organisations,
                slug,
                statement_id,
                HTTP_409_CONFLICT,
                error=message(exc.code),
            )
        return await self._statement_page(
            request, organisations, slug, statement_id, receipt_code=submitted.receipt_code
        )

    # -- consultations

    @get("/remisser", guards=[requires(Permission.SIGNED_IN)])
    async def consultations(self, request: AnyRequest, organisations: Service) -> Template:
        principal = principal_of(request)
        return _page(
            "consultations",
            consultations=await organisations.consultations(principal),
            may_open=bool(principal.answering_groups) and principal.second_factor,
            now=organisations.now(),
        )

    async def _consultation_form(
        self,
        request: AnyRequest,
        conn: Conn,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        principal = principal_of(request)
        return _page(
            "consultation_form",
            status,
            documents=await queries.group_documents(conn, list(principal.answering_groups)),
            organisations=await queries.verified_organisations(conn),
            values=extra.pop("values", {"questions": ["", ""], "organisations": []}),
            errors=extra.pop("errors", {}),
            **extra,
        )

    @get("/remisser/ny", guards=[requires(Permission.WORK_IN_GROUP)])
    async def consultation_form(self, request: AnyRequest, conn: Conn) -> Template:
        return await self._consultation_form(request, conn)

    @post(
        "/remisser",
        guards=[requires(Permission.WORK_IN_GROUP)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def open_consultation(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        document, _, version = _field(data, "document_version").partition("@")
        values = ConsultationInput(
            document=document,
            version=version,
            title=_field(data, "title"),
            questions=_fields(data, "questions"),
            start=_field(data, "start")[:40],
            deadline=_field(data, "deadline")[:40],
            organisations=_fields(data, "organisations"),
            open_to_all_verified=_field(data, "open_to_all") == "ja",
        )
        try:
            opened = await organisations.open_consultation(principal_of(request), values)
        except Invalid as exc:
            shown = msgspec.structs.asdict(values)
            shown["document_version"] = _field(data, "document_version")
            shown["questions"] = [*values.questions, "", ""][:2]
            return await self._consultation_form(
                request,
                conn,
                HTTP_422_UNPROCESSABLE_ENTITY,
                values=shown,
                errors=_errors(exc),
            )
        return _see_other(f"/remisser/{opened.id}")

    @get("/remisser/{consultation_id:str}", guards=[requires(Permission.SIGNED_IN)])
    async def consultation(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        consultation_id: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._consultation_page(
            request, conn, organisations, consultation_id, done=done
        )

    async def _consultation_page(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: OrganisationService,
        consultation_id: str,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        principal = principal_of(request)
        found = await _or_404(organisations.consultation(principal, consultation_id))
        overview = None
        if found.group_id in principal.groups:
            overview = await organisations.overview(principal, found.id)
        now = organisations.now()
        may_answer = set(await queries.answering_organisations(conn, found.id))
        answering = [
            o
            for o in await queries.organisations(conn)
            if o.id in principal.organisations and o.id in may_answer
        ]
        coordinates = {o for o, r in principal.organisations.items() if r == "coordinator"}
        preview = await organisations.may_read_preview(principal, found)
        return _page(
            "consultation",
            status,
            consultation=found,
            overview=overview,
            open=domain.is_open(now, found.closes_at, found.opens_at),
            closed=not domain.is_open(now, found.closes_at),
            answering=answering,
            coordinates=coordinates,
            preview=preview,
            status_labels=STATUS_LABELS,
            category_labels=CATEGORY_LABELS,
            **extra,
        )

    @get(
        "/remisser/{consultation_id:str}/svarssammanstallning",
        guards=[requires(Permission.SIGNED_IN)],
    )
    async def response_table(
        self, request: AnyRequest, organisations: Service, consultation_id: FromPath[str]
    ) -> Template:
        table = await _or_404(organisations.response_table(principal_of(request), consultation_id))
        return _page(
            "responses",
            table=table,
            status_labels=STATUS_LABELS,
            category_labels=CATEGORY_LABELS,
            close_reasons=CLOSE_REASON_LABELS,
        )

    @post(
        "/remisser/{consultation_id:str}/dela",
        guards=[requires(Permission.WORK_IN_GROUP)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def share_preview(
        self,
        request: AnyRequest,
        conn: Conn,
        organisations: Service,
        consultation_id: FromPath[str],
    ) -> Response[Any]:
        try:
            found = await _or_404(
                organisations.share_preview(principal_of(request), consultation_id)
            )
        except Refused as exc:
            return await self._consultation_page(
                request,
                conn,
                organisations,
                consultation_id,
                HTTP_409_CONFLICT,
                error=message(exc.code),
            )
        return _see_other(f"/remisser/{found.id}?klart=delad")


# ---------------------------------------------------------------- JSON API


def _problem(
    status: int, title: str, detail: str, errors: list[Any] | None = None
) -> Response[Any]:
    return Response(
        Problem(title=title, status=status, detail=detail, errors=errors),
        status_code=status,
        media_type=PROBLEM_JSON,
    )


async def _api(work: Awaitable[Any], status: int = HTTP_200_OK) -> Response[Any]:
    """Run a use case; map its refusals to problem details that name fields and codes."""
    try:
        result = await work
    except NotFound:
        return _problem(404, "Not found", "Nothing with that id is available to you.")
    except Invalid as exc:
        return _problem(
            HTTP_422_UNPROCESSABLE_ENTITY,
            "Unprocessable content",
            "Some fields are not valid.",
            [
                {"field": e.field, "code": e.code, "message": message(e.code, "en")}
                for e in exc.errors
            ],
        )
    except Refused as exc:
        return _problem(HTTP_409_CONFLICT, "Not possible now", message(exc.code, "en"))
    return Response(result, status_code=status)


Id = Annotated[str, msgspec.Meta(max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=TEXT_MAX * 2)]
Short = Annotated[str, msgspec.Meta(max_length=1000)]


class ConsultationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    document: Id
    version: Annotated[str, msgspec.Meta(max_length=20)]
    title: Short
    questions: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=2000)]], msgspec.Meta(max_length=10)
    ]
    start: Annotated[str, msgspec.Meta(max_length=40, description="YYYY-MM-DD")]
    deadline: Annotated[
        str, msgspec.Meta(max_length=40, description="Last day, YYYY-MM-DD, Europe/Stockholm")
    ]
    organisations: Annotated[list[Id], msgspec.Meta(max_length=200)] = []
    open_to_all_verified: bool = False


class ConsultationOut(msgspec.Struct):
    id: int
    title: str
    group: str
    document: str
    document_title: str
    version: str
    questions: list[str]
    start: str
    deadline: str
    closes_at: str
    open: bool
    open_to_all_verified: bool


def _consultation_out(c: queries.Consultation, now: dt.datetime) -> ConsultationOut:
    return ConsultationOut(
        c.id,
        c.title,
        c.group_name,
        c.document_slug,
        c.document_title,
        c.version_label,
        c.questions,
        c.start_date.isoformat(),
        c.deadline.isoformat(),
        c.closes_at.isoformat(),
        domain.is_open(now, c.closes_at, c.opens_at),
        c.open_to_all_verified,
    )


class RoundIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Short
    deadline: Annotated[str, msgspec.Meta(max_length=40, description="Last day, YYYY-MM-DD")]
    consultation: int | None = None
    document: Id | None = None


class RoundOut(msgspec.Struct):
    id: int
    title: str
    consultation: int | None
    document: str
    version: str
    deadline: str
    closes_at: str
    inputs: int


def _round_out(r: queries.Round) -> RoundOut:
    return RoundOut(
        r.id,
        r.title,
        r.consultation_id,
        r.document_slug,
        r.version_label,
        r.deadline.isoformat(),
        r.closes_at.isoformat(),
        r.input_count,
    )


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    exact: Annotated[str, msgspec.Meta(max_length=QUOTE_MAX * 2)]
    prefix: Annotated[str, msgspec.Meta(max_length=200)] = ""
    suffix: Annotated[str, msgspec.Meta(max_length=200)] = ""


class InputIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    category: Category
    text: Text
    section: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    quote: QuoteIn | None = None
    show_name: bool = False
    notify_on_answer: bool = False
    """E-mail me (at my account's address) when the group answers a statement citing this."""


class InputOut(msgspec.Struct):
    id: uuid.UUID
    section: str | None
    quote: str | None
    category: str
    text: str
    author: str | None
    created_at: str
    notify_on_answer: bool


def _input_out(i: queries.MemberInput) -> InputOut:
    return InputOut(
        i.id,
        i.section_key,
        i.quote,
        i.category,
        i.body,
        i.author_email,
        i.created_at.isoformat(),
        i.notify_on_answer,
    )


class RoundDetail(msgspec.Struct):
    round: RoundOut
    open: bool
    inputs: list[InputOut]


class StatementIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    organisation: Id
    title: Short
    round: int | None = None
    document: Id | None = None


class SectionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    heading: Short
    body: Text
    section_id: int | None = None


class CitationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    input: Id
    section_id: int | None = None


class CosignerIn(msgspec.Struct, forbid_unknown_fields=True):
    organisation: Id


class SubmitIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    category: Category = Category.OTHER
    consent_public: bool = False
    language: Literal["sv", "en"] = "sv"


class SectionOut(msgspec.Struct):
    id: int
    position: int
    heading: str
    body: str
    updated_at: str


class CitationOut(msgspec.Struct):
    input: uuid.UUID
    section_id: int | None
    text: str


class SignatoryOut(msgspec.Struct):
    organisation: str
    name: str
    signed_at: str | None


class StatementOut(msgspec.Struct):
    id: uuid.UUID
    organisation: str
    title: str
    document: str
    version: str
    round: int | None
    consultation: int | None
    status: str
    feedback_id: uuid.UUID | None
    feedback_status: str | None
    sections: list[SectionOut]
    citations: list[CitationOut]
    cosigners: list[SignatoryOut]
    answers: list[AnswerOut]
    """The subject group's answers once it has answered the submitted statement."""


class SubmittedOut(msgspec.Struct):
    statement: uuid.UUID
    feedback_id: uuid.UUID
    receipt_code: str


def _statement_out(view: Any) -> StatementOut:
    s = view.statement
    return StatementOut(
        s.id,
        s.organisation_slug,
        s.title,
        s.document_slug,
        s.version_label,
        s.round_id,
        s.consultation_id,
        s.status,
        s.feedback_id,
        s.feedback_status,
        [
            SectionOut(x.id, x.position, x.heading, x.body, x.updated_at.isoformat())
            for x in view.sections
        ],
        [CitationOut(c.member_input_id, c.section_id, c.body) for c in view.citations],
        [
            SignatoryOut(c.slug, c.name, c.signed_at.isoformat() if c.signed_at else None)
            for c in view.cosigners
        ],
        [answer_out(a) for a in view.answers],
    )


class OrganisationApi(Controller):
    path = "/api/v1"
    tags = ("organisations",)
    dependencies = DEPENDENCIES

    # -- consultations

    @get(
        "/consultations",
        guards=[requires(Permission.SIGNED_IN)],
        summary="Consultations your groups opened or your organisations may answer",
    )
    async def consultations(
        self, request: AnyRequest, organisations: Service
    ) -> list[ConsultationOut]:
        return [
            _consultation_out(c, organisations.now())
            for c in await organisations.consultations(principal_of(request))
        ]

    @post(
        "/consultations",
        guards=[requires(Permission.WORK_IN_GROUP)],
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Open a consultation on a version of one of your group's documents",
    )
    async def open_consultation(
        self, request: AnyRequest, organisations: Service, data: JSONBody[ConsultationIn]
    ) -> Response[Any]:
        async def work() -> ConsultationOut:
            opened = await organisations.open_consultation(
                principal_of(request),
                ConsultationInput(**msgspec.structs.asdict(data)),
            )
            return _consultation_out(opened, organisations.now())

        return await _api(work(), HTTP_201_CREATED)

    @get(
        "/consultations/{consultation_id:str}",
        guards=[requires(Permission.SIGNED_IN)],
        summary="One consultation",
    )
    async def consultation(
        self, request: AnyRequest, organisations: Service, consultation_id: FromPath[str]
    ) -> Response[Any]:
        async def work() -> ConsultationOut:
            return _consultation_out(
                await organisations.consultation(principal_of(request), consultation_id),
                organisations.now(),
            )

        return await _api(work())

    # -- rounds

    @get(
        "/organisations/{slug:str}/rounds",
        guards=[requires(Permission.BELONG_TO_ORGANISATION)],
        summary="Input rounds of your organisation",
    )
    async def rounds(
        self, request: AnyRequest, organisations: Service, slug: FromPath[str]
    ) -> Response[Any]:
        async def work() -> list[RoundOut]:
            _, found = await organisations.rounds(principal_of(request), slug)
            return [_round_out(r) for r in found]

        return await _api(work())

    @post(
        "/organisations/{slug:str}/rounds",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Open an input round on a consultation or a published document",
    )
    async def open_round(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        data: JSONBody[RoundIn],
    ) -> Response[Any]:
        async def work() -> RoundOut:
            opened = await organisations.open_round(
                principal_of(request),
                slug,
                RoundInput(
                    title=data.title,
                    deadline=data.deadline,
                    consultation=str(data.consultation) if data.consultation is not None else None,
                    document=data.document,
                ),
            )
            return _round_out(opened)

        return await _api(work(), HTTP_201_CREATED)

    @get(
        "/organisations/{slug:str}/rounds/{round_id:str}",
        guards=[requires(Permission.BELONG_TO_ORGANISATION)],
        summary="A round with the input you may see (coordinators: all; members: their own)",
    )
    async def round(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        round_id: FromPath[str],
    ) -> Response[Any]:
        async def work() -> RoundDetail:
            view = await organisations.round_view(principal_of(request), slug, round_id)
            return RoundDetail(
                _round_out(view.round), view.open, [_input_out(i) for i in view.inputs]
            )

        return await _api(work())

    @post(
        "/organisations/{slug:str}/rounds/{round_id:str}/inputs",
        guards=[requires(Permission.BELONG_TO_ORGANISATION)],
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Add your input to a round (private to the organisation)",
    )
    async def add_input(
        self,
        request: AnyRequest,
        organisations: Service,
        slug: FromPath[str],
        round_id: FromPath[str],
        data: JSONBody[InputIn],
    ) -> Response[Any]:
        async def work() -> InputOut:
            added = await organisations.add_input(
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
            return _input_out(added)

        return await _api(work(), HTTP_201_CREATED)

    # -- statements

    @get(
        "/statements",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        summary="Statements your organisation wrote or was asked to co-sign",
    )
    async def statements(
        self,
        request: AnyRequest,
        organisations: Service,
        organisation: Annotated[str, QueryParameter(name="organisation", max_length=100)],
    ) -> Response[Any]:
        async def work() -> list[dict[str, Any]]:
            _, found = await organisations.statements(principal_of(request), organisation)
            return [
                {
                    "id": s.id,
                    "organisation": s.organisation_slug,
                    "title": s.title,
                    "status": s.status,
                    "feedback_status": s.feedback_status,
                }
                for s in found
            ]

        return await _api(work())

    @post(
        "/statements",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Start a joint statement (a draft)",
    )
    async def create_statement(
        self, request: AnyRequest, organisations: Service, data: JSONBody[StatementIn]
    ) -> Response[Any]:
        principal = principal_of(request)

        async def work() -> StatementOut:
            created = await organisations.create_statement(
                principal,
                data.organisation,
                data.title,
                round_id=str(data.round) if data.round is not None else None,
                document=data.document,
            )
            return _statement_out(
                await organisations.statement_view(principal, data.organisation, created.id)
            )

        return await _api(work(), HTTP_201_CREATED)

    async def _on_statement(
        self,
        request: AnyRequest,
        organisations: OrganisationService,
        statement_id: str,
        action: Callable[[Principal, str], Awaitable[Any]] | None = None,
        status: int = HTTP_200_OK,
    ) -> Response[Any]:
        principal = principal_of(request)

        async def work() -> Any:
            slug = await organisations.acting_slug(principal, statement_id)
            if action is not None:
                result = await action(principal, slug)
                if isinstance(result, SubmittedOut):
                    return result
            return _statement_out(await organisations.statement_view(principal, slug, statement_id))

        return await _api(work(), status)

    @get(
        "/statements/{statement_id:str}",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        summary="A statement with its sections, citations and co-signers",
    )
    async def statement(
        self, request: AnyRequest, organisations: Service, statement_id: FromPath[str]
    ) -> Response[Any]:
        return await self._on_statement(request, organisations, statement_id)

    @post(
        "/statements/{statement_id:str}/sections",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Add a section, or save a new draft of one (kept in the edit history)",
    )
    async def save_section(
        self,
        request: AnyRequest,
        organisations: Service,
        statement_id: FromPath[str],
        data: JSONBody[SectionIn],
    ) -> Response[Any]:
        return await self._on_statement(
            request,
            organisations,
            statement_id,
            lambda p, slug: organisations.save_section(
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
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Cite a member input of your organisation in the statement",
    )
    async def cite(
        self,
        request: AnyRequest,
        organisations: Service,
        statement_id: FromPath[str],
        data: JSONBody[CitationIn],
    ) -> Response[Any]:
        return await self._on_statement(
            request,
            organisations,
            statement_id,
            lambda p, slug: organisations.cite(
                p,
                slug,
                statement_id,
                data.input,
                str(data.section_id) if data.section_id is not None else None,
            ),
        )

    @post(
        "/statements/{statement_id:str}/cosigners",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Ask another verified organisation to co-sign",
    )
    async def invite_cosigner(
        self,
        request: AnyRequest,
        organisations: Service,
        statement_id: FromPath[str],
        data: JSONBody[CosignerIn],
    ) -> Response[Any]:
        return await self._on_statement(
            request,
            organisations,
            statement_id,
            lambda p, slug: organisations.invite_cosigner(p, slug, statement_id, data.organisation),
        )

    @post(
        "/statements/{statement_id:str}/cosign",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        status_code=HTTP_200_OK,
        summary="Co-sign as your organisation (it must have been asked)",
    )
    async def cosign(
        self, request: AnyRequest, organisations: Service, statement_id: FromPath[str]
    ) -> Response[Any]:
        return await self._on_statement(
            request,
            organisations,
            statement_id,
            lambda p, slug: organisations.cosign(p, slug, statement_id),
        )

    @post(
        "/statements/{statement_id:str}/submit",
        guards=[requires(Permission.COORDINATE_ORGANISATION)],
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Send the statement as the organisation; it becomes a feedback item",
        description="Returns the receipt code once. Moderation and routing take it from there; "
        "its status is shown on the statement.",
    )
    async def submit(
        self,
        request: AnyRequest,
        organisations: Service,
        statement_id: FromPath[str],
        data: JSONBody[SubmitIn],
    ) -> Response[Any]:
        async def action(principal: Principal, slug: str) -> SubmittedOut:
            submitted = await organisations.submit(
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

        return await self._on_statement(
            request, organisations, statement_id, action, HTTP_201_CREATED
        )
