"""``newsworker import``'s summary uses the README's words: imported, bad, refused (the JSON used to say only
"failed" for the rows the chain or the index refused; it keeps that key, the same count, for old readers)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from typer.testing import CliRunner

from worker.archive.errors import ImportAborted
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


def _stopping(monkeypatch, tmp_path, error: BaseException):  # noqa: ANN001, ANN202
    """``import_archive`` that finishes one batch of 4 rows (1 bad), then stops with ``error``."""
    from worker.archive.checkpoint import Progress
    from worker.archive.rows import BadRow

    ctx = SimpleNamespace(settings=SimpleNamespace(es_index="news-test"))

    def import_archive(*a, tally, **k):  # noqa: ANN001, ANN202
        tally.before = Progress(done=8, imported=8)
        tally.rows, tally.imported, tally.bad, tally.skipped = 4, 3, 1, 8
        tally.bad_rows.append(BadRow(12, 13, "invalid JSON"))
        raise error

    monkeypatch.setattr("worker.archive.importer.context_for", lambda alias: ctx)
    monkeypatch.setattr("worker.archive.importer.import_archive", import_archive)
    path = tmp_path / "a.jsonl"
    path.write_text("{}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("error,code,said", [
    (KeyboardInterrupt(), 130, "interrupted: run the same command again"),
    (ImportAborted("the index stayed unavailable"), 1, "stopped: the index stayed unavailable"),
    (RedisConnectionError("Connection refused"), 1, "stopped: ConnectionError: Connection refused"),
])
def test_interrupted_import_still_prints_its_summary(monkeypatch, tmp_path, error, code, said) -> None:
    """QA: with --json, an import stopped by Ctrl-C or a store error printed nothing on stdout."""
    path = _stopping(monkeypatch, tmp_path, error)
    r = CliRunner().invoke(app, ["import", str(path), "--json"])
    assert r.exit_code == code
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["interrupted"] is True and out["error"].startswith(said)
    assert (out["rows"], out["imported"], out["bad"], out["refused"], out["skipped"]) == (4, 3, 1, 0, 8)
    assert out["bad_rows"] == [{"line": 13, "unit": "line", "error": "invalid JSON"}]
    assert said in r.stderr  # the reason, on stderr as without --json

    r = CliRunner().invoke(app, ["import", str(path), "--quiet"])  # the line a person reads says the same
    assert r.exit_code == code and said in r.stderr
    assert "3 imported from 4 rows, 1 bad, 0 refused, 8 done by an earlier run" in r.stdout
    assert r.stdout.rstrip().endswith("; interrupted")


def test_finished_import_says_it_was_not_interrupted(monkeypatch, tmp_path) -> None:
    path = _fake(monkeypatch, tmp_path)
    out = json.loads(CliRunner().invoke(app, ["import", str(path), "--json"]).stdout)
    assert out["interrupted"] is False and "error" not in out
