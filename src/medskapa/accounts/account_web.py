"""The account page: sessions and API tokens, the new-item mail, a new password, signing out
everywhere and deleting the account."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.accounts.domain import invalid
from medskapa.accounts.service import AccountService
from medskapa.accounts.texts import TOKEN_ENDINGS
from medskapa.accounts.web import (
    DEPENDENCIES,
    MAX_FORM_BYTES,
    cleared_cookie,
    error_text,
    page,
    user_id_of,
)
from medskapa.errors import Invalid
from medskapa.ids import parse_id
from medskapa.security.permissions import (
    Permission,
    has_staff_permission,
    principal_of,
)
from medskapa.web.forms import field, see_other


async def _account_page(
    request: Request[Any, Any, Any],
    accounts: AccountService,
    status: int = HTTP_200_OK,
    **extra: Any,
) -> Template:
    principal = principal_of(request)
    assert principal.user_id is not None
    return page(
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
            for s in await accounts.own_sessions(principal.user_id)
        ],
        tokens=await accounts.api_tokens(principal),
        token_endings=TOKEN_ENDINGS,
        enrolled=await accounts.totp_enrolled(principal.user_id),
        new_item_mail=await accounts.new_item_mail(principal.user_id),
        staff_tools=has_staff_permission(principal),
        **extra,
    )


class AccountPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/konto", permission=Permission.SIGNED_IN)
    async def account(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        return await _account_page(request, accounts, done=done)

    @get("/konto/mina-data", permission=Permission.SIGNED_IN)
    async def data_download(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Response[bytes]:
        """Everything stored about the account, as a JSON file (GDPR art. 15 and 20)."""
        name, body = await accounts.data_download(user_id_of(request))
        return Response(
            body,
            media_type=MediaType.JSON,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

    @post(
        "/konto/nya-synpunkter",
        permission=Permission.WORK_IN_GROUP,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def new_item_mail(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        try:
            await accounts.set_new_item_mail(user_id_of(request), field(data, "new_item_mail"))
        except Invalid as exc:
            return await _account_page(
                request, accounts, HTTP_422_UNPROCESSABLE_ENTITY, mail_error=error_text(exc)
            )
        return see_other("/konto?klart=epost")

    @post(
        "/konto/losenord",
        permission=Permission.SIGNED_IN,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        principal = principal_of(request)
        assert principal.user_id is not None
        assert principal.session_hash is not None
        new = field(data, "new_password")
        try:
            if new != field(data, "new_password_again"):
                raise invalid("new_password_again", "password_mismatch")
            await accounts.change_password(
                principal.user_id,
                principal.session_hash,
                field(data, "current_password"),
                new,
                staff=principal.is_staff,
            )
        except Invalid as exc:
            return await _account_page(
                request, accounts, HTTP_422_UNPROCESSABLE_ENTITY, password_error=error_text(exc)
            )
        return see_other("/konto?klart=losenord")

    @post(
        "/konto/sessioner/avsluta",
        permission=Permission.SIGNED_IN,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def revoke_session(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        await accounts.revoke_session(user_id_of(request), field(data, "session"))
        return see_other("/konto?klart=session")

    @post("/konto/sessioner/avsluta-alla", permission=Permission.SIGNED_IN)
    async def logout_everywhere(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Response[Any]:
        await accounts.logout_everywhere(user_id_of(request))
        redirect = see_other("/")
        redirect.cookies.append(cleared_cookie(request.app.state.settings))
        return redirect

    @post(
        "/konto/api-nycklar",
        permission=Permission.SIGNED_IN,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def create_token(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        token = await accounts.create_api_token(principal_of(request), field(data, "name"))
        return page("api_token", token=token)

    @post(
        "/konto/api-nycklar/aterkalla",
        permission=Permission.SIGNED_IN,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def revoke_token(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        token_id = parse_id(field(data, "token_id"))
        if token_id is not None:
            await accounts.revoke_api_token(user_id_of(request), token_id)
        return see_other("/konto?klart=nyckel")

    @post(
        "/konto/radera",
        permission=Permission.SIGNED_IN,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def delete_account(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        try:
            await accounts.delete_account(user_id_of(request), field(data, "password"))
        except Invalid as exc:
            return await _account_page(
                request, accounts, HTTP_422_UNPROCESSABLE_ENTITY, delete_error=error_text(exc)
            )
        deleted = page("deleted")
        deleted.cookies.append(cleared_cookie(request.app.state.settings))
        return deleted
