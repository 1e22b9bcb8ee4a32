"""SSRF through the fetch path: ``Fetcher.fetch`` (used for feeds, pages and robots.txt) must refuse
loopback, private, link-local, metadata and non-http targets, directly or through a redirect, before
any request leaves; with ``allow_private`` only the scheme rules remain. The guard's own address tables
are tested by the ingest helper (test_ingest_ssrf.py); here we check that nothing reaches the network.
The transport is httpx's MockTransport, which records what would have been sent.
"""

from __future__ import annotations

import httpx
import pytest

from worker.ingest.errors import BlockedURLError, FetchError
from worker.ingest.fetcher import Fetcher
from worker.settings import Settings

PUBLIC = "http://93.184.216.34"  # a literal public address: no DNS needed

BLOCKED_TARGETS = [
    "http://127.0.0.1/feed.xml", "http://127.1/", "http://2130706433/", "http://0x7f000001/",
    "http://0177.0.0.1/", "http://localhost:6379/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/", "http://0.0.0.0/", "http://10.0.0.5/", "http://172.16.3.4/",
    "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/",
    "http://[fd00::1]/", "http://100.64.0.1/", "https://127.0.0.1:9200/_cluster/health",
    "file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL", "ftp://example.com/x", "dict://127.0.0.1:11211/",
    "javascript:alert(1)", "data:text/html,hi", "http://user:pw@93.184.216.34/", "http:///nohost", "//x/y",
]


class Recorder:
    def __init__(self, routes: dict[str, httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.routes = routes or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.routes.get(str(request.url), httpx.Response(
            200, headers={"content-type": "text/html; charset=utf-8"}, content=b"<p>ok</p>"))


def fetcher(rec: Recorder, allow_private: bool = False) -> Fetcher:
    s = Settings(allow_private_addresses=allow_private)
    return Fetcher(s, transport=httpx.MockTransport(rec), allow_private=allow_private)


@pytest.mark.parametrize("url", BLOCKED_TARGETS)
@pytest.mark.parametrize("kind", ["feed", "page", "robots"])
def test_blocked_targets_never_leave(url, kind):
    rec = Recorder()
    with pytest.raises(FetchError):
        fetcher(rec).fetch(url, kind=kind)
    assert rec.requests == []


@pytest.mark.parametrize("target", ["http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/",
                                    "http://10.1.2.3/", "file:///etc/passwd", "gopher://127.0.0.1:25/x",
                                    "http://[::ffff:10.0.0.1]/"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_a_blocked_target_is_refused_before_the_hop(target, status):
    rec = Recorder({f"{PUBLIC}/article": httpx.Response(status, headers={"location": target})})
    with pytest.raises(BlockedURLError):
        fetcher(rec).fetch(f"{PUBLIC}/article", kind="page")
    assert [str(r.url) for r in rec.requests] == [f"{PUBLIC}/article"]  # the public hop only


def test_public_address_is_fetched():
    rec = Recorder()
    res = fetcher(rec).fetch(f"{PUBLIC}/article", kind="page")
    assert res.status == 200 and len(rec.requests) == 1


def test_allow_private_opens_addresses_but_never_schemes():
    rec = Recorder()
    f = fetcher(rec, allow_private=True)
    assert f.fetch("http://127.0.0.1:8765/articles/x.html", kind="page").status == 200
    for url in ("file:///etc/passwd", "gopher://127.0.0.1:6379/_x", "http://user:pw@127.0.0.1/"):
        with pytest.raises(BlockedURLError):
            f.fetch(url, kind="page")
    assert len(rec.requests) == 1


def test_settings_default_is_closed(monkeypatch):
    monkeypatch.delenv("NEWSWORKER_ALLOW_PRIVATE_ADDRESSES", raising=False)
    assert Settings().allow_private_addresses is False
