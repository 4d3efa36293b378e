"""Every error becomes a clear page (HTML) or problem details (JSON under /api/).

Nothing from the request body is echoed or logged here: only the method, the route and the
exception's type.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.response import Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from medskapa import errors
from medskapa.db.pool import UNAVAILABLE_ERRORS, DatabaseUnavailable
from medskapa.i18n import N_, activate, gettext
from medskapa.security.permissions import NotPermitted, principal_of
from medskapa.web.boundary import BoundaryRefusal
from medskapa.web.language import request_language
from medskapa.web.return_to import START, carried, requested_path, with_return

log = logging.getLogger("medskapa.web")

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 5


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details."""

    title: str
    status: int
    detail: str | None = None
    type: str = "about:blank"
    errors: list[dict[str, Any]] | None = None


# What each status means to a reader (the page's title, through the catalogue), and the
# English title of the API's problem details.
_TITLES: dict[int, tuple[str, str]] = {
    400: (N_("Felaktig förfrågan"), "Bad request"),
    401: (N_("Du behöver logga in"), "Unauthorized"),
    403: (N_("Du har inte behörighet"), "Forbidden"),
    404: (N_("Sidan finns inte"), "Not found"),
    409: (N_("Det går inte just nu"), "Conflict"),
    405: (N_("Metoden stöds inte här"), "Method not allowed"),
    408: (N_("Det tog för lång tid"), "Request timeout"),
    413: (N_("För stort innehåll"), "Content too large"),
    414: (N_("För lång adress"), "URI too long"),
    415: (N_("Fel sorts innehåll"), "Unsupported media type"),
    422: (N_("Uppgifterna behöver rättas"), "Unprocessable content"),
    429: (N_("För många förfrågningar"), "Too many requests"),
    431: (N_("För stora huvuden i förfrågan"), "Request header fields too large"),
    500: (N_("Något gick fel hos oss"), "Internal server error"),
    503: (N_("Tjänsten är tillfälligt otillgänglig"), "Service unavailable"),
}

_HTML_DETAILS: dict[int, str] = {
    401: N_("Den här sidan visas bara för den som är inloggad och har rätt behörighet."),
    404: N_(
        "Vi hittar inte det du letar efter. Adressen kan vara fel, eller så har sidan tagits bort."
    ),
    408: N_("Det du skickade kom inte fram i tid. Försök igen; ingenting har sparats halvvägs."),
    413: N_(
        "Det du skickade är för stort. En synpunkt får vara högst 5 000 tecken och en fil "
        "högst 2 MB."
    ),
    429: N_("Du har skickat många förfrågningar på kort tid. Vänta en stund och försök igen."),
    500: N_(
        "Ett oväntat fel uppstod. Ingenting av det du skickat har sparats halvvägs. "
        "Försök igen om en stund."
    ),
    503: N_(
        "Vi kan inte nå vår databas just nu. Ingenting du redan skickat har gått "
        "förlorat. Försök igen om en stund."
    ),
}


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def _respond(
    request: Request[Any, Any, Any],
    status: int,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    page_detail: str | None = None,
    next_step: tuple[str, str] | None = None,
    **page: Any,
) -> Response[Any]:
    """Problem details under /api/, an HTML page elsewhere; ``page_detail`` is what the page
    says in Swedish when the status alone does not tell, ``page`` what else it shows (a
    ``title`` of its own, the login form, a way to sign out). The page is in the request's
    language: set here too, for a request no route took (404, 405), which the language
    middleware never saw."""
    activate(request_language(request))
    swedish, english = _TITLES.get(status, (N_("Fel"), "Error"))
    if is_api(request):
        return Response(
            Problem(title=english, status=status, detail=detail, errors=errors),
            status_code=status,
            media_type=PROBLEM_JSON,
            headers=headers,
        )
    return Template(
        template_name="errors/error.html",
        context={
            "title": gettext(swedish),
            "status": status,
            "detail": page_detail or _translated(_HTML_DETAILS.get(status)) or detail,
            "errors": errors,
            "next_step": next_step,
            **page,
        },
        status_code=status,
        headers=headers,
        media_type=MediaType.HTML,
    )


def _translated(message: str | None) -> str | None:
    return gettext(message) if message else None


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        # Litestar's own parameter validation: name the field, never echo its value.
        errors = [
            {"field": e.get("key"), "message": e.get("message")}
            for e in (exc.extra if isinstance(exc.extra, list) else [])
            if isinstance(e, dict)
        ]
        status = HTTP_422_UNPROCESSABLE_ENTITY if is_api(request) else HTTP_400_BAD_REQUEST
        return _respond(request, status, "Some values are not valid.", errors or None)
    detail = exc.detail if status != HTTP_500_INTERNAL_SERVER_ERROR else None
    if isinstance(exc, NotFoundException) and detail == "Not Found":
        detail = None
    if isinstance(exc, NotAuthorizedException) and not is_api(request):
        return _sign_in_first(request, exc)
    if isinstance(exc, NotPermitted) and not is_api(request):
        return _respond(
            request,
            status,
            detail,
            headers=exc.headers,
            page_detail=gettext(NOT_PERMITTED),
            next_step=(START, gettext("Till Mina uppgifter")),
            sign_out=True,
            back_to=_back_to(request),
            what_to_do=gettext(ANOTHER_ACCOUNT),
        )
    return _respond(
        request,
        status,
        detail,
        headers=exc.headers,
        page_detail=gettext(exc.swedish) if isinstance(exc, BoundaryRefusal) else None,
    )


NOT_PERMITTED = N_("Ditt konto har inte behörighet att öppna den här sidan.")
ANOTHER_ACCOUNT = N_(
    "Behöver du sidan i ditt arbete: be en administratör för medskapa att ge ditt konto rätt "
    "roll, eller den som leder din arbetsgrupp eller samordnar din organisation att lägga till "
    "dig. Har du ett annat konto som har behörigheten: logga ut och logga in med det."
)


def _back_to(request: Request[Any, Any, Any]) -> str | None:
    """The page to come back to after signing in: this one, if it is a page one can open
    again (not a form that was sent)."""
    if request.method not in ("GET", "HEAD"):
        return None
    return carried(requested_path(request.scope))


def _sign_in_first(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    """A page that needs signing in (401): the login form itself, or the step that is missing;
    either way, afterwards the person comes back to this page."""
    principal = principal_of(request)
    back_to = _back_to(request)
    if principal.pending:
        return _respond(
            request,
            exc.status_code,
            headers=exc.headers,
            page_detail=gettext("Du har skrivit ditt lösenord men inte koden från din app ännu."),
            next_step=(with_return("/logga-in/kod", back_to), gettext("Skriv koden från din app")),
        )
    if principal.authenticated:
        # Signed in without the second factor (a patient's session, or a token made by one):
        # this page is staff work, which needs it.
        return _respond(
            request,
            exc.status_code,
            headers=exc.headers,
            title=gettext("Du behöver logga in i två steg"),
            page_detail=gettext(
                "Den här sidan är för personal, som loggar in med lösenord och en kod från en app."
            ),
            what_to_do=gettext(ANOTHER_ACCOUNT),
            sign_out=True,
            back_to=back_to,
        )
    return _respond(
        request,
        exc.status_code,
        headers=exc.headers,
        page_detail=gettext(
            "Sidan du ville öppna visas bara för den som är inloggad och har rätt "
            "behörighet. Logga in, så kommer du tillbaka till sidan du ville öppna."
        ),
        sign_in=True,
        back_to=back_to,
    )


def handle_not_found(request: Request[Any, Any, Any], exc: errors.NotFound) -> Response[Any]:
    return _respond(request, 404, exc.detail)


def handle_refused(request: Request[Any, Any, Any], exc: errors.Refused) -> Response[Any]:
    """409 (or 403): the reason in English for the API, with its code; in the reader's
    language on a page."""
    return _respond(
        request,
        exc.status,
        exc.message("en"),
        [{"code": exc.code, "message": exc.message("en")}] if is_api(request) else None,
        page_detail=exc.message(request_language(request)),
    )


def handle_invalid(request: Request[Any, Any, Any], exc: errors.Invalid) -> Response[Any]:
    """422 with each field, code and message for the API; a page (400) that lists what to
    correct, in the reader's language, where the handler did not show its form again."""
    if is_api(request):
        return _respond(
            request,
            HTTP_422_UNPROCESSABLE_ENTITY,
            "Some fields are not valid.",
            [
                {"field": e.field, "code": e.code, "message": exc.message(e, "en")}
                for e in exc.errors
            ],
        )
    return _respond(
        request,
        HTTP_400_BAD_REQUEST,
        page_detail=gettext(
            "Något av det du skickade behöver rättas. Gå tillbaka och försök igen."
        ),
        errors=[
            {"field": e.field, "message": exc.message(e, request_language(request))}
            for e in exc.errors
        ],
    )


def handle_nul_character(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """PostgreSQL stores no NUL in text (nor ``\\u0000`` in jsonb): a value that holds one,
    from any form or JSON field, is refused as the client's mistake (422 in the API, like any
    invalid value; 400 for a page), not a 500. Whatever the request had written in its
    transaction is rolled back with it."""
    log.info(
        "NUL character refused by the database",
        extra={"path": request.scope.get("path_template", ""), "error": type(exc).__name__},
    )
    return _respond(
        request,
        HTTP_422_UNPROCESSABLE_ENTITY if is_api(request) else HTTP_400_BAD_REQUEST,
        "A value contains a NUL character (U+0000), which is not allowed.",
        page_detail=gettext(
            "Något av det du skickade innehåller ett osynligt tecken som inte är "
            "tillåtet (NUL). Det kommer ofta med text som kopierats från en PDF. Skriv in texten "
            "på nytt och skicka igen."
        ),
    )


def _try_again(
    request: Request[Any, Any, Any],
    exc: Exception,
    what: str,
    detail: str,
    page_detail: str | None = None,
) -> Response[Any]:
    log.warning(
        what, extra={"path": request.scope.get("path_template", ""), "error": type(exc).__name__}
    )
    return _respond(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        page_detail=page_detail,
    )


def handle_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _try_again(
        request,
        exc,
        "database unavailable",
        "The database is not reachable right now; try again shortly.",
    )


def handle_overloaded(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A statement ran past MEDSKAPA_DB_STATEMENT_TIMEOUT_MS (a busy database, or a row another
    request holds): try again shortly, like a lost database, but the pool's connections are
    fine and stay (this is not one of UNAVAILABLE_ERRORS). Nothing half-done was kept: the
    statement's transaction is rolled back with it."""
    return _try_again(
        request,
        exc,
        "database statement timed out",
        "The database is too busy to answer right now; try again shortly.",
        gettext(
            "Vår databas hinner inte svara just nu. Ingenting av det du skickat har sparats "
            "halvvägs. Försök igen om en stund."
        ),
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error(
        "unhandled error",
        extra={
            "method": request.method,
            "path": request.scope.get("path_template", ""),
            "error": type(exc).__name__,
        },
        exc_info=request.app.debug,
    )
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR)


def exception_handlers() -> dict[Any, Any]:
    handlers: dict[Any, Any] = {
        HTTPException: handle_http_exception,
        errors.NotFound: handle_not_found,
        errors.Refused: handle_refused,
        errors.Invalid: handle_invalid,
        DatabaseUnavailable: handle_unavailable,
        asyncpg.CharacterNotInRepertoireError: handle_nul_character,
        asyncpg.UntranslatableCharacterError: handle_nul_character,
        asyncpg.QueryCanceledError: handle_overloaded,
        Exception: handle_unexpected,
    }
    for error in UNAVAILABLE_ERRORS:
        handlers[error] = handle_unavailable
    return handlers
