"""Celery tasks for the alert stage (queue ``alert``).

* ``match_article(doc)``: enqueued by the index task with the enriched document (``model_dump(mode="json")``)
  right after indexing; matches it against the cached rules and emits notifications / follow-ups.
* ``deliver(notification)``: one channel of one notification. Failing channels retry here, in their own
  task, so ingestion never waits on a webhook. Backoff is exponential with jitter, capped at
  ``BACKOFF_CAP`` (kept below the Redis transport's visibility timeout, 1800 s, so a waiting retry is not
  redelivered early); ``MAX_RETRIES`` x cap keeps a notification alive for about 7 hours before it is
  dead-lettered.
* ``send_digests()``: beat-scheduled every ``DIGEST_TICK_SECONDS``; sends digest batches that are due.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from elasticsearch import ConnectionError as ESConnectionError
from elasticsearch import TransportError as ESTransportError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from worker.celery_app import app

log = logging.getLogger(__name__)

# Our own stores being briefly unreachable is transient: retry the whole (idempotent) task.
STORE_ERRORS = (RedisConnectionError, RedisTimeoutError, ESConnectionError, ESTransportError)

MAX_RETRIES = 48
BACKOFF_BASE = 2.0
BACKOFF_CAP = 600.0
DIGEST_TICK_SECONDS = 60.0


def backoff(retries: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Seconds before retry number ``retries + 1``: base * 2^retries, capped, with +-20 % jitter so a
    receiver coming back up is not hit by every queued notification in the same second."""
    return min(cap, base * (2 ** min(retries, 30))) * random.uniform(0.8, 1.2)


@app.task(name="worker.tasks.alert.match_article", acks_late=True, autoretry_for=STORE_ERRORS, max_retries=10,
          retry_backoff=True, retry_backoff_max=60)
def match_article(doc: dict[str, Any]) -> dict[str, Any]:
    from worker.alerts.notify import process_document

    return process_document(doc).as_dict()


@app.task(bind=True, name="worker.tasks.alert.deliver", acks_late=True, max_retries=MAX_RETRIES,
          autoretry_for=STORE_ERRORS, retry_backoff=True, retry_backoff_max=int(BACKOFF_CAP))
def deliver(self: Any, notification: dict[str, Any]) -> str:
    from worker.alerts.delivery import attempt, give_up

    outcome = attempt(notification)
    if outcome.status in ("delivered", "skipped"):
        return outcome.status
    if outcome.status == "failed":
        give_up(notification, outcome.error or "permanent failure")
        return "failed"
    if self.request.retries >= self.max_retries:
        give_up(notification, f"gave up after {self.request.retries + 1} attempts: {outcome.error}")
        return "failed"
    log.info("alert %s on %s: %s; retry %d", notification["id"], notification["channel_key"], outcome.error,
             self.request.retries + 1)
    raise self.retry(countdown=backoff(self.request.retries))


@app.task(name="worker.tasks.alert.send_digests", acks_late=True, autoretry_for=STORE_ERRORS, max_retries=3)
def send_digests() -> int:
    from worker.alerts.notify import send_due_digests
    from worker.alerts.store import RuleStore

    rules = [r for r in RuleStore().list(enabled_only=True) if r.mode == "digest"]
    return len(send_due_digests(rules))
