"""Log in, second factor, log out, register and confirm: HTML pages and the auth JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec
import segno
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_401_UNAUTHORIZED,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)
from litestar.utils.scope.state import ScopeState

from medskapa.accounts.service import (
    AccountError,
    AccountService,
    LoggedIn,
    MailLimited,
    SecondFactorLocked,
)
from medskapa.accounts.texts import ERRORS, TOKEN_ENDINGS
from medskapa.clock import Clock
from medskapa.security.auth import session_cookie_name
from medskapa.security.csrf import csrf_cookie_name
from medskapa.security.factors import DEVICE_VALID, FactorBox
from medskapa.security.permissions import Permission, allows, principal_of, requires
from medskapa.security.principal import Principal
from medskapa.security.sessions import ABSOLUTE, list_sessions
from medskapa.settings import Settings
from medskapa.web.deps import Conn, clock, receipt_key
from medskapa.web.errors import PROBLEM_JSON, Problem

MAX_FORM_BYTES = 8 * 1024
STOCKHOLM = ZoneInfo("Europe/Stockholm")
SECURE_DEVICE_COOKIE = "__Host-medskapa-device"
DEV_DEVICE_COOKIE = "medskapa_device"


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


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _error(exc: AccountError) -> str:
    """The words for a refusal; a locked second step says until when (Swedish time)."""
    if isinstance(exc, SecondFactorLocked):
        return ERRORS["totp_locked"].format(until=exc.until.astimezone(STOCKHOLM).strftime("%H:%M"))
    return ERRORS[exc.code]


def _qr(uri: str) -> str:
    """The enrolment link as a QR code, an SVG data URI (allowed by the img-src policy)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#1a1a1a")


def device_cookie_name(settings: Settings) -> str:
    return DEV_DEVICE_COOKIE if settings.dev_insecure_cookies else SECURE_DEVICE_COOKIE


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
    (accounts/service.py) this browser has signed in to the account before."""
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


def _next_step(logged_in: LoggedIn) -> str:
    if logged_in.needs_second_factor_setup:
        return "/konto/tvastegsverifiering"
    if logged_in.needs_second_factor:
        return "/logga-in/kod"
    return "/konto"


NEW_ITEM_MAIL = ("immediately", "daily", "never")


def _page(name: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return Template(
        f"accounts/{name}.html",
        context=context,
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _limited(name: str, exc: MailLimited, **context: Any) -> Template:
    template = _page(name, HTTP_429_TOO_MANY_REQUESTS, error=ERRORS[exc.code], **context)
    template.headers["Retry-After"] = str(exc.retry_after)
    return template


class AccountPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/logga-in", name="login", guards=[requires(Permission.PUBLIC)])
    async def login_form(self) -> Template:
        return _page("login", email="")

    @post(
        "/logga-in",
        guards=[requires(Permission.PUBLIC)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        email = _field(data, "email")[:254]
        settings: Settings = request.app.state.settings
        try:
            logged_in = await accounts.login(
                email,
                _field(data, "password"),
                client=_client(request),
                user_agent=request.headers.get("user-agent", ""),
                device=request.cookies.get(device_cookie_name(settings)),
            )
        except AccountError as exc:
            return _page("login", HTTP_401_UNAUTHORIZED, email=email, error=_error(exc))
        principal = principal_of(request)
        signed_in = principal.user_id or principal.pending_user_id
        if principal.session_hash is not None and signed_in is not None:
            await accounts.logout(principal.session_hash, signed_in)
        return Redirect(
            _next_step(logged_in), status_code=303, cookies=login_cookies(settings, logged_in)
        )

    @get("/logga-in/kod", guards=[requires(Permission.SECOND_STEP)])
    async def second_factor_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        if not principal_of(request).pending:
            return Redirect("/konto", status_code=303)
        return _page("second_factor")

    @post(
        "/logga-in/kod",
        guards=[requires(Permission.SECOND_STEP)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def second_factor(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        if not principal.pending:
            return Redirect("/konto", status_code=303)
        assert principal.pending_user_id is not None
        assert principal.session_hash is not None
        if not await accounts.totp_enrolled(principal.pending_user_id):
            return Redirect("/konto/tvastegsverifiering", status_code=303)
        try:
            promoted = await accounts.verify_second_factor(
                principal.pending_user_id, principal.session_hash, _field(data, "code")[:40]
            )
        except AccountError as exc:
            status = (
                HTTP_429_TOO_MANY_REQUESTS
                if isinstance(exc, SecondFactorLocked)
                else HTTP_422_UNPROCESSABLE_ENTITY
            )
            return _page(
                "second_factor",
                status,
                error=_error(exc),
                locked=isinstance(exc, SecondFactorLocked),
            )
        return Redirect(
            "/konto",
            status_code=303,
            cookies=session_cookies(
                request.app.state.settings, promoted.token, promoted.csrf_token
            ),
        )

    @get("/konto/tvastegsverifiering", guards=[requires(Permission.SECOND_STEP)])
    async def totp_setup(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Response[Any]:
        """Enrolment, or moving the factor to a new app. A session that has passed only the
        password of an account that has a factor never sees a secret: it is sent to the
        second step."""
        principal = principal_of(request)
        user_id = principal.user_id or principal.pending_user_id
        assert user_id is not None
        assert principal.session_hash is not None
        enrolled = await accounts.totp_enrolled(user_id)
        if enrolled and not principal.second_factor:
            return Redirect("/logga-in/kod", status_code=303)
        setup = await accounts.start_totp(user_id, principal.session_hash, principal.email)
        return _page(
            "totp_setup", secret=setup.secret, uri=setup.uri, qr=_qr(setup.uri), changing=enrolled
        )

    @post(
        "/konto/tvastegsverifiering",
        guards=[requires(Permission.SECOND_STEP)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def totp_confirm(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        user_id = principal.user_id or principal.pending_user_id
        assert user_id is not None
        assert principal.session_hash is not None
        enrolled = await accounts.totp_enrolled(user_id)
        if enrolled and not principal.second_factor:
            return Redirect("/logga-in/kod", status_code=303)
        try:
            promoted = await accounts.confirm_totp(
                user_id,
                principal.session_hash,
                _field(data, "code")[:20],
                current_code=_field(data, "current_code")[:40],
                session_passed=principal.second_factor,
            )
        except AccountError as exc:
            setup = await accounts.start_totp(user_id, principal.session_hash, principal.email)
            status = (
                HTTP_429_TOO_MANY_REQUESTS
                if isinstance(exc, SecondFactorLocked)
                else HTTP_422_UNPROCESSABLE_ENTITY
            )
            return _page(
                "totp_setup",
                status,
                secret=setup.secret,
                uri=setup.uri,
                qr=_qr(setup.uri),
                changing=enrolled,
                error=_error(exc),
                error_field="current_code" if exc.code == "totp_current_wrong" else "code",
            )
        # The page is shown under the session's new token: its forms carry the new CSRF token.
        ScopeState.from_scope(request.scope).csrf_token = promoted.csrf_token
        page = _page("recovery_codes", codes=promoted.recovery_codes, moved=enrolled)
        page.cookies.extend(
            session_cookies(request.app.state.settings, promoted.token, promoted.csrf_token)
        )
        return page

    @post("/logga-ut", guards=[requires(Permission.SECOND_STEP)])
    async def logout(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Response[Any]:
        principal = principal_of(request)
        user_id = principal.user_id or principal.pending_user_id
        if principal.session_hash is not None and user_id is not None:
            await accounts.logout(principal.session_hash, user_id)
        return Redirect("/", status_code=303, cookies=[cleared_cookie(request.app.state.settings)])

    @get("/konto", guards=[requires(Permission.SIGNED_IN)])
    async def account(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        accounts: NamedDependency[AccountService],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await self._account_page(request, conn, accounts, done=done)

    async def _account_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        accounts: AccountService,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        principal = principal_of(request)
        assert principal.user_id is not None
        own = await list_sessions(conn, principal.user_id)
        return _page(
            "account",
            status,
            principal=principal,
            sessions=[
                {
                    "id": s.token_hash.hex()[:16],
                    "current": s.token_hash == principal.session_hash,
                    "created_at": s.created_at,
                    "last_seen_at": s.last_seen_at,
                    "user_agent": s.user_agent,
                }
                for s in own
            ],
            tokens=await accounts.api_tokens(principal),
            token_endings=TOKEN_ENDINGS,
            enrolled=await accounts.totp_enrolled(principal.user_id),
            new_item_mail=await conn.fetchval(
                "SELECT new_item_mail FROM users WHERE id = $1", principal.user_id
            ),
            **extra,
        )

    @post(
        "/konto/nya-synpunkter",
        guards=[requires(Permission.WORK_IN_GROUP)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def new_item_mail(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        choice = data.get("new_item_mail")
        if choice not in NEW_ITEM_MAIL:
            return await self._account_page(
                request,
                conn,
                accounts,
                HTTP_422_UNPROCESSABLE_ENTITY,
                mail_error="Välj ett av alternativen.",
            )
        await conn.execute(
            "UPDATE users SET new_item_mail = $2 WHERE id = $1", principal.user_id, choice
        )
        return Redirect("/konto?klart=epost", status_code=303)

    @post(
        "/konto/losenord",
        guards=[requires(Permission.SIGNED_IN)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        assert principal.user_id is not None
        assert principal.session_hash is not None
        new = _field(data, "new_password")
        try:
            if new != _field(data, "new_password_again"):
                raise AccountError("password_mismatch")
            await accounts.change_password(
                principal.user_id,
                principal.session_hash,
                _field(data, "current_password"),
                new,
                staff=principal.is_staff,
            )
        except AccountError as exc:
            return await self._account_page(
                request,
                conn,
                accounts,
                HTTP_422_UNPROCESSABLE_ENTITY,
                password_error=ERRORS[exc.code],
            )
        return Redirect("/konto?klart=losenord", status_code=303)

    @post(
        "/konto/sessioner/avsluta",
        guards=[requires(Permission.SIGNED_IN)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def revoke_session(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        assert principal.user_id is not None
        await accounts.revoke_session(principal.user_id, _field(data, "session"))
        return Redirect("/konto?klart=session", status_code=303)

    @post("/konto/sessioner/avsluta-alla", guards=[requires(Permission.SIGNED_IN)])
    async def logout_everywhere(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Response[Any]:
        principal = principal_of(request)
        assert principal.user_id is not None
        await accounts.logout_everywhere(principal.user_id)
        return Redirect("/", status_code=303, cookies=[cleared_cookie(request.app.state.settings)])

    @post(
        "/konto/api-nycklar",
        guards=[requires(Permission.SIGNED_IN)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def create_token(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        token = await accounts.create_api_token(principal_of(request), _field(data, "name"))
        return _page("api_token", token=token)

    @post(
        "/konto/api-nycklar/aterkalla",
        guards=[requires(Permission.SIGNED_IN)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def revoke_token(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        assert principal.user_id is not None
        token_id = _field(data, "token_id")
        if token_id.isdigit():
            await accounts.revoke_api_token(principal.user_id, int(token_id))
        return Redirect("/konto?klart=nyckel", status_code=303)

    @post(
        "/konto/radera",
        guards=[requires(Permission.SIGNED_IN)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def delete_account(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        assert principal.user_id is not None
        try:
            await accounts.delete_account(principal.user_id, _field(data, "password"))
        except AccountError as exc:
            return await self._account_page(
                request,
                conn,
                accounts,
                HTTP_422_UNPROCESSABLE_ENTITY,
                delete_error=ERRORS[exc.code],
            )
        return Template(
            "accounts/deleted.html",
            cookies=[cleared_cookie(request.app.state.settings)],
            headers={"Cache-Control": "no-store"},
        )

    @get("/konto/glomt-losenord", guards=[requires(Permission.PUBLIC)])
    async def forgot_form(self) -> Template:
        return _page("forgot")

    @post(
        "/konto/glomt-losenord",
        guards=[requires(Permission.PUBLIC)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def forgot(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        try:
            await accounts.request_reset(
                _field(data, "email"),
                client=_client(request),
            )
        except MailLimited as exc:
            return _limited("forgot", exc, email=_field(data, "email")[:254])
        return _page("forgot", sent=True)

    @get("/konto/nytt-losenord", guards=[requires(Permission.PUBLIC)])
    async def reset_form(
        self, token: Annotated[str, QueryParameter(name="token", max_length=100)] = ""
    ) -> Template:
        return _page("reset", token=token)

    @post(
        "/konto/nytt-losenord",
        guards=[requires(Permission.PUBLIC)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def reset(
        self, accounts: NamedDependency[AccountService], data: URLEncodedBody[dict[str, Any]]
    ) -> Template:
        token = _field(data, "token")[:100]
        new = _field(data, "new_password")
        try:
            if new != _field(data, "new_password_again"):
                raise AccountError("password_mismatch")
            await accounts.reset_password(token, new)
        except AccountError as exc:
            return _page(
                "reset", HTTP_422_UNPROCESSABLE_ENTITY, token=token, error=ERRORS[exc.code]
            )
        return _page("reset_done")

    @get("/konto/registrera", guards=[requires(Permission.PUBLIC)])
    async def register_form(self) -> Template:
        return _page("register", email="")

    @post(
        "/konto/registrera",
        guards=[requires(Permission.PUBLIC)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        email = _field(data, "email")[:254]
        password = _field(data, "password")
        if password != _field(data, "password_again"):
            return _page(
                "register",
                HTTP_422_UNPROCESSABLE_ENTITY,
                email=email,
                error=ERRORS["password_mismatch"],
            )
        try:
            await accounts.register(
                email,
                password,
                client=_client(request),
            )
        except MailLimited as exc:
            return _limited("register", exc, email=email)
        except AccountError as exc:
            return _page(
                "register", HTTP_422_UNPROCESSABLE_ENTITY, email=email, error=ERRORS[exc.code]
            )
        return _page("registered")

    @get("/konto/bekrafta", guards=[requires(Permission.PUBLIC)])
    async def confirm_form(
        self, token: Annotated[str, QueryParameter(name="token", max_length=100)] = ""
    ) -> Template:
        # A page with a button, not an action on GET: link scanners in mail systems open links.
        return _page("confirm", token=token)

    @post(
        "/konto/bekrafta",
        guards=[requires(Permission.PUBLIC)],
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def confirm(
        self, accounts: NamedDependency[AccountService], data: URLEncodedBody[dict[str, Any]]
    ) -> Template:
        try:
            await accounts.confirm_email(_field(data, "token")[:100])
        except AccountError as exc:
            return _page("confirm", HTTP_422_UNPROCESSABLE_ENTITY, error=ERRORS[exc.code])
        return _page("confirmed")


# ------------------------------------------------------------------ JSON API


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class LoginOut(msgspec.Struct):
    user_id: int
    csrf_token: str
    second_factor_required: bool


class TokenOut(msgspec.Struct):
    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime


class Me(msgspec.Struct):
    user_id: int
    email: str
    role: str
    groups: dict[int, str]
    organisations: dict[int, str]
    second_factor: bool
    via: str
    """``session`` or ``token``."""
    permissions: list[str]
    """What this session or token may do (see README, Security)."""
    token: TokenOut | None = None
    """The API token this request came with, when it came with one."""


class AuthApi(Controller):
    path = "/api/v1"
    tags = ("auth",)
    dependencies = DEPENDENCIES

    @post(
        "/auth/login",
        guards=[requires(Permission.PUBLIC)],
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
        summary="Log in; sets the session cookie and returns the CSRF token for API calls",
        opt={"problems": [401]},
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: JSONBody[LoginIn],
    ) -> Response[Any]:
        settings: Settings = request.app.state.settings
        try:
            logged_in = await accounts.login(
                data.email,
                data.password,
                client=_client(request),
                user_agent=request.headers.get("user-agent", ""),
                device=request.cookies.get(device_cookie_name(settings)),
            )
        except AccountError as exc:
            return Response(
                Problem(title="Login failed", status=401, detail=_error(exc)),
                status_code=HTTP_401_UNAUTHORIZED,
                media_type=PROBLEM_JSON,
            )
        return Response(
            LoginOut(
                logged_in.user_id,
                logged_in.csrf_token,
                logged_in.needs_second_factor or logged_in.needs_second_factor_setup,
            ),
            cookies=login_cookies(settings, logged_in),
        )

    @post(
        "/auth/logout",
        guards=[requires(Permission.SECOND_STEP)],
        status_code=HTTP_200_OK,
        summary="Log out this session",
    )
    async def logout(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Response[Any]:
        principal = principal_of(request)
        user_id = principal.user_id or principal.pending_user_id
        if principal.session_hash is not None and user_id is not None:
            await accounts.logout(principal.session_hash, user_id)
        return Response(
            {"status": "logged_out"}, cookies=[cleared_cookie(request.app.state.settings)]
        )

    @get(
        "/me",
        guards=[requires(Permission.SIGNED_IN)],
        summary="The signed-in user, and what this session or API token may do",
    )
    async def me(self, request: Request[Any, Any, Any]) -> Me:
        principal: Principal = principal_of(request)
        if principal.user_id is None or principal.role is None:
            raise NotAuthorizedException()
        facts = principal.token
        token = (
            TokenOut(facts.id, facts.name, facts.created_at, facts.expires_at) if facts else None
        )
        return Me(
            principal.user_id,
            principal.email,
            principal.role,
            principal.groups,
            principal.organisations,
            principal.second_factor,
            via="token" if principal.via_token else "session",
            permissions=[
                str(p)
                for p in Permission
                if p not in (Permission.PUBLIC, Permission.SECOND_STEP) and allows(principal, p)
            ],
            token=token,
        )
