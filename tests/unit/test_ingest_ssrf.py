from __future__ import annotations

import httpx
import pytest

from worker.ingest.errors import BlockedURLError
from worker.ingest.fetcher import Fetcher
from worker.ingest.ssrf import check_url, is_public_ip
from worker.settings import Settings


@pytest.mark.parametrize(
    "ip",
    ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
     "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
     "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2002:7f00:1::", "64:ff9b::a00:1"],
)
def test_non_public_addresses(ip: str) -> None:
    assert not is_public_ip(ip)


@pytest.mark.parametrize("ip", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(ip: str) -> None:
    assert is_public_ip(ip)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/feed", "http://localhost:6379/", "http://10.0.0.5/rss", "http://169.254.169.254/latest/meta-data/",
     "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://2130706433/",
     "http://0x7f.0.0.1/", "file:///etc/passwd", "gopher://example.com:70/_x", "ftp://example.com/x",
     "javascript:alert(1)", "http://user:pass@93.184.216.34/", "http:///nohost"],
)
def test_blocked_urls(url: str) -> None:
    with pytest.raises(BlockedURLError):
        check_url(url)


def test_public_literal_allowed() -> None:
    check_url("https://93.184.216.34/feed.xml")


def test_allow_private_still_checks_scheme() -> None:
    check_url("http://127.0.0.1:8765/feeds/bbc.rss", allow_private=True)
    with pytest.raises(BlockedURLError):
        check_url("file:///etc/passwd", allow_private=True)


def _fetcher(handler, allow_private: bool = False) -> Fetcher:
    return Fetcher(Settings(), allow_private=allow_private, transport=httpx.MockTransport(handler))


def test_redirect_to_private_address_is_refused() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    with pytest.raises(BlockedURLError):
        _fetcher(handler).fetch("http://93.184.216.34/article", kind="page")
    assert seen == ["http://93.184.216.34/article"]  # the private hop was never requested


def test_redirect_to_file_scheme_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "file:///etc/passwd"})

    with pytest.raises(BlockedURLError):
        _fetcher(handler).fetch("http://93.184.216.34/x", kind="feed")


def test_private_target_refused_without_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be called
        raise AssertionError("request made to a private address")

    with pytest.raises(BlockedURLError):
        _fetcher(handler).fetch("http://10.0.0.1/feed", kind="feed")
