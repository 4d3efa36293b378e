"""The request boundary: what any request must be before authentication, CSRF and the route
handlers see it. One middleware, right after the request log and the host check (app.py), with
one pass over the headers and no work on the body:

- **431** for a header over 8 KiB, or over 32 KiB of headers in all. A reverse proxy should
  refuse these first; this holds when there is none (uvicorn with httptools takes a 1 MB
  header).
- **400** for a control character in the path, or in the query other than tab and line breaks
  (a text area in a GET form sends those). A NUL reaches the file system or PostgreSQL and
  ended as a 500.
- **404** for a path with a segment longer than 255 bytes (no route or file has such a name;
  the file system refuses it, which ended as a 500 under /static/), **414** for a path over
  4 KiB.
- **403** for an unsafe request (POST, PUT, PATCH, DELETE) from another site: its Origin is
  neither this request's host nor the public origin of MEDSKAPA_BASE_URL, or its
  ``Sec-Fetch-Site`` is ``cross-site`` or ``same-site`` (another subdomain). Browsers send these
  on every cross-site POST and a foreign page cannot forge them; clients that send neither
  (curl, API scripts with a token) are not browsers carrying someone's cookies. ``Origin: null``
  says nothing: our own forms send it, since the pages' Referrer-Policy is ``no-referrer``, and
  so does a sandboxed frame, whose Sec-Fetch-Site then gives it away. This is on top of the
  CSRF token, and what stops a login CSRF, which has no session yet to bind a token to.
- **415** for a body on a JSON API route (``/api/``) that is not ``application/json`` or
  ``application/*+json``: a foreign page can send ``text/plain`` without a preflight.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from litestar.exceptions import HTTPException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_414_REQUEST_URI_TOO_LONG,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE,
)
from litestar.types import ASGIApp, Receive, Scope, Send

from medskapa.i18n import N_

MAX_PATH_BYTES = 4 * 1024
MAX_SEGMENT_BYTES = 255
MAX_HEADER_BYTES = 8 * 1024
MAX_HEADERS_BYTES = 32 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FOREIGN_FETCH_SITES = frozenset({b"cross-site", b"same-site"})

_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In the raw query: a control character other than tab, LF and CR, raw or percent-encoded.
_QUERY_CONTROL = re.compile(
    rb"%(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
_JSON = re.compile(r"application/(?:[\w.+-]+\+)?json", re.ASCII)


class BoundaryRefusal(HTTPException):
    """A request refused at the boundary. ``detail`` (English) goes into problem details;
    ``swedish`` is what a page says (its Swedish text, translated on the page)."""

    def __init__(self, status_code: int, detail: str, swedish: str) -> None:
        super().__init__(status_code=status_code, detail=detail)
        self.swedish = swedish


def _headers_too_large() -> BoundaryRefusal:
    return BoundaryRefusal(
        HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE,
        f"A request header is larger than {MAX_HEADER_BYTES // 1024} KiB, or all of them "
        f"together larger than {MAX_HEADERS_BYTES // 1024} KiB.",
        N_(
            "Förfrågan har för stora huvuden, oftast för att webbläsaren sparat för många "
            "eller för stora kakor (cookies). Ta bort kakorna för den här webbplatsen och "
            "försök igen."
        ),
    )


def _path_too_long(whole: bool) -> BoundaryRefusal:
    if whole:
        return BoundaryRefusal(
            HTTP_414_REQUEST_URI_TOO_LONG,
            "The path is longer than 4 KiB.",
            N_("Adressen är för lång. Kontrollera länken."),
        )
    return BoundaryRefusal(
        HTTP_404_NOT_FOUND,
        "No route or file has a name that long.",
        N_("Vi hittar inte det du letar efter. Adressen kan vara fel."),
    )


def _control_character() -> BoundaryRefusal:
    return BoundaryRefusal(
        HTTP_400_BAD_REQUEST,
        "The path or query contains a control character.",
        N_(
            "Adressen innehåller tecken som inte hör hemma i en webbadress. Kontrollera "
            "länken, eller skriv in adressen på nytt."
        ),
    )


def _foreign_origin() -> BoundaryRefusal:
    return BoundaryRefusal(
        HTTP_403_FORBIDDEN,
        "The request came from another site (Origin or Sec-Fetch-Site); only this site's own "
        "pages may send it.",
        N_(
            "Förfrågan kom från en annan webbplats. Av säkerhetsskäl tar vi bara emot formulär "
            "som skickas från medskapas egna sidor. Öppna sidan här och försök igen."
        ),
    )


# API routes that take a file as the body. Only types a foreign page cannot send without a
# CORS preflight (never text/plain, form or multipart), so the 415 rule's reason still holds.
RAW_UPLOADS: dict[str, frozenset[str]] = {
    "/api/v1/documents/import": frozenset({"text/markdown", "text/html"}),
}


def _not_json() -> BoundaryRefusal:
    return BoundaryRefusal(
        HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        "Send the request body as application/json.",
        N_("Innehållet måste skickas som JSON."),
    )


def _authority(origin: str) -> tuple[str, int] | None:
    """(host, port) of a serialised origin such as ``https://example.org:8443``."""
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme not in ("http", "https") or not rest or "/" in rest:
        return None
    host, port = _split_host(rest)
    if port is None:
        port = 443 if scheme == "https" else 80
    return host, port


def _split_host(value: str) -> tuple[str, int | None]:
    host, sep, port = value.rpartition(":")
    if not sep or host.endswith(":") or (host.startswith("[") and not host.endswith("]")):
        return value.lower(), None
    return host.lower(), int(port) if port.isdigit() else -1


def _same_site(origin: str, host_header: str, public: tuple[str, int] | None) -> bool:
    authority = _authority(origin)
    if authority is None:
        return False
    if authority == public:
        return True
    host, port = _split_host(host_header)
    # A Host without a port means the scheme's default one.
    ports = (port,) if port is not None else (80, 443)
    return authority[0] == host and authority[1] in ports


def request_boundary(public_origin: str) -> Callable[[ASGIApp], ASGIApp]:
    """Middleware for Litestar's ``middleware=[...]``; ``public_origin`` is the origin of
    MEDSKAPA_BASE_URL (web/hosts.py)."""
    public = _authority(public_origin)

    def middleware_factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            total = 0
            origin = host = fetch_site = content_type = None
            has_body = False
            for name, value in scope["headers"]:
                size = len(name) + len(value)
                total += size
                if size > MAX_HEADER_BYTES or total > MAX_HEADERS_BYTES:
                    raise _headers_too_large()
                if name == b"origin":
                    origin = value
                elif name == b"host":
                    host = value
                elif name == b"sec-fetch-site":
                    fetch_site = value
                elif name == b"content-type":
                    content_type = value
                elif name == b"content-length":
                    has_body = value not in (b"0", b"")
                elif name == b"transfer-encoding":
                    has_body = True
            path = scope["path"]
            if _PATH_CONTROL.search(path) or _QUERY_CONTROL.search(scope["query_string"]):
                raise _control_character()
            raw_path = scope.get("raw_path") or path.encode()
            if len(raw_path) > MAX_PATH_BYTES:
                raise _path_too_long(whole=True)
            if len(path) > MAX_SEGMENT_BYTES and any(
                len(segment.encode()) > MAX_SEGMENT_BYTES for segment in path.split("/")
            ):
                raise _path_too_long(whole=False)
            if scope["method"] not in SAFE_METHODS:
                if fetch_site in FOREIGN_FETCH_SITES or (
                    origin not in (None, b"null")
                    and not _same_site(
                        origin.decode("latin-1"), (host or b"").decode("latin-1"), public
                    )
                ):
                    raise _foreign_origin()
                if has_body and scope["path"].startswith("/api/"):
                    media = (content_type or b"").decode("latin-1").split(";")[0].strip()
                    if not _JSON.fullmatch(media.lower()) and media.lower() not in (
                        RAW_UPLOADS.get(scope["path"], ())
                    ):
                        raise _not_json()
            await app(scope, receive, send)

        return middleware

    return middleware_factory
