"""The auth JSON API: log in and out, and who am I (with what this session or token may do)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_401_UNAUTHORIZED

from medskapa.accounts.service import AccountService
from medskapa.accounts.web import (
    DEPENDENCIES,
    MAX_FORM_BYTES,
    cleared_cookie,
    end_session,
    error_text,
    log_in,
    login_cookies,
)
from medskapa.errors import Refused
from medskapa.security.permissions import Permission, allows, principal_of
from medskapa.security.principal import Principal
from medskapa.web.errors import PROBLEM_JSON, Problem


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
        permission=Permission.PUBLIC,
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
        try:
            logged_in = await log_in(request, accounts, data.email, data.password)
        except Refused as exc:
            # Said as on the login page (in Swedish), and never whether the address has an
            # account.
            return Response(
                Problem(title="Login failed", status=401, detail=error_text(exc)),
                status_code=HTTP_401_UNAUTHORIZED,
                media_type=PROBLEM_JSON,
            )
        return Response(
            LoginOut(
                logged_in.user_id,
                logged_in.csrf_token,
                logged_in.needs_second_factor or logged_in.needs_second_factor_setup,
            ),
            cookies=login_cookies(request.app.state.settings, logged_in),
        )

    @post(
        "/auth/logout",
        permission=Permission.SECOND_STEP,
        status_code=HTTP_200_OK,
        summary="Log out this session",
    )
    async def logout(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Response[Any]:
        await end_session(request, accounts)
        return Response(
            {"status": "logged_out"}, cookies=[cleared_cookie(request.app.state.settings)]
        )

    @get(
        "/me",
        permission=Permission.SIGNED_IN,
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
