"""``newsworker extract --jsonl`` applies the feed path's body cap (``MAX_BODY_CHARS``), saying so on
stderr: a 1 MB body went whole into the chain (15 s, 828 MB). The chain is replaced by a recorder here,
so the test measures what it is handed, not how long it takes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import worker.extract.pipeline as pipeline
from worker.ingest.article import MAX_BODY_CHARS


def test_jsonl_bodies_are_cut_to_the_feed_cap(monkeypatch, tmp_path):
    from worker.cli.main import app

    handed: list[int] = []
    real = pipeline.extract_one
    monkeypatch.setattr(pipeline, "warm_up", lambda: None)
    monkeypatch.setattr(pipeline, "extract_one",
                        lambda art: handed.append(len(art["body"])) or real({**art, "body": "نص قصير"}))
    lines = [{"id": "big", "title": "t", "body": "كلمة " * 200_000}, {"id": "small", "title": "t", "body": "نص"}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", "--jsonl", str(src)])
    assert res.exit_code == 0, res.output
    assert handed == [MAX_BODY_CHARS, 2]
    assert f"line 1: body cut from 1000000 to {MAX_BODY_CHARS} characters" in res.stderr
    assert [json.loads(x)["id"] for x in res.stdout.splitlines()] == ["big", "small"]


def test_a_deeply_nested_line_is_skipped_and_the_stream_goes_on(monkeypatch, tmp_path):
    """QA4 H2's row through `extract --jsonl`: json.loads' RecursionError ended the run with a traceback."""
    from worker.cli.main import app

    real = pipeline.extract_one
    monkeypatch.setattr(pipeline, "warm_up", lambda: None)
    monkeypatch.setattr(pipeline, "extract_one", lambda art: real({**art, "body": "نص قصير"}))
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "deep", "title": ' + "[" * 200_000 + "]" * 200_000 + "}\n"
                   + json.dumps({"id": "after", "title": "t", "body": "نص"}) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", "--jsonl", str(src)])
    assert res.exit_code == 0, res.output
    assert "line 1: skipped (JSON nested too deeply)" in res.stderr
    assert [json.loads(x)["id"] for x in res.stdout.splitlines()] == ["after"]
