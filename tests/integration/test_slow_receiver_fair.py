"""A slow receiver holds at most ``deliver_per_receiver`` of the deliver worker's threads, so another
receiver's notification goes out at once (QA5 qa5r2-2).

QA's run: one broad rule whose webhook answered after 20 s, 14 matching stories, 8 threads: every thread
waited on that receiver, and another rule's notification to a fast receiver arrived 20 s late. Here, in
small: the deliver role's worker (a thread pool of ``THREADS``) on a queue of the test's own, twice as many
sends to a receiver answering after ``SLOW`` seconds as there are threads, then one send to a fast
receiver. Without the limit it waited for two rounds of slow answers (~2 x ``SLOW`` s); with it, it finds
a free thread at once. The slow receiver's sends still arrive, each once, at most the limit at a time, and
the waits for a slot are not attempts.
"""

from __future__ import annotations

import time

import pytest

from tests.app_context import app_context
from tests.integration.alert_receivers import WebhookReceiver, free_port
from tests.integration.procs import env_with, process, wait_for
from tests.unit.test_alerts_engine import make_doc
from worker.alerts.history import History
from worker.alerts.notify import record_notification
from worker.alerts.payloads import instant_notification
from worker.alerts.rules import build_rule
from worker.celery_app import app
from worker.cli.ops import role_cmd
from worker.ops.workers import WorkerRole
from worker.pipeline.table import STAGES
from worker.settings import get_settings

pytestmark = pytest.mark.integration

SLOW = 3.0  # under the webhook timeout: slow, not failing (no retry)
THREADS = 3
PER_RECEIVER = 2
SLOW_SENDS = 2 * THREADS
PROMPT = 1.5  # seconds from queueing the fast receiver's notification to its arrival (before: ~2 x SLOW)


@pytest.fixture
def receivers():
    slow = WebhookReceiver(port=free_port(), delay=SLOW).start()
    fast = WebhookReceiver(port=free_port()).start()
    yield slow, fast
    slow.stop()
    fast.stop()


def _deliveries(ctx, name: str, url: str, count: int) -> list[dict]:
    """``count`` recorded notifications of rule ``name`` (one story each) and their webhook deliveries."""
    rule = build_rule({"name": name, "query": "سجن", "channels": {"webhooks": [{"url": url}]}})
    out = []
    for i in range(count):
        doc = make_doc(f"هجوم على سجن رقم {i} في الحسكة", doc_id=f"doc-{name}-{i}")
        out += record_notification(rule, instant_notification(rule, doc["id"], doc), ctx)
    return out


def _most_in_flight(arrivals: list[float]) -> int:
    """The most sends the slow receiver was answering at once (each answer takes ``SLOW`` s)."""
    return max(sum(1 for a in arrivals if a <= t < a + SLOW - 0.05) for t in arrivals)


def test_a_slow_receiver_does_not_make_another_receivers_notification_late(
        redis_client, es_client, unique_name, local_receivers, receivers, tmp_path) -> None:
    slow, fast = receivers
    # The worker builds its context from the settings: the test's indexes, the production key prefix (the
    # notifications are this test's own; the receivers' slots are named by their ports, free ones).
    ctx = app_context(unique_name, redis_client, es_client, prefix=get_settings().redis_prefix)
    env = env_with(NEWSWORKER_ES_ALERTS_INDEX=ctx.settings.es_alerts_index,
                   NEWSWORKER_ES_ALERT_HISTORY_INDEX=ctx.settings.es_alert_history_index,
                   NEWSWORKER_PRIVATE_HOSTS='["127.0.0.1"]', NEWSWORKER_LOG_FORMAT="text",
                   NEWSWORKER_DELIVER_PER_RECEIVER=str(PER_RECEIVER))
    slow_sends = _deliveries(ctx, f"broad-{unique_name}", slow.url, SLOW_SENDS)
    (fast_send,) = _deliveries(ctx, f"oil-{unique_name}", fast.url, 1)
    queue = f"{unique_name}-deliver"
    task = STAGES["deliver"].task_name
    # the deliver role's worker as `run` starts it (a thread pool), on the test's queue
    cmd = role_cmd(WorkerRole(f"deliver-{unique_name}", (queue,), "threads", THREADS))
    log_path = tmp_path / "deliver.log"
    try:
        with process(cmd, env, log_path):
            for d in slow_sends:
                app.send_task(task, args=[[d], 1], queue=queue)
            try:
                wait_for(lambda: len(slow.arrivals) >= PER_RECEIVER, timeout=60, interval=0.05,
                         what="the slow receiver's first sends")
            except AssertionError:
                pytest.fail("no send reached the slow receiver\n" + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.3)  # every thread has taken a send by now (before the fix: all of them the slow ones)
            queued = time.time()
            app.send_task(task, args=[[fast_send], 1], queue=queue)
            wait_for(lambda: fast.arrivals, timeout=4 * SLOW, interval=0.02, what="the fast receiver's notification")
            late = fast.arrivals[0] - queued
            print(f"the fast receiver's notification arrived {late:.2f} s after it was queued; "
                  f"the slow receiver had {len(slow.arrivals)} sends by then")
            assert late < PROMPT, (f"the fast receiver's notification waited {late:.1f} s behind the slow "
                                   f"receiver's sends\n" + log_path.read_text(errors="replace")[-3000:])

            # nothing lost, nothing sent twice, never more than the limit at once, and no wait was an attempt
            wait_for(lambda: len(slow.requests) >= SLOW_SENDS, timeout=20 * SLOW, what="every slow send answered")
            history = History(ctx)
            wait_for(lambda: all((history.get(d["id"]) or {}).get("status") == "delivered"
                                 for d in [*slow_sends, fast_send]), timeout=15, what="history: all delivered")
            time.sleep(1.5)  # a duplicate would have arrived by now
        keys = [r.headers.get("Idempotency-Key") for r in slow.requests]
        assert sorted(keys) == sorted(d["id"] for d in slow_sends), keys
        assert len(fast.requests) == 1
        assert _most_in_flight(slow.arrivals) <= PER_RECEIVER, sorted(a - slow.arrivals[0] for a in slow.arrivals)
        assert all(history.get(d["id"])["attempts"] == 1 for d in slow_sends)
    finally:
        es_client.indices.delete(index=f"{unique_name}-*", ignore_unavailable=True, allow_no_indices=True)
        for pattern in [*(f"{ctx.keys.alerts}:*{d['id']}*" for d in [*slow_sends, fast_send]),
                        *(ctx.keys.alert_receiver(f"http://127.0.0.1:{r.port}") for r in receivers)]:
            stale = list(redis_client.scan_iter(match=pattern, count=1000))
            if stale:
                redis_client.delete(*stale)
