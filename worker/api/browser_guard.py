"""What other web sites in the user's browser may do with this API: nothing they could not do to any site.

* **Host allow-list** (QA6 qa6s-4). The API binds 127.0.0.1 and leaves reads open by default; a page on
  another site can re-bind its own name to 127.0.0.1 (DNS rebinding) and then read, as same-origin, every
  search, rule, history record and dead letter. Its requests carry *its* name in ``Host``, so a request
  whose ``Host`` is not one of this server's names is refused (400) before anything runs. That also makes
  the Atom feed's links, built from ``Host``, this server's. Starlette's ``TrustedHostMiddleware`` is not
  used: it cuts ``Host`` at the first ``:``, which refuses ``[::1]:8000``.
* **No framing.** The pages set their CSP in a ``<meta>`` tag, which cannot carry ``frame-ancestors``:
  every answer says ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``
  (both enforced alongside the page's own policy, which keeps governing its scripts), and ``nosniff``.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["AllowedHosts", "HostGuardMiddleware", "default_hosts", "host_name", "FRAME_HEADERS"]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# Binding these means every interface: the machine's own addresses are then its names too.
ANY_ADDRESS = ("", "0.0.0.0", "::")  # noqa: S104 - names of the wildcard bind, compared, not bound
FRAME_HEADERS = ((b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'"),
                 (b"x-content-type-options", b"nosniff"))


def host_name(value: str) -> str:
    """The name of a ``Host`` header or an allow-list entry: no port, no IPv6 brackets, no final dot, lower
    case (``[::1]:8000`` -> ``::1``, ``Example.ORG.:80`` -> ``example.org``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:  # name:port; more colons is a bare IPv6 address
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def default_hosts(bind_host: str) -> set[str]:
    """The names a browser on this machine or the network may use for a server bound to ``bind_host``:
    the loopback names, the machine's name, the bind address itself, and, for a bind to every interface,
    the addresses the machine's name resolves to. Best effort: what cannot be learnt is left to the list."""
    names = set(LOOPBACK_NAMES)
    hostname = socket.gethostname().lower()
    if hostname:
        names.add(hostname)
    bind = host_name(bind_host)
    if bind:  # also 0.0.0.0, which `run`'s banner links to (a name, not an address, is what rebinding needs)
        names.add(bind)
    if bind in ANY_ADDRESS and hostname:
        try:
            names.update(str(info[4][0]).lower() for info in socket.getaddrinfo(hostname, None))
        except OSError:
            pass
    return names


def public_host(public_url: str | None) -> list[str]:
    """The host of ``api_public_url`` as an allow-list entry (none without one): the name the proxy passes."""
    host = urlsplit(public_url).hostname if public_url else None
    return [host] if host else []


@dataclass(frozen=True)
class AllowedHosts:
    """Names a request's ``Host`` may give. ``any_host`` only when the operator wrote ``*``."""

    names: frozenset[str]
    suffixes: tuple[str, ...] = ()  # from "*.example.org": ".example.org"
    any_host: bool = False

    @classmethod
    def build(cls, bind_host: str, extra: Iterable[str]) -> AllowedHosts:
        names, suffixes, any_host = default_hosts(bind_host), [], False
        for entry in extra:
            name = host_name(entry)
            if not name:
                continue
            if name == "*":
                any_host = True
            elif name.startswith("*."):
                suffixes.append(name[1:])
            else:
                names.add(name)
        return cls(frozenset(names), tuple(suffixes), any_host)

    def allows(self, host: str | None) -> bool:
        if self.any_host:
            return True
        if not host:
            return False
        name = host_name(host)
        if name in self.names or any(name.endswith(s) for s in self.suffixes):
            return True
        try:  # an IPv6 address spelt another way (::0001) is the same address
            return str(ipaddress.ip_address(name)) in self.names
        except ValueError:
            return False


class HostGuardMiddleware:
    """Refuses (400) a request whose ``Host`` is not allowed, and adds the no-framing headers to every answer."""

    def __init__(self, app: ASGIApp, allowed: AllowedHosts) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope.get("headers") or () if k == b"host"), None)
        if not self.allowed.allows(host):
            await _refuse(send, host)
            return

        async def framed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers") or ()}
                extra = [(k, v) for k, v in FRAME_HEADERS if k not in present]
                message["headers"] = [*(message.get("headers") or ()), *extra]
            await send(message)

        await self.app(scope, receive, framed_send)


async def _refuse(send: Send, host: str | None) -> None:
    shown = repr(host[:200]) if host else "missing"
    detail = (f"this server does not answer to the Host {shown}: if that is really its name, add it to the "
              "setting api_allowed_hosts (NEWSWORKER_API_ALLOWED_HOSTS)")
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               *FRAME_HEADERS]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
