"""Elasticsearch stopped for a minute while articles flow: the index stage retries (Celery retries with
capped exponential backoff, the worker process free between attempts), nothing is lost and nothing is
indexed twice once it is back.

The node is a private one (``scripts/services.sh es-up`` with its own http/transport ports and data dir,
run as the unprivileged user the script creates); starting it takes ~40 s on 2 cores, stopping ~2 s.
"""

from __future__ import annotations

import time

import pytest

from tests.chaos.conftest import record
from tests.chaos.stack import PrivateES, Stack, tmpdir, wait_until, write_corpus
from tests.conftest import service_missing

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

OUTAGE_SECONDS = 60
N_BEFORE, N_DURING, N_AFTER = 50, 50, 20


@pytest.fixture(scope="module")
def private_es():
    with tmpdir("nw-chaos-es-") as d:
        node = PrivateES(d)
        try:
            node.start()
        except Exception as err:  # noqa: BLE001 - no JDK/distribution here: a missing service
            service_missing("a private Elasticsearch node (scripts/services.sh es-up)", err)
        try:
            yield node
        finally:
            node.stop()


def test_es_down_for_a_minute_loses_nothing(private_redis, private_es, workdir):
    corpus = workdir / "corpus.jsonl.gz"
    write_corpus(corpus, N_BEFORE + N_DURING + N_AFTER, prefer_full=False)
    with Stack(private_redis.url(2), private_es.url, workdir / "stack", corpus=corpus, split=2) as st:
        st.start_worker("w1", concurrency=2)
        st.start_beat(supervise=True)
        st.release(N_BEFORE)
        wait_until(lambda: st.indexed_count() >= 5, 120, what="the first documents indexed")
        private_es.stop()
        down_at = time.time()
        st.release(N_DURING)  # fetched and extracted while Elasticsearch is down: index tasks retry
        time.sleep(OUTAGE_SECONDS)
        private_es.start()
        downtime = time.time() - down_at
        st.release(N_AFTER)
        ledger = st.wait_all_indexed(240)
        record(ledger.line("es-outage") + f" es_down_for={downtime:.0f}s")
        assert st.procs["w1"].poll() is None, st.log_tail("w1")
        assert ledger.missing == [], (ledger.missing[:10], st.log_tail("w1"))
        assert ledger.distinct_indexed == ledger.published
        assert ledger.duplicates == 0
