"""``newsworker eval`` runs for minutes (hours with the entity CRFs): it says on stderr what it is doing,
each cross-validation and each fold, and leaves stdout to the report."""

from __future__ import annotations

from types import SimpleNamespace

from typer.testing import CliRunner

from worker.cli.main import app
from worker.training import report


def test_eval_prints_stage_and_fold_progress_on_stderr(monkeypatch) -> None:
    arts = [SimpleNamespace(id=str(i), fold_key=f"a{i}") for i in range(12)]
    monkeypatch.setattr(report, "ev", SimpleNamespace(prepare=lambda a: SimpleNamespace(article=a),
                                                      train=lambda train: None,
                                                      predict=lambda m, test: [set() for _ in test]))
    calls: list[int] = []

    def fake_main(k, curve, gold_dev, out, entities):  # noqa: ANN001, ANN202 - report.main's signature
        calls.append(len(report.cross_validate_events(arts, k)))
        report.cross_validate_events(arts, k, 0.5)
        return "## the report\n"

    monkeypatch.setattr(report, "main", fake_main)
    original_kfold = report.kfold
    r = CliRunner().invoke(app, ["eval", "-k", "3"])
    assert r.exit_code == 0, r.output
    assert r.stdout == "## the report\n" and calls == [12]  # the wrapped folds still cover every article
    lines = [line.split("] ", 1)[1] for line in r.stderr.splitlines()]
    assert lines[:5] == ["events: cross-validating", "events: fold 1/3", "events: fold 2/3", "events: fold 3/3",
                         "events (learning curve, 50% of the training folds): cross-validating"]
    assert lines[-1] == "done"
    assert report.kfold is original_kfold  # nothing stays wrapped after the command
