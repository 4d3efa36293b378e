"""Consultation pages (list, opening form, a consultation, its response table, sharing it) and
the JSON API for consultations. Parse, authorise, render: the rules live in the service."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from medskapa.clock import Clock
from medskapa.consultations.domain import Consultation
from medskapa.consultations.service import ConsultationInput, ConsultationService
from medskapa.errors import Invalid, Refused
from medskapa.feedback.domain import CATEGORY_LABELS, STATUS_LABELS
from medskapa.organisations.domain import is_open
from medskapa.organisations.service import verified_organisations
from medskapa.security.permissions import Permission, principal_of
from medskapa.triage.texts import CLOSE_REASON_LABELS
from medskapa.web.deps import Conn, clock
from medskapa.web.forms import field, fields, see_other
from medskapa.web.responses import private_page

MAX_FORM_BYTES = 64 * 1024


async def provide_service(conn: Conn, clock: NamedDependency[Clock]) -> ConsultationService:
    return ConsultationService(conn, clock)


DEPENDENCIES = {
    "clock": Provide(clock, sync_to_thread=False),
    "consultations": Provide(provide_service),
}

Service = NamedDependency[ConsultationService]
AnyRequest = Request[Any, Any, Any]


def _page(name: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return private_page(f"organisations/{name}.html", status, **context)


class ConsultationPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/remisser", permission=Permission.SIGNED_IN)
    async def consultations_page(self, request: AnyRequest, consultations: Service) -> Template:
        principal = principal_of(request)
        return _page(
            "consultations",
            consultations=await consultations.consultations(principal),
            may_open=bool(principal.answering_groups) and principal.second_factor,
            now=consultations.now(),
        )

    async def _form(
        self,
        request: AnyRequest,
        conn: Conn,
        consultations: ConsultationService,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        return _page(
            "consultation_form",
            status,
            documents=await consultations.group_documents(principal_of(request)),
            organisations=await verified_organisations(conn),
            values=extra.pop("values", {"questions": ["", ""], "organisations": []}),
            errors=extra.pop("errors", {}),
            **extra,
        )

    @get("/remisser/ny", permission=Permission.WORK_IN_GROUP)
    async def consultation_form(
        self, request: AnyRequest, conn: Conn, consultations: Service
    ) -> Template:
        return await self._form(request, conn, consultations)

    @post(
        "/remisser",
        permission=Permission.WORK_IN_GROUP,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def open_consultation(
        self,
        request: AnyRequest,
        conn: Conn,
        consultations: Service,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        document, _, version = field(data, "document_version").partition("@")
        values = ConsultationInput(
            document=document,
            version=version,
            title=field(data, "title"),
            questions=fields(data, "questions"),
            start=field(data, "start")[:40],
            deadline=field(data, "deadline")[:40],
            organisations=fields(data, "organisations"),
            open_to_all_verified=field(data, "open_to_all") == "ja",
        )
        try:
            opened = await consultations.open_consultation(principal_of(request), values)
        except Invalid as exc:
            shown = msgspec.structs.asdict(values)
            shown["document_version"] = field(data, "document_version")
            shown["questions"] = [*values.questions, "", ""][:2]
            return await self._form(
                request,
                conn,
                consultations,
                HTTP_422_UNPROCESSABLE_ENTITY,
                values=shown,
                errors=exc.by_field(),
            )
        return see_other(f"/remisser/{opened.id}")

    @get("/remisser/{consultation_id:str}", permission=Permission.SIGNED_IN)
    async def consultation(
        self,
        request: AnyRequest,
        consultations: Service,
        consultation_id: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._consultation_page(request, consultations, consultation_id, done=done)

    async def _consultation_page(
        self,
        request: AnyRequest,
        consultations: ConsultationService,
        consultation_id: str,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        principal = principal_of(request)
        found = await consultations.consultation(principal, consultation_id)
        overview = None
        if found.group_id in principal.groups:
            overview = await consultations.overview(principal, found.id)
        now = consultations.now()
        return _page(
            "consultation",
            status,
            consultation=found,
            overview=overview,
            open=is_open(now, found.closes_at, found.opens_at),
            closed=not is_open(now, found.closes_at),
            answering=await consultations.answering(principal, found),
            coordinates={o for o, r in principal.organisations.items() if r == "coordinator"},
            preview=await consultations.may_read_preview(principal, found),
            status_labels=STATUS_LABELS,
            category_labels=CATEGORY_LABELS,
            **extra,
        )

    @get(
        "/remisser/{consultation_id:str}/svarssammanstallning",
        permission=Permission.SIGNED_IN,
    )
    async def response_table(
        self, request: AnyRequest, consultations: Service, consultation_id: FromPath[str]
    ) -> Template:
        table = await consultations.response_table(principal_of(request), consultation_id)
        return _page(
            "responses",
            table=table,
            status_labels=STATUS_LABELS,
            category_labels=CATEGORY_LABELS,
            close_reasons=CLOSE_REASON_LABELS,
        )

    @post(
        "/remisser/{consultation_id:str}/dela",
        permission=Permission.WORK_IN_GROUP,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def share_preview(
        self, request: AnyRequest, consultations: Service, consultation_id: FromPath[str]
    ) -> Response[Any]:
        try:
            found = await consultations.share_preview(principal_of(request), consultation_id)
        except Refused as exc:
            return await self._consultation_page(
                request, consultations, consultation_id, HTTP_409_CONFLICT, error=exc.message()
            )
        return see_other(f"/remisser/{found.id}?klart=delad")


# ---------------------------------------------------------------- JSON API

Id = Annotated[str, msgspec.Meta(max_length=100)]


class ConsultationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    document: Id
    version: Annotated[str, msgspec.Meta(max_length=20)]
    title: Annotated[str, msgspec.Meta(max_length=1000)]
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


def _consultation_out(c: Consultation, now: dt.datetime) -> ConsultationOut:
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
        is_open(now, c.closes_at, c.opens_at),
        c.open_to_all_verified,
    )


class ConsultationApi(Controller):
    path = "/api/v1"
    tags = ("organisations",)
    dependencies = DEPENDENCIES

    @get(
        "/consultations",
        permission=Permission.SIGNED_IN,
        summary="Consultations your groups opened or your organisations may answer",
    )
    async def consultations(
        self, request: AnyRequest, consultations: Service
    ) -> list[ConsultationOut]:
        return [
            _consultation_out(c, consultations.now())
            for c in await consultations.consultations(principal_of(request))
        ]

    @post(
        "/consultations",
        permission=Permission.WORK_IN_GROUP,
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Open a consultation on a version of one of your group's documents",
    )
    async def open_consultation(
        self, request: AnyRequest, consultations: Service, data: JSONBody[ConsultationIn]
    ) -> ConsultationOut:
        opened = await consultations.open_consultation(
            principal_of(request), ConsultationInput(**msgspec.structs.asdict(data))
        )
        return _consultation_out(opened, consultations.now())

    @get(
        "/consultations/{consultation_id:str}",
        permission=Permission.SIGNED_IN,
        summary="One consultation",
    )
    async def consultation(
        self, request: AnyRequest, consultations: Service, consultation_id: FromPath[str]
    ) -> ConsultationOut:
        return _consultation_out(
            await consultations.consultation(principal_of(request), consultation_id),
            consultations.now(),
        )
