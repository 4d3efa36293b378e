"""What the account pages and the auth API share: the account use cases as a dependency, the
cookies a login sets, and how a page says no. The pages themselves are in signin_web
(log in, second factor, log out), registration_web (register, confirm, forgotten password),
account_web (the account page) and api (the auth JSON API)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_429_TOO_MANY_REQUESTS

from medskapa.accounts.domain import LoggedIn, MailLimited
from medskapa.accounts.service import AccountService
from medskapa.clock import Clock
from medskapa.errors import Invalid, Refused
from medskapa.security.auth import session_cookie_name
from medskapa.security.csrf import csrf_cookie_name
from medskapa.security.factors import DEVICE_VALID, FactorBox, device_cookie_name
from medskapa.security.permissions import principal_of
from medskapa.security.sessions import ABSOLUTE
from medskapa.settings import Settings
from medskapa.web.deps import Conn, clock, receipt_key
from medskapa.web.responses import private_page

MAX_FORM_BYTES = 8 * 1024


async def provide_accounts(
    state: State, conn: Conn, clock: NamedDependency[Clock], receipt_key: NamedDependency[bytes]
) -> AccountService:
    factors = getattr(state, "factor_box", None)
    if factors is None:
        # Derived once per process from MEDSKAPA_SECRET_KEY (never stored in the database).
        factors = state.factor_box = FactorBox(state.settings.secret_key)
    return AccountService(conn, clock, receipt_key, factors)


DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
    "accounts": Provide(provide_accounts),
}


def user_id_of(request: Request[Any, Any, Any]) -> int:
    """The signed-in user's id (a guard has let only signed-in users in)."""
    user_id = principal_of(request).user_id
    assert user_id is not None
    return user_id


def client_of(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def log_in(
    request: Request[Any, Any, Any], accounts: AccountService, email: str, password: str
) -> LoggedIn:
    """Logs in (page or API) with what the request tells: the client, its user agent and the
    device cookie of a browser that has signed in before."""
    return await accounts.login(
        email,
        password,
        client=client_of(request),
        user_agent=request.headers.get("user-agent", ""),
        device=request.cookies.get(device_cookie_name(request.app.state.settings)),
    )


async def end_session(request: Request[Any, Any, Any], accounts: AccountService) -> None:
    """Ends the session the request came with, if any (signed in or past the password only)."""
    principal = principal_of(request)
    user_id = principal.user_id or principal.pending_user_id
    if principal.session_hash is not None and user_id is not None:
        await accounts.logout(principal.session_hash, user_id)


def error_text(exc: Invalid | Refused) -> str:
    """What a page says for a refusal, or for the first field that is not valid (the account
    forms show one error at a time)."""
    if isinstance(exc, Invalid):
        return exc.message(exc.errors[0])
    return exc.message()


def _cookie(settings: Settings, key: str, value: str, max_age: int | None = None) -> Cookie:
    """Every cookie we set: host-only (the __Host- names), Secure outside plain-http
    development, never readable by scripts, not sent on cross-site requests."""
    return Cookie(
        key=key,
        value=value,
        path="/",
        secure=not settings.dev_insecure_cookies,
        httponly=True,
        samesite="lax",
        max_age=max_age,
    )


def session_cookies(settings: Settings, token: str, csrf_token: str) -> list[Cookie]:
    """The session and its CSRF token (what forms and htmx send is rendered from the session;
    the cookie is for clients that read it back)."""
    return [
        session_cookie(settings, token),
        _cookie(settings, csrf_cookie_name(settings), csrf_token),
    ]


def login_cookies(settings: Settings, logged_in: LoggedIn) -> list[Cookie]:
    """The session cookies, and a device cookie that tells the login throttle
    (accounts/signin_service.py) this browser has signed in to the account before."""
    return [
        *session_cookies(settings, logged_in.token, logged_in.csrf_token),
        _cookie(
            settings,
            device_cookie_name(settings),
            logged_in.device,
            int(DEVICE_VALID.total_seconds()),
        ),
    ]


def session_cookie(settings: Settings, token: str) -> Cookie:
    return _cookie(settings, session_cookie_name(settings), token, int(ABSOLUTE.total_seconds()))


def cleared_cookie(settings: Settings) -> Cookie:
    return _cookie(settings, session_cookie_name(settings), "", 0)


def page(name: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return private_page(f"accounts/{name}.html", status, **context)


def limited(name: str, exc: MailLimited, **context: Any) -> Template:
    template = page(name, HTTP_429_TOO_MANY_REQUESTS, error=exc.message(), **context)
    template.headers["Retry-After"] = str(exc.retry_after)
    return template
