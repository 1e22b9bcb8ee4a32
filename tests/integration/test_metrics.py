"""Metrics recorded by any process are exposed, in Prometheus format, on the API's /metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration


def test_counters_and_histograms_reach_metrics_endpoint(redis_client, monkeypatch):
    from tests.conftest import REDIS_URL
    from worker import metrics
    from worker.settings import get_settings
    from worker.store.clients import reset_clients

    monkeypatch.setenv("NEWSWORKER_REDIS_URL", REDIS_URL.rsplit("/", 1)[0] + "/12")
    get_settings.cache_clear()
    reset_clients()
    try:
        from worker.store.clients import get_redis

        get_redis().flushdb()
        metrics.inc("articles_total", {"stage": "extract", "outcome": "ok"}, 3)
        metrics.observe("stage_seconds", 0.02, {"stage": "extract"})
        metrics.observe("stage_seconds", 3.0, {"stage": "extract"})
        with pytest.raises(KeyError):
            metrics.inc("not_declared_total")

        from worker.api.app import create_app

        text = TestClient(create_app()).get("/metrics").text
        fams = {f.name: f for f in text_string_to_metric_families(text)}
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in fams.values() for s in f.samples}
        assert samples[("newsworker_articles_total", (("outcome", "ok"), ("stage", "extract")))] == 3.0
        assert samples[("newsworker_stage_seconds_count", (("stage", "extract"),))] == 2.0
        assert samples[("newsworker_stage_seconds_bucket", (("le", "0.025"), ("stage", "extract")))] == 1.0
        assert samples[("newsworker_stage_seconds_sum", (("stage", "extract"),))] == pytest.approx(3.02)
        assert "newsworker_queue_depth" in fams
    finally:
        get_settings.cache_clear()
        reset_clients()
