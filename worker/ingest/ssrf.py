"""SSRF guard: a feed, article or webhook URL may only reach public http(s) addresses.

Every hostname is resolved and *all* its addresses must be public, so a name that resolves to both a
public and a private address is refused. Redirects are followed by hand in the fetcher and each hop is
checked again here. IPv4-mapped/compatible IPv6 and 6to4/NAT64 forms are unwrapped before the check,
otherwise ``::ffff:127.0.0.1`` would slip through as "IPv6 global".

The check is made twice: ``check_url`` refuses early (a clean error before a token of the per-host budget
is spent), and ``GuardedBackend`` makes the check *again at connect time on the addresses it then connects
to*. Without the second check a name could resolve to a public address for ``check_url`` and to
127.0.0.1 a moment later for httpx's own lookup (DNS rebinding).

Private addresses are allowed by an ``AddressPolicy``: for listed hosts or networks (a local webhook
receiver, the demo's replay server), for one feed (``Feed.allow_private``), or everywhere
(``allow_private_addresses``, meant for test harnesses).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import typing
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

from worker.hostentry import HostEntry, IPNetwork, host_key, parse_host_entry
from worker.ingest.deadline import DeadlineStream, bounded
from worker.ingest.errors import BlockedURLError, DNSLookupError

ALLOWED_SCHEMES = frozenset({"http", "https"})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges Python's is_global does not flag on every version, listed explicitly.
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in ("100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "0.0.0.0/8", "240.0.0.0/4",
              "fc00::/7", "fe80::/10", "64:ff9b:1::/48")
)


# Letters of any script (an IDN before encoding), digits, '-', '_' and '.': what a resolvable name holds.
_HOST_NAME = re.compile(r"[\w.-]+")


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


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses may be reached. The default reaches public addresses only.

    ``hosts`` are (host, port) pairs parsed by ``worker.hostentry`` from ``name``, ``address``,
    ``[IPv6]``, each optionally with ``:port`` (port ``None``: any port); ``networks`` are CIDR ranges
    whose addresses are allowed whatever the name.
    """

    allow_all: bool = False
    hosts: frozenset[tuple[str, int | None]] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: typing.Iterable[str], *, allow_all: bool = False) -> AddressPolicy:
        """The policy of ``private_hosts`` entries; ``ValueError`` for one that cannot be read (the settings
        refuse those at start, so only a value set in code gets here)."""
        hosts: set[tuple[str, int | None]] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            if not raw.strip():
                continue
            entry = parse_host_entry(raw)
            if isinstance(entry, HostEntry):
                hosts.add((entry.host, entry.port))
            else:
                networks.append(entry)
        return cls(allow_all=allow_all, hosts=frozenset(hosts), networks=tuple(networks))

    @property
    def open(self) -> bool:
        return self.allow_all

    def permits(self, host: str, port: int, addr: str) -> bool:
        if self.allow_all or is_public_ip(addr):
            return True
        key = host_key(host)
        if (key, None) in self.hosts or (key, port) in self.hosts:
            return True
        ip = _unwrap(ipaddress.ip_address(addr))
        return any(ip.version == net.version and ip in net for net in self.networks)


PUBLIC_ONLY = AddressPolicy()
OPEN = AddressPolicy(allow_all=True)


def resolve(host: str, port: int) -> list[str]:
    """The addresses DNS gives ``host`` now. A name that cannot be a host name at all (IDNA refuses it) is
    a ``BlockedURLError``; a lookup that fails (EAI_AGAIN, EAI_NONAME, a resolver timeout...) is a
    ``DNSLookupError``, retried like a refused connection: the resolver's answer may differ in a minute."""
    if not _HOST_NAME.fullmatch(host):  # a space or a %20 (httpx percent-encodes one) can never resolve
        raise BlockedURLError(f"cannot resolve {host!r}: not a valid host name")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as err:
        raise BlockedURLError(f"cannot resolve {host!r}: not a valid host name ({err})") from err
    except OSError as err:  # socket.gaierror, and TimeoutError from a resolver that has its own timeout
        raise DNSLookupError(f"cannot resolve {host!r}: {err}") from err
    if not infos:
        raise DNSLookupError(f"cannot resolve {host!r}: no address")
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def addresses_for(host: str, port: int) -> list[str]:
    """The addresses a connection to ``host`` may use: the literal itself, or what DNS says now."""
    bare = host.strip("[]")
    try:
        return [str(ipaddress.ip_address(bare.split("%", 1)[0]))]
    except ValueError:
        return resolve(bare, port)


def checked_addresses(host: str, port: int, policy: AddressPolicy) -> list[str]:
    """Resolve ``host`` and return its addresses if *every* one is allowed, else raise ``BlockedURLError``
    (or ``DNSLookupError`` when the name does not resolve now)."""
    addresses = addresses_for(host, port)
    for addr in addresses:
        if not policy.permits(host, port, addr.split("%", 1)[0]):
            raise BlockedURLError(f"{host} resolves to non-public address {addr}")
    return addresses


def check_url(url: str, *, allow_private: bool = False, policy: AddressPolicy | None = None,
              resolve_names: bool = True) -> None:
    """Raise ``BlockedURLError`` unless ``url`` is http(s) and every address of its host is allowed.

    With ``allow_private`` (or an open policy) the scheme is still checked (file:, gopher: etc. are never
    fetched) but any address is accepted. A name that does not resolve now raises ``DNSLookupError``
    (transient), unless ``resolve_names=False``: then a name that resolves is checked, and one that does
    not is left to the connect-time check (a rule saved while a receiver's name does not resolve yet).
    """
    policy = OPEN if allow_private else (policy or PUBLIC_ONLY)
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
    if policy.open:
        return
    port = port or (443 if scheme == "https" else 80)
    try:
        checked_addresses(host, port, policy)
    except DNSLookupError as err:
        if not resolve_names:  # only a name can fail to resolve; a literal is checked as it is
            return  # not resolvable now: the connect-time check decides when it is
        raise DNSLookupError(str(err), url=url) from None
    except BlockedURLError as err:
        raise BlockedURLError(str(err), url=url) from None


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, but it resolves the name itself, checks every address against the
    policy and connects to a checked address: the address checked is the address used."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, port, self.policy)
        last: Exception | None = None
        for addr in addresses:
            try:
                # Every socket operation is bounded by the fetch's total deadline (``deadline``).
                stream = super().connect_tcp(addr, port, bounded(timeout, httpcore.ConnectTimeout),
                                             local_address, socket_options)
                return DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as err:
                last = err
        assert last is not None  # addresses_for never returns an empty list
        raise last


def guarded_transport(policy: AddressPolicy, **kwargs: typing.Any) -> httpx.HTTPTransport:
    """An httpx transport whose connections go through ``GuardedBackend``. ``trust_env`` is forced off:
    an environment proxy would make the proxy's address the one connected to, defeating the check."""
    transport = httpx.HTTPTransport(trust_env=False, **kwargs)
    pool = transport._pool  # noqa: SLF001 - httpx has no public hook for the network backend
    if not isinstance(pool, httpcore.ConnectionPool):  # pragma: no cover - only without a proxy
        raise TypeError("guarded transport needs a direct connection pool")
    pool._network_backend = GuardedBackend(policy)  # noqa: SLF001
    return transport
