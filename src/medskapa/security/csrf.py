"""Cross-site request forgery: one check for pages and the JSON API.

The reasoning (OWASP CSRF Prevention Cheat Sheet, "Verifying Origin With Standard Headers" and
"Fetch Metadata headers"): a forged request is one that a foreign page makes a visitor's browser
send with the visitor's ambient credentials. What needs protecting depends on whether there are
any.

- **A signed-in browser** (session cookie) has an ambient credential. It must send its session's
  own token with every unsafe request: in the ``_csrf_token`` form field or the
  ``X-CSRF-Token`` header (htmx, API). The token is made with the session and is bound to it: a
  token from another session, or one planted before login, is refused. The session cookie is
  also ``SameSite=Lax`` (accounts/web.py), so browsers do not send it on a cross-site POST at
  all, and the request boundary (web/boundary.py) refuses a foreign Origin first.
- **A visitor without a session** (a patient sending feedback, someone signing in) has no
  ambient credential, so a token would protect nothing but the request's provenance, and it
  would cost a cookie on every public page: such a page could not be kept by a shared cache, and
  the feedback form could not work in a frame on another site, where browsers block
  third-party cookies. The provenance is what browsers already state in headers a page cannot
  forge, so that is what is checked, against the site's public origin (MEDSKAPA_BASE_URL) or
  the host the request was addressed to (which the allowed-hosts check has limited to ours):

  1. ``Origin``, when it is an origin: it must be ours. Our pages' Referrer-Policy is
     ``same-origin`` (security/headers.py), so every browser sends our own forms' real Origin.
  2. ``Origin`` is missing or ``null`` (a page whose own policy is ``no-referrer``, such as the
     token pages, or a sandboxed frame): ``Sec-Fetch-Site`` must be ``same-origin``.
  3. Neither (a browser from before Fetch Metadata that leaves out Origin): the ``Referer``
     must be a page of ours.
  4. None of these: refused, as the cheat sheet recommends. Every browser since 2020 sends at
     least one; a program that sends none should use the JSON API.

  This matters even without a session: a forged login signs the visitor in to the attacker's
  account (login CSRF), and a forged form spends the visitor's rate limits.
- **Requests with an API token** (``Authorization: Bearer``) and JSON API calls without a
  session carry no ambient credential: no token is needed. A foreign page cannot send JSON
  without a CORS preflight (the boundary refuses other bodies on /api/ with 415).
- Paths given as ``exempt`` (a regular expression matched against the whole path) are POSTed
  to by programs that hold no cookie at all, and carry their own secret in the path instead:
  the one-click unsubscribe link of RFC 8058 (see app.py for why it is safe).

Runs inside the authentication middleware, which puts the session's token in ``scope["auth"]``.
Templates read the token from Litestar's scope state (``csrf_input``, ``csrf_token()``); a page
for a visitor without a session carries none, and so is the same for everyone.
"""

from __future__ import annotations

import hmac
import re
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import Request
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.status_codes import HTTP_403_FORBIDDEN
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from medskapa.settings import Settings
from medskapa.web.boundary import BoundaryRefusal, authority, same_site

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
FIELD = "_csrf_token"
HEADER = "x-csrf-token"


def csrf_cookie_name(settings: Settings) -> str:
    """The cookie that carries a signed-in session's token for clients that read it back
    (accounts/web.py). Only for plain http://127.0.0.1 in development, where a __Host- cookie
    cannot be set, is it unprefixed."""
    return "csrf" if settings.dev_insecure_cookies else "__Host-csrf"


def _not_from_our_pages() -> BoundaryRefusal:
    return BoundaryRefusal(
        HTTP_403_FORBIDDEN,
        "The request came from another site, or the browser did not say where it came from "
        "(Origin, Sec-Fetch-Site or Referer); only this site's own pages may send it.",
        "Förfrågan kom från en annan webbplats, eller så talade webbläsaren inte om varifrån "
        "den kom. Av säkerhetsskäl tar vi bara emot formulär som skickas från medskapas egna "
        "sidor. Öppna sidan här och försök igen.",
    )


def from_our_pages(scope: Scope, public: tuple[str, int] | None) -> bool:
    """Whether the browser says this request comes from a page of ours (steps 1-4 above)."""
    origin = fetch_site = referer = None
    host = b""
    for name, value in scope["headers"]:
        if name == b"origin":
            origin = value
        elif name == b"sec-fetch-site":
            fetch_site = value
        elif name == b"referer":
            referer = value
        elif name == b"host":
            host = value
    host_header = host.decode("latin-1")
    if origin is not None and origin != b"null":
        return same_site(origin.decode("latin-1"), host_header, public)
    if fetch_site is not None:
        return fetch_site == b"same-origin"
    if referer is not None:
        try:
            parts = urlsplit(referer.decode("latin-1"))
        except ValueError:
            return False
        return same_site(f"{parts.scheme}://{parts.netloc}", host_header, public)
    return False


class CsrfMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        public_origin: str,
        exempt: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.public = authority(public_origin)
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        session_token = scope.get("auth")
        signed_in = isinstance(session_token, str)
        if signed_in:
            ScopeState.from_scope(scope).csrf_token = session_token
        if (
            scope["method"] in SAFE_METHODS
            or (not signed_in and scope["path"].startswith("/api/"))
            or (
                self.exempt is not None
                and scope["method"] == "POST"
                and self.exempt.fullmatch(scope["path"]) is not None
            )
        ):
            await self.app(scope, receive, send)
            return
        if not signed_in:
            if not from_our_pages(scope, self.public):
                raise _not_from_our_pages()
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope, receive)
        sent = request.headers.get(HEADER)
        api = scope["path"].startswith("/api/")
        if not sent and not api and request.content_type[0] in FORM_TYPES:
            field = (await request.form()).get(FIELD)
            sent = field if isinstance(field, str) else None
        if not sent or not hmac.compare_digest(sent.encode(), session_token.encode()):
            raise PermissionDeniedException(
                detail="Missing or wrong CSRF token (X-CSRF-Token header or _csrf_token field)."
            )
        await self.app(scope, receive, send)
