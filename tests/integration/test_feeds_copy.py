"""The feed registry's copy in Elasticsearch (QA3 ops M2): every change of a feed's configuration is written to
``settings.es_feeds_index``; a Redis that lost its data gets its feeds back at ``newsworker setup`` (and
``run``); a copy that cannot be written leaves the Redis change made and is written again later. On the real
Redis (own key prefix) and Elasticsearch (own index)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from tests.app_context import app_context
from worker.ingest.registry import Feed, FeedRegistry, FeedState
from worker.store.feeds_copy import FeedCopy

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("NEWSWORKER_REDIS_URL", "redis://127.0.0.1:6379/0")  # as tests/conftest.py


@pytest.fixture
def ctx(redis_client, es_client, unique_name):  # noqa: ANN001, ANN201
    c = app_context(unique_name, redis_client, es_client)
    yield c
    c.close()
    keys = list(redis_client.scan_iter(f"{unique_name}:*", count=1000))
    if keys:
        redis_client.delete(*keys)
    es_client.indices.delete(index=f"{unique_name}-*", ignore_unavailable=True, allow_no_indices=True)


def _copy(es: Elasticsearch, index: str) -> dict[str, dict]:
    """id -> the copy's document, as a search sees it."""
    es.indices.refresh(index=index)
    hits = es.search(index=index, size=100, query={"match_all": {}})["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def _lose_redis(redis_client, prefix: str) -> None:  # noqa: ANN001
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_change_is_copied(ctx, es_client) -> None:  # noqa: ANN001
    reg, index = ctx.registry, ctx.settings.es_feeds_index
    reg.add(Feed(id="a", url="http://93.184.216.34/a", tags=["x"]))
    reg.put(Feed(id="b", url="http://93.184.216.34/b", interval=600))
    docs = _copy(es_client, index)
    assert docs["a"]["feed"]["url"] == "http://93.184.216.34/a" and docs["a"]["feed"]["tags"] == ["x"]
    assert docs["b"]["feed"]["interval"] == 600 and docs["a"]["removed"] is False

    reg.put(Feed(id="a", url="http://93.184.216.34/a2"))  # replace
    reg.set_enabled("b", False)
    reg.set_interval("a", 900)
    docs = _copy(es_client, index)
    assert docs["a"]["feed"]["url"] == "http://93.184.216.34/a2" and docs["a"]["feed"]["interval"] == 900
    assert docs["b"]["feed"]["enabled"] is False

    reg.remove("b")
    docs = _copy(es_client, index)
    assert docs["b"]["removed"] is True and docs["b"]["feed"] is None


def test_a_feeds_file_is_copied_and_replace_removes(ctx, es_client, tmp_path) -> None:  # noqa: ANN001
    reg, index = ctx.registry, ctx.settings.es_feeds_index
    reg.add(Feed(id="old", url="http://93.184.216.34/old"))
    f = tmp_path / "feeds.yaml"
    f.write_text("feeds:\n  - {id: one, url: 'http://93.184.216.34/1'}\n  - {id: two, url: 'http://93.184.216.34/2',"
                 " enabled: false}\n", encoding="utf-8")
    reg.load_yaml(f, replace=True)
    docs = _copy(es_client, index)
    assert {k for k, v in docs.items() if not v["removed"]} == {"one", "two"} and docs["old"]["removed"]
    assert docs["two"]["feed"]["enabled"] is False


def test_an_emptied_redis_gets_its_feeds_back_without_their_state(ctx, es_client, redis_client) -> None:  # noqa: ANN001
    reg = ctx.registry
    reg.add(Feed(id="a", url="http://93.184.216.34/a", interval=600, tags=["t"]))
    reg.add(Feed(id="off", url="http://93.184.216.34/off"))
    reg.set_enabled("off", False)
    reg.add(Feed(id="gone", url="http://93.184.216.34/gone"))
    reg.remove("gone")
    reg.save_state("a", FeedState(status="ok", etag='"e"', polls=4))

    _lose_redis(redis_client, ctx.keys.prefix)
    assert reg.ids() == []
    report = reg.sync_copy()
    assert sorted(f.id for f in report.restored) == ["a", "off"]  # the removed one stays removed
    assert reg.ids() == ["a", "off"]
    assert reg.get("a").interval == 600 and reg.get("a").tags == ["t"] and reg.get("off").enabled is False
    assert reg.state("a").etag is None and reg.state("a").polls == 0  # polling state was Redis's only
    due = reg.due_times(["a", "off"])
    assert due["a"] is not None and due["off"] is None  # the paused feed stays off the schedule

    # a second setup with feeds in Redis restores nothing and copies what is there
    again = reg.sync_copy()
    assert again.restored == [] and again.copied == 2


def test_no_restore_after_every_feed_was_removed_on_purpose(ctx) -> None:  # noqa: ANN001
    reg = ctx.registry
    reg.add(Feed(id="a", url="http://93.184.216.34/a"))
    reg.remove("a")
    assert reg.sync_copy().restored == [] and reg.ids() == []


def test_a_copy_that_cannot_be_written_keeps_the_redis_change_and_is_written_later(ctx, es_client, caplog) -> None:  # noqa: ANN001
    index = ctx.settings.es_feeds_index
    down = FeedRegistry(ctx.redis, ctx.keys, copy=FeedCopy(
        Elasticsearch(f"http://127.0.0.1:{_closed_port()}", request_timeout=2, max_retries=0), index))
    down.add(Feed(id="a", url="http://93.184.216.34/a"))  # no exception: the change is made
    down.add(Feed(id="b", url="http://93.184.216.34/b"))
    down.remove("b")
    assert down.ids() == ["a"]
    assert "the feed registry's copy in Elasticsearch" in caplog.text and "not updated" in caplog.text
    assert ctx.redis.smembers(ctx.keys.feeds_copy_pending) == {"a", "b"}

    # a removal pending: Redis is not "empty because lost", so nothing is restored over it
    down.remove("a")
    assert ctx.registry.restore_from_copy() == []

    # the next change through a working copy writes the earlier ones too
    ctx.registry.add(Feed(id="c", url="http://93.184.216.34/c"))
    docs = _copy(es_client, index)
    assert docs["a"]["removed"] and docs["b"]["removed"] and not docs["c"]["removed"]
    assert ctx.redis.smembers(ctx.keys.feeds_copy_pending) == set()


def test_sync_copy_writes_what_is_pending_and_seeds_an_old_registry(ctx, es_client) -> None:  # noqa: ANN001
    """A registry written before the copy existed (no copy) is copied whole at the next setup."""
    plain = FeedRegistry(ctx.redis, ctx.keys)
    plain.add(Feed(id="a", url="http://93.184.216.34/a"))
    plain.add(Feed(id="b", url="http://93.184.216.34/b"))
    report = ctx.registry.sync_copy()
    assert report.restored == [] and report.copied == 2
    assert set(_copy(es_client, ctx.settings.es_feeds_index)) == {"a", "b"}


def test_a_late_write_of_an_older_configuration_loses(ctx, es_client) -> None:  # noqa: ANN001
    copy = FeedCopy(es_client, ctx.settings.es_feeds_index)
    copy.write([("a", {"id": "a", "url": "http://93.184.216.34/new"})], version=2_000)
    copy.write([("a", {"id": "a", "url": "http://93.184.216.34/old"})], version=1_000)  # not an error
    assert _copy(es_client, copy.index)["a"]["feed"]["url"].endswith("/new")
    copy.write([("a", None)], version=3_000)
    copy.write([("a", {"id": "a", "url": "http://93.184.216.34/new"})], version=2_500)
    assert copy.read() == []


def test_setup_restores_the_feeds_of_an_emptied_redis_and_says_so(redis_client, es_client, unique_name) -> None:  # noqa: ANN001
    prefix = f"{unique_name}:"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWORKER_")}
    env.update(PYTHONPATH=str(REPO), NEWSWORKER_REDIS_URL=REDIS_URL, NEWSWORKER_REDIS_PREFIX=prefix, NEWSWORKER_ES_URL=os.environ.get("NEWSWORKER_ES_URL", "http://127.0.0.1:9200"),
        NEWSWORKER_ES_INDEX=f"{unique_name}-articles", NEWSWORKER_ES_ALERTS_INDEX=f"{unique_name}-alerts",
        NEWSWORKER_ES_ALERT_HISTORY_INDEX=f"{unique_name}-alert-history",
        NEWSWORKER_ES_FEEDS_INDEX=f"{unique_name}-feeds")

    def nw(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=180)

    try:
        r = nw("feeds", "add", "http://93.184.216.34/rss", "--id", "kept", "--interval", "600")
        assert r.returncode == 0, r.stderr
        r = nw("setup")
        assert r.returncode == 0 and "restored" not in r.stderr, r.stderr
        _lose_redis(redis_client, prefix)
        r = nw("setup")
        assert r.returncode == 0, r.stderr
        assert "restored 1 feeds (kept)" in r.stderr and "polling state" in r.stderr, r.stderr
        r = nw("feeds", "show", "kept")
        assert r.returncode == 0 and '"interval": 600' in r.stdout
    finally:
        _lose_redis(redis_client, prefix)
        es_client.indices.delete(index=f"{unique_name}-*", ignore_unavailable=True, allow_no_indices=True)
        es_client.options(ignore_status=404).indices.delete_index_template(name=f"{unique_name}*")
