"""Polling a feed URL that is an HTML page (QA3 ops L8): a permanent error that says so and names the feed the
page links, instead of ``transient: unreadable feed: SAXParseException ... syntax error``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from worker.ingest.poller import poll_feed_once
from worker.ingest.registry import Feed
from worker.pipeline.context import AppContext
from worker.settings import Settings

pytestmark = pytest.mark.integration

PAGES = {
    "/home": b'<!DOCTYPE html><html><head><title>x</title><link rel="alternate" type="application/rss+xml" '
             b'href="/feed.rss"></head><body><p>news</p></body></html>',
    "/plain": b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>no feed here<br></body></html>",
}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = PAGES.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def ctx(redis_client, unique_name) -> Iterator[AppContext]:  # noqa: ANN001
    prefix = f"test:{unique_name}:"
    c = AppContext.create(Settings(allow_private_addresses=True, per_host_rate=1000, per_host_burst=1000,
                                   http_timeout=5.0), redis_client=redis_client, prefix=prefix)
    yield c
    c.close()
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.mark.parametrize(("path", "names"), [("/home", "/feed.rss"), ("/plain", None)])
def test_an_html_page_is_a_permanent_not_a_feed_error(ctx, site, path: str, names: str | None) -> None:  # noqa: ANN001
    ctx.registry.add(Feed(id="page", url=site + path))
    out = poll_feed_once(ctx, "page", lambda _: None)
    assert out.result == "error"
    state = ctx.registry.state("page")
    assert state.last_error.startswith("permanent: not a feed (HTML page; look for its RSS/Atom link)"), state.last_error
    assert "SAXParseException" not in state.last_error
    if names:
        assert f"the page links the feed {site}{names}" in state.last_error


def test_every_line_a_poll_logs_names_its_feed(ctx, site, caplog) -> None:  # noqa: ANN001
    """QA3 ops L9: no line of worker.log had a feed_id; "poll x failed" named it inside msg only."""
    import json
    import logging

    from worker.logs import JsonFormatter

    ctx.registry.add(Feed(id="page", url=site + "/plain"))
    with caplog.at_level(logging.DEBUG):
        poll_feed_once(ctx, "page", lambda _: None)
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name.startswith("worker.")]
    assert any("poll page failed" in x["msg"] for x in lines)
    assert lines and all(x.get("feed_id") == "page" for x in lines), lines
