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


def test_errors_count_refused_documents_not_transient_index_failures() -> None:
    # a transient failure on its last attempt is a dead letter already; counting it too counted it twice,
    # and an Elasticsearch outage that lost nothing showed ~100 errors (QA3 ops L7)
    counters = {**COUNTERS, "indexing_errors_total": {_lk(kind="rejected"): 1, _lk(kind="transient"): 98}}
    assert counts_from(lambda name: counters.get(name, {})).errors == 2 + 1 + 2


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


# -- the state follows the checks of `newsworker status` (QA3 M4) and keeps the figures (QA3 L11) -----------------

import time  # noqa: E402

import pytest  # noqa: E402

from worker.ops import health, status_line  # noqa: E402
from worker.ops.health import Check  # noqa: E402
from worker.ops.status_line import Collector, decide_state  # noqa: E402


class _World:
    """What the checks see: a canary time, which checks fail, and the counters (or Redis away)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.canary: float | None = None
        self.failing: set[str] = set()
        self.counters: dict[str, dict[str, float]] | None = {}
        w = self

        def check(name: str) -> Check:
            return Check(name, name not in w.failing, "")

        def read_canary() -> float | None:
            return w.canary

        def canary_age() -> float | None:
            return None if w.canary is None else max(0.0, time.time() - w.canary)

        def counters(name: str, client: object = None) -> dict[str, float]:  # noqa: ARG001 - the probe client
            if w.counters is None:
                raise ConnectionError("Redis is away")
            return w.counters.get(name, {})

        monkeypatch.setattr(health, "check_redis", lambda: check("redis"))
        monkeypatch.setattr(health, "check_es", lambda: check("elasticsearch"))
        monkeypatch.setattr(health, "check_workers", lambda timeout=2.0: check("workers"))
        monkeypatch.setattr(health, "check_beat", lambda: check("beat"))
        monkeypatch.setattr(health, "check_schedule", lambda: check("schedule"))
        monkeypatch.setattr(health, "check_feeds", lambda: check("feeds"))
        monkeypatch.setattr(health, "read_canary", read_canary, raising=False)
        monkeypatch.setattr(health, "canary_age", canary_age)
        monkeypatch.setattr(status_line, "read_counters", counters)
        monkeypatch.setattr(Collector, "_in_index", staticmethod(lambda: None))

    def polled(self, n: int) -> None:
        self.counters = {"feed_polls_total": {_lk(feed="a", outcome="new"): float(n)}}


def _snap(c: Collector) -> Snapshot:
    if hasattr(c, "refresh"):  # the checks are read apart from the drawing
        c.refresh(force=True)
    return c.snapshot()


def test_the_previous_runs_canary_does_not_make_a_restarted_run_ready(monkeypatch) -> None:
    w = _World(monkeypatch)
    w.canary = time.time() - 10  # fresh, but stamped by the run before this one
    c = Collector(None)
    assert _snap(c).state == "starting: worker"
    w.canary = time.time() + 0.01  # this run's worker executed it
    assert _snap(c).state == "ready"


def test_a_frozen_worker_and_beat_are_down_even_after_polls(monkeypatch) -> None:
    w = _World(monkeypatch)
    c = Collector(None)
    w.canary = time.time() + 0.01
    w.polled(5)
    assert _snap(c).state == "ready"
    # SIGSTOP worker and beat for 115 s: no ping answer, the lock not renewed, the canary stale, no progress
    w.failing = {"workers", "beat"}
    w.canary = time.time() - 115
    c.progress_at = time.time() - 115
    state = _snap(c).state
    assert state.startswith("DOWN: ") and "workers" in state and "consuming" in state and "beat" in state, state


def test_the_console_is_down_with_no_enabled_feed_as_status_is(monkeypatch) -> None:
    """The console judged by its own list of checks, which lacked status's feeds row: a run whose every
    feed was disabled said "ready" while `newsworker status` said DOWN."""
    w = _World(monkeypatch)
    c = Collector(None)
    w.canary = time.time() + 0.01
    assert _snap(c).state == "ready"
    w.failing = {"feeds"}
    assert _snap(c).state == "DOWN: feeds"
    assert [ch.name for ch in c.pipeline] == [ch.name for ch in health.gather()][2:]


def test_this_runs_own_polls_show_it_consuming_before_the_first_canary(monkeypatch) -> None:
    w = _World(monkeypatch)
    c = Collector(None)
    assert _snap(c).state == "starting: worker"  # the canary never ran, nothing polled
    w.polled(2)
    assert _snap(c).state == "ready"


def test_the_figures_keep_their_last_value_while_redis_is_away(monkeypatch) -> None:
    w = _World(monkeypatch)
    c = Collector(None)
    _snap(c)
    w.polled(7)
    assert _snap(c).counts.feeds_polled == 7
    w.counters = None
    w.failing = {"redis"}
    snap = _snap(c)
    assert snap.state == "DOWN: redis" and snap.counts.feeds_polled == 7


def test_a_run_started_while_redis_was_away_counts_from_when_it_answers(monkeypatch) -> None:
    w = _World(monkeypatch)
    w.counters = None
    c = Collector(None)
    _snap(c)
    w.polled(1000)  # Redis back with weeks of counts: none of them is this run's
    assert _snap(c).counts.feeds_polled == 0
    w.polled(1003)
    assert _snap(c).counts.feeds_polled == 3


def _ok(*names: str) -> list[Check]:
    return [Check(n, True, "") for n in names]


STORES = ("redis", "elasticsearch")
PIPELINE = ("workers", "beat", "consuming", "schedule")


def test_state_names_what_a_starting_run_waits_for_then_what_is_down() -> None:
    stores, pipeline = _ok(*STORES), _ok(*PIPELINE)
    assert decide_state(stores, pipeline, api_listening=True) == "ready"
    assert decide_state(stores, pipeline, api_listening=False) == "starting: API"
    waiting = [Check("workers", False, ""), *_ok("beat"), Check("consuming", False, ""), *_ok("schedule")]
    assert decide_state(stores, waiting, True, uptime=20) == "starting: worker"
    assert decide_state(stores, waiting, True, uptime=20, was_ready=True) == "DOWN: workers, consuming"
    assert decide_state(stores, waiting, True, uptime=status_line.STARTUP_GRACE + 1) == "DOWN: workers, consuming"
    assert decide_state([Check("redis", False, ""), *_ok("elasticsearch")], pipeline, True) == "DOWN: redis"


def test_a_crash_looping_child_is_down_whatever_the_checks_say() -> None:
    assert decide_state(_ok(*STORES), _ok(*PIPELINE), True, ["worker (crash loop)"]) == "DOWN: worker (crash loop)"


def test_the_supervisor_names_a_child_that_exited_or_keeps_crashing(tmp_path) -> None:
    from worker.cli.run import CRASH_LOOP, Supervisor

    class Proc:
        def __init__(self, rc: int | None) -> None:
            self.rc = rc

        def poll(self) -> int | None:
            return self.rc

    sup = Supervisor.__new__(Supervisor)  # no signal handlers, no children: only the bookkeeping
    sup.procs = {"worker": Proc(None), "beat": Proc(1), "api": Proc(None)}
    assert sup.children_down({"worker": CRASH_LOOP, "api": 1}) == ["worker (crash loop)", "beat (restarting)"]


# -- around a Redis outage (QA5 qa5b-3) -------------------------------------------------------------------------

def test_redis_lost_during_the_pipeline_checks_is_down_redis_not_its_dependents(monkeypatch) -> None:
    """Redis answered the first check and went away while workers, beat, schedule and feeds were checked: the
    console said `DOWN: workers, beat, schedule, feeds` without naming Redis."""
    w = _World(monkeypatch)
    c = Collector(None)
    w.canary = time.time() + 0.01
    assert _snap(c).state == "ready"
    answers = iter([True])  # the first check of Redis passes, every later one fails

    def redis_then_gone() -> Check:
        w.failing = {"workers", "beat", "consuming", "schedule", "feeds"}
        return Check("redis", next(answers, False), "")

    monkeypatch.setattr(health, "check_redis", redis_then_gone)
    assert _snap(c).state == "DOWN: redis"


def test_the_collector_remembers_when_redis_was_away(monkeypatch) -> None:
    w = _World(monkeypatch)
    now = [1000.0]
    c = Collector(None, wall=lambda: now[0])
    _snap(c)
    assert not c.redis_away() and not c.redis_away_near(1000.0)
    now[0], w.failing = 1100.0, {"redis"}
    _snap(c)
    assert c.redis_away() and c.redis_away_near(1095.0) and c.redis_away_near(1110.0)  # still away
    now[0], w.failing = 1160.0, set()
    _snap(c)
    assert not c.redis_away()
    assert c.redis_away_near(1170.0) and not c.redis_away_near(1160.0 + status_line.OUTAGE_SLACK + 1)
    assert not c.redis_away_near(1100.0 - status_line.OUTAGE_SLACK - 1)


def test_the_console_asks_our_api_not_any_listener(monkeypatch) -> None:
    """QA5 qa5b-8: with the API's port taken by the replay server, the API restarted in a loop while the
    console said `ready`: its check was a socket connect, answered by whoever listened."""
    from worker.replay.server import start_replay_server

    w = _World(monkeypatch)
    w.canary = time.time() + 0.01
    with start_replay_server() as (url, srv):
        port = srv.server_address[1]
        assert not status_line.api_answers("127.0.0.1", port)
        c = Collector(("127.0.0.1", port))
        assert _snap(c).state == "starting: API"
