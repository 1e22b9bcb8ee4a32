"""Polling against the replay server and the real Redis: exactly-once hand-off, conditional GET,
backoff and recovery, odd encodings, redirects, Gone, shared politeness."""

from __future__ import annotations

import threading
import time

import pytest

from worker.ingest.canonical import canonicalize_url
from worker.ingest.politeness import TokenBucket
from worker.ingest.poller import poll_feed_once
from worker.ingest.registry import Feed
from worker.keys import Keys
from worker.pipeline.context import AppContext
from worker.replay.server import start_replay_server
from worker.settings import Settings

pytestmark = pytest.mark.integration

SOURCES = ("alarabiya", "bbc", "cnn", "france24", "skynews")


def make_ctx(redis_client, prefix: str) -> AppContext:
    settings = Settings(allow_private_addresses=True, per_host_rate=10_000, per_host_burst=10_000,
                        http_timeout=5.0, poll_min_interval=60, poll_default_interval=300)
    return AppContext.create(settings, redis_client=redis_client, prefix=prefix)


@pytest.fixture
def prefix(redis_client, unique_name):
    p = f"test:{unique_name}:"
    yield p
    keys = list(redis_client.scan_iter(f"{p}*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def ctx(redis_client, prefix):
    c = make_ctx(redis_client, prefix)
    yield c
    c.close()


@pytest.fixture
def replay():
    with start_replay_server(start_released=40) as (url, server):
        yield url, server


def register(ctx: AppContext, url: str, keys=SOURCES, fmt: str = "rss") -> list[str]:
    ids = []
    for key in keys:
        ctx.registry.add(Feed(id=f"{key}-{fmt}", url=f"{url}/feeds/{key}.{fmt}", source=key))
        ids.append(f"{key}-{fmt}")
    return ids


def released_urls(server, source: str | None = None) -> set[str]:
    st = server.state
    return {canonicalize_url(st.entry(r.item).link) for r in st.released if source in (None, r.item.source)}


def test_two_concurrent_pollers_hand_each_item_once(redis_client, prefix, replay) -> None:
    url, server = replay
    a, b = make_ctx(redis_client, prefix), make_ctx(redis_client, prefix)
    feed_ids = register(a, url) + register(a, url, ("bbc", "cnn"), fmt="atom")  # same items in two feeds
    handed: list[str] = []
    lock = threading.Lock()

    def emit(payload):
        with lock:
            handed.append(payload.url)

    def worker(ctx: AppContext, order: list[str]) -> None:
        for _ in range(3):
            for fid in order:
                poll_feed_once(ctx, fid, emit, force_full=True)

    for _ in range(3):  # three publishing rounds
        threads = [threading.Thread(target=worker, args=(a, feed_ids)),
                   threading.Thread(target=worker, args=(b, list(reversed(feed_ids))))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        server.state.release(15)
    a.close()
    b.close()
    assert len(handed) == len(set(handed)), "an item was handed on twice"
    expected = released_urls(server)
    # everything released before the last round was picked up
    assert set(handed) == expected - {canonicalize_url(server.state.entry(r.item).link)
                                      for r in server.state.released[-15:]}


def test_not_modified_costs_no_reprocessing(ctx, replay) -> None:
    url, server = replay
    (fid,) = register(ctx, url, ("bbc",))
    handed: list[dict] = []
    first = poll_feed_once(ctx, fid, handed.append)
    assert first.result == "new" and first.new_items == len(released_urls(server, "bbc")) > 0
    n304 = server.state.stats["feed_304"]
    second = poll_feed_once(ctx, fid, handed.append)
    assert second.result == "not_modified" and second.http_status == 304
    assert server.state.stats["feed_304"] == n304 + 1
    assert len(handed) == first.new_items
    state = ctx.registry.state(fid)
    assert state.etag and state.last_modified and state.not_modified == 1
    assert second.interval > first.interval  # nothing new: poll less often

    # A server that ignores validators: the body hash stops re-processing.
    server.state.set_fault("bbc", "nocache")
    third = poll_feed_once(ctx, fid, handed.append)
    assert third.result == "unchanged" and third.http_status == 200
    assert len(handed) == first.new_items

    # ...and a new item is still noticed.
    server.state.set_fault("bbc", None)
    server.state.publish("bbc", "خبر جديد", "نص الخبر الجديد")
    fourth = poll_feed_once(ctx, fid, handed.append)
    assert fourth.result == "new" and fourth.new_items == 1
    assert handed[-1].title == "خبر جديد"
    assert handed[-1].source == "bbc" and handed[-1].feed_id == fid


def test_failing_feed_backs_off_and_recovers(ctx, replay) -> None:
    url, server = replay
    (fid,) = register(ctx, url, ("cnn",))
    server.state.set_fault("cnn", "500")
    delays = []
    for n in (1, 2, 3, 4):
        now = time.time()
        out = poll_feed_once(ctx, fid, lambda p: None, now=now)
        assert out.result == "error" and out.http_status == 500
        st = ctx.registry.state(fid)
        assert st.consecutive_failures == n and st.status == "failing" and "500" in st.last_error
        delays.append(st.next_due - now)
    assert delays[3] > delays[0] and delays[2] > delays[0]  # exponential (jitter keeps halves apart)
    assert ctx.registry.due(now=time.time()) == []  # not due again immediately
    server.state.set_fault("cnn", None)
    handed: list[dict] = []
    out = poll_feed_once(ctx, fid, handed.append)
    st = ctx.registry.state(fid)
    assert out.result == "new" and st.status == "ok" and st.consecutive_failures == 0
    assert len(handed) == len(released_urls(server, "cnn"))


def test_rate_limited_feed_honours_retry_after(ctx, replay) -> None:
    url, server = replay
    (fid,) = register(ctx, url, ("france24",))
    server.state.set_fault("france24", "429:900")
    now = time.time()
    out = poll_feed_once(ctx, fid, lambda p: None, now=now)
    assert out.result == "error" and out.http_status == 429
    assert ctx.registry.state(fid).next_due - now >= 900


def test_gone_feed_is_marked_dead_not_dropped(ctx, replay) -> None:
    url, server = replay
    (fid,) = register(ctx, url, ("skynews",))
    server.state.set_fault("skynews", "410")
    out = poll_feed_once(ctx, fid, lambda p: None)
    assert out.result == "dead"
    from worker.ingest.registry import list_feeds

    rows = {r["id"]: r for r in list_feeds(ctx.redis, ctx.keys)}
    assert rows[fid]["status"] == "dead" and "410" in rows[fid]["last_error"]


def test_permanent_redirect_updates_stored_url(ctx, replay) -> None:
    url, server = replay
    ctx.registry.add(Feed(id="moved", url=f"{url}/feeds/legacy.rss", source="bbc"))
    server.state.set_fault("legacy", "moved:bbc")
    handed: list[dict] = []
    out = poll_feed_once(ctx, "moved", handed.append)
    assert out.result == "new" and handed
    assert ctx.registry.get("moved").url == f"{url}/feeds/bbc.rss"
    assert ctx.registry.state("moved").moved_from == f"{url}/feeds/legacy.rss"


@pytest.mark.parametrize("fault", ["cp1256", "cp1256-undeclared", "iso-8859-6", "utf16-nobom", "broken"])
def test_odd_encodings_and_malformed_feeds_are_read(ctx, replay, fault: str) -> None:
    url, server = replay
    (fid,) = register(ctx, url, ("alarabiya",))
    server.state.set_fault("alarabiya", fault)
    handed: list[dict] = []
    out = poll_feed_once(ctx, fid, handed.append)
    assert out.result == "new" and handed
    titles = {" ".join(server.state.entry(r.item).title.split()) for r in server.state.released}
    assert all(p.title in titles for p in handed)  # decoded to the real Arabic titles
    bozo = ctx.registry.state(fid).bozo_error
    assert (bozo is not None) == (fault == "broken")


def test_unreadable_feed_is_an_error_with_the_parser_message(ctx, replay) -> None:
    url, server = replay
    ctx.registry.add(Feed(id="junk", url=f"{url}/robots.txt"))
    out = poll_feed_once(ctx, "junk", lambda p: None)
    assert out.result == "error" and "unreadable feed" in out.error


def test_poll_lock_stops_a_second_poller(ctx, replay) -> None:
    url, _ = replay
    (fid,) = register(ctx, url, ("bbc",))
    ctx.redis.set(ctx.keys.poll_lock(fid), "someone-else", ex=30)
    assert poll_feed_once(ctx, fid, lambda p: None).result == "locked"


def test_claim_due_hands_each_due_feed_to_one_tick(ctx, replay) -> None:
    url, _ = replay
    ids = register(ctx, url)
    first = ctx.registry.claim_due()
    second = ctx.registry.claim_due()
    assert sorted(first) == sorted(ids) and second == []


def test_token_bucket_is_shared_and_atomic(redis_client, prefix) -> None:
    keys = Keys(prefix)
    buckets = [TokenBucket(redis_client, keys, rate=0.5, burst=5) for _ in range(4)]
    taken = []
    lock = threading.Lock()

    def grab(bucket: TokenBucket) -> None:
        for _ in range(5):
            ok = bucket.try_acquire("news.example") == 0.0
            with lock:
                taken.append(ok)

    threads = [threading.Thread(target=grab, args=(b,)) for b in buckets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(taken) == 5  # burst shared by all "workers" (refill in this instant < 1 token)
    wait = buckets[0].try_acquire("news.example")
    assert 0 < wait <= 2.0
    assert buckets[0].try_acquire("other.example") == 0.0  # per host


def test_token_bucket_refills(redis_client, prefix) -> None:
    bucket = TokenBucket(redis_client, Keys(prefix), rate=50, burst=1)
    assert bucket.try_acquire("h") == 0.0
    assert bucket.try_acquire("h") > 0
    time.sleep(0.05)
    assert bucket.try_acquire("h") == 0.0


def test_robots_is_respected_and_cached(ctx, replay) -> None:
    url, server = replay
    assert ctx.robots.allowed(f"{url}/articles/bbc/x.html")
    assert not ctx.robots.allowed(f"{url}/admin/stats")
    assert ctx.redis.get(ctx.keys.robots(url)) is not None
    before = server.state.stats["requests"]
    ctx.robots.allowed(f"{url}/articles/bbc/y.html")
    assert server.state.stats["requests"] == before  # served from the Redis cache


def test_hand_off_failure_loses_nothing_and_duplicates_nothing(ctx, replay) -> None:
    url, server = replay
    (fid,) = register(ctx, url, ("skynews",))
    handed: list[str] = []

    def flaky(payload: dict) -> None:
        if len(handed) == 2:
            raise ConnectionError("broker down")
        handed.append(payload.url)

    out = poll_feed_once(ctx, fid, flaky)
    assert out.result == "error" and "hand-off failed" in out.error
    assert len(handed) == 2
    out = poll_feed_once(ctx, fid, lambda p: handed.append(p.url), now=time.time() + 3600)
    assert out.result == "new"
    assert len(handed) == len(set(handed)) == len(released_urls(server, "skynews"))


def test_items_claimed_by_a_dead_poller_are_picked_up_later(ctx, replay) -> None:
    url, server = replay
    (fid,) = register(ctx, url, ("bbc",))
    urls = sorted(released_urls(server, "bbc"))
    from worker.document import doc_id_for_url

    # A poller claimed two items and died before handing them on (its claims expire in 1 s here).
    for u in urls[:2]:
        ctx.redis.set(ctx.keys.seen(doc_id_for_url(u)), "pending:crashed", ex=1)
    handed: list[str] = []
    out = poll_feed_once(ctx, fid, lambda p: handed.append(p.url))
    assert out.result == "new" and sorted(handed) == urls[2:]
    assert ctx.registry.state(fid).etag is None  # validators not advanced: the feed will be re-read
    time.sleep(1.2)
    out = poll_feed_once(ctx, fid, lambda p: handed.append(p.url))
    assert sorted(handed) == sorted(urls) and len(handed) == len(set(handed))
    assert ctx.registry.state(fid).etag is not None


def test_own_politeness_budget_defers_without_failing_the_feed(redis_client, prefix, replay) -> None:
    url, _ = replay
    settings = Settings(allow_private_addresses=True, per_host_rate=0.001, per_host_burst=1)
    c = AppContext.create(settings, redis_client=redis_client, prefix=prefix)
    (fid,) = register(c, url, ("cnn",))
    assert poll_feed_once(c, fid, lambda p: None).result == "new"
    out = poll_feed_once(c, fid, lambda p: None)
    st = c.registry.state(fid)
    assert out.result == "deferred" and st.consecutive_failures == 0 and st.status == "ok"
    assert out.next_due > time.time() + 60
    c.close()
