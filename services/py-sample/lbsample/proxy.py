"""X-Forwarded-* from the proxy only, as the TypeScript replica's trustProxy.

Werkzeug's ProxyFix trusts a number of hops, not addresses: a client that reached a replica
directly could claim any address. This applies it only to requests whose peer is in TRUST_PROXY.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class TrustedProxy:
    def __init__(self, app: WsgiApp, trusted: Iterable[str]):
        self._direct = app
        # nginx sets X-Forwarded-For (the client), -Proto (http or https) and -Prefix (/py).
        self._proxied = ProxyFix(app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=1)
        self._trusted = [ipaddress.ip_network(entry, strict=False) for entry in trusted]

    def _from_proxy(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in network for network in self._trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self._from_proxy(environ.get("REMOTE_ADDR")):
            return self._proxied(environ, start_response)
        return self._direct(environ, start_response)
