"""Security headers on every response, static files and error pages included.

The policy is one dict, as in warehouse's csp.py: read it here, change it here.
"""

from __future__ import annotations

from litestar.types import Message, Scope

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

# The interactive API reference (Scalar, rendered by Litestar) loads its script from a CDN and
# starts it inline. It shows no user data; everything else keeps the strict policy.
API_REFERENCE_POLICY: dict[str, list[str]] = {
    **CONTENT_SECURITY_POLICY,
    "script-src": ["'self'", "'unsafe-inline'", "https://cdn.jsdelivr.net"],
    "style-src": [
        "'self'",
        "'unsafe-inline'",
        "https://cdn.jsdelivr.net",
        "https://fonts.googleapis.com",
    ],
    "font-src": ["'self'", "https://fonts.gstatic.com", "https://cdn.jsdelivr.net"],
    "img-src": ["'self'", "data:", "https://cdn.jsdelivr.net"],
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
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_STRICT = (b"content-security-policy", _policy(CONTENT_SECURITY_POLICY))
_API_REFERENCE = (b"content-security-policy", _policy(API_REFERENCE_POLICY))
_REPLACED = {name for name, _ in _COMMON} | {b"content-security-policy", b"server"}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: runs for every response the app sends."""
    if message["type"] != "http.response.start":
        return
    path = scope.get("path", "")
    api_reference = path.startswith("/schema") and not path.endswith(".json")
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
    headers += _COMMON
    headers.append(_API_REFERENCE if api_reference else _STRICT)
    message["headers"] = headers
