"""Who is asking: resolves the session cookie or API token to a Principal on every request.

Requests without either never touch the database, so anonymous reading and submitting stay
cheap. The session's CSRF token goes on in ``scope["auth"]`` for the CSRF check
(security/csrf.py), which runs next.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from medskapa.clock import utc_now
from medskapa.db.pool import acquire
from medskapa.security.principal import ANONYMOUS
from medskapa.security.sessions import load_api_token, load_session
from medskapa.settings import Settings

SECURE_SESSION_COOKIE = "__Host-medskapa"
# Only for plain http://127.0.0.1 in development, where a __Host- cookie cannot be set.
DEV_SESSION_COOKIE = "medskapa_session"


def session_cookie_name(settings: Settings) -> str:
    return DEV_SESSION_COOKIE if settings.dev_insecure_cookies else SECURE_SESSION_COOKIE


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        settings: Settings = connection.app.state.settings
        authorization = connection.headers.get("authorization", "")
        cookie = connection.cookies.get(session_cookie_name(settings))
        if not authorization.startswith("Bearer ") and not cookie:
            return AuthenticationResult(user=ANONYMOUS, auth=None)
        now = utc_now()
        async with acquire(connection.app.state.pool, settings.db_acquire_timeout) as conn:
            if authorization.startswith("Bearer "):
                principal = await load_api_token(conn, authorization[7:].strip(), now)
                return AuthenticationResult(user=principal or ANONYMOUS, auth=None)
            loaded = await load_session(conn, cookie, now) if cookie else None
        if loaded is None:
            return AuthenticationResult(user=ANONYMOUS, auth=None)
        principal, csrf_token = loaded
        return AuthenticationResult(user=principal, auth=csrf_token)
