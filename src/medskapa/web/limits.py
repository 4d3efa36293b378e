"""A request body must keep arriving: a client that trickles it (or stops halfway) gets 408.

Without this a slow client holds a worker's connection, and a database connection once the
handler has one, for as long as it likes. Each chunk of the body must arrive within
``body_timeout`` seconds of the previous one. (Headers that trickle in are the HTTP server's
and a reverse proxy's business: uvicorn itself has no header timeout, see the README.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_408_REQUEST_TIMEOUT
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class BodyTimeout(HTTPException):
    status_code = HTTP_408_REQUEST_TIMEOUT


def body_timeout(seconds: float) -> Callable[[ASGIApp], ASGIApp]:
    """Middleware for Litestar's ``middleware=[...]``."""

    def middleware_factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            body_complete = False

            async def timed_receive() -> Message:
                nonlocal body_complete
                if body_complete:
                    # Later calls wait for a disconnect (a streamed response): no limit.
                    return await receive()
                # A timeout scope, not asyncio.wait_for: that makes a task for every call.
                try:
                    async with asyncio.timeout(seconds):
                        message = await receive()
                except TimeoutError:
                    raise BodyTimeout(
                        detail="The request body did not arrive in time.",
                        headers={"Connection": "close"},
                    ) from None
                if message["type"] != "http.request" or not message.get("more_body", False):
                    body_complete = True
                return message

            await app(scope, timed_receive, send)

        return middleware

    return middleware_factory
