"""Rule validation and the YAML loader (no services needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.alerts.rules import AlertRule, RuleError, build_rule
from worker.alerts.store import load_rules_yaml
from worker.settings import REPO_ROOT


def test_valid_rule_defaults() -> None:
    rule = build_rule({"name": "prison", "query": "سجن AND event:prison_attack"})
    assert rule.enabled and rule.mode == "instant"
    assert rule.channels.keys() == []


def test_bad_query_is_a_clear_error() -> None:
    with pytest.raises(RuleError) as err:
        build_rule({"name": "broken", "query": '("هجوم على سجن" OR'})
    msg = str(err.value)
    assert "broken" in msg and "query" in msg


@pytest.mark.parametrize(
    "data, needle",
    [
        ({"name": "has space", "query": "سجن"}, "name"),
        ({"name": "ok", "query": "   "}, "query"),
        ({"name": "ok", "query": "سجن", "channels": {"emails": ["not-an-address"]}}, "email"),
        ({"name": "ok", "query": "سجن", "channels": {"webhooks": [{"url": "ftp://x"}]}}, "webhook"),
        ({"name": "ok", "query": "سجن", "mode": "weekly"}, "mode"),
        ({"name": "ok", "query": "سجن", "digest_minutes": 0}, "digest_minutes"),
    ],
)
def test_invalid_rules_are_refused(data: dict, needle: str) -> None:
    with pytest.raises(RuleError) as err:
        build_rule(data)
    assert needle in str(err.value)


@pytest.mark.parametrize("query", ["date:2018-03-31..2018-03-01", "سجن killed:[10 TO 2]"])
def test_a_reversed_range_is_refused_not_saved_as_an_alert_that_never_fires(query: str) -> None:
    # QA4 #11: the rule was accepted and matched nothing, ever
    with pytest.raises(RuleError, match="ends before it starts"):
        build_rule({"name": "reversed", "query": query})


@pytest.mark.parametrize("query", ["*", "title:*", "story:*", "سجن OR *"])
def test_a_rule_on_every_article_is_refused(query: str) -> None:
    # QA4 #6: `alerts add x -q '*'` was saved and fired on every article, while -q '' was refused
    with pytest.raises(RuleError, match="every article"):
        build_rule({"name": "star", "query": query})


def test_channel_keys_are_stable() -> None:
    rule = build_rule({"name": "x", "query": "سجن", "channels": {
        "webhooks": [{"url": "http://a/h"}, {"url": "http://b/h", "format": "slack"}], "emails": ["a@b.c"]}})
    assert rule.channels.keys() == ["webhook:0", "webhook:1", "email:a@b.c"]


def test_yaml_env_expansion_and_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_receivers) -> None:
    f = tmp_path / "alerts.yaml"
    f.write_text(
        "alerts:\n"
        "  - name: a\n    query: سجن\n    channels:\n      webhooks:\n        - url: ${HOOK_URL_TEST}\n"
        "  - name: b\n    query: فرار\n    channels:\n      webhooks:\n        - url: ${UNSET_HOOK_TEST:-http://127.0.0.1:1/x}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOOK_URL_TEST", "http://example.test/hook")
    monkeypatch.delenv("UNSET_HOOK_TEST", raising=False)
    rules = load_rules_yaml(f)
    assert [r.channels.webhooks[0].url for r in rules] == ["http://example.test/hook", "http://127.0.0.1:1/x"]
    monkeypatch.delenv("HOOK_URL_TEST")
    with pytest.raises(RuleError, match="HOOK_URL_TEST"):
        load_rules_yaml(f)


def test_yaml_with_one_bad_rule_is_refused_whole(tmp_path: Path) -> None:
    f = tmp_path / "alerts.yaml"
    f.write_text("alerts:\n  - {name: good, query: سجن}\n  - {name: bad, query: '(سجن'}\n"
                 "  - {name: good, query: فرار}\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules_yaml(f)
    assert "bad" in str(err.value) and "duplicate" in str(err.value)


def test_shipped_config_loads_and_compiles(monkeypatch: pytest.MonkeyPatch, local_receivers) -> None:
    monkeypatch.delenv("ALERTS_WEBHOOK_URL", raising=False)
    rules = load_rules_yaml(REPO_ROOT / "config" / "alerts.yaml")
    by_name = {r.name: r for r in rules}
    prison = by_name["prison-attacks-syria-iraq"]
    assert isinstance(prison, AlertRule)
    for word in ("هجوم على سجن", "اقتحام سجن", "فرار سجناء", "هروب سجناء", "استعصاء", "تمرد سجن",
                 "event:prison_attack", "place:الحسكة", "place:نينوى"):
        assert word in prison.query
    assert prison.channels.webhooks and prison.channels.webhooks[0].url.startswith("http://127.0.0.1")
    assert any(r.mode == "digest" for r in rules)
