"""Who the client is when the service sits behind reverse proxies.

The address that limits and throttles count is the TCP peer's, unless that peer is one of the
proxies named in ``MEDSKAPA_TRUSTED_PROXIES``: then ``X-Forwarded-For`` is read from the right,
skipping trusted proxies, and the first address that is not one is the client. A client cannot
choose its identity by sending the header itself: without trusted proxies (the default) it is
never read, and behind them only what the proxies appended counts. The ASGI server must not
rewrite the peer itself (`medskapa serve` runs uvicorn without proxy headers).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: reading the settings (every CLI command) need not load Litestar
    from litestar.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[Network, ...]:
    """``"10.0.0.5, 10.1.0.0/16, ::1"`` → networks; raises ValueError naming a bad entry."""
    networks = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {entry!r}") from None
    return tuple(networks)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


@functools.lru_cache(maxsize=64)
def _trusted_peer(peer: str, networks: tuple[Network, ...]) -> bool:
    """``_trusted`` for the TCP peer, which behind proxies is one of a few proxy addresses on
    every request: worked out once for each."""
    return _trusted(peer, networks)


def client_address(peer: str, forwarded_for: str | None, networks: Sequence[Network]) -> str:
    if not forwarded_for or not _trusted_peer(peer, tuple(networks)):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed(hops):
        try:
            ip = ipaddress.ip_address(hop)
        except ValueError:
            # Garbage in the chain: the last hop we can vouch for is the client.
            return peer
        if not any(ip in network for network in networks):
            return hop
        peer = hop
    return peer


def trusted_proxies(networks: Sequence[Network]) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware that puts the real client address into ``scope["client"]``. With no
    trusted proxies it is not in the stack at all."""

    def middleware(app: ASGIApp) -> ASGIApp:
        if not networks:
            return app

        async def resolve(scope: Scope, receive: Receive, send: Send) -> None:
            client = scope.get("client")
            if scope["type"] == "http" and client:
                forwarded = None
                for name, value in scope["headers"]:
                    if name == b"x-forwarded-for":
                        # Several headers are one list, in order.
                        text = value.decode("latin-1")
                        forwarded = text if forwarded is None else f"{forwarded},{text}"
                address = client_address(client[0], forwarded, networks)
                if address != client[0]:
                    scope["client"] = (address, 0)
            await app(scope, receive, send)

        return resolve

    return middleware
