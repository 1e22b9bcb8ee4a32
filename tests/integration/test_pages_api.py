"""What the alerts and feeds pages need from the API (issue 17), on the real Redis and Elasticsearch: the
page and the API sharing a path, "poll now", the feed's schedule fields, the history's channel filter."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.integration.alert_context import alerts_ctx, match_article, pipeline  # noqa: F401
from tests.integration.alert_receivers import webhook_receiver  # noqa: F401
from tests.unit.test_alerts_engine import PRISON
from worker.alerts.store import RuleStore

pytestmark = pytest.mark.integration

KEY = "test-pages-key-123"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def client(alerts_ctx, monkeypatch):  # noqa: F811
    from worker.api.app import create_app
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_key", KEY)
    return TestClient(create_app())


@pytest.mark.parametrize("path", ["/alerts", "/feeds"])
def test_a_browser_gets_the_page_and_a_client_the_json(client, path) -> None:
    page = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'data-page="{path[1:]}"' in page.text and "Accept" in page.headers["vary"]
    for accept in ("application/json", "*/*", None):
        r = client.get(path, headers={"Accept": accept} if accept else {})
        assert r.status_code == 200 and r.headers["content-type"] == "application/json", accept
        assert "total" in r.json()
    # writes are never a page
    assert client.post(path, json={}, headers={"Accept": BROWSER_ACCEPT}).status_code == 401


def test_poll_now_and_the_schedule_fields(client, alerts_ctx) -> None:  # noqa: F811
    from worker.pipeline.context import current

    key = {"X-API-Key": KEY}
    body = {"url": "http://93.184.216.34/rss", "id": "feed-a", "interval": 300}
    assert client.post("/feeds", json=body, headers=key).status_code == 201
    registry = current().registry
    registry.set_due("feed-a", time.time() + 3600)
    feed = client.get("/feeds/feed-a").json()
    assert feed["interval"] == 300 and feed["last_success"] is None and feed["last_error"] is None
    assert feed["next_poll"] > time.time() + 3000  # the schedule's time, before any poll wrote a state
    assert client.post("/feeds/feed-a/poll").status_code == 401
    before = time.time()
    r = client.post("/feeds/feed-a/poll", headers=key)
    assert r.status_code == 202 and r.json()["id"] == "feed-a" and r.json()["within_seconds"] > 0
    assert before - 1 <= client.get("/feeds").json()["feeds"][0]["next_poll"] <= time.time() + 1
    assert registry.due(time.time() + 1) == ["feed-a"]  # the beat's next tick claims it
    assert client.post("/feeds/nope/poll", headers=key).status_code == 404


def test_history_filters_by_channel_type(client, alerts_ctx, pipeline, webhook_receiver) -> None:  # noqa: F811
    store = RuleStore(alerts_ctx)
    store.upsert({"name": "hook", "query": "سجن", "channels": {"webhooks": [{"url": webhook_receiver.url}]}})
    store.upsert({"name": "mail", "query": "سجن", "channels": {"emails": ["desk@example.org"]}, "enabled": False})
    match_article(pipeline, PRISON)
    assert webhook_receiver.wait_for(lambda reqs: len(reqs) == 1)
    alerts_ctx.es.indices.refresh(index=alerts_ctx.settings.es_alert_history_index)
    hooks = client.get("/alerts/history", params={"channel": "webhook"}).json()
    assert hooks["total"] == 1 and hooks["records"][0]["rule"] == "hook"
    assert hooks["records"][0]["channels"][0]["status"] == "delivered"
    assert client.get("/alerts/history", params={"channel": "email"}).json()["total"] == 0
    assert client.get("/alerts/history", params={"channel": "email", "rule": "hook"}).json()["total"] == 0
    assert client.get("/alerts/history", params={"channel": "fax"}).status_code == 422
