"""Celery task for the fetch stage: fetch one new item's page, hand the article to extraction.

Transient errors (timeouts, 5xx, rate limits) are retried with exponential backoff and jitter; on the
last attempt the feed's own text is used if it has any; an item that cannot produce an article at all
becomes a dead letter (``newsworker deadletter list|show|replay``), never a silent drop.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import redis
from kombu.exceptions import OperationalError

from worker.celery_app import app
from worker.ingest import deadletter
from worker.ingest.articles import fetch_item
from worker.ingest.context import get_context
from worker.ingest.errors import PermanentFetchError, RateLimitedError, TransientFetchError
from worker.ops import metrics

log = logging.getLogger(__name__)

EXTRACT_TASK = "worker.tasks.extract.extract_article"
MAX_RETRIES = 6


def hand_to_extract(payload: dict[str, Any]) -> None:
    """Extract and index the article here (``inline_extract``, the default) or send it to the ``extract``
    queue (workers dedicated to the CPU-heavy stages).

    Inline saves per article a publish of the whole article, its dispatch, and the in-flight outbox's
    write and delete (several Redis round trips and a few ms of CPU); this task is acknowledged late, so a
    worker dying mid-way gets the whole fetch redelivered, and the ``handed`` mark is only set after this
    returns. Queued, the payload goes to the outbox first: it is either there or already indexed."""
    from worker.settings import get_settings
    from worker.tasks import inflight

    if get_settings().inline_extract:
        from worker.tasks.extract import extract_and_index

        extract_and_index(payload, remember_on_handoff=True)
        return
    inflight.remember(payload)
    app.send_task(EXTRACT_TASK, args=[payload], queue="extract")


@app.task(bind=True, name="worker.tasks.fetch.fetch_article", ignore_result=True,
          autoretry_for=(TransientFetchError, redis.ConnectionError, redis.TimeoutError, OperationalError),
          retry_backoff=30, retry_backoff_max=1800, retry_jitter=True, max_retries=MAX_RETRIES)
def fetch_article(self: Any, item: dict[str, Any]) -> dict[str, Any]:
    last = self.request.retries >= MAX_RETRIES
    ctx = get_context()
    try:
        with metrics.timed("fetch") as timer:  # the fetch alone: inline extraction records its own stages
            outcome = fetch_item(ctx, item, emit=lambda p: timer.excluding(hand_to_extract, p),
                                 last_attempt=last)
    except RateLimitedError as err:
        wait = min((err.retry_after or 30.0) + random.uniform(0, 10), max_countdown())
        if err.status is None:
            # Our own per-host budget is spent (a burst of items from one site): queue a fresh copy
            # for later rather than burning this task's retries; the task is idempotent.
            fetch_article.apply_async(args=[item], countdown=wait)
            return {"result": "deferred", "wait": wait}
        if last:
            return _dead(item, err)
        raise self.retry(exc=err, countdown=wait) from err
    except TransientFetchError as err:
        if last:
            return _dead(item, err)
        raise  # autoretry with exponential backoff + jitter
    except PermanentFetchError as err:
        return _dead(item, err)
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # a malformed payload: keep it
        return _dead(item if isinstance(item, dict) else {"raw": repr(item)}, err)
    metrics.inc("articles_total", {"stage": "fetch", "outcome": outcome.result})
    return {"result": outcome.result, "id": outcome.doc_id, "body_from": outcome.body_from}


def max_countdown() -> float:
    """The longest countdown a task may be given: with the Redis transport a message waiting longer than
    the visibility timeout is delivered again while the first copy still waits (a server's Retry-After
    of days would otherwise multiply the task)."""
    visibility = float((app.conf.broker_transport_options or {}).get("visibility_timeout", 3600))
    return max(1.0, visibility - 60.0)


def _dead(item: dict[str, Any], err: Exception) -> dict[str, Any]:
    dl_id = deadletter.record("fetch", item, f"{type(err).__name__}: {err}")
    metrics.inc("articles_total", {"stage": "fetch", "outcome": "dead_letter"})
    metrics.inc("dead_letters_total", {"stage": "fetch"})
    log.warning("fetch of %s failed for good, dead letter %s: %s", item.get("link") or item.get("url"), dl_id, err)
    return {"result": "dead_letter", "dead_letter": dl_id}


