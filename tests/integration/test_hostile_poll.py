"""Issue 15's hostile feeds through a real poll on real Redis, against ``tests.hostile_server``: every
one ends in a saved feed state with a clear error (what ``newsworker feeds show`` prints), never a
traceback, and a worker polling the worst of them stays far under 600 MB (measured in a subprocess).

The context reaches the server through ``private_hosts`` (127.0.0.1 only), not the global switch, so
the per-host policy and the connect-time guard are what let these requests through.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import REDIS_URL
from tests.hostile_server import hostile_server
from tests.integration.ingest_context import ingest_context
from worker.ingest.articles import fetch_item
from worker.ingest.errors import BlockedURLError, FetchError, PermanentFetchError
from worker.ingest.poller import poll_feed_once
from worker.ingest.registry import Feed
from worker.keys import Keys
from worker.pipeline.context import AppContext
from worker.settings import Settings

pytestmark = pytest.mark.integration

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def server():
    with hostile_server(bomb_mb=256) as url:
        yield url


@pytest.fixture
def ctx(redis_client, unique_name):
    settings = Settings(private_hosts=["127.0.0.1"], per_host_rate=10_000, per_host_burst=10_000,
                        http_timeout=5.0, http_total_deadline=3.0)
    with ingest_context(redis_client, unique_name, settings) as c:
        yield c


def poll(ctx: AppContext, url: str, fid: str = "h") -> tuple:
    ctx.registry.add(Feed(id=fid, url=url))
    handed: list[dict] = []
    out = poll_feed_once(ctx, fid, handed.append, force_full=True)
    state = ctx.registry.state(fid)
    assert state.last_poll is not None and state.next_due is not None  # the state was saved
    return out, state, handed


@pytest.mark.parametrize("path,message", [
    ("/feed/double-gzip", "stacked content encodings refused: gzip, gzip"),
    ("/feed/gzip-bomb", "exceeds cap of 10485760 bytes after decompression"),
    ("/feed/error-bomb", "HTTP 500"),
    ("/feed/drip", "download took longer than 3s"),
])
def test_transport_attacks_end_as_feed_errors(ctx, server, path, message):
    out, state, handed = poll(ctx, server + path)
    assert out.result == "error" and not handed
    assert message in state.last_error and state.status == "failing"


def test_drip_is_cut_at_the_deadline_not_the_soft_limit(ctx, server):
    started = time.monotonic()
    poll(ctx, server + "/feed/drip")
    assert time.monotonic() - started < 3.0 + 5.0 + 2.0  # deadline + at most one read timeout + slack


@pytest.mark.parametrize("path", ["/feed/entity-bomb", "/feed/billion-laughs"])
def test_entity_bombs_are_not_expanded(ctx, server, path):
    out, state, handed = poll(ctx, server + path)
    assert out.result in ("new", "error")
    assert "DTD internal subset removed" in (state.bozo_error or state.last_error or "")
    assert all(len(p.summary or "") < 100_000 and len(p.title) < 2000 for p in handed)


@pytest.mark.parametrize("path", ["/feed/ttl-inf", "/feed/ttl-huge"])
def test_absurd_numbers_leave_a_sane_schedule(ctx, server, path):
    out, state, handed = poll(ctx, server + path)
    assert out.result == "new" and len(handed) == 1
    assert ctx.settings.poll_min_interval <= state.interval <= ctx.settings.poll_max_interval
    assert state.next_due - time.time() < ctx.settings.poll_max_interval * 1.2


def test_retry_after_beyond_reason_is_capped(ctx, server):
    out, state, _ = poll(ctx, server + "/feed/retry-after")
    assert out.result == "error" and "429" in state.last_error
    assert state.next_due - time.time() <= ctx.settings.poll_max_interval + 1


def test_many_items_and_huge_fields_are_bounded(ctx, server):
    from worker.ingest.feedparse import MAX_ITEMS, MAX_TITLE_CHARS

    out, _, handed = poll(ctx, server + "/feed/many-items", "many")
    assert out.result == "new" and len(handed) == MAX_ITEMS
    out, _, handed = poll(ctx, server + "/feed/huge-fields", "huge")
    assert [len(p.title) for p in handed] == [MAX_TITLE_CHARS]  # the 3 MB link is skipped


def test_punycode_feed_is_read_as_utf8(ctx, server):
    out, state, handed = poll(ctx, server + "/feed/punycode")
    assert out.result == "new" and len(handed) == 1


def test_pages_robots_and_private_addresses(ctx, server):
    """Article pages: a double-gzip page and a double-gzip robots.txt are refused cheaply (the item
    falls back to the feed's text); a loopback address that private_hosts does not list stays closed."""
    _, _, handed = poll(ctx, server + "/feed/inline-pages")
    assert len(handed) == 1
    out = fetch_item(ctx, handed[0], emit=lambda p: None, last_attempt=True)
    assert out.result == "handed" and out.body_from == "feed_summary"
    assert "stacked content encodings" in (out.page_error or "")
    robots = ctx.redis.get(ctx.keys.robots(server.lower()))
    assert robots == ""  # the bomb was refused and counted as "unreachable": allowed, re-checked soon
    with pytest.raises(BlockedURLError):
        ctx.fetcher.fetch(server.replace("127.0.0.1", "127.0.0.2") + "/page/ok")


def test_a_feed_may_be_allowed_private_on_its_own(redis_client, unique_name, server):
    prefix = f"test:{unique_name}:"
    c = AppContext.create(Settings(per_host_rate=10_000, per_host_burst=10_000), redis_client=redis_client, prefix=prefix)
    try:
        c.registry.add(Feed(id="closed", url=server + "/feed/ok"))
        c.registry.add(Feed(id="open", url=server + "/feed/ok", allow_private=True))
        handed: list[dict] = []
        assert poll_feed_once(c, "closed", handed.append).result == "error"
        assert "non-public address" in c.registry.state("closed").last_error
        assert poll_feed_once(c, "open", handed.append).result == "new" and len(handed) == 3
        with pytest.raises(FetchError):  # the feed's allowance is not the pages'
            c.fetcher.fetch(server + "/page/ok")
    finally:
        c.close()
        keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
        if keys:
            redis_client.delete(*keys)


def _measure(url: str, inline: bool = False) -> dict:
    cmd = [sys.executable, "-m", "tests.hostile_measure", url] + (["--inline"] if inline else [])
    env = {**os.environ, "NEWSWORKER_REDIS_URL": REDIS_URL}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_peak_memory_of_a_poll_stays_far_under_600_mb(redis_client):
    """The issue's figures were 2.1 GB (double gzip, feed and page) and 946 MB (entity bomb). With a
    512 MiB bomb the old code peaked near 1.1 GB; the bound is generous so the test is not flaky."""
    with hostile_server(bomb_mb=512) as url:
        for path, inline in (("/feed/double-gzip", False), ("/feed/gzip-bomb", False),
                             ("/feed/inline-pages", True), ("/feed/entity-bomb", False)):
            out = _measure(url + path, inline)
            assert out["result"] != "traceback", out
            assert out["peak_rss_mb"] < 600, out


def test_permanent_errors_are_classed(ctx, server):
    with pytest.raises(PermanentFetchError, match="stacked"):
        ctx.fetcher.fetch(server + "/page/double-gzip")


def test_dead_letters_are_bounded(redis_client, unique_name, monkeypatch):
    from worker.pipeline import deadletters
    from worker.pipeline.deadletters import DeadLetters

    keys = Keys(f"test:{unique_name}:")
    monkeypatch.setattr(deadletters, "MAX_DEAD_LETTERS", 3)
    dl = DeadLetters(redis_client, keys)
    try:
        ids = [dl.record("fetch", {"n": n}, "boom") for n in range(5)]
        assert dl.count() == 3
        assert dl.get(ids[0]) is None
        assert dl.get(ids[-1])["payload"] == {"n": 4}
        assert 0 < redis_client.ttl(keys.deadletter(ids[-1])) <= deadletters.DEAD_LETTER_TTL
    finally:
        stale = list(redis_client.scan_iter(f"{keys.prefix}*", count=1000))
        if stale:
            redis_client.delete(*stale)


def test_robots_cache_entries_are_bounded(ctx):
    from worker.ingest.politeness import MAX_ROBOTS_CHARS, RobotsPolicy

    policy = RobotsPolicy(ctx.redis, ctx.keys, "newsworker", lambda url: (200, "# x\n" * 400_000))
    assert policy.allowed("http://big.test/a")
    stored = ctx.redis.get(ctx.keys.robots("http://big.test"))
    assert len(stored) == MAX_ROBOTS_CHARS and 0 < ctx.redis.ttl(ctx.keys.robots("http://big.test")) <= 86400
