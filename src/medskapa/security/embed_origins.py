"""Which sites may embed medskapa: ``MEDSKAPA_EMBED_ORIGINS`` read and checked (security/
embedding.py says what a listed site may do). Apart from the middleware, so that reading the
settings (every command of the CLI does) does not import the web framework with it (~0.6 s of
CPU for each command before)."""

from __future__ import annotations

from urllib.parse import urlsplit

from medskapa.web.hosts import LOOPBACK

__all__ = ["EmbedOriginError", "parse_origins"]


class EmbedOriginError(ValueError):
    """An origin we cannot use; the message says why."""


def parse_origins(value: str) -> tuple[str, ...]:
    """The comma-separated origins of MEDSKAPA_EMBED_ORIGINS, each as a browser sends it in its
    Origin header (lower case, no default port). Refused: wildcards, paths, queries, user names,
    anything but http(s), and http:// except on the loopback host (development)."""
    origins: list[str] = []
    for raw in (part.strip() for part in value.split(",")):
        if not raw:
            continue
        if "*" in raw:
            raise EmbedOriginError(f"{raw!r}: wildcards are not allowed; list each site")
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EmbedOriginError(
                f"{raw!r} is not an origin; write it as https://host or https://host:port"
            )
        if parts.path or parts.query or parts.fragment or raw.endswith(("?", "#")):
            raise EmbedOriginError(f"{raw!r}: an origin has no path, query or fragment")
        if parts.username is not None or parts.password is not None:
            raise EmbedOriginError(f"{raw!r}: an origin has no user name or password")
        try:
            port = parts.port
        except ValueError:
            raise EmbedOriginError(f"{raw!r}: the port is not a number from 1 to 65535") from None
        host = parts.hostname
        if parts.scheme == "http" and host not in LOOPBACK:
            raise EmbedOriginError(f"{raw!r}: only https:// (http:// only for 127.0.0.1)")
        shown = f"[{host}]" if ":" in host else host
        default = 443 if parts.scheme == "https" else 80
        origin = f"{parts.scheme}://{shown}" + ("" if port in (None, default) else f":{port}")
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)
