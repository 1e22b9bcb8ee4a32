"""Times in CLI tables are UTC, and the column says so (QA round 4 re-test, N3): an imported article keeps
its own offset in the index, a feed item is stored in UTC, and the table printed each as stored, without a
zone. ``search '' --sort date`` listed a 26 June article (18:00 at -05:00) above a 27 June one (01:20 at
+04:00): the right order (by instant, newest first: 23:00Z, then 21:20Z), read as out of order, and neither
shown day the one the ``date:`` filter (UTC) finds them under."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from worker.cli.main import app
from worker.cli.term import utc_time
from worker.store.search import SearchHit, SearchResult

runner = CliRunner()


@pytest.mark.parametrize(("value", "shown"), [
    ("2018-06-26T18:00:00-05:00", "2018-06-26 23:00"),
    ("2018-06-27T01:20:00+04:00", "2018-06-26 21:20"),
    ("2018-06-26T21:20:00Z", "2018-06-26 21:20"),
    ("2018-06-26T21:20:59.999+00:00", "2018-06-26 21:20"),
    ("2018-06-26T21:20:00", "2018-06-26 21:20"),  # no zone: UTC, as the index reads it
    ("2018-06-26", "2018-06-26 00:00"),
    (datetime(2018, 6, 27, 1, 20, tzinfo=timezone(timedelta(hours=4))), "2018-06-26 21:20"),
    (1530048000, "2018-06-26 21:20"),
    (None, ""),
    ("", ""),
    ("not a [red]date[/] at all", "not a \\[red]date["),  # shown as it is, cut, markup escaped
])
def test_utc_time(value, shown):
    assert utc_time(value) == shown


def test_utc_time_with_seconds():
    assert utc_time("2026-12-06T16:43:35.381+03:00", seconds=True) == "2026-12-06 13:43:35"
    assert utc_time(1530048000.5, seconds=True) == "2018-06-26 21:20:00"


def _hit(i: int, published: str | None) -> SearchHit:
    return SearchHit(id=f"h{i}", title=f"خبر {i}", title_html=f"خبر {i}", url=f"http://example.com/{i}",
                     source="example.com", published=published, snippet="", score=None)


def test_search_table_prints_published_in_utc(monkeypatch):
    """The QA's two articles, sorted by date (newest first): both on 26 June in UTC."""
    hits = [_hit(1, "2018-06-26T18:00:00-05:00"), _hit(2, "2018-06-27T01:20:00+04:00"), _hit(3, None)]
    monkeypatch.setattr("worker.store.clients.get_es", lambda: None)
    monkeypatch.setattr("worker.store.search.search",
                        lambda *a, **k: SearchResult(total=3, took_ms=1, page=1, size=10, hits=hits))
    monkeypatch.setenv("COLUMNS", "200")
    r = runner.invoke(app, ["search", "", "--sort", "date", "--index", "x"])
    assert r.exit_code == 0, r.output
    assert "published (UTC)" in r.output
    first, second = r.output.index("2018-06-26 23:00"), r.output.index("2018-06-26 21:20")
    assert first < second
    assert "2018-06-26 18:00" not in r.output and "2018-06-27" not in r.output
    # --json keeps the stored value and its offset
    r = runner.invoke(app, ["search", "", "--json", "--index", "x"])
    assert "2018-06-27T01:20:00+04:00" in r.output


def test_alerts_test_and_history_and_dead_letters_print_utc(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    rule = SimpleNamespace(name="r")
    monkeypatch.setattr("worker.cli.alerts._store", lambda: SimpleNamespace(get=lambda name: rule))
    monkeypatch.setattr("worker.cli.alerts._alerts", lambda: None)
    story = {"story_id": "s1", "follow_ups": [],
             "article": {"published": "2018-06-27T01:20:00+04:00", "source": "example.com", "title": "خبر"}}
    monkeypatch.setattr("worker.alerts.preview.preview", lambda *a, **k: {
        "total_hits": 1, "examined": 1, "matched": 1, "notifications": 1, "stories": [story]})
    r = runner.invoke(app, ["alerts", "test", "r"])
    assert r.exit_code == 0, r.output
    assert "published (UTC)" in r.output and "2018-06-26 21:20" in r.output and "2018-06-27" not in r.output

    record = {"created": "2018-06-27T01:20:05+04:00", "rule": "r", "kind": "instant", "status": "delivered",
              "attempts": 1, "article": {"title": "خبر"}, "follow_up_count": 0}

    class History:
        def __init__(self, _ctx: object) -> None:
            pass

        def search(self, **_k: object) -> tuple[int, list[dict]]:
            return 1, [record]

    monkeypatch.setattr("worker.alerts.history.History", History)
    r = runner.invoke(app, ["alerts", "history"])
    assert r.exit_code == 0, r.output
    assert "created (UTC)" in r.output and "2018-06-26 21:20:05" in r.output

    recorded = datetime(2018, 6, 26, 21, 20, 5, tzinfo=UTC).timestamp()
    dead = SimpleNamespace(count=lambda: 1, list=lambda *_a: [
        {"id": "d1", "stage": "fetch", "recorded_at": recorded, "payload": {"url": "http://x"}, "error": "e"}])
    monkeypatch.setattr("worker.cli.feeds._dead_letters", lambda: dead)
    r = runner.invoke(app, ["deadletter", "list"])
    assert r.exit_code == 0, r.output
    assert "when (UTC)" in r.output and "2018-06-26 21:20:05" in r.output
