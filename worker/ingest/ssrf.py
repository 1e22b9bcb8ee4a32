"""SSRF guard: a feed or article URL may only reach public http(s) addresses.

Every hostname is resolved and *all* its addresses must be public, so a name that resolves to both a
public and a private address is refused. Redirects are followed by hand in the fetcher and each hop is
checked again here. IPv4-mapped/compatible IPv6 and 6to4/NAT64 forms are unwrapped before the check,
otherwise ``::ffff:127.0.0.1`` would slip through as "IPv6 global".

Known limit: the address is resolved here and again by the HTTP client (DNS rebinding window); the
check still stops the common cases (internal hostnames, metadata endpoints, literal private IPs).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from worker.ingest.errors import BlockedURLError

ALLOWED_SCHEMES = frozenset({"http", "https"})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges Python's is_global does not flag on every version, listed explicitly.
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in ("100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "0.0.0.0/8", "240.0.0.0/4",
              "fc00::/7", "fe80::/10", "64:ff9b:1::/48")
)


def _unwrap(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 well-known prefix
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
            return ipaddress.IPv4Address(int(ip))
    return ip


def is_public_ip(ip: str | IPAddress) -> bool:
    """True only for globally routable unicast addresses."""
    addr = _unwrap(ipaddress.ip_address(ip) if isinstance(ip, str) else ip)
    if (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_multicast
            or addr.is_reserved or addr.is_unspecified or not addr.is_global):
        return False
    return not any(addr.version == net.version and addr in net for net in _EXTRA_BLOCKED)


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise BlockedURLError(f"cannot resolve {host!r}: {err}") from err
    return sorted({info[4][0] for info in infos})


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Raise ``BlockedURLError`` unless ``url`` is http(s) and every address of its host is public.

    With ``allow_private`` the scheme is still checked (file:, gopher: etc. are never fetched) but any
    address is accepted: tests and the local replay server need loopback.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise BlockedURLError(f"malformed URL {url!r}: {err}", url=url) from err
    scheme = (parts.scheme or "").lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedURLError(f"scheme {scheme or '(none)'!r} is not allowed", url=url)
    host = parts.hostname
    if not host:
        raise BlockedURLError("URL has no host", url=url)
    if parts.username or parts.password:
        raise BlockedURLError("credentials in URLs are not allowed", url=url)
    if allow_private:
        return
    port = port or (443 if scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else resolve(host, port)
    for addr in addresses:
        if not is_public_ip(addr.split("%", 1)[0]):
            raise BlockedURLError(f"{host} resolves to non-public address {addr}", url=url)
