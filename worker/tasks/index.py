"""Index stage: attach the story id, write the document to Elasticsearch, then match it against the alerts.

Writes use the document id (hash of the canonical URL) so a redelivered task overwrites the same
document instead of adding a second one. Elasticsearch being down is transient: the task retries with
capped exponential backoff for hours rather than dropping the document; a document Elasticsearch
refuses (mapping error) is permanent and goes to the dead letters.

The extract task calls :func:`index_now` in-process first (one queue hop and one serialisation of the
whole document fewer per article); only when that fails transiently does the document travel through
the ``index`` queue, where this task's retries ride out the outage.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from elastic_transport import ConnectionError as ESConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError

from worker.celery_app import app
from worker.ops import metrics
from worker.store.clients import get_es
from worker.tasks import inflight
from worker.tasks.common import backoff, dead_letter

log = logging.getLogger(__name__)

TRANSIENT = (ESConnectionError, ConnectionTimeout, ConnectionError, TimeoutError)


class TransientIndexError(Exception):
    """Elasticsearch answered 429/5xx for this document, or could not be reached."""


def _is_transient_status(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def index_now(doc: dict[str, Any], *, in_outbox: bool = True) -> bool:
    """Index one document and hand it to alert matching. True when done (indexed, or dead-lettered as
    refused); raises TransientIndexError (or a transport error) when it should be retried.
    ``in_outbox=False``: the payload was never recorded in the in-flight outbox (the fetch task's inline
    path), so there is nothing to forget (a Redis round trip saved)."""
    from worker.store.elastic import index_documents

    if not doc.get("story_id"):
        from worker.alerts.stories import assign_story

        with metrics.timed("story"):
            doc["story_id"] = assign_story(doc)
    doc["indexed"] = datetime.now(UTC).isoformat()
    with metrics.timed("index"):
        # One in-call retry only: long outages are ridden out by Celery retries, which free the worker
        # process between attempts instead of sleeping in it.
        result = index_documents(get_es(), [doc], max_retries=1, initial_backoff=0.2)
    if result.failed:
        failure = result.failed[0]
        if failure.attempts > 0 and _is_transient_status(failure.status):
            raise TransientIndexError(f"{failure.status}: {failure.error}")
        dead_letter("index", doc, f"{failure.status}: {failure.error}")
        metrics.inc("indexing_errors_total", {"kind": "rejected"})
        return True
    metrics.inc("articles_total", {"stage": "index", "outcome": "ok"})
    if in_outbox:
        inflight.forget(str(doc.get("id")))
    published = doc.get("published") or doc.get("fetched")
    if published:
        try:
            lag = time.time() - datetime.fromisoformat(published).timestamp()
            if 0 <= lag < 86400:
                metrics.observe("publish_to_indexed_seconds", lag)
        except ValueError:
            pass
    match_now(doc)
    return True


def match_now(doc: dict[str, Any]) -> None:
    """Match an indexed document against the alerts in this process: it is already in memory, while the
    ``alert`` queue would cost a serialisation of the whole document, a publish and a dispatch (a few ms of
    CPU per article). Matching is idempotent per (rule, story), so a redelivered task that runs it again
    sends nothing twice. If it fails (Redis or Elasticsearch briefly away), the document goes to the
    ``alert`` queue, whose task retries with backoff."""
    from worker.alerts.notify import process_document

    try:
        with metrics.timed("alert"):
            process_document(doc)
    except Exception as err:  # noqa: BLE001 - the queued task owns retries
        log.info("inline alert matching of %s failed (%s); handing to the alert queue", doc.get("id"), err,
                 extra={"article_id": doc.get("id")})
        app.send_task("worker.tasks.alert.match_article", args=[doc], queue="alert")


@app.task(name="worker.tasks.index.index_article", bind=True, max_retries=300, ignore_result=True)
def index_article(self, doc: dict[str, Any]) -> None:  # noqa: ANN001
    try:
        index_now(doc)
    except (*TRANSIENT, TransientIndexError) as err:
        metrics.inc("indexing_errors_total", {"kind": "transient"})
        log.warning("index of %s failed (%s); retry %d", doc.get("id"), err, self.request.retries,
                    extra={"article_id": doc.get("id")})
        raise self.retry(exc=err, countdown=backoff(self.request.retries, cap=60)) from err
    except ApiError as err:
        if _is_transient_status(getattr(err, "status_code", None)):
            raise self.retry(exc=err, countdown=backoff(self.request.retries, cap=60)) from err
        dead_letter("index", doc, err)
    except Exception as err:  # noqa: BLE001 - anything else (e.g. Redis down during story assignment)
        if self.request.retries < 20:
            raise self.retry(exc=err, countdown=backoff(self.request.retries, cap=60)) from err
        dead_letter("index", doc, err)
