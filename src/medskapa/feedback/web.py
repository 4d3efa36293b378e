"""Feedback pages (form, receipt, follow-up) and the feedback JSON API."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from medskapa.audit.domain import AuditEvent
from medskapa.catalogue import queries as catalogue
from medskapa.clock import Clock
from medskapa.feedback.domain import (
    CATEGORY_LABELS,
    QUOTE_MAX,
    ROLE_LABELS,
    STATUS_LABELS,
    TEXT_MAX,
    Category,
    FeedbackStatus,
    SubmitterRole,
)
from medskapa.feedback.receipts import CODE_PATTERN
from medskapa.feedback.service import (
    ActionRefused,
    FeedbackService,
    FeedbackView,
    FieldError,
    SubmissionInput,
    SubmissionInvalid,
    Submitted,
    UnknownReceipt,
)
from medskapa.feedback.texts import (
    FINDING_NAMES,
    UI,
    Language,
    field_message,
    message,
    moderation_event_text,
)
from medskapa.regions import queries as regions
from medskapa.regions.domain import HealthcareRegion
from medskapa.security import ratelimit
from medskapa.security.idempotency import Idempotency, IdempotencyConflict, valid_key
from medskapa.security.permissions import Permission, requires
from medskapa.web.deps import Conn, client_id, clock, receipt_key
from medskapa.web.errors import PROBLEM_JSON, Problem

# Feedback is at most 5,000 characters; a form or JSON body never needs more than this.
MAX_BODY_BYTES = 64 * 1024
HONEYPOT_FIELD = "webbplats"
FORM_ID_FIELD = "formular_id"


async def provide_service(
    conn: Conn, clock: NamedDependency[Clock], receipt_key: NamedDependency[bytes]
) -> FeedbackService:
    return FeedbackService(conn, clock, receipt_key)


DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
    "service": Provide(provide_service),
}

TIMELINE_WORDS: dict[str, dict[Language, str]] = {
    "feedback.submitted": {"sv": "Vi tog emot din synpunkt.", "en": "We received your feedback."},
    "feedback.withdrawn": {
        "sv": "Du tog tillbaka synpunkten.",
        "en": "You withdrew the feedback.",
    },
    "feedback.erased": {
        "sv": "Texten och e-postadressen raderades på din begäran.",
        "en": "The text and e-mail address were erased at your request.",
    },
    "feedback.in_review": {
        "sv": "Arbetsgruppen började behandla synpunkten.",
        "en": "The working group started on your feedback.",
    },
    "feedback.answered": {"sv": "Arbetsgruppen svarade.", "en": "The working group answered."},
    "feedback.change_planned": {
        "sv": "Arbetsgruppen svarade att texten ska ändras.",
        "en": "The working group answered that the text will change.",
    },
    "feedback.closed": {
        "sv": "Arbetsgruppen avslutade synpunkten.",
        "en": "The working group closed the feedback.",
    },
    "feedback.changed": {
        "sv": "Texten är ändrad i en ny version.",
        "en": "The text has changed in a new version.",
    },
    "feedback.forwarded": {
        "sv": "Synpunkten skickades vidare till en annan arbetsgrupp.",
        "en": "The feedback was passed on to another working group.",
    },
}


def _language(value: str | None) -> Language:
    return "en" if value == "en" else "sv"


def _form_value(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


async def _rate_limit(
    request: Request[Any, Any, Any],
    conn: Conn,
    key: bytes,
    kind: Literal["submit", "receipt"],
    now: Any,
) -> None:
    settings = request.app.state.settings
    limit = (
        ratelimit.submit_limit(settings.submit_limit)
        if kind == "submit"
        else ratelimit.receipt_limit(settings.receipt_lookup_limit)
    )
    try:
        await ratelimit.check(conn, limit, client_id(request, key), now)
    except ratelimit.RateLimited as exc:
        raise HTTPException(
            status_code=HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many requests from this client; try again later.",
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc


# ---------------------------------------------------------------- HTML pages


class FoundData(msgspec.Struct, frozen=True):
    """What the personal-data check found, shown only to the submitter who typed it."""

    name: str
    text: str


class FormState(msgspec.Struct, kw_only=True):
    """Everything the form template needs, including what the submitter already typed."""

    values: dict[str, Any]
    errors: dict[str, str] = {}
    general_error: str | None = None
    findings: list[FoundData] = []
    token: str = ""
    regions: list[HealthcareRegion] = []
    """The choices for the region where the care took place."""


def _form_id(token: str) -> str:
    """A prefix for the ids of one form: unique among forms open on one page, the same each
    time that form is shown again, and only id-safe characters whatever the client sent."""
    return "f" + hashlib.blake2s(token.encode(errors="replace"), digest_size=4).hexdigest() + "-"


def _form_context(
    document: Any, state: FormState, language: Language, fragment: bool
) -> dict[str, Any]:
    version = document.version(state.values.get("version") or None) or document.version(None)
    return {
        "document": document,
        "version": version,
        "form": state,
        "form_id": _form_id(state.token),
        "t": UI[language],
        "lang": language,
        "fragment": fragment,
        "text_max": TEXT_MAX,
        "quote_max": QUOTE_MAX,
        "categories": list(Category),
        "roles": list(SubmitterRole),
        "honeypot": HONEYPOT_FIELD,
        "token_field": FORM_ID_FIELD,
    }


def _render_form(
    request: Request[Any, Any, Any],
    document: Any,
    state: FormState,
    language: Language,
    status_code: int = HTTP_200_OK,
) -> Template:
    fragment = request.headers.get("hx-request") == "true"
    return Template(
        "feedback/form_fragment.html" if fragment else "feedback/form_page.html",
        context=_form_context(document, state, language, fragment),
        status_code=status_code,
    )


def _event_text(event: AuditEvent, language: Language) -> str:
    words = TIMELINE_WORDS.get(event.action, {}).get(language)
    return words or moderation_event_text(event.action, event.reason_code, language) or ""


def _timeline(view: FeedbackView, language: Language) -> list[dict[str, Any]]:
    # Steps with nothing to tell the submitter (a route per group, a moderator's reading of a
    # redacted original) stay in the trail but not on their page.
    steps = [{"at": e.occurred_at, "text": _event_text(e, language)} for e in view.timeline]
    return [step for step in steps if step["text"]]


def _status_context(view: FeedbackView, code: str, language: Language) -> dict[str, Any]:
    return {
        "record": view.record,
        "timeline": _timeline(view, language),
        "status_label": STATUS_LABELS[view.record.status],
        "category_label": CATEGORY_LABELS[view.record.category],
        "role_label": ROLE_LABELS.get(view.record.submitter_role, ""),
        "code": code,
        "lang": language,
        "withdrawable": view.record.status
        in (FeedbackStatus.RECEIVED, FeedbackStatus.ROUTED, FeedbackStatus.IN_REVIEW),
        "answers": view.answers,
        "placement": view.placement,
    }


class FeedbackPages(Controller):
    include_in_schema = False
    guards = [requires(Permission.PUBLIC)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    async def _document(self, conn: Conn, slug: str) -> Any:
        document = await catalogue.get_document(conn, slug)
        if document is None or document.status not in ("published", "consultation"):
            raise NotFoundException(detail="No guidance document takes feedback here.")
        return document

    @get("/kunskapsstod/{slug:str}/synpunkt", name="feedback-form")
    async def form(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        slug: FromPath[str],
        section: Annotated[str | None, QueryParameter(name="avsnitt", max_length=100)] = None,
        version: Annotated[str | None, QueryParameter(name="version", max_length=20)] = None,
        lang: Annotated[str | None, QueryParameter(name="lang", max_length=5)] = None,
    ) -> Template:
        document = await self._document(conn, slug)
        shown = document.version(version)
        if shown is None:
            raise NotFoundException(detail="That version does not exist.")
        if section and section not in {s.key for s in shown.sections}:
            raise NotFoundException(detail="That section does not exist in this version.")
        state = FormState(
            values={"section": section or "", "version": shown.label},
            token=uuid.uuid4().hex,
            regions=await regions.grouped(conn),
        )
        return _render_form(request, document, state, _language(lang))

    @post(
        "/kunskapsstod/{slug:str}/synpunkt",
        name="feedback-submit",
        request_max_body_size=MAX_BODY_BYTES,
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        document = await self._document(conn, slug)
        language = _language(_form_value(data, "lang"))
        values = {
            name: _form_value(data, name)
            for name in (
                "version",
                "section",
                "quote",
                "quote_prefix",
                "quote_suffix",
                "category",
                "role",
                "text",
                "care_region",
                "email",
            )
        }
        values["consent_public"] = _form_value(data, "consent_public") == "ja"
        values["consent_contact"] = _form_value(data, "consent_contact") == "ja"
        token = _form_value(data, FORM_ID_FIELD)
        state = FormState(
            values=values, token=token or uuid.uuid4().hex, regions=await regions.grouped(conn)
        )

        if _form_value(data, HONEYPOT_FIELD):
            state.general_error = UI[language]["form_rejected"]
            return _render_form(request, document, state, language, HTTP_400_BAD_REQUEST)

        await _rate_limit(request, conn, receipt_key, "submit", clock())
        submission = SubmissionInput(
            document=slug,
            language=language,
            **{k: v for k, v in values.items() if k not in ("consent_public", "consent_contact")},
            consent_public=values["consent_public"],
            consent_contact=values["consent_contact"],
        )
        # Personal-data check first: never blocking, but the submitter sees it once.
        if _form_value(data, "pd_confirmed") != "ja":
            cleaned, _, findings = service.check_text(values["text"])
            if cleaned and findings:
                names = FINDING_NAMES[language]
                found = (FoundData(names[f.kind], cleaned[f.start : f.end]) for f in findings)
                state.findings = list(dict.fromkeys(found))
                return _render_form(request, document, state, language)

        try:
            async with conn.transaction():
                idempotency = None
                if token and valid_key(token):
                    idempotency = Idempotency(conn, receipt_key, "form", token)
                    stored = await idempotency.claim(msgspec.json.encode(submission))
                    if stored is not None:
                        submitted = msgspec.json.decode(stored.body, type=Submitted)
                        return self._receipt(request, document, submitted, language)
                submitted = await service.submit(submission)
                if idempotency is not None:
                    await idempotency.store(HTTP_201_CREATED, msgspec.json.encode(submitted))
        except SubmissionInvalid as exc:
            state.errors = {e.field: field_message(e.field, e.code, language) for e in exc.errors}
            return _render_form(request, document, state, language, HTTP_422_UNPROCESSABLE_ENTITY)
        except IdempotencyConflict:
            state.general_error = message("reused_form", language)
            state.token = uuid.uuid4().hex
            return _render_form(request, document, state, language, HTTP_422_UNPROCESSABLE_ENTITY)
        return self._receipt(request, document, submitted, language)

    def _receipt(
        self, request: Request[Any, Any, Any], document: Any, submitted: Submitted, lang: Language
    ) -> Template:
        fragment = request.headers.get("hx-request") == "true"
        return Template(
            "feedback/receipt_fragment.html" if fragment else "feedback/receipt_page.html",
            context={"document": document, "submitted": submitted, "lang": lang},
            headers={"Cache-Control": "no-store"},
        )

    @get("/folj", name="follow")
    async def follow(
        self, lang: Annotated[str | None, QueryParameter(name="lang", max_length=5)] = None
    ) -> Template:
        return Template("feedback/follow.html", context={"lang": _language(lang), "code": ""})

    @post("/folj", name="follow-lookup", request_max_body_size=4096)
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        language = _language(_form_value(data, "lang"))
        code = _form_value(data, "kod")[:100]
        await _rate_limit(request, conn, receipt_key, "receipt", clock())
        action = _form_value(data, "atgard")
        try:
            if action in ("ta-tillbaka", "radera"):
                if _form_value(data, "bekrafta") != "ja":
                    view = await service.lookup(code)
                    return self._status(
                        view,
                        code,
                        language,
                        error=message("confirm_required", language),
                        pending=action,
                    )
                view = await (
                    service.withdraw(code) if action == "ta-tillbaka" else service.erase(code)
                )
                return self._status(view, code, language, done=action)
            view = await service.lookup(code)
        except UnknownReceipt as exc:
            return Template(
                "feedback/follow.html",
                context={"lang": language, "code": code, "error": message(exc.code, language)},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                headers={"Cache-Control": "no-store"},
            )
        except ActionRefused as exc:
            view = await service.lookup(code)
            return self._status(view, code, language, error=message(exc.code, language))
        return self._status(view, code, language)

    def _status(
        self,
        view: FeedbackView,
        code: str,
        language: Language,
        *,
        error: str | None = None,
        done: str | None = None,
        pending: str | None = None,
    ) -> Template:
        context = _status_context(view, code, language)
        context.update(error=error, done=done, pending=pending)
        return Template(
            "feedback/status.html",
            context=context,
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if error else HTTP_200_OK,
            headers={"Cache-Control": "no-store"},
        )


# ---------------------------------------------------------------- JSON API


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    exact: Annotated[str, msgspec.Meta(max_length=QUOTE_MAX)]
    prefix: Annotated[str, msgspec.Meta(max_length=200)] = ""
    suffix: Annotated[str, msgspec.Meta(max_length=200)] = ""


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    document: Annotated[
        str, msgspec.Meta(min_length=1, max_length=200, description="Document slug")
    ]
    category: Category
    role: SubmitterRole
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=TEXT_MAX * 2)]
    version: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    section: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    quote: QuoteIn | None = None
    consent_public: bool = False
    consent_contact: bool = False
    email: Annotated[str, msgspec.Meta(max_length=320)] | None = None
    language: Literal["sv", "en"] = "sv"
    care_region: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=r"^[0-9]{2}$",
                description="Where the care took place, if the submitter wants to say: the "
                'region\'s two-digit county code (länskod), e.g. "12" for Region Skåne. The '
                "codes are listed by GET /api/v1/regions.",
            ),
        ]
        | None
    ) = None


class FindingOut(msgspec.Struct):
    kind: str
    start: int
    end: int


class FeedbackCreated(msgspec.Struct):
    id: uuid.UUID
    receipt_code: str
    status: FeedbackStatus
    personal_data: list[FindingOut]


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[
        str,
        msgspec.Meta(
            max_length=100,
            pattern=CODE_PATTERN,
            description="The receipt code, e.g. ABCD-EFGH-JKMN-PQRS (case, spaces and hyphens "
            "do not matter)",
        ),
    ]


class TimelineEntry(msgspec.Struct):
    at: str
    event: str
    status: str | None
    text: str


class FeedbackStatusOut(msgspec.Struct):
    id: uuid.UUID
    status: FeedbackStatus
    status_text: str
    document: str
    version: str
    section: str | None
    category: Category
    submitted_at: str
    erased: bool
    timeline: list[TimelineEntry]


def _created(submitted: Submitted) -> FeedbackCreated:
    return FeedbackCreated(
        submitted.id,
        submitted.receipt_code,
        submitted.status,
        [FindingOut(f.kind, f.start, f.end) for f in submitted.personal_data],
    )


def _status_out(view: FeedbackView) -> FeedbackStatusOut:
    record = view.record
    return FeedbackStatusOut(
        id=record.id,
        status=FeedbackStatus(record.status),
        status_text=STATUS_LABELS[record.status],
        document=record.document_slug,
        version=record.version_label,
        section=record.section_key,
        category=Category(record.category),
        submitted_at=record.created_at.isoformat(),
        erased=record.erased_at is not None,
        timeline=[
            TimelineEntry(
                e.occurred_at.isoformat(),
                e.action,
                e.to_state,
                _event_text(e, "en"),
            )
            for e in view.timeline
        ],
    )


def _problem(
    status: int,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    return Response(
        Problem(
            title=title,
            status=status,
            detail=detail,
            errors=[
                {"field": e.field, "code": e.code, "message": message(e.code, "en")} for e in errors
            ]
            if errors
            else None,
        ),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


class FeedbackApi(Controller):
    path = "/api/v1"
    tags = ("feedback",)
    guards = [requires(Permission.PUBLIC)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @post(
        "/feedback",
        summary="Submit feedback on a guidance document",
        description="Returns the receipt code once. Send an `Idempotency-Key` header to make "
        "retries safe: the same key with the same body returns the first answer.",
        request_max_body_size=MAX_BODY_BYTES,
        status_code=HTTP_201_CREATED,
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: JSONBody[FeedbackIn],
    ) -> Response[Any]:
        key = request.headers.get("idempotency-key")
        if key is not None and not valid_key(key):
            return _problem(
                HTTP_400_BAD_REQUEST,
                "Bad Idempotency-Key",
                "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            )
        await _rate_limit(request, conn, receipt_key, "submit", clock())
        submission = SubmissionInput(
            document=data.document,
            category=data.category,
            role=data.role,
            text=data.text,
            version=data.version,
            section=data.section,
            quote=data.quote.exact if data.quote else None,
            quote_prefix=data.quote.prefix if data.quote else None,
            quote_suffix=data.quote.suffix if data.quote else None,
            consent_public=data.consent_public,
            consent_contact=data.consent_contact,
            email=data.email,
            language=data.language,
            care_region=data.care_region,
        )
        try:
            if key is None:
                body = msgspec.json.encode(_created(await service.submit(submission)))
            else:
                async with conn.transaction():
                    idempotency = Idempotency(conn, receipt_key, "api", key)
                    stored = await idempotency.claim(await request.body())
                    if stored is not None:
                        return Response(
                            stored.body, status_code=stored.status_code, media_type=MediaType.JSON
                        )
                    body = msgspec.json.encode(_created(await service.submit(submission)))
                    await idempotency.store(HTTP_201_CREATED, body)
        except SubmissionInvalid as exc:
            return _problem(
                HTTP_422_UNPROCESSABLE_ENTITY,
                "Unprocessable content",
                "Some fields are not valid.",
                exc.errors,
            )
        except IdempotencyConflict:
            return _problem(
                HTTP_422_UNPROCESSABLE_ENTITY,
                "Idempotency-Key reused",
                "This Idempotency-Key was used before with a different request body.",
            )
        return Response(body, status_code=HTTP_201_CREATED, media_type=MediaType.JSON)

    async def _by_code(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        key: bytes,
        clock: NamedDependency[Clock],
        work: Any,
    ) -> Response[Any]:
        await _rate_limit(request, conn, key, "receipt", clock())
        try:
            view = await work()
        except UnknownReceipt as exc:
            return _problem(
                422 if exc.code == "code_format" else 404,
                "Unknown receipt code",
                message(exc.code, "en"),
            )
        except ActionRefused as exc:
            return _problem(409, "Not possible", message(exc.code, "en"))
        return Response(_status_out(view), headers={"Cache-Control": "no-store"})

    @post(
        "/receipts/lookup",
        summary="Status and timeline of feedback by receipt code",
        status_code=HTTP_200_OK,
        request_max_body_size=4096,
        opt={"problems": [404]},
    )
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: JSONBody[ReceiptIn],
    ) -> Response[Any]:
        return await self._by_code(
            request, conn, receipt_key, clock, lambda: service.lookup(data.code)
        )

    @post(
        "/receipts/withdraw",
        summary="Withdraw feedback by receipt code",
        status_code=HTTP_200_OK,
        request_max_body_size=4096,
        opt={"problems": [404, 409]},
    )
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: JSONBody[ReceiptIn],
    ) -> Response[Any]:
        return await self._by_code(
            request, conn, receipt_key, clock, lambda: service.withdraw(data.code)
        )

    @post(
        "/receipts/erase",
        summary="Erase the text and contact of feedback by receipt code",
        status_code=HTTP_200_OK,
        request_max_body_size=4096,
        opt={"problems": [404, 409]},
    )
    async def erase(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: JSONBody[ReceiptIn],
    ) -> Response[Any]:
        return await self._by_code(
            request, conn, receipt_key, clock, lambda: service.erase(data.code)
        )
