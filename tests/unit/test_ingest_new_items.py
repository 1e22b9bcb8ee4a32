"""Items past the first ``MAX_ITEMS`` of a feed: the known ones are skipped before the cut, so a feed of
600 new items hands 500 on the first poll and the other 100 on the next (they were lost for good: the cut
came first, and the next poll found the first 500 known). A drop is said: ``items_dropped``, a log line, a
metric, and the old validators kept so the next poll reads the feed again."""

from __future__ import annotations

import logging

import pytest

from tests.hostile_server import hostile_server
from tests.integration.ingest_context import ingest_context
from tests.unit.test_hostile_feeds import hang_guard
from worker.ingest import poller
from worker.ingest.feedparse import MAX_ITEMS, MAX_SCANNED_ITEMS, parse_feed, parse_feed_new
from worker.ingest.registry import Feed
from worker.settings import Settings


def _rss(n: int, *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>', prolog: str = "") -> bytes:
    items = "".join(f"<item><title>t{i}</title><link>http://x.test/a{i}</link></item>" for i in range(n))
    return f'{declaration}{prolog}<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def _known_below(k: int):
    """Items a0..a{k-1} are known."""
    def known(groups: list[list[str]]) -> list[bool]:
        return [all(int(u.rsplit("a", 1)[1]) < k for u in g) for g in groups]
    return known


# The fast (lxml) path, and the full parse a DTD or another encoding sends a feed to.
VARIANTS = {
    "fast": lambda n: _rss(n),
    "dtd": lambda n: _rss(n, prolog='<!DOCTYPE rss [<!ENTITY e "x">]>'),
    "cp1256": lambda n: _rss(n, declaration='<?xml version="1.0" encoding="windows-1256"?>'),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_known_items_are_skipped_before_the_cut(variant):
    data = VARIANTS[variant](600)
    feed = (parse_feed_new(data, "application/rss+xml", None, _known_below(500)) if variant == "fast"
            else parse_feed(data, "application/rss+xml", None, _known_below(500)))
    assert [i.title for i in feed.items] == [f"t{i}" for i in range(500, 600)]
    assert feed.known == 500 and "items_dropped" not in feed.extra
    if variant != "fast":  # parse_feed_new sends these to the full parse, with the same answer
        again = parse_feed_new(data, "application/rss+xml", None, _known_below(500))
        assert again.items == feed.items and again.known == 500


def test_more_new_items_than_one_poll_takes_are_counted():
    feed = parse_feed_new(_rss(700), "application/rss+xml", None, _known_below(0))
    assert len(feed.items) == MAX_ITEMS and feed.items[-1].title == f"t{MAX_ITEMS - 1}"
    assert feed.extra["items_dropped"] == 200
    nxt = parse_feed_new(_rss(700), "application/rss+xml", None, _known_below(MAX_ITEMS))
    assert [i.title for i in nxt.items] == [f"t{i}" for i in range(500, 700)] and not nxt.extra


def test_a_huge_feed_is_looked_at_only_up_to_the_scan_cap():
    asked: list[int] = []

    def known(groups: list[list[str]]) -> list[bool]:
        asked.append(len(groups))
        return [True] * len(groups)

    with hang_guard(60):
        feed = parse_feed_new(_rss(100_000), "application/rss+xml", None, known)
    assert sum(asked) == MAX_SCANNED_ITEMS and max(asked) <= MAX_ITEMS  # bounded, in batches
    assert feed.items == () and feed.known == MAX_SCANNED_ITEMS
    assert feed.extra["items_dropped"] == 100_000 - MAX_SCANNED_ITEMS


def test_a_poll_hands_the_rest_on_the_next_poll(redis_client, unique_name, monkeypatch, caplog):
    counted: list[tuple] = []
    monkeypatch.setattr(poller.metrics, "inc", lambda *a, **k: counted.append(a))
    settings = Settings(private_hosts=["127.0.0.1"], per_host_rate=10_000, per_host_burst=10_000)
    with hostile_server(bomb_mb=1) as server, ingest_context(redis_client, unique_name, settings) as ctx:
        ctx.registry.add(Feed(id="f600", url=server + "/feed/600-items"))
        first: list = []
        with caplog.at_level(logging.WARNING, logger="worker.ingest.poller"):
            out = poller.poll_feed_once(ctx, "f600", first.append)
        assert out.result == "new" and len(first) == MAX_ITEMS
        assert counted == [("feed_items_dropped_total", {"feed": "f600"}, 100)]
        assert "100 items left for a later poll" in caplog.text
        state = ctx.registry.state("f600")
        assert state.body_hash is None  # kept from before, so the next poll reads the body again
        second: list = []
        out = poller.poll_feed_once(ctx, "f600", second.append)
        assert out.result == "new" and len(second) == 100
        assert {r.url for r in first}.isdisjoint(r.url for r in second)
        assert len(counted) == 1
