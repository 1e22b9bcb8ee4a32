"""Rule storage on the real Elasticsearch + Redis, and engine refresh on change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.alert_context import alerts_ctx  # noqa: F401
from tests.unit.test_alerts_engine import PRISON
from worker.alerts.engine import Engine
from worker.alerts.rules import RuleError
from worker.alerts.store import RuleStore
from worker.query.fields import index_view

pytestmark = pytest.mark.integration


def test_crud_and_version(alerts_ctx) -> None:  # noqa: F811
    store = RuleStore(alerts_ctx)
    v0 = store.version()
    rule, created = store.upsert({"name": "prison", "query": "سجن", "owner": "ops"})
    assert created and store.version() == v0 + 1
    first_created = rule.created
    rule2, created2 = store.upsert({"name": "prison", "query": "سجن OR سجناء", "owner": "ops"})
    assert not created2 and rule2.created == first_created and store.get("prison").query == "سجن OR سجناء"
    store.upsert({"name": "other", "query": "نفط", "owner": "econ"})
    assert [r.name for r in store.list()] == ["other", "prison"]
    assert [r.name for r in store.list(owner="econ")] == ["other"]
    store.set_enabled("other", False)
    assert [r.name for r in store.list(enabled_only=True)] == ["prison"]
    assert store.delete("other") and not store.delete("other")
    assert store.get("other") is None
    with pytest.raises(RuleError):
        store.upsert({"name": "bad", "query": "(سجن"})
    assert store.get("bad") is None


def test_engine_sees_changes(alerts_ctx) -> None:  # noqa: F811
    store = RuleStore(alerts_ctx)
    eng = Engine(store, check_interval=0.0)
    view = index_view(PRISON)
    assert eng.match(view, PRISON) == []
    store.upsert({"name": "prison", "query": "سجن"})
    assert [r.name for r in eng.match(view, PRISON)] == ["prison"]
    store.set_enabled("prison", False)
    assert eng.match(view, PRISON) == []


def test_load_yaml_is_idempotent(alerts_ctx, monkeypatch) -> None:  # noqa: F811
    from worker.settings import REPO_ROOT

    monkeypatch.setenv("ALERTS_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    store = RuleStore(alerts_ctx)
    path = Path(REPO_ROOT / "config" / "alerts.yaml")
    first = store.load_file(path)
    assert first and all(change == "created" for _, change in first)
    second = store.load_file(path)
    assert all(change == "unchanged" for _, change in second)
    assert len(store.list()) == len(first)
    assert store.get("prison-attacks-syria-iraq").channels.webhooks[0].url == "http://127.0.0.1:9/hook"


def test_ensure_indices(alerts_ctx, es_client) -> None:  # noqa: F811
    from worker.alerts.store import ensure_indices

    ensure_indices(alerts_ctx)
    ensure_indices(alerts_ctx)  # re-runnable
    assert es_client.indices.exists(index=alerts_ctx.settings.es_alerts_index)
    assert es_client.indices.exists(index=alerts_ctx.settings.es_alert_history_index)
    mapping = es_client.indices.get_mapping(index=alerts_ctx.settings.es_alert_history_index)[alerts_ctx.settings.es_alert_history_index]
    assert mapping["mappings"]["properties"]["status"]["type"] == "keyword"
