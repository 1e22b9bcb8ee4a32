"""``newsworker import --alerts``: imported articles are matched like live ones and their notifications
queued to the ``deliver`` stage; without the flag nothing is matched (an archive is history)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.integration.alert_context import alerts_ctx  # noqa: F401 - fixture
from tests.integration.archive_fixtures import ant_articles, write_jsonl
from tests.integration.test_archive_import import title_phrase
from worker.alerts.store import RuleStore
from worker.cli.main import app

pytestmark = pytest.mark.integration


def test_alerts_only_with_the_flag(alerts_ctx, es_client, unique_name, tmp_path, monkeypatch):  # noqa: F811
    from worker import metrics
    from worker.settings import get_settings
    from worker.tasks import CeleryDispatcher

    # metrics go under the test's key prefix, which the alert fixture deletes afterwards
    monkeypatch.setattr(get_settings(), "redis_prefix", f"{unique_name}:")

    sent: list[tuple[str, list]] = []  # what would be queued: the shared broker stays clean
    monkeypatch.setattr(CeleryDispatcher, "send", lambda self, stage, payloads, attempt=1, countdown=None,
                        queue=None: sent.append((stage.name, payloads)))
    articles = ant_articles(2)
    target = articles[3]
    RuleStore(alerts_ctx).upsert({"name": f"r-{unique_name}", "query": title_phrase(target["title"]),
                                  "channels": {"webhooks": [{"url": "https://hooks.example.org/x"}]}})
    alias = f"{unique_name}-imported"
    path = write_jsonl(tmp_path / "a.jsonl", articles)
    try:
        r = CliRunner().invoke(app, ["import", str(path), "--index", alias, "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout.splitlines()[-1])["deliveries"] == 0 and sent == []

        r = CliRunner().invoke(app, ["import", str(path), "--index", alias, "--json", "--alerts"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout.splitlines()[-1])["deliveries"] == 1
        [(stage, payloads)] = sent
        assert stage == "deliver" and len(payloads) == 1
        assert payloads[0]["channel"]["url"] == "https://hooks.example.org/x"
        assert payloads[0]["article"]["title"] == target["title"].strip()

        first_id = payloads[0]["id"]
        sent.clear()  # importing again is the retry case: the same notification (same id, the receivers'
        # Idempotency-Key), which the deliver stage does not send again once delivered; nothing new
        r = CliRunner().invoke(app, ["import", str(path), "--index", alias, "--json", "--alerts"])
        assert json.loads(r.stdout.splitlines()[-1])["deliveries"] == 1
        assert [p["id"] for _, ps in sent for p in ps] == [first_id]
    finally:
        from worker.store.elastic import drop_alias_and_indices

        metrics.flush()
        drop_alias_and_indices(es_client, alias)
