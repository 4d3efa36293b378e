"""The pages that go with an e-mailed link: register and confirm the address, forgotten
password and a new one."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.accounts.domain import MailLimited, invalid
from medskapa.accounts.service import AccountService
from medskapa.accounts.web import DEPENDENCIES, MAX_FORM_BYTES, client_of, error_text, limited, page
from medskapa.errors import Invalid, Refused
from medskapa.security.permissions import Permission
from medskapa.web.forms import field


class RegistrationPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/konto/glomt-losenord", permission=Permission.PUBLIC)
    async def forgot_form(self) -> Template:
        return page("forgot")

    @post(
        "/konto/glomt-losenord",
        permission=Permission.PUBLIC,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def forgot(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        try:
            await accounts.request_reset(field(data, "email"), client=client_of(request))
        except MailLimited as exc:
            return limited("forgot", exc, email=field(data, "email")[:254])
        return page("forgot", sent=True)

    @get("/konto/nytt-losenord", permission=Permission.PUBLIC)
    async def reset_form(
        self, token: Annotated[str, QueryParameter(name="token", max_length=100)] = ""
    ) -> Template:
        return page("reset", token=token)

    @post(
        "/konto/nytt-losenord",
        permission=Permission.PUBLIC,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def reset(
        self, accounts: NamedDependency[AccountService], data: URLEncodedBody[dict[str, Any]]
    ) -> Template:
        token = field(data, "token")[:100]
        new = field(data, "new_password")
        try:
            if new != field(data, "new_password_again"):
                raise invalid("new_password_again", "password_mismatch")
            await accounts.reset_password(token, new)
        except (Invalid, Refused) as exc:
            return page("reset", HTTP_422_UNPROCESSABLE_ENTITY, token=token, error=error_text(exc))
        return page("reset_done")

    @get("/konto/registrera", permission=Permission.PUBLIC)
    async def register_form(self) -> Template:
        return page("register", email="")

    @post(
        "/konto/registrera",
        permission=Permission.PUBLIC,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        email = field(data, "email")[:254]
        password = field(data, "password")
        try:
            if password != field(data, "password_again"):
                raise invalid("password_again", "password_mismatch")
            await accounts.register(email, password, client=client_of(request))
        except MailLimited as exc:
            return limited("register", exc, email=email)
        except Invalid as exc:
            return page(
                "register", HTTP_422_UNPROCESSABLE_ENTITY, email=email, error=error_text(exc)
            )
        return page("registered")

    @get("/konto/bekrafta", permission=Permission.PUBLIC)
    async def confirm_form(
        self, token: Annotated[str, QueryParameter(name="token", max_length=100)] = ""
    ) -> Template:
        # A page with a button, not an action on GET: link scanners in mail systems open links.
        return page("confirm", token=token)

    @post(
        "/konto/bekrafta",
        permission=Permission.PUBLIC,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def confirm(
        self, accounts: NamedDependency[AccountService], data: URLEncodedBody[dict[str, Any]]
    ) -> Template:
        try:
            await accounts.confirm_email(field(data, "token")[:100])
        except Refused as exc:
            return page("confirm", HTTP_422_UNPROCESSABLE_ENTITY, error=error_text(exc))
        return page("confirmed")
