"""A real Celery worker delivers through a receiver that fails first: the runner's retries with backoff,
queued with their countdown (not in-process), bring the notification through exactly once."""

from __future__ import annotations

import pytest

from tests.app_context import app_context
from tests.integration.alert_receivers import webhook_receiver  # noqa: F401
from tests.integration.procs import celery_worker_cmd, env_with, process, wait_for
from tests.unit.test_alerts_engine import make_doc
from worker.alerts.history import History
from worker.alerts.notify import record_notification
from worker.alerts.payloads import instant_notification
from worker.alerts.rules import build_rule
from worker.celery_app import app
from worker.pipeline.table import STAGES
from worker.settings import get_settings

pytestmark = pytest.mark.integration


def test_worker_retries_until_receiver_recovers(redis_client, es_client, unique_name, webhook_receiver,  # noqa: F811
                                                tmp_path) -> None:
    # The worker process builds its default context from the settings: point those at unique indexes.
    # Redis keys keep the production prefix but are keyed by this test's unique rule name.
    ctx = app_context(unique_name, redis_client, es_client, prefix=get_settings().redis_prefix)
    alerts_prefix = ctx.keys.alerts
    env = env_with(NEWSWORKER_ES_ALERTS_INDEX=ctx.settings.es_alerts_index,
                   NEWSWORKER_ES_ALERT_HISTORY_INDEX=ctx.settings.es_alert_history_index,
                   NEWSWORKER_PRIVATE_HOSTS='["127.0.0.1"]')  # the receiver is local
    rule = build_rule({"name": f"rule-{unique_name}", "query": "سجن",
                       "channels": {"webhooks": [{"url": webhook_receiver.url}]}})
    doc = make_doc("هجوم على سجن في الحسكة", doc_id=f"doc-{unique_name}")
    n = instant_notification(rule, doc["id"], doc)
    queued = record_notification(rule, n, ctx)
    webhook_receiver.fail_next(2, 503)
    queue = f"{unique_name}-alert"
    try:
        with process(celery_worker_cmd(queues=queue, name=unique_name), env, tmp_path / "worker.log"):
            # the retries go back to the queue the message came from
            app.send_task(STAGES["deliver"].task_name, args=[[queued[0]], 1], queue=queue)
            wait_for(lambda: webhook_receiver.accepted, timeout=60, what="delivery after retries")
            wait_for(lambda: (History(ctx).get(n["id"]) or {}).get("status") == "delivered", timeout=10,
                     what="history marked delivered")
        assert [r.status for r in webhook_receiver.requests] == [503, 503, 200]
        rec = History(ctx).get(n["id"])
        assert rec["attempts"] == 3
    finally:
        es_client.indices.delete(index=f"{unique_name}-*", ignore_unavailable=True, allow_no_indices=True)
        keys = list(redis_client.scan_iter(match=f"{alerts_prefix}:*{n['id']}*", count=1000))
        if keys:
            redis_client.delete(*keys)
