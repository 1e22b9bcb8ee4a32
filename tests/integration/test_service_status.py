"""``GET /status``, the service state every web page shows under its navigation (QA5 qa5c-13: with the workers
stopped every page still looked fine). On the real Redis and Elasticsearch under a throw-away key prefix; the
worker ping is replaced where the test needs a given answer (other runs' workers may share the broker)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration

KEY = "test-status-key"


@pytest.fixture
def api(redis_client, unique_name, monkeypatch):  # noqa: ANN001, ANN201
    from worker.api.app import create_app
    from worker.ops import health
    from worker.settings import get_settings

    prefix = f"test:{unique_name}:"
    monkeypatch.setattr(get_settings(), "redis_prefix", prefix)
    monkeypatch.setattr(get_settings(), "api_key", KEY)
    monkeypatch.setattr(get_settings(), "api_rate_per_second", 0.0)
    workers = {"up": False}
    monkeypatch.setattr(health, "check_workers", lambda timeout=2.0: health.Check(
        "workers", workers["up"], "1 worker(s): w@h" if workers["up"] else "no worker answered ping"))
    client = TestClient(create_app())
    client.workers = workers  # type: ignore[attr-defined]
    yield client
    from worker.pipeline.context import current

    current().close()
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


def _beat_and_canary_alive() -> None:
    from worker.ops.health import beat_lock_timing
    from worker.pipeline.context import current

    ctx = current()
    timeout, _ = beat_lock_timing()
    ctx.redis.set(f"{ctx.keys.redbeat}:lock", "beat", px=int(timeout * 1000))
    ctx.redis.set(ctx.keys.canary, repr(time.time()))


def test_workers_down_is_said_and_feeds_are_not_polled(api, monkeypatch) -> None:  # noqa: ANN001
    from worker.api.routes import health as route

    monkeypatch.setattr(route, "STATUS_CACHE_SECONDS", 0.0)
    body = api.get("/status").json()
    checks = {c["name"]: c["ok"] for c in body["checks"]}
    assert checks == {"redis": True, "elasticsearch": True, "workers": False, "beat": False, "consuming": False}
    assert body["ok"] is False and body["polling"] is False and body["alerting"] is False
    # beat, a worker and a fresh canary: feeds are polled and alerts sent
    _beat_and_canary_alive()
    api.workers["up"] = True  # type: ignore[attr-defined]
    body = api.get("/status").json()
    assert body["ok"] and body["polling"] and body["alerting"], body
    # the workers stop answering (kill -STOP): the page is told at once, before the canary goes stale
    api.workers["up"] = False  # type: ignore[attr-defined]
    body = api.get("/status").json()
    assert not body["polling"] and [c["name"] for c in body["checks"] if not c["ok"]] == ["workers"]


def test_the_checks_run_once_for_many_pages(api, monkeypatch) -> None:  # noqa: ANN001
    from worker.ops import health

    runs = []
    real = health.service_checks
    monkeypatch.setattr(health, "service_checks", lambda: runs.append(1) or real())
    first = api.get("/status").json()
    for _ in range(5):
        assert api.get("/status").json() == first
    assert len(runs) == 1


def test_closed_reads_need_the_key(api, monkeypatch) -> None:  # noqa: ANN001
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_read_open", False)
    assert api.get("/status").status_code == 401
    assert api.get("/status", headers={"X-API-Key": KEY}).status_code == 200


def test_redis_down_is_said_without_waiting_on_the_broker(monkeypatch) -> None:  # noqa: ANN001
    from worker.ops import health

    monkeypatch.setattr(health, "check_redis", lambda: health.Check("redis", False, "unreachable: refused"))
    monkeypatch.setattr(health, "check_workers", lambda timeout=2.0: pytest.fail("asked the broker"))
    state = health.service_state(health.service_checks())
    assert not state["polling"] and not state["alerting"]
    assert {c["name"]: c["ok"] for c in state["checks"]}["workers"] is False
