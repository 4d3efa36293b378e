"""Embedding medskapa in the guidance websites: which sites may, and what that opens.

The widget (``/widget.js``, one script tag on a guidance page) reads a document's sections
from ``/api/v1/widget/...`` and opens medskapa's own form pages under ``/inbaddad/`` in an
iframe. ``MEDSKAPA_EMBED_ORIGINS`` lists the sites (exact origins: scheme, host and port) that
may do that; it opens exactly two things, and only to them:

- ``frame-ancestors`` of the pages under ``/inbaddad/`` (security/headers.py); every other page
  keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``.
- CORS on ``/api/v1/widget/`` (``EmbedCors`` below): a listed origin's preflight is answered, any
  other's refused with 403; responses name the origin only when it is listed. The widget sends
  ``X-Medskapa-Widget``, so every browser asks first: a site that is not listed never reads.

The pages under ``/inbaddad/`` depend on no cookie: a browser that blocks third-party cookies
(every modern one, by default or soon) sends none to a framed page.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

EMBED_PAGES = "/inbaddad/"
"""Pages another site may frame (when it is listed)."""
WIDGET_API = "/api/v1/widget/"
"""What the widget reads across origins (CORS)."""
WIDGET_SCRIPT = "/widget.js"
PREFLIGHT_MAX_AGE = "600"
WIDGET_HEADER = "x-medskapa-widget"
"""The one request header a listed site may send: the widget sends it with every read, so
that the browser asks first (a preflight) and a site not listed is refused before the read."""


def frame_ancestors(origins: tuple[str, ...]) -> list[str]:
    return list(origins) or ["'none'"]


class EmbedCors:
    """CORS for the widget's API, and nothing else: a preflight (OPTIONS with
    Access-Control-Request-Method) is answered here, before routing; a listed origin may GET,
    with no credentials and no request header but ``X-Medskapa-Widget`` beyond the
    CORS-safelisted ones."""

    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...]) -> None:
        self.app = app
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(WIDGET_API):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin-1")
        allowed = origin in self.origins
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            method = headers[b"access-control-request-method"].decode("latin-1")
            asked = headers.get(b"access-control-request-headers", b"").decode("latin-1")
            names = {name.strip().lower() for name in asked.split(",")} - {""}
            if allowed and method in ("GET", "HEAD") and names <= {WIDGET_HEADER}:
                await _answer(send, 204, origin)
            else:
                await _answer(send, 403, None)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableScopeHeaders.from_message(message)
                out.add("vary", "Origin")
                if allowed:
                    out["access-control-allow-origin"] = origin
            await send(message)

        await self.app(scope, receive, with_cors)


async def _answer(send: Send, status: int, origin: str | None) -> None:
    headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
    if origin is not None:
        headers += [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-methods", b"GET, HEAD"),
            (b"access-control-allow-headers", WIDGET_HEADER.encode()),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
        ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
