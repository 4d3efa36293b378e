""" "Hjälpte informationen på sidan dig?" sent from a document page (``/kunskapsstod/...``) or
from the widget's dialog (``/inbaddad/...``): the answer, the thanks, the errors beside the
fields, and the per-client limit (feedback/helpfulness.py has the rules).

The browser's random id comes in the ``browser`` field (static/js/helpful.js keeps it in the
browser's localStorage); without script, in a medskapa cookie, set with the first answer. In a
frame the cookie is a third-party cookie and usually blocked; the script's id is what counts
there.

The pages speak the request's language (web/language.py): the question is sent to an address
with the language it was asked in (``?lang=``: helpfulness.question)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from medskapa.clock import Clock
from medskapa.errors import Invalid, NotFound, Refused
from medskapa.feedback import helpfulness, queries
from medskapa.feedback.forms import embedded, helpful_form
from medskapa.feedback.helpfulness import HelpfulnessAnswer
from medskapa.feedback.web import DEPENDENCIES
from medskapa.i18n import _
from medskapa.security import ratelimit
from medskapa.security.permissions import Permission, requires
from medskapa.web.deps import Conn, client_id
from medskapa.web.forms import field

MAX_BODY_BYTES = 8 * 1024
BROWSER_COOKIE_SECONDS = helpfulness.BROWSER_COOKIE_DAYS * 24 * 3600


def browser_cookie_name(request: Request[Any, Any, Any]) -> str:
    return helpfulness.browser_cookie_name(request.app.state.settings.dev_insecure_cookies)


class HelpfulnessPages(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)
    dependencies = DEPENDENCIES

    @post(
        ["/kunskapsstod/{slug:str}/hjalpte", "/inbaddad/{slug:str}/hjalpte"],
        name="helpfulness-answer",
        request_max_body_size=MAX_BODY_BYTES,
    )
    async def answer(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        document = await queries.form_document(conn, slug)
        if document is None:
            raise NotFound("No guidance document takes answers here.")
        version, section = field(data, "version") or None, field(data, "section") or None
        values = {"helpful": field(data, "helpful"), "reason": field(data, "reason")}
        context = {
            "document": document,
            "embedded": embedded(request),
            "helpful": helpful_form(request, slug, version, section, values=values),
        }
        now = clock()
        limit = ratelimit.helpfulness_limit(request.app.state.settings.helpfulness_limit)
        try:
            await ratelimit.check(conn, limit, client_id(request, receipt_key), now)
        except ratelimit.RateLimited as exc:
            context["general_error"] = _(
                "Du har svarat många gånger på kort tid. Vänta en stund och försök igen."
            )
            return self._page(
                request,
                context,
                HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.retry_after)},
            )

        browser, new_browser = self._browser(request, data)
        given = HelpfulnessAnswer(
            document=slug,
            version=version,
            section=section,
            helpful=values["helpful"],
            reason=values["reason"],
            via="widget" if context["embedded"] else "page",
            browser=browser,
        )
        try:
            await helpfulness.answer(conn, receipt_key, now, given)
        except Invalid as exc:
            context["helpful"]["errors"] = exc.by_field()
            return self._page(request, context, HTTP_422_UNPROCESSABLE_ENTITY)
        except Refused:
            context["already"] = True
            return self._page(request, context, HTTP_409_CONFLICT)
        context["done"] = True
        page = self._page(request, context, HTTP_200_OK)
        if new_browser:
            page.cookies.append(
                Cookie(
                    key=browser_cookie_name(request),
                    value=browser,
                    path="/",
                    max_age=BROWSER_COOKIE_SECONDS,
                    secure=not request.app.state.settings.dev_insecure_cookies,
                    httponly=True,
                    samesite="lax",
                )
            )
        return page

    def _browser(self, request: Request[Any, Any, Any], data: dict[str, Any]) -> tuple[str, bool]:
        """The browser's id and whether it is new (to be kept in a cookie)."""
        sent = field(data, "browser")
        if helpfulness.valid_browser_id(sent):
            return sent, False
        kept = request.cookies.get(browser_cookie_name(request))
        if helpfulness.valid_browser_id(kept):
            return str(kept), False
        return helpfulness.new_browser_id(), True

    def _page(
        self,
        request: Request[Any, Any, Any],
        context: dict[str, Any],
        status: int,
        headers: dict[str, str] | None = None,
    ) -> Template:
        """With htmx only the question's own box (200 or 422: htmx swaps those; an answer
        already given is a thank-you too); otherwise a whole page."""
        if request.headers.get("hx-request") == "true" and status != HTTP_429_TOO_MANY_REQUESTS:
            done = context.get("done") or context.get("already")
            return Template(
                "feedback/_helpful_done.html" if done else "feedback/_helpful_form.html",
                context=context,
                status_code=HTTP_200_OK if done else status,
            )
        return Template(
            "feedback/helpful_page.html", context=context, status_code=status, headers=headers
        )
