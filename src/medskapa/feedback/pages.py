"""The feedback pages: the form on a guidance document, the receipt, and following one's
feedback by its receipt code (status, timeline, withdraw, erase)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from medskapa.clock import Clock
from medskapa.errors import Invalid, NotFound, Refused
from medskapa.feedback import queries
from medskapa.feedback.domain import (
    ITEM_CATEGORY_LABELS,
    ROLE_LABELS,
    FeedbackStatus,
    status_labels,
)
from medskapa.feedback.forms import (
    FORM_ID_FIELD,
    HONEYPOT_FIELD,
    SAFETY_SHOWN_FIELD,
    FormState,
    FoundData,
    embedded,
    helpful_form,
    render_form,
    sent_values,
    try_again_at,
)
from medskapa.feedback.queries import FormDocument
from medskapa.feedback.safety import find_signals
from medskapa.feedback.service import (
    FeedbackService,
    FeedbackView,
    SubmissionInput,
    Submitted,
    UnknownReceipt,
    submitter_timeline,
)
from medskapa.feedback.texts import (
    FINDING_NAMES,
    UI,
    Language,
    field_message,
    message,
)
from medskapa.feedback.web import (
    DEPENDENCIES,
    MAX_BODY_BYTES,
    count_accepted,
    count_attempt,
    rate_limit,
)
from medskapa.i18n import _
from medskapa.regions import service as regions
from medskapa.security.idempotency import Idempotency, IdempotencyConflict, valid_key
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.ratelimit import RateLimited
from medskapa.web.deps import Conn
from medskapa.web.forms import field
from medskapa.web.language import choose_language
from medskapa.web.responses import private_page


def _status_context(view: FeedbackView, code: str, language: Language) -> dict[str, Any]:
    return {
        "record": view.record,
        "timeline": [{"at": at, "text": text} for at, text in submitter_timeline(view, language)],
        "status_label": status_labels(view.record.subject)[view.record.status],
        "category_label": ITEM_CATEGORY_LABELS[view.record.category],
        "role_label": ROLE_LABELS.get(view.record.submitter_role, ""),
        "code": code,
        "lang": language,
        "withdrawable": view.record.status
        in (FeedbackStatus.RECEIVED, FeedbackStatus.ROUTED, FeedbackStatus.IN_REVIEW),
        "answers": view.answers,
        "placement": view.placement,
    }


def _limited(
    request: Request[Any, Any, Any],
    document: FormDocument,
    state: FormState,
    language: Language,
    exc: RateLimited,
) -> Template:
    """The form again, as typed, saying until when the submitter must wait (429). With htmx
    the page keeps its own form and says so itself (static/js/medskapa.js)."""
    assert exc.until is not None
    state.general_error = _(UI["rate_limited_until"]).format(time=try_again_at(exc.until))
    return render_form(
        request,
        document,
        state,
        language,
        HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(exc.retry_after)},
    )


class FeedbackPages(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)
    dependencies = DEPENDENCIES

    async def _document(self, conn: Conn, slug: str) -> FormDocument:
        document = await queries.form_document(conn, slug)
        if document is None:
            raise NotFound("No guidance document takes feedback here.")
        return document

    @get(
        ["/kunskapsstod/{slug:str}/synpunkt", "/inbaddad/{slug:str}/synpunkt"], name="feedback-form"
    )
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
            raise NotFound("That version does not exist.")
        if section and section not in {s.key for s in shown.sections}:
            raise NotFound("That section does not exist in this version.")
        state = FormState(
            values={"section": section or "", "version": shown.label},
            token=uuid.uuid4().hex,
            regions=await regions.grouped(conn),
        )
        return render_form(request, document, state, choose_language(lang))

    @post(
        ["/kunskapsstod/{slug:str}/synpunkt", "/inbaddad/{slug:str}/synpunkt"],
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
        language = choose_language(field(data, "lang"))
        values = sent_values(data)
        token = field(data, FORM_ID_FIELD)
        state = FormState(
            values=values, token=token or uuid.uuid4().hex, regions=await regions.grouped(conn)
        )

        if field(data, HONEYPOT_FIELD):
            state.general_error = _(UI["form_rejected"])
            return render_form(request, document, state, language, HTTP_400_BAD_REQUEST)

        now = clock()
        try:
            await count_attempt(request, conn, receipt_key, now)
        except RateLimited as exc:
            return _limited(request, document, state, language, exc)
        submission = SubmissionInput(
            document=slug,
            language=language,
            **{k: v for k, v in values.items() if k not in ("consent_public", "consent_contact")},
            consent_public=values["consent_public"],
            consent_contact=values["consent_contact"],
        )
        # Personal-data and safety checks first: never blocking, but the submitter sees each
        # once before the text is sent (the live check may already have shown the help).
        cleaned, _kinds, findings = service.check_text(values["text"])
        if cleaned and findings and field(data, "pd_confirmed") != "ja":
            found = (
                FoundData(_(FINDING_NAMES[f.kind]), cleaned[f.start : f.end]) for f in findings
            )
            state.findings = list(dict.fromkeys(found))
        state.safety = bool(cleaned and find_signals(cleaned))
        if state.findings or (state.safety and field(data, SAFETY_SHOWN_FIELD) != "ja"):
            return render_form(request, document, state, language)

        try:
            async with conn.transaction():
                idempotency = None
                if token and valid_key(token):
                    idempotency = Idempotency(conn, receipt_key, "form", token)
                    stored = await idempotency.claim(msgspec.json.encode(submission))
                    if stored is not None:
                        submitted = msgspec.json.decode(stored.body, type=Submitted)
                        return self._receipt(
                            request,
                            document,
                            submitted,
                            language,
                            values["version"] or None,
                            values["section"] or None,
                        )
                # Counted with the item: a submission sent back for its content does not count.
                await count_accepted(request, conn, receipt_key, now)
                submitted = await service.submit(submission, user_id=principal_of(request).user_id)
                if idempotency is not None:
                    await idempotency.store(HTTP_201_CREATED, msgspec.json.encode(submitted))
        except RateLimited as exc:
            return _limited(request, document, state, language, exc)
        except Invalid as exc:
            state.errors = {e.field: field_message(e.field, e.code, language) for e in exc.errors}
            return render_form(request, document, state, language, HTTP_422_UNPROCESSABLE_ENTITY)
        except IdempotencyConflict:
            state.general_error = message("reused_form", language)
            state.token = uuid.uuid4().hex
            return render_form(request, document, state, language, HTTP_422_UNPROCESSABLE_ENTITY)
        return self._receipt(
            request,
            document,
            submitted,
            language,
            values["version"] or None,
            values["section"] or None,
        )

    def _receipt(
        self,
        request: Request[Any, Any, Any],
        document: FormDocument,
        submitted: Submitted,
        lang: Language,
        version: str | None,
        section: str | None,
    ) -> Template:
        fragment = request.headers.get("hx-request") == "true"
        return private_page(
            "feedback/receipt_fragment.html" if fragment else "feedback/receipt_page.html",
            document=document,
            embedded=embedded(request),
            helpful=helpful_form(request, document.slug, version, section),
            submitted=submitted,
            lang=lang,
        )

    @get("/folj", name="follow")
    async def follow(
        self, lang: Annotated[str | None, QueryParameter(name="lang", max_length=5)] = None
    ) -> Template:
        return Template("feedback/follow.html", context={"lang": choose_language(lang), "code": ""})

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
        language = choose_language(field(data, "lang"))
        code = field(data, "kod")[:100]
        await rate_limit(request, conn, receipt_key, "receipt", clock())
        action = field(data, "atgard")
        try:
            if action in ("ta-tillbaka", "radera"):
                if field(data, "bekrafta") != "ja":
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
            return private_page(
                "feedback/follow.html",
                HTTP_422_UNPROCESSABLE_ENTITY,
                lang=language,
                code=code,
                error=exc.message(language),
            )
        except Refused as exc:
            view = await service.lookup(code)
            return self._status(view, code, language, error=exc.message(language))
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
        return private_page(
            "feedback/status.html",
            HTTP_422_UNPROCESSABLE_ENTITY if error else HTTP_200_OK,
            **_status_context(view, code, language),
            error=error,
            done=done,
            pending=pending,
        )
