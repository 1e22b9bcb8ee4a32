"""Memory stays bounded over a long replay: pool processes are recycled after
``settings.worker_max_tasks_per_child`` tasks (lowered here so a few thousand articles see many
recycles), and the resident memory of the worker's children is sampled from /proc the whole time.

The figures printed are the point (peak RSS per child, RSS early vs late in the run, how many pool
processes took turns); the assertions only catch growth without bound.
"""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from tests.chaos.conftest import record
from tests.chaos.stack import Stack, children_rss_mb, write_corpus

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

N = 2000
# A fetch message carries FETCH_BATCH articles (16), so 2,000 articles are only ~125 fetch tasks plus the
# polls and periodic ticks: the limit must sit well below a child's share of them for recycles to happen.
MAX_TASKS_PER_CHILD = 40


def test_memory_bounded_over_a_long_replay(private_redis, shared_es_url, workdir):
    corpus = workdir / "corpus.jsonl.gz"
    origin = write_corpus(corpus, N)  # the full corpus when present: real variety of lengths
    env = {"NEWSWORKER_WORKER_MAX_TASKS_PER_CHILD": str(MAX_TASKS_PER_CHILD)}
    samples: list[tuple[float, int, float]] = []  # (t, pid, rss MiB)
    stop = threading.Event()
    with Stack(private_redis.url(6), shared_es_url, workdir / "stack", corpus=corpus, split=8, window=400,
               env_overrides=env) as st:
        w = st.start_worker("w1", concurrency=2)
        st.start_beat()

        def sample() -> None:
            while not stop.is_set():
                now = time.time()
                samples.extend((now, pid, rss) for pid, rss in children_rss_mb(w.pid).items())
                stop.wait(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.time()
        st.release(N)
        ledger = st.wait_all_indexed(420)
        elapsed = time.time() - t0
        stop.set()
        sampler.join(5)
    assert samples, "no pool process was ever seen"
    pids = sorted({p for _, p, _ in samples})
    peak = max(r for _, _, r in samples)
    t_first, t_last = samples[0][0], samples[-1][0]
    span = max(1e-9, t_last - t_first)
    early = [r for t, _, r in samples if t < t_first + span / 4]
    late = [r for t, _, r in samples if t > t_last - span / 4]
    record(f"CHAOS memory: {N} articles ({'full corpus' if not origin['repeated'] else 'sample repeated'}) "
           f"in {elapsed:.0f}s, max_tasks_per_child={MAX_TASKS_PER_CHILD}: pool processes={len(pids)} "
           f"peak child RSS={peak:.0f} MiB, median RSS first quarter={statistics.median(early):.0f} MiB, "
           f"last quarter={statistics.median(late):.0f} MiB | "
           + ledger.line("memory").removeprefix("CHAOS memory: "))
    assert ledger.missing == [] and ledger.duplicates == 0
    assert len(pids) > 2, "pool processes were never recycled"
    assert statistics.median(late) <= 1.5 * statistics.median(early) + 50, "RSS keeps growing"
