"""``newsworker alerts add`` refuses a taken name unless ``--replace`` (QA: it printed "updated rule X" and
the rule's --source filter and channels were gone), as ``POST /alerts`` answers 409 and ``feeds add``
refuses a taken id. ``alerts load`` stays an upsert by name."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.integration.alert_context import alerts_ctx  # noqa: F401
from worker.alerts.store import RuleStore
from worker.cli.main import app

pytestmark = pytest.mark.integration


def test_a_taken_name_is_refused_and_the_rule_kept(alerts_ctx) -> None:  # noqa: F811
    runner = CliRunner()
    r = runner.invoke(app, ["alerts", "add", "watch", "-q", "سجن", "--source", "bbc",
                            "--email", "a@example.org"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["alerts", "add", "watch", "-q", "نفط"])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == ["error: rule 'watch' exists: --replace updates it "
                                             "(`alerts show watch` prints it)"]
    rule = RuleStore(alerts_ctx).get("watch")
    assert rule is not None and rule.query == "سجن"
    assert rule.filters.sources == ["bbc"] and rule.channels.emails == ["a@example.org"]


def test_replace_saves_the_rule_as_given(alerts_ctx) -> None:  # noqa: F811
    runner = CliRunner()
    assert runner.invoke(app, ["alerts", "add", "watch2", "-q", "سجن", "--source", "bbc"]).exit_code == 0
    r = runner.invoke(app, ["alerts", "add", "watch2", "-q", "نفط", "--replace"])
    assert r.exit_code == 0 and "updated rule watch2" in r.output, r.output
    rule = RuleStore(alerts_ctx).get("watch2")
    assert rule is not None and rule.query == "نفط" and rule.filters.sources == []


def test_load_still_upserts_by_name(alerts_ctx, tmp_path) -> None:  # noqa: F811
    path = tmp_path / "alerts.yaml"
    path.write_text("alerts:\n  - {name: w3, query: سجن}\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["alerts", "load", str(path)]).exit_code == 0
    path.write_text("alerts:\n  - {name: w3, query: نفط}\n", encoding="utf-8")
    r = runner.invoke(app, ["alerts", "load", str(path)])
    assert r.exit_code == 0 and "updated w3" in r.output, r.output


def test_loading_an_unchanged_file_says_unchanged_and_changes_nothing(alerts_ctx, tmp_path) -> None:  # noqa: F811
    """QA: `alerts load` of an unchanged file printed "updated" for every rule (and the engines reloaded)."""
    path = tmp_path / "alerts.yaml"
    path.write_text("alerts:\n  - {name: w4, query: سجن}\n  - {name: w5, query: نفط}\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["alerts", "load", str(path)])
    assert r.exit_code == 0 and r.output.splitlines() == ["created w4", "created w5"], r.output
    store = RuleStore(alerts_ctx)
    version, updated = store.version(), store.get("w4").updated
    r = runner.invoke(app, ["alerts", "load", str(path)])
    assert r.exit_code == 0 and r.output.splitlines() == ["unchanged w4", "unchanged w5"], r.output
    assert store.version() == version and store.get("w4").updated == updated  # nothing written, no reload
    path.write_text("alerts:\n  - {name: w4, query: سجن}\n  - {name: w5, query: غاز}\n", encoding="utf-8")
    r = runner.invoke(app, ["alerts", "load", str(path)])
    assert r.exit_code == 0 and r.output.splitlines() == ["unchanged w4", "updated w5"], r.output
    assert store.version() == version + 1
