"""``/alerts`` API, ``newsworker alerts`` CLI and the history preview, on the real services."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.integration.alert_context import alerts_ctx  # noqa: F401
from tests.unit.test_alerts_engine import make_doc
from worker.alerts.preview import preview
from worker.alerts.store import RuleStore

pytestmark = pytest.mark.integration

KEY = "test-key-123"


@pytest.fixture
def client(alerts_ctx, monkeypatch):  # noqa: F811
    from worker.api.app import create_app
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_key", KEY)
    return TestClient(create_app())


def test_api_crud(client, alerts_ctx) -> None:  # noqa: F811
    body = {"name": "prison", "query": '"هجوم على سجن" OR event:prison_attack',
            "channels": {"webhooks": [{"url": "http://127.0.0.1:9/h", "format": "slack"}]}}
    assert client.post("/alerts", json=body).status_code == 401  # writes need the key
    r = client.post("/alerts", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 201 and r.json()["name"] == "prison"
    assert client.post("/alerts", json=body, headers={"X-API-Key": KEY}).status_code == 409
    bad = client.post("/alerts", json={"name": "bad", "query": "(سجن"}, headers={"X-API-Key": KEY})
    assert bad.status_code == 422 and "query" in bad.json()["detail"]
    star = client.post("/alerts", json={"name": "star", "query": "*"}, headers={"X-API-Key": KEY})
    assert star.status_code == 422 and "every article" in star.json()["detail"]  # QA4 #6
    assert [x["name"] for x in client.get("/alerts").json()["rules"]] == ["prison"]
    assert client.get("/alerts/prison").json()["channels"]["webhooks"][0]["format"] == "slack"
    # webhook URLs are secrets: redacted for readers, whole for the key holder
    assert client.get("/alerts/prison").json()["channels"]["webhooks"][0]["url"] == "http://127.0.0.1:9/…"
    assert client.get("/alerts").json()["rules"][0]["channels"]["webhooks"][0]["url"] == "http://127.0.0.1:9/…"
    full = client.get("/alerts/prison", headers={"X-API-Key": KEY}).json()
    assert full["channels"]["webhooks"][0]["url"] == "http://127.0.0.1:9/h"
    r = client.patch("/alerts/prison", json={"enabled": False}, headers={"X-API-Key": KEY})
    assert r.status_code == 200 and r.json()["enabled"] is False
    r = client.put("/alerts/prison", json={"query": "سجن"}, headers={"X-API-Key": KEY})
    assert r.status_code == 200 and r.json()["query"] == "سجن" and r.json()["enabled"] is True
    assert client.get("/alerts/history").json() == {"total": 0, "records": []}
    assert client.delete("/alerts/prison").status_code == 401
    assert client.delete("/alerts/prison", headers={"X-API-Key": KEY}).status_code == 204
    assert client.get("/alerts/prison").status_code == 404
    assert client.delete("/alerts/prison", headers={"X-API-Key": KEY}).status_code == 404


def test_cli(alerts_ctx, tmp_path) -> None:  # noqa: F811
    from worker.cli.main import app

    runner = CliRunner()
    r = runner.invoke(app, ["alerts", "add", "prison", "--query", "سجن AND فرار", "--webhook", "http://127.0.0.1:9/h",
                            "--email", "ops@example.test", "--owner", "ops"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["alerts", "add", "bad", "--query", '"سجن'])
    assert r.exit_code == 2 and "query" in r.output
    r = runner.invoke(app, ["alerts", "add", "star", "--query", "*"])  # QA4 #6: it was created
    assert r.exit_code == 2 and "every article" in r.output
    r = runner.invoke(app, ["alerts", "list", "--json"])
    rules = json.loads(r.output)
    assert [x["name"] for x in rules] == ["prison"] and rules[0]["channels"]["emails"] == ["ops@example.test"]
    assert runner.invoke(app, ["alerts", "disable", "prison"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["alerts", "show", "prison"]).output)["enabled"] is False
    assert runner.invoke(app, ["alerts", "enable", "prison"]).exit_code == 0
    assert runner.invoke(app, ["alerts", "show", "nope"]).exit_code == 2  # wrong input (QA5 qa5b-9)
    f = tmp_path / "a.yaml"
    f.write_text("alerts:\n  - {name: one, query: سجن}\n  - {name: two, query: فرار}\n", encoding="utf-8")
    r = runner.invoke(app, ["alerts", "load", str(f)])
    assert r.exit_code == 0 and "created one" in r.output
    r = runner.invoke(app, ["alerts", "load", str(f)])
    assert "unchanged one" in r.output  # loaded as it was: not written again
    r = runner.invoke(app, ["alerts", "history", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["total"] == 0
    assert runner.invoke(app, ["alerts", "remove", "two"]).exit_code == 0
    assert runner.invoke(app, ["alerts", "remove", "two"]).exit_code == 2
    assert sorted(x.name for x in RuleStore(alerts_ctx).list()) == ["one", "prison"]


def test_preview_over_indexed_history(alerts_ctx, es_client) -> None:  # noqa: F811
    from worker.store.elastic import drop_alias_and_indices, ensure_index, index_documents

    alias = alerts_ctx.settings.es_index
    ensure_index(es_client, alias)
    try:
        docs = [
            make_doc("هجوم على سجن غويران في الحسكة", "هجوم على سجن غويران وفرار سجناء", doc_id="p1",
                     events=("prison_attack",), places=(("الحسكة", "SY"),)),
            make_doc("هجوم على سجن في الحسكة", "نقلت وكالات هجوما على سجن في الحسكة", doc_id="p2", source="bbc",
                     events=("prison_attack",), places=(("الحسكة", "SY"),)),
            make_doc("فرار سجناء من سجن بادوش", "هجوم على سجن بادوش في الموصل", doc_id="p3", source="cnn",
                     events=("prison_attack",), places=(("الموصل", "IQ"),)),
            make_doc("أسعار النفط ترتفع", "ارتفعت أسعار النفط", doc_id="n1"),
        ]
        for d in docs:
            d["story_id"] = "p1" if d["id"] in ("p1", "p2") else d["id"]
        index_documents(es_client, docs, alias=alias, refresh="wait_for")
        rule, _ = RuleStore(alerts_ctx).upsert({"name": "prison", "query": '"هجوم على سجن" AND country:SY'})
        result = preview(rule, ctx=alerts_ctx)
        assert result["matched"] == 2 and result["notifications"] == 1
        story = result["stories"][0]
        assert story["story_id"] == "p1" and {story["article"]["id"], *(f["id"] for f in story["follow_ups"])} == {"p1", "p2"}
        wide, _ = RuleStore(alerts_ctx).upsert({"name": "wide", "query": "event:prison_attack",
                                                "filters": {"sources": ["cnn", "skynews"]}})
        res2 = preview(wide, ctx=alerts_ctx)
        assert res2["matched"] == 2 and res2["notifications"] == 2  # p2 (bbc) filtered out
        # a word of the source name, as `source:bbc` reads it (QA: "--source bbc" never matched "BBC Arabic")
        es_client.update(index=alias, id="p3", doc={"source": "CNN Arabic", "source_key": "cnn arabic"},
                         refresh="wait_for")
        words, _ = RuleStore(alerts_ctx).upsert({"name": "words", "query": "event:prison_attack",
                                                 "filters": {"sources": ["cnn"]}})
        assert [s["article"]["id"] for s in preview(words, ctx=alerts_ctx)["stories"]] == ["p3"]
    finally:
        drop_alias_and_indices(es_client, alias)


_PUT_FIELDS = ("query", "filters", "channels", "mode", "digest_minutes", "owner", "enabled")


def test_redacted_channels_are_refused_and_the_stored_ones_kept(client, alerts_ctx) -> None:  # noqa: F811
    """A reader's view of a rule sent back with the key (the page's edit after a 401) must not overwrite the
    real channels with their placeholders: notifications would go to ``/…`` and ``…@domain``."""
    key = {"X-API-Key": KEY}
    body = {"name": "red", "query": "سجن", "channels": {"webhooks": [{"url": "http://127.0.0.1:8099/hook-secret"}],
                                                        "emails": ["desk@example.org"]}}
    assert client.post("/alerts", json=body, headers=key).status_code == 201
    seen = client.get("/alerts/red").json()  # without the key: redacted
    assert seen["channels"] == {"webhooks": [{"url": "http://127.0.0.1:8099/…", "format": "json"}],
                                "emails": ["…@example.org"]}
    put = {**{k: seen[k] for k in _PUT_FIELDS}, "query": "سجن AND فرار"}
    r = client.put("/alerts/red", json=put, headers=key)
    assert r.status_code == 422
    assert "channels.webhooks.0.url" in r.json()["detail"] and "redacted" in r.json()["detail"]
    only_email = {**put, "channels": {"webhooks": [], "emails": seen["channels"]["emails"]}}
    r = client.put("/alerts/red", json=only_email, headers=key)
    assert r.status_code == 422 and "channels.emails" in r.json()["detail"] and "redacted" in r.json()["detail"]
    r = client.patch("/alerts/red", json={"channels": seen["channels"]}, headers=key)
    assert r.status_code == 422 and "redacted" in r.json()["detail"]
    r = client.post("/alerts", json={**put, "name": "red2"}, headers=key)
    assert r.status_code == 422 and "redacted" in r.json()["detail"]
    assert client.get("/alerts/red2").status_code == 404
    stored = RuleStore(alerts_ctx).get("red")
    assert stored.query == "سجن" and stored.channels.emails == ["desk@example.org"]
    assert [w.url for w in stored.channels.webhooks] == ["http://127.0.0.1:8099/hook-secret"]
    # the key holder's view goes back unchanged
    full = client.get("/alerts/red", headers=key).json()
    r = client.put("/alerts/red", json={**{k: full[k] for k in _PUT_FIELDS}, "query": "سجن AND فرار"}, headers=key)
    assert r.status_code == 200 and r.json()["channels"]["emails"] == ["desk@example.org"]


def test_put_refuses_a_body_name_other_than_the_path(client, alerts_ctx) -> None:  # noqa: F811
    key = {"X-API-Key": KEY}
    r = client.put("/alerts/qa-new", json={"name": "qa-other", "query": "سجن"}, headers=key)
    assert r.status_code == 422 and "qa-other" in r.json()["detail"] and "qa-new" in r.json()["detail"]
    assert client.get("/alerts/qa-new").status_code == 404 and client.get("/alerts/qa-other").status_code == 404
    r = client.put("/alerts/qa-new", json={"name": "qa-new", "query": "سجن"}, headers=key)  # the same name is fine
    assert r.status_code == 200 and r.json()["name"] == "qa-new"
    r = client.put("/alerts/qa-new", json={"query": "فرار"}, headers=key)  # and so is none
    assert r.status_code == 200 and r.json()["query"] == "فرار"


def test_a_stored_rule_the_query_language_now_refuses_is_flagged(client, alerts_ctx) -> None:  # noqa: F811
    """QA4 #6 made `*` a refused query; a rule saved with it before kept looking fine in every list while
    the workers skipped it (one line in a worker's log)."""
    from worker.alerts.rules import from_store
    from worker.cli.main import app

    RuleStore(alerts_ctx).upsert(from_store({"name": "old-star", "query": "*"}))  # as an older version saved it
    RuleStore(alerts_ctx).upsert({"name": "fine", "query": "سجن"})
    listed = {r["name"]: r for r in client.get("/alerts").json()["rules"]}
    assert "never fires" in listed["old-star"]["problem"] and listed["fine"]["problem"] is None
    assert "never fires" in client.get("/alerts/old-star").json()["problem"]
    runner = CliRunner()
    out = runner.invoke(app, ["alerts", "list"], env={"COLUMNS": "200"})
    assert out.exit_code == 0 and "INVALID" in out.output and "old-star: never fires" in out.output, out.output
    rows = {r["name"]: r for r in json.loads(runner.invoke(app, ["alerts", "list", "--json"]).output)}
    assert rows["old-star"]["problem"] and rows["fine"]["problem"] is None
    assert json.loads(runner.invoke(app, ["alerts", "show", "old-star"]).output)["problem"]


def test_the_rule_list_says_whether_the_server_takes_changes(client, alerts_ctx, monkeypatch) -> None:  # noqa: F811
    """QA round 4 (web) D8: the page must not ask for a key a server with none (or a placeholder) would refuse
    anyway; the list it loads first tells it."""
    from worker.settings import get_settings

    assert client.get("/alerts").json()["writes_enabled"] is True
    for key in ("change-me", ""):
        monkeypatch.setattr(get_settings(), "api_key", key)
        assert client.get("/alerts").json()["writes_enabled"] is False
        assert client.patch("/alerts/x", json={"enabled": False}, headers={"X-API-Key": "any"}).status_code == 403


def test_a_refused_rule_names_its_fields_as_data(client, alerts_ctx) -> None:  # noqa: F811
    """QA5 qa5c-5: the page marks the refused field from ``errors`` (loc as FastAPI's 422 gives it), not by
    reading the English detail, which stays as it was."""
    h = {"X-API-Key": KEY}
    r = client.post("/alerts", json={"name": "mail", "query": "سجن", "channels": {"emails": ["x;y@example.org"]}},
                    headers=h)
    assert r.status_code == 422 and "not one email address" in r.json()["detail"]
    assert [e["loc"] for e in r.json()["errors"]] == [["body", "channels", "emails"]]
    r = client.post("/alerts", json={"name": "q", "query": "(سجن"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "query"]


def test_an_address_with_a_bidi_override_is_refused_and_not_saved(client, alerts_ctx) -> None:  # noqa: F811
    """QA6 qa6s-6: ``a@exa\\u202emple.org`` was saved (200) and mailed; a 422 naming the field and character."""
    body = {"name": "em1", "query": "سجن", "channels": {"emails": ["a@exa\u202emple.org"]}}
    r = client.put("/alerts/em1", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 422, r.text
    assert "not an email address" in r.json()["detail"] and "U+202E" in r.json()["detail"]
    assert r.json()["errors"][0]["loc"][:3] == ["body", "channels", "emails"]
    assert client.get("/alerts/em1").status_code == 404
