"""``newsworker eval`` runs for minutes (hours with the entity CRFs): it says on stderr what it is doing,
each cross-validation and each fold, and leaves stdout to the report."""

from __future__ import annotations

from types import SimpleNamespace

from typer.testing import CliRunner

from worker.cli.main import app
from worker.training import report


def test_cross_validation_reports_each_fold_and_stage() -> None:
    seen: list[str] = []
    arts = [SimpleNamespace(id=str(i), fold_key=f"a{i}") for i in range(12)]
    fake_ev = SimpleNamespace(prepare=lambda a: SimpleNamespace(article=a), train=lambda train: None,
                              predict=lambda m, test: [set() for _ in test])
    real_ev, report.ev = report.ev, fake_ev
    try:
        out = report.cross_validate_events(arts, 3, progress=report._stage(seen.append, "events"))
    finally:
        report.ev = real_ev
    assert len(out) == 12
    assert seen == ["events: starting", "events: fold 1/3", "events: fold 2/3", "events: fold 3/3"]


def test_eval_prints_progress_on_stderr_and_the_report_on_stdout(monkeypatch) -> None:
    def fake_main(k, curve, gold_dev, out, entities, progress):  # noqa: ANN001, ANN202 - report.main's signature
        progress("events: fold 1/3")
        return "## the report\n"

    monkeypatch.setattr(report, "main", fake_main)
    r = CliRunner().invoke(app, ["eval", "-k", "3"])
    assert r.exit_code == 0, r.output
    assert r.stdout == "## the report\n"
    assert [line.split("] ", 1)[1] for line in r.stderr.splitlines()] == ["events: fold 1/3", "done"]
