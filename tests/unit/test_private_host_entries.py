"""QA4 H7: ``NEWSWORKER_PRIVATE_HOSTS`` refused the usual bracketed IPv6 forms (``[::1]:8099``,
``[::1]``) without a word, and only matched ``::1:8099``, which is itself an IPv6 address (0::1:8099).
Entries are now parsed once (``worker.hostentry``): ``[v6]`` and ``[v6]:port`` work as in a URL, and an
entry that cannot be read (an unbracketed IPv6 address ending in what could be a port, a URL, a bad
port or network) is refused when the settings are read, with a message saying how to write it."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError

from worker.hostentry import HostEntry, parse_host_entry
from worker.ingest.ssrf import AddressPolicy
from worker.settings import Settings


def _permits(entries: list[str], url_host: str, port: int, addr: str) -> bool:
    return AddressPolicy.from_entries(entries).permits(url_host, port, addr)


@pytest.mark.parametrize("entry", ["[::1]:8099", "[::1]", "::1", "[0:0::1]:8099", "[::0001]"])
def test_bracketed_and_bare_ipv6_entries_allow_loopback(entry):
    assert _permits([entry], "[::1]", 8099, "::1")  # the URL's host as urlsplit gives it
    assert _permits([entry], "::1", 8099, "::1")  # ... and as the connect-time check gets it


def test_a_port_in_a_bracketed_entry_limits_it_to_that_port():
    assert not _permits(["[::1]:8099"], "[::1]", 6379, "::1")
    assert not _permits(["[::1]:8099"], "[::2]", 8099, "::2")


def test_a_bracketed_address_without_a_port_is_that_address_on_any_port():
    """``[::1:8099]`` is the address 0::1:8099, not ::1 port 8099: the two never mix any more."""
    assert _permits(["[::1:8099]"], "[::1:8099]", 443, "::1:8099")
    assert not _permits(["[::1:8099]"], "[::1]", 8099, "::1")


@pytest.mark.parametrize(("entry", "parsed"), [
    ("[::1]:8099", HostEntry("::1", 8099)),
    ("[FE80::1]", HostEntry("fe80::1", None)),
    ("fd00::5", HostEntry("fd00::5", None)),
    ("::ffff:127.0.0.1", HostEntry(str(ipaddress.ip_address("::ffff:127.0.0.1")), None)),
    ("127.0.0.1:8099", HostEntry("127.0.0.1", 8099)),
    (" Receiver.Local ", HostEntry("receiver.local", None)),
    ("hooks:80", HostEntry("hooks", 80)),
])
def test_entries_are_parsed(entry, parsed):
    assert parse_host_entry(entry) == parsed


def test_ipv4_entries_and_names_still_work():
    assert _permits(["127.0.0.1:8099"], "127.0.0.1", 8099, "127.0.0.1")
    assert not _permits(["127.0.0.1:8099"], "127.0.0.1", 6379, "127.0.0.1")
    assert _permits(["receiver.local"], "receiver.local", 1234, "10.0.0.7")
    assert _permits(["10.1.0.0/16"], "anything", 80, "10.1.2.3")


@pytest.mark.parametrize(("entry", "says"), [
    ("::1:8099", "'::1:8099' is ambiguous: write [::1]:8099 for ::1 port 8099, or [::1:8099] for the "
                 "address ::1:8099"),
    ("2001:db8:0:0:0:0:0:1:443", "is written [2001:db8:0:0:0:0:0:1]:443"),
    ("[::1]:99999", "port"),
    ("[::1]8099", "[IPv6] or [IPv6]:port"),
    ("[127.0.0.1]:80", "brackets hold an IPv6 address"),
    ("127.0.0.1:http", "port"),
    ("http://127.0.0.1:8099/hook", "not a URL"),
    ("10.0.0.0/33", "not a network"),
    ("*.example.org", "not a host name"),
    ("fd00::zz", "not an IPv6 address"),
])
def test_entries_that_cannot_be_read_are_refused_with_how_to_write_them(entry, says):
    with pytest.raises(ValueError) as err:
        parse_host_entry(entry)
    assert says in str(err.value)


def test_settings_refuse_an_entry_that_cannot_be_read():
    with pytest.raises(ValidationError) as err:
        Settings(private_hosts=["127.0.0.1:8831", "::1:8099"])
    assert "private_hosts" in str(err.value) and "write [::1]:8099" in str(err.value)
    assert Settings(private_hosts=["[::1]:8099", "[::1]", "127.0.0.1:8831", "10.0.0.0/8", ""]).private_hosts
