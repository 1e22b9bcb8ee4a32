"""Editing a feed in place (QA5 web-only tasks: an outlet moves its feed, a wrong source name): ``PATCH
/feeds/{id}`` changes its URL, name, source, language and tags, keeping its polling state; a new URL goes
through the same address checks as ``POST /feeds`` and drops what was learnt from the old URL. And the
"silent" rule of a feed's view (QA5 qa5c-11). On the real Redis under a throw-away key prefix."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration

KEY = "test-feeds-edit-key"
H = {"X-API-Key": KEY}
OLD, NEW = "http://93.184.216.34/rss", "http://93.184.216.35/feed.xml"


@pytest.fixture
def api(redis_client, unique_name, monkeypatch):  # noqa: ANN001, ANN201
    from worker.api.app import create_app
    from worker.settings import get_settings

    prefix = f"test:{unique_name}:"
    monkeypatch.setattr(get_settings(), "redis_prefix", prefix)
    monkeypatch.setattr(get_settings(), "api_key", KEY)
    monkeypatch.setattr(get_settings(), "api_rate_per_second", 0.0)
    yield TestClient(create_app())
    from worker.pipeline.context import current

    current().close()
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


def _polled(feed_id: str, **state: object) -> None:
    """A feed polled for a while at OLD: validators, counts, failures in a row, a schedule far ahead."""
    from worker.ingest.registry import Feed, FeedState
    from worker.pipeline.context import current

    reg = current().registry
    reg.add(Feed(id=feed_id, url=OLD, name="Old name", tags=["a"]))
    values = {"status": "failing", "etag": '"e1"', "last_modified": "Mon, 01 Jan 2024 00:00:00 GMT",
              "body_hash": "h", "moved_from": "http://93.184.216.34/old", "polls": 40, "items_new": 12,
              "items_seen": 90, "consecutive_failures": 29, "last_http_status": 500, "interval": 21600.0,
              "last_success": 1000.0, "last_new_item": 900.0, "arrivals": [800.0, 900.0],
              "last_error": "transient: HTTP 500", "last_error_at": 1100.0, **state}
    reg.save_state(feed_id, FeedState(**values))
    reg.set_due(feed_id, time.time() + 20_000)


def test_a_new_url_keeps_the_polling_state_but_not_what_the_old_url_taught(api) -> None:  # noqa: ANN001
    from worker.pipeline.context import current

    _polled("moved")
    r = api.patch("/feeds/moved", json={"url": f"{NEW} ", "name": "الجديدة", "source": "Outlet", "tags": ["x", "y"],
                                        "language": "en"}, headers=H)
    assert r.status_code == 200, r.text
    view = r.json()
    assert (view["url"], view["name"], view["source"], view["tags"], view["language"]) == (
        NEW, "الجديدة", "Outlet", ["x", "y"], "en")
    state = current().registry.state("moved")
    # the old server's validators must not reach the new one; a 301 of the old URL, the dead URL's slow rate
    # and its failures in a row (29 of 30 to "dead") say nothing about the new URL
    assert (state.etag, state.last_modified, state.body_hash, state.moved_from) == (None, None, None, None)
    assert (state.consecutive_failures, state.last_http_status, state.interval) == (0, None, None)
    # what the feed has done is kept
    assert (state.polls, state.items_new, state.items_seen, state.last_success, state.last_new_item) == (
        40, 12, 90, 1000.0, 900.0)
    assert state.arrivals == [800.0, 900.0]
    # the old URL's error is not the new one's (QA5 re-test qa5r1-2: a 404 beside "ok" read as the new URL failing)
    assert (state.last_error, state.last_error_at) == (None, None)
    # the new URL is polled at once, not in 20,000 s
    due = current().registry.due_times(["moved"])["moved"]
    assert due is not None and due <= time.time() + 1
    assert api.get("/feeds/moved").json()["url"] == NEW


def test_name_source_and_tags_alone_keep_the_validators_and_the_schedule(api) -> None:  # noqa: ANN001
    from worker.pipeline.context import current

    _polled("renamed")
    before = current().registry.due_times(["renamed"])["renamed"]
    r = api.patch("/feeds/renamed", json={"source": "CNN Arabic", "tags": []}, headers=H)
    assert r.status_code == 200, r.text
    assert (r.json()["source"], r.json()["tags"], r.json()["name"], r.json()["url"]) == ("CNN Arabic", [], "Old name", OLD)
    state = current().registry.state("renamed")
    assert (state.etag, state.consecutive_failures, state.interval) == ('"e1"', 29, 21600.0)
    assert current().registry.due_times(["renamed"])["renamed"] == before
    # an empty source or name is the id, as at POST
    r = api.patch("/feeds/renamed", json={"source": "", "name": ""}, headers=H)
    assert (r.json()["source"], r.json()["name"]) == ("renamed", "renamed")


def test_a_new_url_is_checked_as_at_post(api) -> None:  # noqa: ANN001
    _polled("guarded")
    for url in ("http://127.0.0.1:9/rss", "http://169.254.169.254/latest", "http://10.1.2.3/feed"):
        r = api.patch("/feeds/guarded", json={"url": url}, headers=H)
        assert r.status_code == 422 and "feed URL refused" in r.text, (url, r.text)
    for url in ("ftp://93.184.216.34/rss", "not a url"):
        assert api.patch("/feeds/guarded", json={"url": url}, headers=H).status_code == 422
    # nothing changed: the URL and its validators
    view = api.get("/feeds/guarded").json()
    assert view["url"] == OLD and view["etag"] == '"e1"'
    # the id cannot be changed, and the key is needed
    assert api.patch("/feeds/guarded", json={"id": "other"}, headers=H).status_code == 422
    assert api.patch("/feeds/guarded", json={"name": "x"}).status_code == 401


def test_a_pause_still_works_on_a_feed_whose_interval_predates_the_bounds(api, monkeypatch) -> None:  # noqa: ANN001
    from worker.settings import get_settings

    _polled("old")
    from worker.pipeline.context import current

    current().registry.set_interval("old", 60)
    monkeypatch.setattr(get_settings(), "poll_min_interval", 120)
    assert api.patch("/feeds/old", json={"enabled": False}, headers=H).status_code == 200
    assert api.patch("/feeds/old", json={"interval": 60}, headers=H).status_code == 422


def test_a_feed_that_brings_nothing_new_for_long_is_silent(api) -> None:  # noqa: ANN001
    from worker.ingest.registry import SILENT_FLOOR_SECONDS, SILENT_POLLS
    from worker.pipeline.context import current

    now = time.time()
    _polled("quiet", status="ok", consecutive_failures=0, last_new_item=now - SILENT_FLOOR_SECONDS - 60)
    _polled("busy", status="ok", consecutive_failures=0, last_new_item=now - 600)
    _polled("never", status="ok", consecutive_failures=0, last_new_item=None, first_poll=now - 2 * 86400)
    _polled("slow", status="ok", consecutive_failures=0, last_new_item=now - 2 * 86400)
    current().registry.set_interval("slow", 6 * 3600)  # 48 x 6 h = 12 days
    rows = {f["id"]: f for f in api.get("/feeds").json()["feeds"]}
    assert rows["quiet"]["silent"] and rows["never"]["silent"]
    assert not rows["busy"]["silent"] and not rows["slow"]["silent"]
    assert rows["slow"]["silent_after"] == SILENT_POLLS * 6 * 3600
    assert rows["quiet"]["silent_after"] == SILENT_FLOOR_SECONDS
    # what the page shows of it
    assert {"items_new", "polls", "consecutive_failures", "last_new_item", "tags", "source"} <= set(rows["quiet"])
