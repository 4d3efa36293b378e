"""Which Host headers the app answers, and its public origin.

Litestar's AllowedHostsMiddleware compares the whole Host header, port included, with each
allowed name. So every name is listed as a browser sends it: without the port when it is the
scheme's default, with it otherwise, and (for clients that always send one) with the default
port too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
ANY_HOST = "*"
_NAME = re.compile(r"(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?|\[[0-9a-f:.]+\](:\d{1,5})?")


class HostSettingError(ValueError):
    """A base URL or host name we cannot use; the message says why."""


def split_base_url(base_url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of the public address; the host as in a URL (IPv6 in brackets)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https"):
        raise HostSettingError("it must start with http:// or https://")
    if not parts.hostname or parts.username or parts.password:
        raise HostSettingError("it must name a host (and no user or password)")
    if parts.query or parts.fragment or parts.path.strip("/"):
        raise HostSettingError("it must be the site's address alone, without a path or query")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise HostSettingError("its port is not a number from 1 to 65535") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return parts.scheme, host, port


def public_origin(base_url: str) -> str:
    """The origin browsers send from pages of this site, e.g. ``https://medskapa.example``."""
    scheme, host, port = split_base_url(base_url)
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" if port == default else f"{scheme}://{host}:{port}"


def allowed_hosts(base_url: str, configured: str = "") -> list[str]:
    """Host header values to answer: the base URL's host, the configured names, and for a
    loopback base URL (local development) the other loopback names on the same port.

    ``configured`` is MEDSKAPA_ALLOWED_HOSTS: comma-separated names, each optionally with a
    port; ``*.example.org`` allows its subdomains; ``*`` alone turns the check off."""
    scheme, host, port = split_base_url(base_url)
    default = 443 if scheme == "https" else 80
    names = [name.strip().lower() for name in configured.split(",") if name.strip()]
    if ANY_HOST in names:
        return [ANY_HOST]
    for name in names:
        if not _NAME.fullmatch(name):
            raise HostSettingError(f"{name!r} is not a host name (with an optional :port)")
    bare = host.strip("[]")
    if bare in LOOPBACK:
        names += ["127.0.0.1", "localhost", "[::1]"]
        names += [f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")]
    names.append(host if port == default else f"{host}:{port}")
    allowed: list[str] = []
    for name in names:
        with_port = re.search(r":\d+$", name.removeprefix("[").split("]")[-1]) is not None
        for variant in (name,) if with_port else (name, f"{name}:{default}"):
            if variant not in allowed:
                allowed.append(variant)
    return allowed
