"""Celery tasks for the poll stage: the beat tick and one poll per feed. Thin: the policy lives in
``worker.ingest.poller``; failures of a feed are part of its state and schedule, not task retries.
Only infrastructure errors (Redis/broker unreachable) are retried here."""

from __future__ import annotations

import logging
from typing import Any

import redis
from kombu.exceptions import OperationalError

from worker.celery_app import app
from worker.ingest.context import get_context
from worker.ingest.poller import poll_feed_once
from worker.ops import metrics

log = logging.getLogger(__name__)

FETCH_TASK = "worker.tasks.fetch.fetch_article"
_INFRA_ERRORS = (redis.ConnectionError, redis.TimeoutError, OperationalError)


def enqueue_fetch(payload: dict[str, Any]) -> None:
    """Hand one new item to the fetch stage (by name: no import of the fetch module)."""
    app.send_task(FETCH_TASK, args=[payload])


@app.task(name="worker.tasks.poll.schedule_due_feeds", ignore_result=True,
          autoretry_for=_INFRA_ERRORS, retry_backoff=5, retry_backoff_max=60, retry_jitter=True, max_retries=3)
def schedule_due_feeds() -> int:
    """Beat tick: enqueue ``poll_feed`` for every feed whose next due time has passed. Due feeds are
    pushed ahead atomically while queued, so overlapping ticks never double-poll."""
    ctx = get_context()
    ids = ctx.registry.claim_due(hold=max(300.0, ctx.settings.http_timeout * 10))
    for feed_id in ids:
        poll_feed.delay(feed_id)
    return len(ids)


@app.task(name="worker.tasks.poll.poll_feed", ignore_result=True,
          autoretry_for=_INFRA_ERRORS, retry_backoff=5, retry_backoff_max=300, retry_jitter=True, max_retries=5)
def poll_feed(feed_id: str) -> dict[str, Any]:
    outcome = poll_feed_once(get_context(), feed_id, emit=enqueue_fetch)
    metrics.inc("feed_polls_total", {"feed": feed_id, "outcome": outcome.result})
    log.info("poll %s: %s (%d new of %d)", feed_id, outcome.result, outcome.new_items, outcome.total_items)
    return dict(outcome.__dict__)

