"""The pages of signing in: the password, the second step, enrolling (or moving) the second
factor, and signing out."""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple, TypeVar

import segno
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_401_UNAUTHORIZED,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)
from litestar.utils.scope.state import ScopeState

from medskapa.accounts.domain import LoggedIn, Promoted, SecondFactorLocked
from medskapa.accounts.service import AccountService
from medskapa.accounts.web import (
    DEPENDENCIES,
    MAX_FORM_BYTES,
    cleared_cookie,
    end_session,
    error_text,
    log_in,
    login_cookies,
    page,
    session_cookies,
)
from medskapa.errors import Invalid, Refused
from medskapa.security.permissions import NotPermitted, Permission, principal_of
from medskapa.security.principal import Principal
from medskapa.web.forms import field, see_other
from medskapa.web.return_to import RETURN_PARAM, carried, safe_return, with_return

ResponseT = TypeVar("ResponseT", bound=Response[Any])


def _qr(uri: str) -> str:
    """The enrolment link as a QR code, an SVG data URI (allowed by the img-src policy)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#1a1a1a")


# The page a signed-out person asked for, carried through the login and the second step.
ReturnPath = Annotated[str | None, QueryParameter(name=RETURN_PARAM)]


def _next_step(logged_in: LoggedIn, back_to: str) -> str:
    if logged_in.needs_second_factor_setup:
        return with_return("/konto/tvastegsverifiering", back_to)
    if logged_in.needs_second_factor:
        return with_return("/logga-in/kod", back_to)
    return safe_return(back_to)


def _code_status(exc: Invalid | Refused) -> int:
    return (
        HTTP_429_TOO_MANY_REQUESTS
        if isinstance(exc, SecondFactorLocked)
        else HTTP_422_UNPROCESSABLE_ENTITY
    )


class _Enrolling(NamedTuple):
    """Who enrols the second factor (signed in, or past the password only) and whether the
    account has one already (then the factor moves to a new app)."""

    principal: Principal
    user_id: int
    session_hash: bytes
    enrolled: bool

    @property
    def must_take_second_step(self) -> bool:
        """A session past only the password of an account that has a factor never sees a
        secret: it is sent to the second step."""
        return self.enrolled and not self.principal.second_factor


async def _enrolling(request: Request[Any, Any, Any], accounts: AccountService) -> _Enrolling:
    principal = principal_of(request)
    user_id = principal.user_id or principal.pending_user_id
    assert user_id is not None
    if principal.session_hash is None:
        # Signed in with an API key: the second factor is set up in a browser's session, whose
        # secret it is bound to (a request with a key has none; this was an error, now a 403).
        raise NotPermitted(detail="Two-step login is set up in a browser, not with an API key.")
    enrolled = await accounts.totp_enrolled(user_id)
    return _Enrolling(principal, user_id, principal.session_hash, enrolled)


async def _setup_page(
    accounts: AccountService, enrolling: _Enrolling, status: int = HTTP_200_OK, **extra: Any
) -> Template:
    """The enrolment page with a fresh secret (also after a wrong code)."""
    setup = await accounts.start_totp(
        enrolling.user_id, enrolling.session_hash, enrolling.principal.email
    )
    return page(
        "totp_setup",
        status,
        secret=setup.secret,
        uri=setup.uri,
        qr=_qr(setup.uri),
        changing=enrolling.enrolled,
        **extra,
    )


def _with_session(
    request: Request[Any, Any, Any], response: ResponseT, promoted: Promoted
) -> ResponseT:
    """The answer carries the session's new token and its CSRF token."""
    response.cookies.extend(
        session_cookies(request.app.state.settings, promoted.token, promoted.csrf_token)
    )
    return response


class SignInPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/logga-in", name="login", permission=Permission.PUBLIC)
    async def login_form(self, tillbaka: ReturnPath = None) -> Template:
        return page("login", email="", back_to=carried(tillbaka))

    @post(
        "/logga-in",
        permission=Permission.PUBLIC,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        email = field(data, "email")[:254]
        back_to = field(data, RETURN_PARAM)
        try:
            logged_in = await log_in(request, accounts, email, field(data, "password"))
        except Refused as exc:
            return page(
                "login",
                HTTP_401_UNAUTHORIZED,
                email=email,
                error=error_text(exc),
                back_to=carried(back_to),
            )
        await end_session(request, accounts)
        redirect = see_other(_next_step(logged_in, back_to))
        redirect.cookies.extend(login_cookies(request.app.state.settings, logged_in))
        return redirect

    @get("/logga-in/kod", permission=Permission.SECOND_STEP)
    async def second_factor_form(
        self, request: Request[Any, Any, Any], tillbaka: ReturnPath = None
    ) -> Response[Any]:
        if not principal_of(request).pending:
            return see_other(safe_return(tillbaka))
        return page("second_factor", back_to=carried(tillbaka))

    @post(
        "/logga-in/kod",
        permission=Permission.SECOND_STEP,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def second_factor(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        back_to = field(data, RETURN_PARAM)
        if not principal.pending:
            return see_other(safe_return(back_to))
        assert principal.pending_user_id is not None
        assert principal.session_hash is not None
        if not await accounts.totp_enrolled(principal.pending_user_id):
            return see_other(with_return("/konto/tvastegsverifiering", back_to))
        try:
            promoted = await accounts.verify_second_factor(
                principal.pending_user_id, principal.session_hash, field(data, "code")[:40]
            )
        except (Invalid, Refused) as exc:
            return page(
                "second_factor",
                _code_status(exc),
                error=error_text(exc),
                locked=isinstance(exc, SecondFactorLocked),
                back_to=carried(back_to),
            )
        return _with_session(request, see_other(safe_return(back_to)), promoted)

    @get("/konto/tvastegsverifiering", permission=Permission.SECOND_STEP)
    async def totp_setup(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        tillbaka: ReturnPath = None,
    ) -> Response[Any]:
        """Enrolment, or moving the factor to a new app. A session that has passed only the
        password of an account that has a factor never sees a secret: it is sent to the
        second step."""
        enrolling = await _enrolling(request, accounts)
        if enrolling.must_take_second_step:
            return see_other(with_return("/logga-in/kod", tillbaka))
        return await _setup_page(accounts, enrolling, back_to=carried(tillbaka))

    @post(
        "/konto/tvastegsverifiering",
        permission=Permission.SECOND_STEP,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def totp_confirm(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        enrolling = await _enrolling(request, accounts)
        back_to = carried(field(data, RETURN_PARAM))
        if enrolling.must_take_second_step:
            return see_other(with_return("/logga-in/kod", back_to))
        try:
            promoted = await accounts.confirm_totp(
                enrolling.user_id,
                enrolling.session_hash,
                field(data, "code")[:20],
                current_code=field(data, "current_code")[:40],
                session_passed=enrolling.principal.second_factor,
            )
        except (Invalid, Refused) as exc:
            return await _setup_page(
                accounts,
                enrolling,
                _code_status(exc),
                error=error_text(exc),
                error_field=exc.errors[0].field if isinstance(exc, Invalid) else "code",
                back_to=back_to,
            )
        # The page is shown under the session's new token: its forms carry the new CSRF token.
        ScopeState.from_scope(request.scope).csrf_token = promoted.csrf_token
        shown = page(
            "recovery_codes",
            codes=promoted.recovery_codes,
            moved=enrolling.enrolled,
            back_to=back_to,
        )
        return _with_session(request, shown, promoted)

    @post(
        "/logga-ut",
        permission=Permission.SECOND_STEP,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """Signing out, from the header (to the home page) or from a page one may not open
        (to the login form, which comes back to that page: signing in with another account)."""
        await end_session(request, accounts)
        back_to = carried(field(data, RETURN_PARAM))
        redirect = see_other("/" if back_to is None else with_return("/logga-in", back_to))
        redirect.cookies.append(cleared_cookie(request.app.state.settings))
        return redirect
