"""Pages for following a document by e-mail: the form, the confirm link, the unsubscribe link.

Links in mail never act on GET (mail scanners open them): GET shows a page with a button, and
the button POSTs. The unsubscribe URL also takes the RFC 8058 one-click POST from a mail
program, which holds no cookie and so no CSRF token: app.py exempts that one path.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, PathParameter
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_404_NOT_FOUND,
    HTTP_410_GONE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from medskapa.catalogue.following import (
    FollowingService,
    FollowLimited,
    LinkView,
    TokenProblem,
)
from medskapa.catalogue.following_texts import LIMITED
from medskapa.clock import Clock
from medskapa.errors import Invalid
from medskapa.i18n import gettext, ngettext
from medskapa.security.permissions import Permission, requires
from medskapa.web.deps import Conn, clock, receipt_key
from medskapa.web.forms import field
from medskapa.web.responses import private_page

MAX_FORM_BYTES = 4096

Token = Annotated[str, PathParameter(max_length=100)]


async def provide_following(
    conn: Conn, clock: NamedDependency[Clock], receipt_key: NamedDependency[bytes]
) -> FollowingService:
    return FollowingService(conn, clock, receipt_key)


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("en minut", "{n} minuter", minutes).format(n=minutes)


def _page(name: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    # The pages name a token in their URL and form: keep them out of every cache.
    return private_page(f"catalogue/{name}.html", status, **context)


def _token_page(exc: TokenProblem, purpose: Literal["confirm", "unsubscribe"]) -> Template:
    status = HTTP_404_NOT_FOUND if exc.code == "unknown" else HTTP_410_GONE
    return _page(
        "follow_link", status, purpose=purpose, problem=exc.code, document=exc.document, view=None
    )


class FollowingPages(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)
    dependencies = {  # noqa: RUF012
        "receipt_key": Provide(receipt_key),
        "clock": Provide(clock, sync_to_thread=False),
        "following": Provide(provide_following),
    }

    @get("/kunskapsstod/{slug:str}/bevaka", name="follow-document")
    async def form(
        self, following: NamedDependency[FollowingService], slug: FromPath[str]
    ) -> Template:
        document = await following.document(slug)
        return _page("follow", document=document, email="", error=None, sent=False)

    @post(
        "/kunskapsstod/{slug:str}/bevaka",
        name="follow-document-request",
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def follow(
        self,
        request: Request[Any, Any, Any],
        following: NamedDependency[FollowingService],
        slug: FromPath[str],
    ) -> Template:
        document = await following.document(slug)
        form = await request.form()
        email = field(dict(form), "email")[:300]
        try:
            await following.follow(slug, email, client=_client(request))
        except Invalid as exc:
            return _page(
                "follow",
                HTTP_422_UNPROCESSABLE_ENTITY,
                document=document,
                email=email,
                error=exc.by_field()["email"],
                sent=False,
            )
        except FollowLimited as exc:
            page = _page(
                "follow",
                HTTP_429_TOO_MANY_REQUESTS,
                document=document,
                email=email,
                error=gettext(LIMITED).format(minutes=_minutes(exc.retry_after)),
                sent=False,
            )
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        # The same answer whether the address was new, waiting or already following.
        return _page("follow", document=document, email="", error=None, sent=True)

    @get("/bevaka/bekrafta/{token:str}", name="follow-confirm")
    async def confirm_page(
        self, following: NamedDependency[FollowingService], token: Token
    ) -> Template:
        return await self._link("confirm", token, following.look(token, "confirm"), done=False)

    @post("/bevaka/bekrafta/{token:str}", request_max_body_size=MAX_FORM_BYTES)
    async def confirm(self, following: NamedDependency[FollowingService], token: Token) -> Template:
        return await self._link("confirm", token, following.confirm(token), done=True)

    @get("/bevaka/avsluta/{token:str}", name="follow-unsubscribe")
    async def unsubscribe_page(
        self, following: NamedDependency[FollowingService], token: Token
    ) -> Template:
        return await self._link(
            "unsubscribe", token, following.look(token, "unsubscribe"), done=False
        )

    @post("/bevaka/avsluta/{token:str}", request_max_body_size=MAX_FORM_BYTES)
    async def unsubscribe(
        self,
        request: Request[Any, Any, Any],
        following: NamedDependency[FollowingService],
        token: Token,
    ) -> Template:
        # The button on the page and a mail program's one-click POST (RFC 8058: the body
        # "List-Unsubscribe=One-Click") both end here; the audit trail tells them apart.
        form = await request.form()
        one_click = field(dict(form), "List-Unsubscribe") == "One-Click"
        return await self._link(
            "unsubscribe", token, following.unsubscribe(token, one_click=one_click), done=True
        )

    async def _link(
        self,
        purpose: Literal["confirm", "unsubscribe"],
        token: str,
        link: Awaitable[LinkView],
        *,
        done: bool,
    ) -> Template:
        """The link's page (with its button, or what it did), or why the link does not work."""
        try:
            view = await link
        except TokenProblem as exc:
            return _token_page(exc, purpose)
        return _page(
            "follow_link",
            purpose=purpose,
            problem=None,
            document=view.document,
            view=view,
            token=token,
            done=done,
        )
