from __future__ import annotations

import httpx
import pytest

from worker.ingest.errors import (
    GoneError,
    PermanentFetchError,
    RateLimitedError,
    TransientFetchError,
)
from worker.ingest.fetcher import Fetcher, FetchResult
from worker.settings import Settings

URL = "http://93.184.216.34/feed.xml"  # a public literal: the SSRF guard passes without DNS


def fetcher(handler, **settings) -> Fetcher:
    return Fetcher(Settings(**settings), transport=httpx.MockTransport(handler))


def test_conditional_headers_sent_exactly_and_user_agent() -> None:
    got: dict[str, str] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        got.update(request.headers)
        return httpx.Response(304, headers={"ETag": 'W/"abc"'})

    res = fetcher(handler, user_agent="newsworker-test/1").fetch(
        URL, kind="feed", etag='W/"abc"', last_modified="Mon, 26 Feb 2018 02:20:10 GMT")
    assert res.not_modified and res.body == b""
    assert got["if-none-match"] == 'W/"abc"'
    assert got["if-modified-since"] == "Mon, 26 Feb 2018 02:20:10 GMT"
    assert got["user-agent"] == "newsworker-test/1"


def test_result_is_immutable() -> None:
    res = fetcher(lambda r: httpx.Response(200, content=b"<rss/>", headers={"Content-Type": "application/rss+xml"})
                  ).fetch(URL, kind="feed")
    assert isinstance(res, FetchResult)
    with pytest.raises(AttributeError):
        res.status = 500  # type: ignore[misc]
    with pytest.raises(TypeError):
        res.headers["x"] = "y"  # type: ignore[index]


def test_size_cap_while_streaming() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        def chunks():
            for _ in range(100):
                yield b"x" * 1024
        return httpx.Response(200, content=chunks(), headers={"Content-Type": "application/xml"})

    with pytest.raises(PermanentFetchError, match="cap"):
        fetcher(handler, max_feed_bytes=10_000).fetch(URL, kind="feed")


def test_declared_length_over_cap_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 50, headers={"Content-Type": "text/html", "Content-Length": "999999999"})

    with pytest.raises(PermanentFetchError):
        fetcher(handler).fetch(URL, kind="page")


@pytest.mark.parametrize("ctype", ["image/jpeg", "application/pdf", "video/mp4", "application/octet-stream"])
def test_binary_content_types_refused(ctype: str) -> None:
    with pytest.raises(PermanentFetchError, match="content type"):
        fetcher(lambda r: httpx.Response(200, content=b"\x89PNG", headers={"Content-Type": ctype})).fetch(URL, kind="feed")


def test_page_must_be_html_but_feed_may_be_text_html() -> None:
    f = fetcher(lambda r: httpx.Response(200, content=b"{}", headers={"Content-Type": "application/json"}))
    with pytest.raises(PermanentFetchError):
        f.fetch(URL, kind="page")
    ok = fetcher(lambda r: httpx.Response(200, content=b"<rss/>", headers={"Content-Type": "text/html"}))
    assert ok.fetch(URL, kind="feed").ok


def test_permanent_redirect_chain_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/feed.xml":
            return httpx.Response(301, headers={"Location": "/new-feed.xml"})
        return httpx.Response(200, content=b"<rss/>", headers={"Content-Type": "application/rss+xml"})

    res = fetcher(handler).fetch(URL, kind="feed")
    assert res.final_url == "http://93.184.216.34/new-feed.xml"
    assert res.permanent_redirect == "http://93.184.216.34/new-feed.xml"


def test_temporary_redirect_is_not_permanent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/feed.xml":
            return httpx.Response(302, headers={"Location": "/tmp.xml"})
        return httpx.Response(200, content=b"<rss/>", headers={"Content-Type": "application/rss+xml"})

    assert fetcher(handler).fetch(URL, kind="feed").permanent_redirect is None


def test_redirect_loop_stops() -> None:
    with pytest.raises(PermanentFetchError, match="redirects"):
        fetcher(lambda r: httpx.Response(302, headers={"Location": str(r.url)})).fetch(URL)


@pytest.mark.parametrize(
    ("status", "headers", "cls"),
    [(404, {}, PermanentFetchError), (410, {}, GoneError), (500, {}, TransientFetchError),
     (502, {}, TransientFetchError), (429, {"Retry-After": "120"}, RateLimitedError),
     (503, {"Retry-After": "30"}, RateLimitedError)],
)
def test_status_classes(status: int, headers: dict[str, str], cls: type) -> None:
    res = fetcher(lambda r: httpx.Response(status, headers=headers, content=b"err")).fetch(URL)
    with pytest.raises(cls) as info:
        res.raise_for_status()
    assert info.value.status == status
    if "Retry-After" in headers:
        assert info.value.retry_after == float(headers["Retry-After"])


def test_network_errors_are_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow")

    with pytest.raises(TransientFetchError):
        fetcher(handler).fetch(URL)
