"""SSRF through the stage code on real Redis: a feed or an article link pointing at a service on this
machine is refused by the poll and fetch stages (nothing reaches it; the article becomes a dead letter
with the reason) unless ``allow_private_addresses`` is set, in which case the same URLs are fetched
(proving the refusal came from the guard, not from an unreachable server).

Runs on Redis DB 11 under a unique key prefix; tasks are run eagerly (``.apply``) and nothing is
published to a broker.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import REDIS_URL
from worker.settings import get_settings
from worker.store.clients import reset_clients

pytestmark = pytest.mark.integration


class _Trap(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append(self.path)
        port = self.server.server_address[1]
        if self.path.startswith("/feed"):
            body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                    f"<item><title>خبر</title><link>http://127.0.0.1:{port}/page/1</link></item>"
                    "</channel></rss>").encode()
            ctype = "application/rss+xml"
        else:
            body, ctype = "<html><body><p>سر داخلي</p></body></html>".encode(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def trap():
    _Trap.hits = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Trap)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", _Trap.hits
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def isolated(monkeypatch, redis_client, unique_name):
    """Settings on Redis DB 11 with a unique ingestion prefix; ``allow(bool)`` flips the SSRF setting."""
    url = REDIS_URL.rsplit("/", 1)[0] + "/11"
    monkeypatch.setenv("NEWSWORKER_REDIS_URL", url)
    monkeypatch.setenv("NEWSWORKER_REDIS_PREFIX", f"{unique_name}:")
    monkeypatch.setenv("NEWSWORKER_RESPECT_ROBOTS", "false")

    def allow(value: bool) -> None:
        monkeypatch.setenv("NEWSWORKER_ALLOW_PRIVATE_ADDRESSES", "true" if value else "false")
        get_settings.cache_clear()
        reset_clients()

    allow(False)
    yield allow
    import redis

    r = redis.Redis.from_url(url)
    for key in r.scan_iter(f"{unique_name}:*"):  # metrics included: they are under the prefix too
        r.delete(key)
    monkeypatch.undo()
    get_settings.cache_clear()
    reset_clients()


def _item(link: str) -> dict:
    from worker.ingest.canonical import canonicalize_url, doc_id

    return {"id": doc_id(canonicalize_url(link)), "url": canonicalize_url(link), "link": link,
            "feed_id": "trap", "source": "trap", "title": "خبر", "summary": "", "content": ""}


def test_fetch_stage_refuses_a_loopback_article_and_dead_letters_it(trap, isolated):
    from worker.pipeline.context import current
    from worker.pipeline.runner import inline_runner
    from worker.pipeline.table import STAGES

    base, hits = trap
    runner = inline_runner(current(), STAGES)
    assert runner.handle("fetch", [_item(f"{base}/page/1")]) == ["dead"]
    assert hits == []
    records = runner.dead_letters.list(stage="fetch")
    assert records and "127.0.0.1" in str(records[0])


def test_poll_refuses_a_loopback_feed_then_allow_private_opens_it(trap, isolated):
    from worker.ingest.poller import poll_feed_once
    from worker.ingest.registry import Feed
    from worker.pipeline.context import current

    base, hits = trap
    emitted: list[dict] = []
    ctx = current()
    ctx.registry.add(Feed(id="trap", url=f"{base}/feed.xml", source="trap", interval=60))
    out = poll_feed_once(ctx, "trap", emit=emitted.append, force_full=True)
    assert out.result in ("error", "dead") and hits == [] and emitted == []
    assert "127.0.0.1" in (out.error or "") or "address" in (out.error or "")

    isolated(True)  # tests and the replay server need loopback: the same feed is now read
    ctx = current()
    ctx.redis.delete(ctx.keys.poll_lock("trap"))
    out = poll_feed_once(ctx, "trap", emit=emitted.append, force_full=True)
    assert out.result == "new", out
    assert hits == ["/feed.xml"] and len(emitted) == 1
