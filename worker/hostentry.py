"""One entry of ``private_hosts``: a host (``name`` or address, optionally ``:port``) or a CIDR network.

Pure parsing, shared by the settings check (an entry that cannot be read stops the start with a message)
and the SSRF guard's ``AddressPolicy`` (which matches what is parsed here). An IPv6 address is written as
in a URL (RFC 3986): ``[::1]`` or ``[::1]:8099``; bare ``::1`` works too. An unbracketed IPv6 address
ending in what could be a port is refused: ``::1:8099`` is itself an address (0::1:8099), and reading it
as ``::1`` port 8099 (as the guard used to) or as that address both surprise somebody.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_BRACKETED = re.compile(r"\[([^\[\]]+)\](?::([^:]*))?")
# Letters of any script, digits, '-', '_' and '.': what a host name (or an IDN before encoding) holds.
_NAME = re.compile(r"[\w.-]+")
_WRITTEN_AS = ("a host name, an IPv4 address or [IPv6] address (each optionally with :port), "
               "or a CIDR network")


@dataclass(frozen=True)
class HostEntry:
    """``host``: a lower-case name, or an address in its canonical form (no brackets). ``port``: only
    that port, or ``None`` for any."""

    host: str
    port: int | None = None


def host_key(host: str) -> str:
    """A URL's host as entries are keyed: lower case, brackets off, an address in its canonical form (so
    ``[0:0::1]`` is ``::1``)."""
    bare = host.strip().strip("[]").lower()
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        return bare


def _port(raw: str, text: str) -> int:
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 65535):
        raise ValueError(f"{text!r}: the port must be a number from 1 to 65535, not {raw!r}")
    return int(raw)


def _ipv6(raw: str) -> ipaddress.IPv6Address | None:
    try:
        return ipaddress.IPv6Address(raw)
    except ValueError:
        return None


def parse_host_entry(text: str) -> HostEntry | IPNetwork:
    """The entry ``text`` means, or ``ValueError`` with a message saying how to write it."""
    entry = text.strip().lower()
    if not entry:
        raise ValueError("an empty entry")
    if "://" in entry or "@" in entry:
        raise ValueError(f"{text!r} is not a URL entry: give the host (and port) only, e.g. 127.0.0.1:8099")
    if "/" in entry:
        try:
            return ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{text!r} is not a network: write a CIDR range such as 10.0.0.0/8 or "
                             "fd00::/8") from None
    if entry.startswith("["):
        m = _BRACKETED.fullmatch(entry)
        if not m:
            raise ValueError(f"{text!r}: a bracketed entry is [IPv6] or [IPv6]:port")
        addr = _ipv6(m.group(1))
        if addr is None:
            raise ValueError(f"{text!r}: brackets hold an IPv6 address")
        return HostEntry(str(addr), None if m.group(2) is None else _port(m.group(2), text))
    colons = entry.count(":")
    if colons >= 2:  # an IPv6 address without brackets
        head, _, tail = entry.rpartition(":")
        addr = _ipv6(entry)
        if tail.isascii() and tail.isdigit() and _ipv6(head) is not None:
            if addr is None:
                raise ValueError(f"{text!r}: an IPv6 address with a port is written [{head}]:{tail}")
            raise ValueError(f"{text!r} is ambiguous: write [{head}]:{tail} for {head} port {tail}, "
                             f"or [{entry}] for the address {addr}")
        if addr is None:
            raise ValueError(f"{text!r} is not an IPv6 address ({_WRITTEN_AS})")
        return HostEntry(str(addr), None)
    host, _, port = entry.partition(":")
    if not _NAME.fullmatch(host):
        raise ValueError(f"{text!r} is not a host name ({_WRITTEN_AS}; no wildcards)")
    return HostEntry(host_key(host), _port(port, text) if colons else None)
