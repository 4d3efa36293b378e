"""Cross-site request forgery: one check for pages and the JSON API.

- A signed-in browser (session cookie) must send its session's own token with every unsafe
  request: in the ``_csrf_token`` form field or the ``X-CSRF-Token`` header (htmx, API). The
  token is made with the session and is bound to it: a token from another session, or one
  planted before login, is refused.
- A visitor without a session (a patient submitting feedback) gets a double-submit cookie;
  the form must send the same value.
- Requests with an API token (``Authorization: Bearer``) and JSON API calls without a session
  carry no ambient credential a foreign site could use: no token is needed there.
- Paths given as ``exempt`` (a regular expression matched against the whole path) are POSTed
  to by programs that hold no cookie at all, and carry their own secret in the path instead:
  the one-click unsubscribe link of RFC 8058 (see app.py for why it is safe).

Runs inside the authentication middleware, which puts the session's token in ``scope["auth"]``.
Templates read the token from Litestar's scope state (``csrf_input``, ``csrf_token()``).
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from litestar.connection import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from medskapa.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
FIELD = "_csrf_token"
HEADER = "x-csrf-token"
_URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def csrf_cookie_name(settings: Settings) -> str:
    # Only for plain http://127.0.0.1 in development, where a __Host- cookie cannot be set.
    return "csrf" if settings.dev_insecure_cookies else "__Host-csrf"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _usable(value: str | None) -> bool:
    """A cookie value we could have made (ours, or a former session's token, which the browser
    keeps after logout). Its value need not be secret from the visitor: a foreign site can
    neither read it nor set it (__Host- prefix, SameSite), and a signed-in browser is checked
    against its session instead."""
    return value is not None and 40 <= len(value) <= 128 and _URLSAFE.issuperset(value)


class CsrfMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        cookie_name: str,
        secure: bool,
        exempt: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.cookie_name = cookie_name
        self.secure = secure
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        session_token = scope.get("auth")
        api = scope["path"].startswith("/api/")
        if api and not isinstance(session_token, str):
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope, receive)
        cookie = request.cookies.get(self.cookie_name)
        if isinstance(session_token, str):
            expected: str | None = session_token
        else:
            expected = cookie if _usable(cookie) else None
        state = ScopeState.from_scope(scope)
        exempt = (
            self.exempt is not None
            and scope["method"] == "POST"
            and self.exempt.fullmatch(scope["path"]) is not None
        )
        if scope["method"] in SAFE_METHODS or exempt:
            if expected is None:
                expected = new_token()
                send = self._setting_cookie(send, expected)
            state.csrf_token = expected
            await self.app(scope, receive, send)
            return
        sent = request.headers.get(HEADER)
        if not sent and not api and request.content_type[0] in FORM_TYPES:
            field = (await request.form()).get(FIELD)
            sent = field if isinstance(field, str) else None
        if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise PermissionDeniedException(
                detail="Missing or wrong CSRF token (X-CSRF-Token header or _csrf_token field)."
            )
        state.csrf_token = expected
        await self.app(scope, receive, send)

    def _setting_cookie(self, send: Send, token: str) -> Send:
        header = Cookie(
            key=self.cookie_name,
            value=token,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        ).to_header(header="")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).add("set-cookie", header)
            await send(message)

        return wrapped
