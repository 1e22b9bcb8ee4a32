"""Two beat processes at once must not double-poll: RedBeat's lock lets one of them tick, the other
waits; and when the holder stops, the other takes over.

Measured two ways: the beat ticks the worker executed (the ``poll_due`` stage; with two live schedulers
there would be ~2 per tick interval) and the feed requests the replay server saw per feed.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.chaos.conftest import record
from tests.chaos.stack import Stack, wait_until, write_corpus
from worker.pipeline.table import STAGES

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

WINDOW = 25.0  # seconds both beats run side by side
TICK = 1.0  # NEWSWORKER_BEAT_TICK_SECONDS
MIN_INTERVAL = 3  # NEWSWORKER_POLL_MIN_INTERVAL and the feeds' base interval
TICK_RE = re.compile(re.escape(f"Task {STAGES['poll_due'].task_name}[") + r"[^\]]+\] received")


def _ticks(st: Stack) -> list[float]:
    """Times (s since epoch, from the JSON log line) the worker received a beat tick."""
    import json
    from datetime import datetime

    out = []
    for name in ("w1",):
        for line in (st.workdir / f"{name}.log").read_text(errors="replace").splitlines():
            if TICK_RE.search(line):
                try:
                    ts = json.loads(line)["ts"]
                except (ValueError, KeyError):
                    continue
                out.append(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp())
    return out


def test_two_beats_do_not_double_poll(private_redis, shared_es_url, workdir):
    corpus = workdir / "corpus.jsonl.gz"
    write_corpus(corpus, 60, prefer_full=False)
    env = {"NEWSWORKER_POLL_MIN_INTERVAL": str(MIN_INTERVAL), "NEWSWORKER_BEAT_TICK_SECONDS": str(TICK)}
    with Stack(private_redis.url(5), shared_es_url, workdir / "stack", corpus=corpus, split=2,
               feed_interval=MIN_INTERVAL, env_overrides=env) as st:
        st.start_worker("w1", concurrency=2)
        st.start_beat("beat1")
        st.start_beat("beat2")
        st.release(30)
        wait_until(lambda: len(_ticks(st)) >= 3, 60, what="beat ticks reaching the worker")
        t0 = time.time()
        time.sleep(WINDOW)
        t1 = time.time()
        assert st.procs["beat1"].poll() is None and st.procs["beat2"].poll() is None, "a beat exited"
        ticks = [t for t in _ticks(st) if t0 <= t <= t1]
        polls = st.polls_per_feed(t0, t1)
        gaps = [b - a for ts in polls.values() for a, b in zip(ts, ts[1:], strict=False)]
        max_polls = max((len(v) for v in polls.values()), default=0)
        # take-over: the holder stops, the other beat acquires the lock and ticks continue
        st.stop("beat1")
        stopped = time.time()
        wait_until(lambda: any(t > stopped + 1 for t in _ticks(st)), 90, what="the second beat taking over")
        takeover = min(t for t in _ticks(st) if t > stopped + 1) - stopped
        ledger = st.wait_all_indexed(90)
        record(f"CHAOS beat-twice: ticks={len(ticks)} in {WINDOW:.0f}s (one beat: ~{WINDOW / TICK:.0f}) "
               f"feeds={len(st.server.state.feed_keys())} max_polls_per_feed={max_polls} "
               f"min_gap={min(gaps, default=float('nan')):.2f}s takeover={takeover:.1f}s | "
               + ledger.line("beat-twice").removeprefix("CHAOS beat-twice: "))
        assert len(ticks) <= 1.3 * WINDOW / TICK + 2, f"{len(ticks)} ticks: both beats are ticking"
        assert max_polls <= WINDOW / (MIN_INTERVAL * 0.75) + 1, polls
        assert ledger.missing == [] and ledger.duplicates == 0
