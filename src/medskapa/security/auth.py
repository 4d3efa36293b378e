"""Who is asking: resolves the session cookie or API token to a Principal on every request.

Requests without either never touch the database, so anonymous reading and submitting stay
cheap. The session's CSRF token goes on in ``scope["auth"]`` for the CSRF check
(security/csrf.py), which runs next.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Scope

from medskapa.clock import utc_now
from medskapa.db.pool import UNAVAILABLE_ERRORS
from medskapa.security.principal import ANONYMOUS
from medskapa.security.sessions import load_api_token, load_session
from medskapa.settings import Settings
from medskapa.web.connection import held_connection

SECURE_SESSION_COOKIE = "__Host-medskapa"
# Only for plain http://127.0.0.1 in development, where a __Host- cookie cannot be set.
DEV_SESSION_COOKIE = "medskapa_session"


_SESSION_COOKIE = re.compile(
    rb"(?:^|;)\s*(?:%b|%b)="
    % (re.escape(SECURE_SESSION_COOKIE.encode()), re.escape(DEV_SESSION_COOKIE.encode()))
)


def carries_credential(scope: Scope) -> bool:
    """Whether the request carries a session cookie or an Authorization header."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization" or (name == b"cookie" and _SESSION_COOKIE.search(value)):
            return True
    return False


def session_cookie_name(settings: Settings) -> str:
    return DEV_SESSION_COOKIE if settings.dev_insecure_cookies else SECURE_SESSION_COOKIE


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        # Most requests carry neither (a reader, a submission): answered from the raw headers,
        # before any header or cookie is parsed.
        if not carries_credential(connection.scope):
            return AuthenticationResult(user=ANONYMOUS, auth=None)
        settings: Settings = connection.app.state.settings
        authorization = connection.headers.get("authorization", "")
        cookie = connection.cookies.get(session_cookie_name(settings))
        if not authorization.startswith("Bearer ") and not cookie:
            return AuthenticationResult(user=ANONYMOUS, auth=None)
        now = utc_now()
        # The request's own connection (web/connection.py): the handler uses the same one, so
        # a signed-in request checks out one connection, not two.
        held = held_connection(connection.scope)
        conn = await held.get()
        try:
            if authorization.startswith("Bearer "):
                principal = await load_api_token(conn, authorization[7:].strip(), now)
                return AuthenticationResult(user=principal or ANONYMOUS, auth=None)
            loaded = await load_session(conn, cookie, now) if cookie else None
        except UNAVAILABLE_ERRORS:
            held.database_failed = True
            raise
        if loaded is None:
            return AuthenticationResult(user=ANONYMOUS, auth=None)
        principal, csrf_token = loaded
        return AuthenticationResult(user=principal, auth=csrf_token)
