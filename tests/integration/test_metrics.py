"""Metrics recorded by any process are exposed, in Prometheus format, on the API's /metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration


def test_counters_and_histograms_reach_metrics_endpoint(redis_client, monkeypatch):
    from tests.conftest import REDIS_URL
    from tests.integration.procs import leased_redis_db
    from worker.settings import get_settings
    from worker.store.clients import reset_clients

    # a DB of its own, empty (the metrics are counted per DB): leased, never a user's DB 12 flushed (qa7a-14)
    with leased_redis_db(REDIS_URL) as url:
        monkeypatch.setenv("NEWSWORKER_REDIS_URL", url)
        get_settings.cache_clear()
        reset_clients()
        try:
            _check_metrics_endpoint()
        finally:
            get_settings.cache_clear()
            reset_clients()


def _check_metrics_endpoint() -> None:
    from worker import metrics

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


def test_a_test_stack_never_leases_a_db_holding_someone_elses_keys(redis_client) -> None:
    """QA7 qa7a-14: a test run flushed the DB a live service was using (its feeds gone)."""
    import redis

    from tests.conftest import REDIS_URL
    from tests.integration.procs import TEST_DB_MARK, _a_test_db, leased_redis_db

    with leased_redis_db(REDIS_URL) as url:
        r = redis.Redis.from_url(url)
        assert _a_test_db(r) and r.exists(TEST_DB_MARK)
        r.delete(TEST_DB_MARK)
        r.set("someone:feeds", "1")  # what a service on this DB holds
        assert not _a_test_db(r)
        r.delete("someone:feeds")
        assert _a_test_db(r)  # empty again
