"""``newsworker import``'s summary uses the README's words: imported, bad, refused (the JSON used to say only
"failed" for the rows the chain or the index refused; it keeps that key, the same count, for old readers)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from typer.testing import CliRunner

from worker.archive.importer import ImportSummary
from worker.cli.main import app


def _fake(monkeypatch, tmp_path):  # noqa: ANN001, ANN202
    summary = ImportSummary(rows=10, imported=5, bad=2, failed=3, skipped=0, deliveries=0, seconds=1.0)
    ctx = SimpleNamespace(settings=SimpleNamespace(es_index="news-test"))
    monkeypatch.setattr("worker.archive.importer.context_for", lambda alias: ctx)
    monkeypatch.setattr("worker.archive.importer.import_archive", lambda *a, **k: summary)
    path = tmp_path / "a.jsonl"
    path.write_text("{}\n", encoding="utf-8")
    return path


def test_import_summary_says_refused(monkeypatch, tmp_path) -> None:
    path = _fake(monkeypatch, tmp_path)
    r = CliRunner().invoke(app, ["import", str(path), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "5 imported from 10 rows, 2 bad, 3 refused" in r.output and "failed" not in r.output
    out = json.loads(CliRunner().invoke(app, ["import", str(path), "--json"]).output)
    assert (out["imported"], out["bad"], out["refused"], out["failed"]) == (5, 2, 3, 3)
