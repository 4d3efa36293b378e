"""Which language a request is answered in, and the language switch.

The order (medskapa.i18n.negotiate): ``?lang=sv|en`` on the request itself, else the cookie
``sprak`` that the language switch sets, else the browser's ``Accept-Language``, else Swedish.
An unknown ``?lang=`` is passed over like a missing one: a page is never refused for it.

The cookie holds "sv" or "en" and nothing else, is sent to this site only (SameSite=Lax,
Secure outside plain-http development, not readable by scripts) and is not used for tracking or
for anything but the language. It is set in two cases only, both a reader's own choice:

- the switch in the header (``GET /sprak?lang=en&till=/the/page``) keeps it for a year;
- a page opened in a named language (``?lang=en``: a link in an English e-mail, a search
  engine's English alternate) keeps it until the browser closes, so that the reader's next link
  or form is in that language too. Without it every link on the page, none of which carries
  ``lang``, led back to Swedish. A session-long preference set at the reader's request needs no
  consent (the Article 29 Working Party's opinion 04/2012 on "user-interface customisation"
  cookies); the cookie page says so. Not set when the cookie already says that language, on the
  API (programs ask per request), or in the widget's frame under /inbaddad/ (it must work
  without cookies on another site, and its forms carry their language). Such a response is
  ``Cache-Control: private``: a shared cache must not hand the cookie to others.

A plain page (no ``?lang``) never sets it, so it stays cacheable and free of cookies. Every page
response says ``Content-Language`` and that it varies by ``Accept-Language`` and ``Cookie``, so
that a shared cache keeps the two languages apart.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request, get
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException
from litestar.params import QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from medskapa.i18n import (
    LANGUAGES,
    NATIVE_NAMES,
    SOURCE,
    Language,
    activate,
    current_language,
    gettext,
    language_or_none,
    negotiate,
)
from medskapa.security.embedding import EMBED_PAGES
from medskapa.security.permissions import Permission, declared_permission
from medskapa.web.return_to import requested_path, safe_return

COOKIE = "sprak"
QUERY = "lang"
SWITCH_PATH = "/sprak"
COOKIE_MAX_AGE = 365 * 24 * 3600
STATE_KEY = "language"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _query_language(scope: Scope) -> str | None:
    raw = scope.get("query_string") or b""
    if b"lang=" not in raw:
        return None
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if key == QUERY:
            return value
    return None


def _cookie_language(scope: Scope) -> str | None:
    header = _header(scope, b"cookie")
    if not header or COOKIE not in header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def scope_language(scope: Scope) -> Language:
    """The language of this request (computed once, then kept in the scope's state)."""
    state = scope.setdefault("state", {})
    found = state.get(STATE_KEY)
    if found is None:
        found = negotiate(
            _query_language(scope), _cookie_language(scope), _header(scope, b"accept-language")
        )
        state[STATE_KEY] = found
    return found


def choose_language(value: str | None, scope: Scope | None = None) -> Language:
    """The language a page or form names itself (a form's hidden ``lang`` field, the page it
    was filled in on) when it names one we have, else the request's; from here on the request
    speaks it: its page and messages, and (given the scope) whatever asks the scope later."""
    chosen = language_or_none(value) or current_language()
    activate(chosen)
    if scope is not None:
        scope.setdefault("state", {})[STATE_KEY] = chosen
    return chosen


def request_language(request: Request[Any, Any, Any]) -> Language:
    return scope_language(request.scope)


# Where a page opened with ?lang= does not remember it: the API and the widget's frame.
_NOT_REMEMBERED = ("/api/", EMBED_PAGES, SWITCH_PATH)


def _remembered_cookie(scope: Scope, secure: bool) -> bytes | None:
    """The session-long cookie for a page opened in a named language (see the module's
    docstring), or None when this request is not one."""
    if scope.get("method") not in ("GET", "HEAD"):
        return None
    named = language_or_none(_query_language(scope))
    if named is None or _cookie_language(scope) == named:
        return None
    if scope.get("path", "").startswith(_NOT_REMEMBERED):
        return None
    flags = "; Secure" if secure else ""
    return f"{COOKIE}={named}; Path=/; HttpOnly; SameSite=Lax{flags}".encode()


def language_middleware(app: ASGIApp, secure_cookies: bool = True) -> ASGIApp:
    """Sets the request's language for its pages and messages, and says it on the response;
    a page opened in a named language remembers it for the browser session."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        language = scope_language(scope)
        activate(language)
        remember = _remembered_cookie(scope, secure_cookies)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {key.lower() for key, _ in headers}
                if b"content-language" not in names:
                    headers.append((b"content-language", language.encode()))
                # One Vary naming each header once, whatever the response already named
                # (the public pages' cache validators add Cookie, Authorization).
                given = [v for k, v in headers if k.lower() == b"vary"]
                fields: dict[bytes, bytes] = {}
                for field in b",".join([*given, b"Accept-Language, Cookie"]).split(b","):
                    if field := field.strip():
                        fields.setdefault(field.lower(), field)
                headers = [(k, v) for k, v in headers if k.lower() != b"vary"]
                headers.append((b"vary", b", ".join(fields.values())))
                if remember is not None:
                    headers = [_private(k, v) for k, v in headers]
                    if b"cache-control" not in names:
                        headers.append((b"cache-control", b"private, no-cache"))
                    headers.append((b"set-cookie", remember))
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_language)

    return middleware


def _private(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """A Cache-Control that a shared cache would keep becomes one for this browser only."""
    if name.lower() != b"cache-control" or b"no-store" in value:
        return name, value
    kept = [d for d in value.split(b",") if d.strip() and d.strip().lower() != b"public"]
    return name, b", ".join([b"private", *(d.strip() for d in kept)])


# Query parameters never copied into the switch or the alternates: a one-time token (a reset
# or confirmation link), a receipt code, or text someone typed. A page's other parameters (a
# search, a filter, a version) are kept, so the switch shows the same page.
_NOT_CARRIED = frozenset({QUERY, "token", "kod", "code", "text", "data", "epost", "email"})


def without_language(path_and_query: str) -> str:
    """A local path and query without its ``lang`` parameter (nor any credential)."""
    path, _sep, query = path_and_query.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in _NOT_CARRIED]
    return f"{path}?{urlencode(kept)}" if kept else path


def _back_to(value: str | None) -> str:
    """Where the switch leads back to: a path on this site (return_to.safe_return's rules),
    without its ``lang``; anything else gives the start page."""
    if not value:
        return "/"
    safe = safe_return(value)
    return without_language(safe) if safe == value else "/"


@get(SWITCH_PATH, permission=Permission.PUBLIC, include_in_schema=False)
async def switch_language(
    request: Request[Any, Any, Any],
    lang: Annotated[str | None, QueryParameter(name=QUERY, max_length=10)] = None,
    till: Annotated[str | None, QueryParameter(name="till", max_length=2048)] = None,
) -> Redirect:
    """The language switch: remembers the reader's choice in the cookie and takes them back
    to the page they were on, now in that language."""
    chosen = language_or_none(lang)
    if chosen is None:
        raise HTTPException(
            status_code=400,
            detail=gettext("Vi kan visa sidorna på svenska (sv) eller engelska (en)."),
        )
    choose_language(chosen, request.scope)
    settings = getattr(request.app.state, "settings", None)
    return Redirect(
        _back_to(till),
        status_code=HTTP_303_SEE_OTHER,
        cookies=[
            Cookie(
                key=COOKIE,
                value=chosen,
                path="/",
                max_age=COOKIE_MAX_AGE,
                secure=settings is None or not settings.dev_insecure_cookies,
                httponly=True,
                samesite="lax",
            )
        ],
        headers={"cache-control": "no-store"},
    )


def language_links(request: Request[Any, Any, Any] | None, base_url: str) -> dict[str, Any]:
    """What the header and <head> of a page say about languages: the page's language, the
    switch to the other one (a link back to this page), and, on a public page, the page in each
    language at its address under the configured base URL (hreflang alternates)."""
    language: Language = request_language(request) if request is not None else SOURCE
    other: Language = "en" if language == "sv" else "sv"
    here = "/"
    public = False
    if request is not None:
        here = without_language(requested_path(request.scope))
        handler = request.scope.get("route_handler")
        public = handler is not None and declared_permission(handler) is Permission.PUBLIC
    switch = f"{SWITCH_PATH}?{urlencode({QUERY: other, 'till': here})}"
    base = base_url.rstrip("/")
    joiner = "&" if "?" in here else "?"
    alternates = (
        [(lang, f"{base}{here}{joiner}{QUERY}={lang}") for lang in LANGUAGES]
        + [("x-default", f"{base}{here}")]
        if public and base
        else []
    )
    return {
        "language": language,
        "other": other,
        "other_name": NATIVE_NAMES[other],
        "switch_href": switch,
        "alternates": alternates,
    }
