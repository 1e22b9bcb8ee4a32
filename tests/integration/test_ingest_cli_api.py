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
    """Point the process-wide ingestion context at a throw-away prefix; allow the local server."""
    from worker.settings import get_settings

    prefix = f"test:{unique_name}:"
    monkeypatch.setenv("NEWSWORKER_REDIS_PREFIX", prefix)
    monkeypatch.setattr(get_settings(), "allow_private_addresses", True)
    monkeypatch.setattr(get_settings(), "api_key", KEY)
    monkeypatch.setattr(get_settings(), "per_host_rate", 1000.0)  # everything is on 127.0.0.1 here
    monkeypatch.setattr(get_settings(), "per_host_burst", 1000)
    # Fetch hands articles on through the extract queue (recorded below), not inline into Elasticsearch.
    monkeypatch.setattr(get_settings(), "inline_extract", False)
    sent: list[tuple[str, list]] = []
    # Keep the shared broker clean: record what would be enqueued instead of sending it.
    import worker.tasks.poll as poll_tasks
    from worker.celery_app import app

    monkeypatch.setattr(poll_tasks, "enqueue_fetch", lambda payload: sent.append(("fetch", [payload])))
    monkeypatch.setattr(app, "send_task", lambda name, args=None, **kw: sent.append((name, args)) or _Fake())
    yield prefix, sent
    from worker.ingest.context import get_context

    get_context().close()
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


class _Fake:
    id = "fake-task-id"


def test_cli_feed_lifecycle_poll_and_dead_letters(isolated) -> None:
    from worker.cli.main import app
    from worker.ingest import deadletter

    _, sent = isolated
    runner = CliRunner()
    with start_replay_server(start_released=20) as (url, _server):
        r = runner.invoke(app, ["feeds", "add", f"{url}/feeds/bbc.rss", "--id", "t-bbc", "--tag", "x"])
        assert r.exit_code == 0, r.output
        rows = json.loads(runner.invoke(app, ["feeds", "list", "--json"]).output)
        assert [(f["id"], f["status"], f["tags"]) for f in rows] == [("t-bbc", "new", ["x"])]
        r = runner.invoke(app, ["poll", "--once", "t-bbc"])
        assert r.exit_code == 0 and "t-bbc" in r.output and "new" in r.output, r.output
        fetches = [args[0] for name, args in sent if name == "fetch"]
        assert fetches and all(p["feed_id"] == "t-bbc" for p in fetches)
        r = runner.invoke(app, ["poll", "--once", "t-bbc"])
        assert "not_modified" in r.output
        shown = json.loads(runner.invoke(app, ["feeds", "show", "t-bbc"]).output)
        assert shown["status"] == "ok" and shown["etag"] and shown["state"]["items_new"] == len(fetches)
        assert "t-bbc" in runner.invoke(app, ["feeds", "list"]).output

    dl_id = deadletter.record("fetch", fetches[0], "PermanentFetchError: HTTP 404")
    r = runner.invoke(app, ["deadletter", "list", "--json"])
    assert [d["id"] for d in json.loads(r.output)] == [dl_id]
    assert json.loads(runner.invoke(app, ["deadletter", "show", dl_id]).output)["error"].endswith("404")
    r = runner.invoke(app, ["deadletter", "replay", dl_id])
    assert r.exit_code == 0 and ("worker.tasks.fetch.fetch_article", [fetches[0]]) in sent
    assert deadletter.count() == 0

    assert runner.invoke(app, ["feeds", "remove", "t-bbc"]).exit_code == 0
    assert runner.invoke(app, ["feeds", "remove", "t-bbc"]).exit_code == 1
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


def test_tasks_poll_fetch_and_dead_letter(isolated) -> None:
    """The Celery tasks run eagerly (``apply``): poll hands items to fetch, fetch hands articles to
    extract by name, and a page that keeps failing with no feed text ends as a dead letter after the
    retries instead of vanishing."""
    from worker.ingest import deadletter
    from worker.ingest.context import get_context
    from worker.ingest.registry import Feed
    from worker.tasks.fetch import MAX_RETRIES, fetch_article
    from worker.tasks.poll import poll_feed, schedule_due_feeds

    _, sent = isolated
    with start_replay_server(start_released=40) as (url, server):
        get_context().registry.add(Feed(id="t-cnn", url=f"{url}/feeds/cnn.rss", source="cnn"))
        import worker.tasks.poll as poll_tasks

        queued: list[str] = []
        poll_tasks.poll_feed.delay = lambda fid: queued.append(fid)  # type: ignore[method-assign]
        try:
            assert schedule_due_feeds.apply().get() == 1 and queued == ["t-cnn"]
            assert schedule_due_feeds.apply().get() == 0  # held while queued: no double poll
        finally:
            del poll_tasks.poll_feed.delay
        assert poll_feed.apply(args=["t-cnn"]).get()["result"] == "new"
        items = [args[0] for name, args in sent if name == "fetch"]
        assert len(items) >= 2
        out = fetch_article.apply(args=[items[0]]).get()
        assert out["result"] == "handed" and out["body_from"] == "page"
        handed = [args[0] for name, args in sent if name == "worker.tasks.extract.extract_article"]
        assert [p["id"] for p in handed] == [out["id"]]

        server.state.set_fault("page:cnn", "500")
        doomed = {**items[1], "summary": "", "content": ""}
        before = server.state.stats["fault_500"]
        out = fetch_article.apply(args=[doomed]).get()
        assert out["result"] == "dead_letter"
        assert server.state.stats["fault_500"] - before == MAX_RETRIES + 1  # every retry was tried
        assert deadletter.get(out["dead_letter"])["payload"]["link"] == doomed["link"]


def test_fetch_extracts_inline_by_default(isolated, monkeypatch) -> None:
    """With ``inline_extract`` (the default) the fetch task runs extraction and indexing itself: no
    extract message, no outbox entry unless indexing has to be handed to the index queue."""
    from worker.settings import get_settings
    from worker.tasks import extract as extract_tasks
    from worker.tasks import inflight
    from worker.tasks.fetch import fetch_article

    _, sent = isolated
    monkeypatch.setattr(get_settings(), "inline_extract", True)
    inline: list[tuple[str, bool]] = []
    monkeypatch.setattr(extract_tasks, "extract_and_index",
                        lambda p, remember_on_handoff=False: inline.append((p["id"], remember_on_handoff)))
    before = inflight.count()
    with start_replay_server(start_released=10) as (url, server):
        entry = server.state.entry(server.state.released[0].item)
        item = {"url": entry.canonical, "link": entry.link, "title": entry.title, "summary": entry.summary,
                "source": "bbc", "feed_id": "t"}
        out = fetch_article.apply(args=[item]).get()
    assert out["result"] == "handed" and inline == [(out["id"], True)]
    assert not [name for name, _ in sent if name.startswith("worker.tasks.extract")]
    assert inflight.count() == before
