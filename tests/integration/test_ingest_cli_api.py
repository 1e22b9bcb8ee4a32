"""``newsworker feeds|poll|deadletter`` and the ``/feeds`` API on the real Redis (own key prefix)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from worker.replay.server import start_replay_server

pytestmark = pytest.mark.integration

KEY = "test-feeds-key"


@pytest.fixture
def isolated(redis_client, unique_name, monkeypatch):
    """Point the process's application context at a throw-away key prefix; allow the local server."""
    from worker.settings import get_settings
    from worker.tasks import CeleryDispatcher

    prefix = f"test:{unique_name}:"
    monkeypatch.setattr(get_settings(), "redis_prefix", prefix)
    monkeypatch.setattr(get_settings(), "allow_private_addresses", True)
    monkeypatch.setattr(get_settings(), "api_key", KEY)
    monkeypatch.setattr(get_settings(), "per_host_rate", 1000.0)  # everything is on 127.0.0.1 here
    monkeypatch.setattr(get_settings(), "per_host_burst", 1000)
    # Fetch hands articles on through the extract queue (recorded below), not inline into Elasticsearch.
    monkeypatch.setattr(get_settings(), "inline_extract", False)
    sent: list[tuple[str, list, int, float | None]] = []
    # Keep the shared broker clean: record what the runner would queue instead of sending it.
    monkeypatch.setattr(CeleryDispatcher, "send", lambda self, stage, payloads, attempt=1, countdown=None,
                        queue=None: sent.append((stage.name, payloads, attempt, countdown)))
    yield prefix, sent
    from worker.pipeline.context import current

    current().close()
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


def _runner():  # noqa: ANN202
    from worker.celery_app import app
    from worker.pipeline.table import STAGES
    from worker.tasks import runner_for

    return runner_for(app, STAGES)


def test_cli_feed_lifecycle_poll_and_dead_letters(isolated) -> None:
    from worker.cli.main import app
    from worker.pipeline.context import current
    from worker.pipeline.deadletters import DeadLetters

    _, sent = isolated
    runner = CliRunner()
    with start_replay_server(start_released=20) as (url, _server):
        r = runner.invoke(app, ["feeds", "add", f"{url}/feeds/bbc.rss", "--id", "t-bbc", "--tag", "x"])
        assert r.exit_code == 0, r.output
        rows = json.loads(runner.invoke(app, ["feeds", "list", "--json"]).output)
        assert [(f["id"], f["status"], f["tags"]) for f in rows] == [("t-bbc", "new", ["x"])]
        r = runner.invoke(app, ["poll", "--once", "t-bbc"])
        assert r.exit_code == 0 and "t-bbc" in r.output and "new" in r.output, r.output
        fetches = [p for name, payloads, *_ in sent if name == "fetch" for p in payloads]
        assert fetches and all(p["feed_id"] == "t-bbc" for p in fetches)
        r = runner.invoke(app, ["poll", "--once", "t-bbc"])
        assert "not_modified" in r.output
        shown = json.loads(runner.invoke(app, ["feeds", "show", "t-bbc"]).output)
        assert shown["status"] == "ok" and shown["etag"] and shown["state"]["items_new"] == len(fetches)
        assert "t-bbc" in runner.invoke(app, ["feeds", "list"]).output
        # a taken id is refused (the API's 409), --replace updates it and keeps its polling state
        r = runner.invoke(app, ["feeds", "add", f"{url}/feeds/cnn.rss", "--id", "t-bbc"])
        assert r.exit_code == 2 and "exists" in r.output and "--replace" in r.output, r.output
        assert json.loads(runner.invoke(app, ["feeds", "show", "t-bbc"]).output)["url"].endswith("bbc.rss")
        r = runner.invoke(app, ["feeds", "add", f"{url}/feeds/bbc.rss", "--id", "t-bbc", "--tag", "x", "--replace"])
        assert r.exit_code == 0 and "updated" in r.output, r.output
        assert json.loads(runner.invoke(app, ["feeds", "show", "t-bbc"]).output)["etag"] == shown["etag"]

    deadletter = DeadLetters(current().redis, current().keys)
    dl_id = deadletter.record("fetch", fetches[0], "PermanentFetchError: HTTP 404")
    r = runner.invoke(app, ["deadletter", "list", "--json"])
    assert [d["id"] for d in json.loads(r.output)] == [dl_id]
    assert json.loads(runner.invoke(app, ["deadletter", "show", dl_id]).output)["error"].endswith("404")
    r = runner.invoke(app, ["deadletter", "replay", dl_id])
    assert r.exit_code == 0 and ("fetch", [fetches[0]], 1, None) in sent
    assert deadletter.count() == 0

    assert runner.invoke(app, ["feeds", "remove", "t-bbc"]).exit_code == 0
    assert runner.invoke(app, ["feeds", "remove", "t-bbc"]).exit_code == 2  # an unknown id is wrong input (QA5 qa5b-9)
    r = runner.invoke(app, ["feeds", "load", "config/feeds.demo.yaml"])
    assert r.exit_code == 0 and "5 feeds" in r.output
    r = runner.invoke(app, ["feeds", "load", "config/feeds.yaml"])
    assert r.exit_code == 0
    assert len(json.loads(runner.invoke(app, ["feeds", "list", "--json"]).output)) >= 15


def test_feeds_api(isolated, monkeypatch) -> None:
    from worker.api.app import create_app
    from worker.settings import get_settings

    client = TestClient(create_app())
    body = {"url": "https://feeds.bbci.co.uk/arabic/rss.xml", "id": "bbc-ar", "tags": ["bbc"], "interval": 300}
    assert client.post("/feeds", json=body).status_code == 401
    r = client.post("/feeds", json={**body, "url": "http://93.184.216.34/rss"}, headers={"X-API-Key": KEY})
    assert r.status_code == 201 and r.json()["status"] == "new"
    listing = client.get("/feeds").json()
    assert listing["total"] == 1 and listing["feeds"][0]["id"] == "bbc-ar"
    assert client.get("/feeds/bbc-ar").json()["tags"] == ["bbc"]
    assert client.get("/feeds/nope").status_code == 404
    bad = client.post("/feeds", json={**body, "id": "x", "url": "file:///etc/passwd"}, headers={"X-API-Key": KEY})
    assert bad.status_code == 422
    monkeypatch.setattr(get_settings(), "allow_private_addresses", False)
    ssrf = client.post("/feeds", json={**body, "id": "y", "url": "http://169.254.169.254/latest"},
                       headers={"X-API-Key": KEY})
    assert ssrf.status_code == 422 and "refused" in ssrf.text
    assert client.delete("/feeds/bbc-ar").status_code == 401
    assert client.delete("/feeds/bbc-ar", headers={"X-API-Key": KEY}).status_code == 200
    assert client.get("/feeds").json()["total"] == 0


def test_feeds_api_refuses_an_existing_id(isolated) -> None:
    """POST /feeds with a taken id (given or derived from the name) is a 409, and the feed keeps its URL and
    polling state: before, the new URL silently took over the old feed's status and ETag."""
    from worker.api.app import create_app
    from worker.ingest.registry import FeedState
    from worker.pipeline.context import current

    client = TestClient(create_app())
    key = {"X-API-Key": KEY}
    first = {"url": "http://93.184.216.34/rss", "id": "taken", "name": "BBC Arabic"}
    assert client.post("/feeds", json=first, headers=key).status_code == 201
    reg = current().registry
    reg.save_state("taken", FeedState(status="ok", etag='"v1"', polls=3))
    r = client.post("/feeds", json={**first, "url": "http://93.184.216.35/other"}, headers=key)
    assert r.status_code == 409 and "'taken'" in r.json()["detail"] and "exists" in r.json()["detail"]
    kept = client.get("/feeds/taken").json()
    assert kept["url"] == "http://93.184.216.34/rss" and kept["etag"] == '"v1"' and kept["status"] == "ok"

    named = {"url": "http://93.184.216.34/a.xml", "name": "Sky News"}  # id derived from the name: sky-news
    assert client.post("/feeds", json=named, headers=key).json()["id"] == "sky-news"
    r = client.post("/feeds", json={**named, "url": "http://93.184.216.34/b.xml"}, headers=key)
    assert r.status_code == 409 and "'sky-news'" in r.json()["detail"] and "derived from the name" in r.json()["detail"]
    assert client.get("/feeds/sky-news").json()["url"] == "http://93.184.216.34/a.xml"
    assert client.get("/feeds").json()["total"] == 2


def test_a_feed_added_without_a_source_is_named_after_its_host_by_the_api_and_the_cli(isolated) -> None:
    """QA5 re-test (qa5c-11 partly fixed): a feed added without a source put its id on its articles
    ("broken-404"); one rule (``registry.default_source``) for POST /feeds, PATCH and ``feeds add``."""
    from worker.api.app import create_app
    from worker.cli.main import app

    client = TestClient(create_app())
    key = {"X-API-Key": KEY}
    r = client.post("/feeds", json={"url": "https://www.bbc.com/arabic/index.xml", "id": "bbc-web"}, headers=key)
    assert r.status_code == 201 and r.json()["source"] == "bbc.com", r.text
    named = client.post("/feeds", json={"url": "https://www.bbc.com/a.xml", "id": "bbc-named", "source": "BBC"},
                        headers=key)
    assert named.json()["source"] == "BBC"
    # an edit that empties the source: the host again, as at POST
    patched = client.patch("/feeds/bbc-named", json={"source": ""}, headers=key)
    assert patched.status_code == 200 and patched.json()["source"] == "bbc.com", patched.text
    out = CliRunner().invoke(app, ["feeds", "add", "https://www.aljazeera.net/rss", "--id", "aj"])
    assert out.exit_code == 0, out.output
    assert client.get("/feeds/aj").json()["source"] == "aljazeera.net"


def test_registry_add_refuses_an_existing_id_and_load_still_updates(isolated, tmp_path) -> None:
    from worker.ingest.registry import Feed, FeedExistsError, FeedState
    from worker.pipeline.context import current

    reg = current().registry
    reg.add(Feed(id="one", url="http://93.184.216.34/1"))
    reg.save_state("one", FeedState(status="ok", etag='"e"'))
    with pytest.raises(FeedExistsError, match="'one'"):
        reg.add(Feed(id="one", url="http://93.184.216.34/2"))
    assert reg.get("one").url == "http://93.184.216.34/1" and reg.ids() == ["one"]
    # `feeds load` re-reads an edited file: it updates the configuration and keeps the polling state, but
    # not the old URL's validators (If-None-Match / If-Modified-Since sent to the new URL could hide it)
    f = tmp_path / "feeds.yaml"
    f.write_text("feeds:\n  - {id: one, url: 'http://93.184.216.34/3'}\n  - {id: two, url: 'http://93.184.216.34/4'}\n",
                 encoding="utf-8")
    assert [x.id for x in reg.load_yaml(f)] == ["one", "two"]
    assert reg.get("one").url == "http://93.184.216.34/3" and reg.state("one").etag is None
    assert reg.state("one").status == "ok"
    reg.save_state("one", FeedState(status="ok", etag='"e3"'))
    reg.load_yaml(f)  # the same URL again: its validators are kept
    assert reg.state("one").etag == '"e3"'
    assert reg.ids() == ["one", "two"] and set(reg.due_times(["one", "two"]).values()) != {None}
    reg.put(Feed(id="two", url="http://93.184.216.34/5"))  # the explicit replace
    assert reg.get("two").url == "http://93.184.216.34/5"


def test_stages_poll_fetch_and_dead_letter(isolated) -> None:
    """The stages as the generated tasks run them: the schedule tick queues due feeds once, poll hands items
    to fetch, fetch hands articles to extract, and a page that keeps failing with no feed text ends as a
    dead letter after the retries instead of vanishing."""
    from worker.ingest.registry import Feed
    from worker.pipeline.retry import HTTP
    from worker.pipeline.table import STAGES

    _, sent = isolated
    runner = _runner()
    with start_replay_server(start_released=40) as (url, server):
        runner.ctx.registry.add(Feed(id="t-cnn", url=f"{url}/feeds/cnn.rss", source="cnn"))
        assert runner.tick("poll_due") == 1 and sent == [("poll", ["t-cnn"], 1, None)]
        assert runner.tick("poll_due") == 0  # held while queued: no double poll
        assert runner.handle("poll", ["t-cnn"]) == ["new"]
        items = [p for name, payloads, *_ in sent if name == "fetch" for p in payloads]
        assert len(items) >= 2
        fetch_batch = STAGES["fetch"].batch
        assert all(len(payloads) <= fetch_batch for name, payloads, *_ in sent if name == "fetch")  # micro-batches
        assert runner.handle("fetch", [items[0]]) == ["handed"]
        handed = [p for name, payloads, *_ in sent if name == "extract" for p in payloads]
        assert [p["url"] for p in handed] == [items[0]["url"]] and handed[0]["body"]

        server.state.set_fault("page:cnn", "500")
        doomed = {**items[1], "summary": "", "content": ""}
        before = server.state.stats["fault_500"]
        outcomes = [runner.handle("fetch", [doomed], attempt)[0] for attempt in range(1, HTTP.max_attempts + 1)]
        assert outcomes == ["retry"] * (HTTP.max_attempts - 1) + ["dead"]
        retries = [(a, c) for name, payloads, a, c in sent if name == "fetch" and payloads == [doomed]]
        assert [a for a, _ in retries] == list(range(2, HTTP.max_attempts + 1))
        assert all(c and c > 0 for _, c in retries)  # each with its backoff
        assert server.state.stats["fault_500"] - before == HTTP.max_attempts  # every attempt was tried
        dead = runner.dead_letters.list("fetch")
        assert dead[0]["payload"]["link"] == doomed["link"] and dead[0]["attempts"] == HTTP.max_attempts


def test_fetch_extracts_inline_by_default(isolated, monkeypatch) -> None:
    """With ``inline_extract`` (the default) the fetch stage hands articles to extraction in its own
    process: no extract message, no outbox entry."""
    import dataclasses

    from worker.pipeline.table import STAGES
    from worker.settings import get_settings

    _, sent = isolated
    monkeypatch.setattr(get_settings(), "inline_extract", True)
    inline: list[str] = []
    monkeypatch.setitem(STAGES.by_name, "extract", dataclasses.replace(
        STAGES["extract"], fn=lambda hop, articles: [inline.append(a.id) for a in articles]))
    runner = _runner()
    before = runner.outbox.count()
    with start_replay_server(start_released=10) as (url, server):
        entry = server.state.entry(server.state.released[0].item)
        item = {"id": "x", "url": entry.canonical, "link": entry.link, "title": entry.title,
                "summary": entry.summary, "source": "bbc", "feed_id": "t"}
        assert runner.handle("fetch", [item]) == ["handed"]
    assert len(inline) == 1
    assert not [name for name, *_ in sent if name == "extract"]
    assert runner.outbox.count() == before
