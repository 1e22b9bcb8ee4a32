"""A worker killed with SIGKILL in the middle of a task: the task is delivered again and completes once.

Two crashes, two recovery paths:

* the pool process running the task is SIGKILLed (the OOM killer's way): the worker's main process sees
  the child die and, with ``task_reject_on_worker_lost``, puts the message back at once;
* the whole worker (main process and children) is SIGKILLed (a machine or container dying): the message
  sits in the Redis transport's ``unacked`` hash until the visibility timeout passes and another worker
  restores it. Production uses 1800 s; here ``NEWSWORKER_VISIBILITY_TIMEOUT=10``. kombu checks for
  expired messages when a consumer starts and then only every ~100 s, so the replacement worker is
  started once the timeout has passed (as a restarted container would come up), not before.

"Completes once" is checked on Elasticsearch's ``_version``: every document was written exactly once.
The task is held mid-flight by a slow article page (replay fault ``slow:S`` on the first page request).
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
import redis

from tests.chaos.conftest import record
from tests.chaos.stack import Stack, children_rss_mb, wait_until, write_corpus
from worker.pipeline.table import STAGES

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

N = 30
VISIBILITY = 10


def _slow_page_started(st: Stack) -> bool:
    return st.server.state.stats.get("fault_slow", 0) >= 1


def _unacked_tasks(url: str) -> list[str]:
    r = redis.Redis.from_url(url, decode_responses=True)
    out = []
    for raw in r.hvals("unacked"):
        msg = json.loads(raw)[0]
        out.append(msg.get("headers", {}).get("task", "?"))
    return out


@pytest.mark.parametrize("what", ["pool-child", "whole-worker"])
def test_sigkill_mid_task_is_redelivered_and_completes_once(private_redis, shared_es_url, workdir, what):
    db = 3 if what == "pool-child" else 4
    corpus = workdir / "corpus.jsonl.gz"
    write_corpus(corpus, N, prefer_full=False)
    env = {"NEWSWORKER_VISIBILITY_TIMEOUT": str(VISIBILITY)}
    with Stack(private_redis.url(db), shared_es_url, workdir / "stack", corpus=corpus, split=1,
               env_overrides=env) as st:
        source = st.server.state.items[0].source
        st.server.state.set_fault(f"page:{source}", "slow:8*1")  # the first page of that source hangs 8 s
        st.start_worker("w1", concurrency=1)
        st.start_beat()
        st.release(N)
        wait_until(lambda: _slow_page_started(st), 90, 0.1, "a fetch task stuck on the slow page")
        w1 = st.procs["w1"]
        if what == "pool-child":
            kids = children_rss_mb(w1.pid)
            assert kids, "no pool process to kill"
            for pid in kids:
                os.kill(pid, signal.SIGKILL)
        else:
            st.kill("w1")
            stranded = _unacked_tasks(st.redis_url)
            assert STAGES["fetch"].task_name in stranded, stranded
            time.sleep(VISIBILITY + 1)
            st.start_worker("w2", concurrency=2)
        ledger = st.wait_all_indexed(120)
        record(ledger.line(f"sigkill-{what}"))
        assert ledger.missing == [], (ledger.missing, st.log_tail("w1"))
        assert ledger.duplicates == 0
        assert ledger.rewrites == 0, "a document was written more than once"
        assert st.server.state.stats.get("fault_slow", 0) == 1  # the slow page was hit once, then served
