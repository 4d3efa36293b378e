"""Security headers on every response, static files and error pages included.

The policy is one dict, as in warehouse's csp.py: read it here, change it here. It holds for
every page, the API reference at /schema too (vendored files, web/api_reference.py), with two
exceptions for the widget that guidance websites embed (security/embedding.py):

- the pages under ``/inbaddad/`` may be framed by exactly the origins of
  MEDSKAPA_EMBED_ORIGINS (``frame-ancestors``; no ``X-Frame-Options``, which cannot name them);
- ``/widget.js`` and the widget's API are ``Cross-Origin-Resource-Policy: cross-origin``, so
  that those sites' pages may load them.

A response to a request that carried a credential (the session cookie or an Authorization
header) is marked ``Cache-Control: no-store`` unless it says itself how it may be cached:
what one user sees must not be kept by a shared cache or the browser's back button.

The Referrer-Policy is ``same-origin``: other sites learn nothing of where a visitor came from,
and our own form posts carry their real ``Origin`` in every browser, which is what the CSRF
check of a visitor without a session relies on (security/csrf.py). A response that names its
own policy keeps it: the private pages (web/responses.py) send ``no-referrer``, since their
address or form can carry a token.
"""

from __future__ import annotations

from typing import Any

from litestar.types import Message, Scope

from medskapa.security.auth import carries_credential
from medskapa.security.embedding import EMBED_PAGES, WIDGET_API, WIDGET_SCRIPT, frame_ancestors

CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    # No inline script anywhere: htmx is configured by a <meta> tag, our own script is a file.
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
)


def _policy(directives: dict[str, list[str]]) -> bytes:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items()).encode()


_COMMON: list[tuple[bytes, bytes]] = [
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"content-security-policy", _policy(CONTENT_SECURITY_POLICY)),
]
_REPLACED = {name for name, _ in _COMMON} | {b"server"}
_REFERRER_POLICY = (b"referrer-policy", b"same-origin")
_NO_STORE = (b"cache-control", b"no-store")


def _embeddable(origins: tuple[str, ...]) -> list[tuple[bytes, bytes]]:
    policy = CONTENT_SECURITY_POLICY | {"frame-ancestors": frame_ancestors(origins)}
    replaced = {b"x-frame-options", b"content-security-policy"}
    return [
        *((k, v) for k, v in _COMMON if k not in replaced),
        (b"content-security-policy", _policy(policy)),
    ]


_CROSS_ORIGIN_READABLE = [
    (k, b"cross-origin" if k == b"cross-origin-resource-policy" else v) for k, v in _COMMON
]


def security_headers(embed_origins: tuple[str, ...] = ()) -> Any:
    """The Litestar ``before_send`` hook that runs for every response the app sends;
    ``embed_origins`` may frame the pages under /inbaddad/."""
    embeddable = _embeddable(embed_origins)

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path: str = scope.get("path", "")
        common = _COMMON
        if path.startswith(EMBED_PAGES):
            common = embeddable
        elif path == WIDGET_SCRIPT or path.startswith(WIDGET_API):
            common = _CROSS_ORIGIN_READABLE
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
        headers += common
        if not any(k.lower() == b"referrer-policy" for k, _ in headers):
            headers.append(_REFERRER_POLICY)
        if carries_credential(scope) and not any(k.lower() == b"cache-control" for k, _ in headers):
            headers.append(_NO_STORE)
        message["headers"] = headers

    return add_security_headers


add_security_headers = security_headers()
"""The hook with no site allowed to frame anything."""
