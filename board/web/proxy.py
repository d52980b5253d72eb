"""Who is asking: the client's real address and scheme, believed only from trusted proxies.

`TrustedProxies` is werkzeug's ProxyFix made conditional on the peer: ``X-Forwarded-For``
and ``X-Forwarded-Proto`` are honoured only when the TCP peer is in ``[board]
trusted_proxies``; from anyone else they are ignored (a spectator cannot pretend to be
another address, nor make a cookie look as if it travelled over HTTPS). The client is the
nearest ``X-Forwarded-For`` hop that is not itself a trusted proxy, so a client cannot
prepend a fake address either. Login throttling and the per-address websocket cap read
``REMOTE_ADDR`` after this middleware, so behind nginx they count phones, not nginx.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
WsgiApp = Any


def is_trusted(address: str, networks: Iterable[Network]) -> bool:
    """Whether `address` (text, maybe an IPv4-mapped IPv6 address) is in `networks`."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client's address: `peer` unless it is a trusted proxy; then the nearest hop of
    `forwarded_for` (comma-separated, client first) that is not a trusted proxy."""
    if not networks or not is_trusted(peer, networks):
        return peer
    client = peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage from further out: keep the last hop we could check
        client = hop
        if not is_trusted(hop, networks):
            break
    return client


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR and wsgi.url_scheme from a trusted proxy's headers.

    The TCP peer stays in ``environ["lapgate.peer"]``.
    """

    def __init__(self, app: WsgiApp, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        peer = environ.get("REMOTE_ADDR", "")
        environ["lapgate.peer"] = peer
        if self.networks and is_trusted(peer, self.networks):
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
            environ["REMOTE_ADDR"] = forwarded_client(peer, forwarded, self.networks)
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)
