"""CLI tables written to a pipe or a file are laid out at their natural width: ``feeds list | grep`` sees
whole feed ids (rich used to cut them at 80 columns: ``replay-a…``). A terminal still gets a fitted table."""

from __future__ import annotations

import io
from types import SimpleNamespace

from typer.testing import CliRunner

from worker.cli.main import app
from worker.cli.term import CliConsole

LONG_ID = "replay-alarabiya-politics-and-middle-east-regional-desk"


def _row(feed_id: str) -> dict:
    return {"id": feed_id, "enabled": True, "status": "failing", "last_success": None, "consecutive_failures": 3,
            "next_due": None, "next_poll": None, "current_interval": 300.0, "items_new": 12,
            "last_error": "blocked: 127.0.0.1 resolves to non-public address"}


def test_feeds_list_on_a_pipe_keeps_whole_ids(monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("worker.cli.feeds._ctx", lambda: SimpleNamespace(redis=None, keys=None))
    monkeypatch.setattr("worker.ingest.registry.list_feeds", lambda *_a: [_row(LONG_ID), _row("replay-bbc")])
    r = CliRunner().invoke(app, ["feeds", "list"])
    assert r.exit_code == 0, r.output
    assert LONG_ID in r.output and "…" not in r.output
    assert "blocked: 127.0.0.1 resolves to non-public address" in r.output


def test_a_terminal_still_gets_a_fitted_table(monkeypatch) -> None:
    from rich.table import Table

    monkeypatch.delenv("COLUMNS", raising=False)
    table = Table("id", "last error")
    table.add_row(LONG_ID, "x" * 200)
    out = io.StringIO()
    CliConsole(file=out, force_terminal=True, color_system=None, _environ={"COLUMNS": "60"}).print(table)
    assert max(len(line) for line in out.getvalue().splitlines()) <= 60
    piped = io.StringIO()
    CliConsole(file=piped).print(table)
    assert LONG_ID in piped.getvalue() and "x" * 200 in piped.getvalue()


# the error of a dead letter whose advice comes last (QA5 qa5a-5): cut at 70 characters it ended at "a redirect, "
MOVED = ("permanent: PermanentDeliveryError: HTTP 301 from webhook: a redirect, not followed (it points to "
         "http://127.0.0.1:8199/…); save the rule with the receiver's new URL")
LONG_URL = "https://www.example-news-outlet.test/arabic/middleeast/2018/06/27/a-long-article-path-0123456789.html"


def _dead_letters(monkeypatch) -> None:
    dead = SimpleNamespace(count=lambda: 1, list=lambda *_a: [
        {"id": "dl-1", "stage": "deliver", "recorded_at": 1530000000.0, "payload": {"url": LONG_URL},
         "error": MOVED}])
    monkeypatch.setattr("worker.cli.feeds._dead_letters", lambda: dead)


def test_deadletter_list_on_a_pipe_keeps_the_whole_error(monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    _dead_letters(monkeypatch)
    r = CliRunner().invoke(app, ["deadletter", "list"])
    assert r.exit_code == 0, r.output
    assert MOVED in r.output and LONG_URL in r.output


def test_deadletter_list_on_a_terminal_fits_and_still_shows_the_advice(monkeypatch) -> None:
    from worker.cli import feeds

    _dead_letters(monkeypatch)
    out = io.StringIO()
    monkeypatch.setattr(feeds, "console", CliConsole(file=out, force_terminal=True, color_system=None,
                                                     _environ={"COLUMNS": "100"}))
    r = CliRunner().invoke(app, ["deadletter", "list"])
    assert r.exit_code == 0, r.output
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "receiver's new" in " ".join(text.split())  # wrapped in its cell, not cut


def test_feeds_list_on_a_pipe_keeps_a_long_last_error(monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    row = {**_row("replay-bbc"), "last_error": MOVED}
    monkeypatch.setattr("worker.cli.feeds._ctx", lambda: SimpleNamespace(redis=None, keys=None))
    monkeypatch.setattr("worker.ingest.registry.list_feeds", lambda *_a: [row])
    r = CliRunner().invoke(app, ["feeds", "list"])
    assert r.exit_code == 0, r.output
    assert MOVED in r.output

