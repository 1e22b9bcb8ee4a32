"""Pausing, resuming and re-timing a feed without losing its polling state (QA3 ops L4), and one interval rule
for the CLI and the API (L3). On the real Redis under a throw-away key prefix."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

pytestmark = pytest.mark.integration

KEY = "test-feeds-key"
H = {"X-API-Key": KEY}


@pytest.fixture
def isolated(redis_client, unique_name, monkeypatch):  # noqa: ANN001, ANN201
    from worker.settings import get_settings

    prefix = f"test:{unique_name}:"
    monkeypatch.setattr(get_settings(), "redis_prefix", prefix)
    monkeypatch.setattr(get_settings(), "api_key", KEY)
    yield prefix
    from worker.pipeline.context import current

    current().close()
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


def _cli(*args: str):  # noqa: ANN202
    from worker.cli.main import app

    return CliRunner().invoke(app, list(args))


def _stateful_feed(feed_id: str) -> None:
    """A registered feed that has been polled: an ETag, counts, an adapted interval, a schedule."""
    from worker.ingest.registry import Feed, FeedState
    from worker.pipeline.context import current

    reg = current().registry
    reg.add(Feed(id=feed_id, url="http://93.184.216.34/rss", interval=300))
    reg.save_state(feed_id, FeedState(status="ok", etag='"e1"', polls=7, items_new=12, interval=1200,
                                      next_due=time.time() + 5000))
    reg.set_due(feed_id, time.time() + 5000)


# -- L3: one rule -------------------------------------------------------------------------------------------

def test_the_cli_refuses_an_interval_the_api_refuses(isolated) -> None:  # noqa: ANN001
    from worker.api.app import create_app

    r = _cli("feeds", "add", "http://93.184.216.34/rss", "--id", "fast", "--interval", "5")
    assert r.exit_code == 2 and "interval" in r.output and "between 60 and 21600 seconds" in r.output, r.output
    assert json.loads(_cli("feeds", "list", "--json").output) == []
    api = TestClient(create_app()).post("/feeds", json={"url": "http://93.184.216.34/rss", "id": "fast",
                                                        "interval": 5}, headers=H)
    # the schema states the bounds (422 "greater than or equal to 60"); the route checks them again
    assert api.status_code == 422 and "60" in api.text and "interval" in api.text
    assert _cli("feeds", "add", "http://93.184.216.34/rss", "--id", "ok", "--interval", "60").exit_code == 0
    r = _cli("feeds", "set", "ok", "--interval", "30000")
    assert r.exit_code == 2 and "between 60 and 21600" in r.output, r.output


def test_feeds_load_refuses_an_interval_out_of_bounds_naming_the_feed(isolated, tmp_path) -> None:  # noqa: ANN001
    f = tmp_path / "feeds.yaml"
    f.write_text("feeds:\n  - {id: fine, url: 'http://93.184.216.34/1'}\n"
                 "  - {id: quick, url: 'http://93.184.216.34/2', interval: 5}\n", encoding="utf-8")
    r = _cli("feeds", "load", str(f))
    assert r.exit_code == 2 and "'quick'" in r.output and "interval" in r.output, r.output
    assert "nothing was loaded" in r.output
    assert json.loads(_cli("feeds", "list", "--json").output) == []


def test_the_bounds_follow_the_deployment_settings(isolated, monkeypatch) -> None:  # noqa: ANN001
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "poll_min_interval", 1)  # the chaos stack's fast feeds
    r = _cli("feeds", "add", "http://93.184.216.34/rss", "--id", "fast", "--interval", "5")
    assert r.exit_code == 0, r.output


# -- L4: pause, resume, interval --------------------------------------------------------------------------

def test_cli_disable_enable_and_set_keep_the_polling_state(isolated) -> None:  # noqa: ANN001
    from worker.pipeline.context import current

    _stateful_feed("f")
    reg = current().registry
    r = _cli("feeds", "disable", "f")
    assert r.exit_code == 0 and "disabled f" in r.output
    assert reg.get("f").enabled is False and reg.due_times(["f"])["f"] is None
    assert reg.state("f").etag == '"e1"' and reg.state("f").polls == 7
    listing = _cli("feeds", "list").output
    assert "f (off)" in listing and "paused" in listing
    assert json.loads(_cli("feeds", "list", "--json").output)[0]["next_poll"] is None  # not "20s ago"

    r = _cli("feeds", "enable", "f")
    assert r.exit_code == 0 and reg.get("f").enabled is True
    assert reg.due_times(["f"])["f"] <= time.time()  # on the next tick
    assert reg.state("f").etag == '"e1"'

    r = _cli("feeds", "set", "f", "--interval", "600")
    assert r.exit_code == 0 and reg.get("f").interval == 600, r.output
    state = reg.state("f")
    assert state.etag == '"e1"' and state.items_new == 12 and state.interval is None  # adapts from 600 now
    assert _cli("feeds", "disable", "nope").exit_code == 2  # an unknown id is wrong input (QA5 qa5b-9)


def test_api_patch_pauses_resumes_and_retimes_a_feed(isolated) -> None:  # noqa: ANN001
    from worker.api.app import create_app
    from worker.pipeline.context import current

    _stateful_feed("f")
    reg = current().registry
    client = TestClient(create_app())
    assert client.patch("/feeds/f", json={"enabled": False}).status_code == 401
    r = client.patch("/feeds/f", json={"enabled": False}, headers=H)
    assert r.status_code == 200 and r.json()["enabled"] is False and r.json()["next_poll"] is None
    assert r.json()["etag"] == '"e1"' and r.json()["polls"] == 7

    # poll-now on a paused feed: 409, not a 202 for a poll that never happens
    r = client.post("/feeds/f/poll", headers=H)
    assert r.status_code == 409 and "feed 'f' is disabled" in r.json()["detail"]
    assert reg.due_times(["f"])["f"] is None

    r = client.patch("/feeds/f", json={"enabled": True, "interval": 900}, headers=H)
    assert r.status_code == 200 and r.json()["enabled"] is True and r.json()["interval"] == 900
    assert r.json()["etag"] == '"e1"' and r.json()["current_interval"] is None
    assert client.post("/feeds/f/poll", headers=H).status_code == 202

    r = client.patch("/feeds/f", json={"interval": 5}, headers=H)
    assert r.status_code == 422 and "60" in r.text and reg.get("f").interval == 900
    assert client.patch("/feeds/f", json={"interval": 900.0}, headers=H).status_code == 200
    assert client.patch("/feeds/f", json={"url": "http://x"}, headers=H).status_code == 422
    assert client.patch("/feeds/f", json={"enabled": None}, headers=H).status_code == 422
    r = client.patch("/feeds/f", json={"interval": None}, headers=H)  # back to the settings' default
    assert r.status_code == 200 and r.json()["interval"] is None and r.json()["etag"] == '"e1"'
    assert client.patch("/feeds/nope", json={"enabled": False}, headers=H).status_code == 404


def test_a_new_interval_brings_a_far_poll_forward(isolated) -> None:  # noqa: ANN001
    from worker.pipeline.context import current

    _stateful_feed("f")
    reg = current().registry
    reg.set_interval("f", 120)
    assert reg.due_times(["f"])["f"] <= time.time() + 121  # was 5000 s away
    reg.set_due("f", time.time() + 30)
    reg.set_interval("f", 3600)
    assert reg.due_times(["f"])["f"] <= time.time() + 31  # never pushed back


def test_the_list_says_whether_changes_are_taken_and_refusals_name_their_field(isolated, monkeypatch) -> None:  # noqa: ANN001
    """QA5 qa5c-1 and qa5c-5: GET /feeds has writes_enabled (as GET /alerts); a URL the SSRF guard refuses
    names the url field as data, and a taken id is given as data beside the detail."""
    from worker.api.app import create_app
    from worker.settings import get_settings

    client = TestClient(create_app())
    assert client.get("/feeds").json()["writes_enabled"] is True
    r = client.post("/feeds", json={"url": "http://10.9.9.9/rss.xml", "id": "private"}, headers=H)
    assert r.status_code == 422 and r.json()["detail"].startswith("feed URL refused")
    assert r.json()["errors"][0]["loc"] == ["body", "url"]
    monkeypatch.setattr(get_settings(), "private_hosts", ["127.0.0.1"])
    assert client.post("/feeds", json={"url": "http://127.0.0.1:9/a.xml", "name": "Taken"}, headers=H).status_code == 201
    r = client.post("/feeds", json={"url": "http://127.0.0.1:9/b.xml", "name": "Taken"}, headers=H)
    assert r.status_code == 409 and r.json()["id"] == "taken" and "exists" in r.json()["detail"]
    monkeypatch.setattr(get_settings(), "api_key", "")
    assert client.get("/feeds").json()["writes_enabled"] is False
