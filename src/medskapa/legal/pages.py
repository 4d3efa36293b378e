"""The pages a public body must publish (accessibility statement, privacy notice, cookies), in
Swedish and English with their facts from settings, the form to report an accessibility
problem (a feedback item about the site, with a receipt code like all feedback), and the
admins' pages where those items are taken up, answered and closed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from babel.dates import format_date
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from medskapa.catalogue.following import CONFIRM_VALID as FOLLOW_CONFIRM_VALID
from medskapa.clock import Clock
from medskapa.errors import Invalid, Language, Refused, describe
from medskapa.feedback import helpfulness, lifecycle
from medskapa.feedback.domain import FeedbackStatus
from medskapa.feedback.lifecycle import ANSWER_MAX
from medskapa.feedback.service import Submitted
from medskapa.i18n import _
from medskapa.legal.domain import PAGE_MAX, PROBLEM_MAX, ReportInput
from medskapa.legal.service import AccessibilityReports, SiteItemView
from medskapa.legal.texts import (
    ADMIN_STATUS_LABELS,
    DONE_TEXTS,
    ERRORS,
    FORM_REJECTED,
    RATE_LIMITED,
    REUSED_FORM,
    TRAIL_LABELS,
)
from medskapa.security import ratelimit
from medskapa.security.auth import session_cookie_name
from medskapa.security.csrf import csrf_cookie_name
from medskapa.security.factors import DEVICE_VALID, device_cookie_name
from medskapa.security.idempotency import Idempotency, IdempotencyConflict, valid_key
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.sessions import ABSOLUTE, PATIENT_IDLE, STAFF_IDLE
from medskapa.settings import Settings
from medskapa.web.deps import Conn, client_id, clock, receipt_key
from medskapa.web.forms import field, see_other
from medskapa.web.language import COOKIE as LANGUAGE_COOKIE
from medskapa.web.language import COOKIE_MAX_AGE as LANGUAGE_COOKIE_MAX_AGE
from medskapa.web.language import choose_language
from medskapa.web.responses import private_page

MAX_FORM_BYTES = 32 * 1024
HONEYPOT_FIELD = "webbplats"
FORM_ID_FIELD = "formular_id"
LEGAL_PAGES = {
    "accessibility": "/tillganglighet",
    "privacy": "/personuppgifter",
    "cookies": "/kakor",
    "report": "/tillganglighet/rapportera",
}


def _hours(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 3600)


def public_body(settings: Settings) -> dict[str, Any]:
    """The facts the legal pages state, every one from settings or from the code that
    enforces it, so the pages change when the configuration does."""
    reviewed = dt.date.fromisoformat(settings.accessibility_reviewed)
    return {
        "name": settings.organisation_name,
        "contact": settings.organisation_contact,
        "dpo": settings.data_protection_officer,
        "reviewed": reviewed,
        "reviewed_en": format_date(reviewed, format="long", locale="en_GB"),
        "redaction_days": settings.redaction_retention_days,
        "report_days": settings.accessibility_report_retention_days,
        "session_hours": _hours(ABSOLUTE),
        "staff_idle_minutes": int(STAFF_IDLE.total_seconds() // 60),
        "patient_idle_hours": _hours(PATIENT_IDLE),
        "follow_confirm_days": FOLLOW_CONFIRM_VALID.days,
        "csrf_cookie": csrf_cookie_name(settings),
        "session_cookie": session_cookie_name(settings),
        "device_cookie": device_cookie_name(settings),
        "device_days": DEVICE_VALID.days,
        "helpfulness_cookie": helpfulness.browser_cookie_name(settings.dev_insecure_cookies),
        "helpfulness_cookie_days": helpfulness.BROWSER_COOKIE_DAYS,
        "helpfulness_storage_key": helpfulness.BROWSER_STORAGE_KEY,
        "helpfulness_reason_days": settings.helpfulness_reason_retention_days,
        "language_cookie": LANGUAGE_COOKIE,
        "language_cookie_days": LANGUAGE_COOKIE_MAX_AGE // 86400,
    }


def contact_label(uri: str) -> str:
    """How a contact URI reads on a page: the address of a mailto:, the URL otherwise."""
    return uri.removeprefix("mailto:")


async def provide_reports(conn: Conn, clock: NamedDependency[Clock]) -> AccessibilityReports:
    return AccessibilityReports(conn, clock)


DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
    "reports": Provide(provide_reports),
}


def _legal_page(request: Request[Any, Any, Any], name: str, lang: str | None) -> Template:
    language = choose_language(lang)
    return Template(
        f"legal/{name}.{language}.html",
        context={
            "lang": language,
            "org": public_body(request.app.state.settings),
            "contact_label": contact_label,
            "legal_pages": LEGAL_PAGES,
        },
    )


LangQuery = Annotated[str | None, QueryParameter(name="lang", max_length=5)]


class LegalPages(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)
    dependencies = DEPENDENCIES

    @get("/tillganglighet", name="accessibility-statement")
    async def accessibility(
        self, request: Request[Any, Any, Any], lang: LangQuery = None
    ) -> Template:
        return _legal_page(request, "accessibility", lang)

    @get("/personuppgifter", name="privacy-notice")
    async def privacy(self, request: Request[Any, Any, Any], lang: LangQuery = None) -> Template:
        return _legal_page(request, "privacy", lang)

    @get("/kakor", name="cookies")
    async def cookies(self, request: Request[Any, Any, Any], lang: LangQuery = None) -> Template:
        return _legal_page(request, "cookies", lang)

    @get("/tillganglighet/rapportera", name="accessibility-report")
    async def report_form(
        self,
        lang: LangQuery = None,
        sida: Annotated[str | None, QueryParameter(max_length=PAGE_MAX)] = None,
    ) -> Template:
        return _report_form(choose_language(lang), {"page": sida or ""}, {}, token=_new_token())

    @post(
        "/tillganglighet/rapportera",
        name="accessibility-report-send",
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def report_send(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        reports: NamedDependency[AccessibilityReports],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        language = choose_language(field(data, "lang"), request.scope)
        values = {name: field(data, name) for name in ("page", "problem", "email")}
        # The form's one-time id: the same form sent twice (a resubmitted receipt page, a
        # double click without script) is one report, answered with the same receipt.
        token = field(data, FORM_ID_FIELD) or _new_token()
        if field(data, HONEYPOT_FIELD):
            return _report_form(
                language, values, {}, _(FORM_REJECTED), HTTP_400_BAD_REQUEST, token=token
            )
        report = ReportInput(
            problem=values["problem"], page=values["page"], email=values["email"], language=language
        )
        limit = request.app.state.settings.submit_limit
        client = client_id(request, receipt_key)
        now = clock()
        try:
            # Every attempt counts against the wide limit; an accepted report against the
            # narrow one, in the transaction that stores it (as for feedback).
            await ratelimit.check(conn, _attempts(limit), client, now)
            async with conn.transaction():
                once = None
                if valid_key(token):
                    once = Idempotency(conn, receipt_key, "accessibility-form", token)
                    stored = await once.claim(msgspec.json.encode(report))
                    if stored is not None:
                        return _receipt(
                            language, msgspec.json.decode(stored.body, type=Submitted), values
                        )
                await ratelimit.check(conn, _accepted(limit), client, now)
                submitted = await reports.file(
                    report, receipt_key, user_id=principal_of(request).user_id
                )
                if once is not None:
                    await once.store(HTTP_201_CREATED, msgspec.json.encode(submitted))
        except ratelimit.RateLimited as exc:
            response = _report_form(
                language, values, {}, _(RATE_LIMITED), HTTP_429_TOO_MANY_REQUESTS, token=token
            )
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except Invalid as exc:
            errors = {e.field: describe(ERRORS, e.code, language) for e in exc.errors}
            return _report_form(
                language, values, errors, None, HTTP_422_UNPROCESSABLE_ENTITY, token=token
            )
        except IdempotencyConflict:
            return _report_form(
                language,
                values,
                {},
                _(REUSED_FORM),
                HTTP_422_UNPROCESSABLE_ENTITY,
                token=_new_token(),
            )
        return _receipt(language, submitted, values)


def _receipt(language: Language, submitted: Submitted, values: dict[str, str]) -> Template:
    """The receipt is the answer to the POST itself: its code is shown this once (as for
    feedback), so it is never in a URL and never cached."""
    return private_page(
        "legal/report_done.html",
        lang=language,
        submitted=submitted,
        reply=bool(values["email"].strip()),
    )


def _new_token() -> str:
    return uuid.uuid4().hex


def _attempts(limit: int) -> ratelimit.Limit:
    return ratelimit.Limit(
        "a11y-report-attempt",
        hits=limit * ratelimit.ATTEMPTS_PER_SUBMISSION,
        seconds=ratelimit.WINDOW_SECONDS,
    )


def _accepted(limit: int) -> ratelimit.Limit:
    return ratelimit.Limit("a11y-report", hits=limit, seconds=ratelimit.WINDOW_SECONDS)


def _report_form(
    language: Language,
    values: dict[str, str],
    errors: dict[str, str],
    general_error: str | None = None,
    status: int = 200,
    *,
    token: str,
) -> Template:
    return private_page(
        "legal/report.html",
        status,
        lang=language,
        token=token,
        token_field=FORM_ID_FIELD,
        values=values,
        errors=errors,
        general_error=general_error,
        problem_max=PROBLEM_MAX,
        page_max=PAGE_MAX,
        honeypot=HONEYPOT_FIELD,
    )


class AccessibilityReportAdmin(Controller):
    """The admins' work on site items: the list (open first), an item with its text, page,
    answers and trail, and the steps (take up, answer, close) through the feedback lifecycle.
    CSRF is checked for every POST by the app's middleware, as for every admin form."""

    include_in_schema = False
    opt = requires(Permission.ADMINISTER)
    dependencies = DEPENDENCIES

    @get("/admin/tillganglighet", name="admin-accessibility-reports")
    async def listing(self, reports: NamedDependency[AccessibilityReports]) -> Template:
        shown, open_count = await reports.listing()
        return private_page(
            "admin/accessibility_reports.html",
            reports=shown,
            open_count=open_count,
            status_labels=ADMIN_STATUS_LABELS,
            nav="admin",
        )

    @get("/admin/tillganglighet/{item_id:uuid}", name="admin-accessibility-report")
    async def item(
        self,
        reports: NamedDependency[AccessibilityReports],
        item_id: FromPath[uuid.UUID],
        klart: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Template:
        return _item_page(await reports.item(item_id), done=klart)

    @post("/admin/tillganglighet/{item_id:uuid}/ta-upp", request_max_body_size=4096)
    async def take_up(
        self,
        request: Request[Any, Any, Any],
        reports: NamedDependency[AccessibilityReports],
        item_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        return await _step(request, reports, item_id, "ta-upp", None)

    @post("/admin/tillganglighet/{item_id:uuid}/svara", request_max_body_size=MAX_FORM_BYTES)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        reports: NamedDependency[AccessibilityReports],
        item_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        return await _step(request, reports, item_id, "svarad", field(data, "answer"))

    @post("/admin/tillganglighet/{item_id:uuid}/avsluta", request_max_body_size=4096)
    async def close(
        self,
        request: Request[Any, Any, Any],
        reports: NamedDependency[AccessibilityReports],
        item_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        return await _step(request, reports, item_id, "avslutad", None)


async def _step(
    request: Request[Any, Any, Any],
    reports: AccessibilityReports,
    item_id: uuid.UUID,
    step: str,
    answer: str | None,
) -> Template | Redirect:
    actor = principal_of(request).pseudonym
    try:
        if step == "ta-upp":
            await reports.take_up(item_id, actor)
        elif step == "svarad":
            await reports.answer(item_id, actor, answer or "")
        else:
            await reports.close(item_id, actor)
    except Invalid as exc:
        errors = {e.field: describe(ERRORS, e.code) for e in exc.errors}
        view = await reports.item(item_id)
        return _item_page(
            view, errors=errors, answer=answer or "", status=HTTP_422_UNPROCESSABLE_ENTITY
        )
    except Refused as exc:
        view = await reports.item(item_id)
        return _item_page(view, general_error=exc.message(), status=HTTP_409_CONFLICT)
    return see_other(f"/admin/tillganglighet/{item_id}?klart={step}")


def _item_page(
    view: SiteItemView,
    *,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    general_error: str | None = None,
    answer: str = "",
    status: int = 200,
) -> Template:
    item = view.item
    current = FeedbackStatus(item.status)
    return private_page(
        "admin/accessibility_report.html",
        status,
        view=view,
        item=item,
        status_labels=ADMIN_STATUS_LABELS,
        trail_labels=TRAIL_LABELS,
        can_take_up=lifecycle.allowed(current, FeedbackStatus.IN_REVIEW, lifecycle.Actor.ADMIN),
        can_answer=lifecycle.allowed(current, FeedbackStatus.ANSWERED, lifecycle.Actor.ADMIN),
        can_close=lifecycle.allowed(current, FeedbackStatus.CLOSED, lifecycle.Actor.ADMIN),
        done=done if done in DONE_TEXTS else None,
        done_texts=DONE_TEXTS,
        errors=errors or {},
        general_error=general_error,
        answer=answer,
        answer_max=ANSWER_MAX,
        nav="admin",
    )
