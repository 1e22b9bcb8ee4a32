"""The status line of ``newsworker run``: the figures it folds from the counters, its text, its drawing."""

from __future__ import annotations

import io
import json

from worker.ops.status_line import Counts, Snapshot, StatusLine, counts_from, format_line


def _lk(**labels: str) -> str:
    return json.dumps(dict(sorted(labels.items())), separators=(",", ":"))


COUNTERS = {
    "feed_polls_total": {_lk(feed="a", outcome="new"): 3, _lk(feed="b", outcome="not_modified"): 2,
                         _lk(feed="c", outcome="error"): 1, _lk(feed="d", outcome="locked"): 7,
                         _lk(feed="e", outcome="dead"): 1},
    "articles_total": {_lk(stage="index", outcome="ok"): 40, _lk(stage="fetch", outcome="ok"): 45,
                       _lk(stage="index", outcome="dead"): 2},
    "alert_deliveries_total": {_lk(channel="webhook", outcome="delivered"): 4,
                               _lk(channel="webhook", outcome="retry"): 3},
    "indexing_errors_total": {_lk(kind="rejected"): 1},
    "dead_letters_total": {_lk(stage="index"): 2},
}


def test_counts_fold_the_counters() -> None:
    c = counts_from(lambda name: COUNTERS.get(name, {}))
    # locked is no poll; error and dead are polls that failed
    assert c == Counts(feeds_polled=7, articles_indexed=40, alerts_sent=4, errors=2 + 1 + 2)


def test_counts_are_differences_from_the_start_and_never_negative() -> None:
    assert Counts(10, 5, 1, 0) - Counts(4, 5, 0, 0) == Counts(6, 0, 1, 0)
    assert Counts(0, 0, 0, 0) - Counts(3, 3, 3, 3) == Counts()  # Redis flushed under a running run


def test_line_names_the_four_figures_the_state_and_the_uptime() -> None:
    snap = Snapshot(Counts(14, 1200, 2, 0), uptime=125, state="ready", in_index=15300)
    assert format_line(snap) == ("ready · feeds polled 14 · articles indexed 1,200 (15,300 in index) · "
                                 "alerts sent 2 · errors 0 · up 2m05s")
    assert format_line(Snapshot(Counts(), 3 * 3600 + 60, "starting: API")).endswith("up 3h01m")


def test_a_narrow_terminal_drops_the_index_size_then_cuts_the_tail() -> None:
    snap = Snapshot(Counts(14, 1200, 2, 0), uptime=5, state="ready", in_index=15300)
    wide = format_line(snap)
    without_index = format_line(snap, width=len(wide) - 1)
    assert "in index" not in without_index and without_index.endswith("up 5s")
    cut = format_line(snap, width=40)
    assert len(cut) == 40 and cut.endswith("…")


def test_a_terminal_gets_one_line_rewritten_in_place() -> None:
    out = io.StringIO()
    line = StatusLine(out, tty=True)
    line.show(Snapshot(Counts(), 0, "starting: API"))
    line.show(Snapshot(Counts(1, 0, 0, 0), 1, "ready"))
    line.message("worker exited with 1; restarting in 1s")
    line.close()
    text = out.getvalue()
    assert text.count("\n") == 2  # the message and the final newline; the status itself never scrolls
    assert text.startswith("\r\x1b[K") and "\r\x1b[Kworker exited" in text
    assert text.rstrip("\n").endswith(format_line(Snapshot(Counts(1, 0, 0, 0), 1, "ready"), line._width()))


def test_a_pipe_gets_plain_lines_when_due_and_when_the_state_changes() -> None:
    out = io.StringIO()
    now = [0.0]
    line = StatusLine(out, every=30, tty=False, clock=lambda: now[0])
    for t, state in ((0, "starting: API"), (1, "starting: API"), (2, "ready"), (10, "ready"), (32, "ready")):
        now[0] = t
        line.show(Snapshot(Counts(), t, state))
    lines = out.getvalue().splitlines()
    assert [ln.split(" · ")[0] for ln in lines] == ["starting: API", "ready", "ready"]
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
