"""Extract stage: run the pure chain on a fetched article and hand the enriched document on.

The payload (from the fetch stage) is a JSON dict: id, url, source, feed_id, title, body, summary,
author, image, published, fetched, tags, language. The chain is deterministic, so a redelivered task
produces the same document and the index stage's idempotent id makes the repeat harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from worker.celery_app import app
from worker.document import ArticleIn, EnrichedDocument
from worker.ops import metrics
from worker.tasks.common import dead_letter

log = logging.getLogger(__name__)

_META_FIELDS = ("url", "source", "feed_id", "summary", "author", "image", "published", "fetched", "tags", "language")


def enrich(payload: dict[str, Any]) -> EnrichedDocument:
    """Payload in, enriched document out (no I/O): the chain plus the fetch stage's metadata."""
    from worker.extract.pipeline import extract_one

    article = ArticleIn(
        id=payload["id"], url=payload.get("url"), title=payload.get("title") or "",
        body=payload.get("body") or "", published=payload.get("published"),
    )
    doc = extract_one(article)
    meta = {k: payload[k] for k in _META_FIELDS if payload.get(k) is not None}
    return EnrichedDocument.model_validate({**doc.model_dump(), **meta, "id": payload["id"]})


@app.task(name="worker.tasks.extract.extract_article", bind=True, max_retries=3, ignore_result=True)
def extract_article(self, payload: dict[str, Any]) -> None:  # noqa: ANN001
    extract_and_index(payload)


def extract_and_index(payload: dict[str, Any], *, remember_on_handoff: bool = False) -> None:
    """Run the chain on a fetched article and index the result in this process; the ``extract_article``
    task's body, also called by the fetch task directly (``worker.tasks.fetch.hand_to_extract``).

    A chain failure is permanent for this input: dead letter. If indexing fails (Elasticsearch away), the
    document goes to the ``index`` queue, whose task retries for hours; ``remember_on_handoff`` first records
    the payload in the in-flight outbox (the fetch task's inline path has not recorded it yet), so a message
    lost on the way is re-sent by the sweep."""
    try:
        with metrics.timed("extract"):
            doc = enrich(payload)
    except Exception as err:  # noqa: BLE001 - the chain is pure: a failure is permanent for this input
        log.exception("extraction failed for %s", payload.get("id"))
        dead_letter("extract", payload, err)
        metrics.inc("articles_total", {"stage": "extract", "outcome": "dead"})
        return
    metrics.inc("articles_total", {"stage": "extract", "outcome": "ok"})
    body = doc.model_dump(mode="json")
    from worker.tasks.index import index_now

    try:
        index_now(body, in_outbox=not remember_on_handoff)
    except Exception as err:  # noqa: BLE001 - the index queue's task owns retries and dead letters
        log.info("inline indexing of %s failed (%s); handing to the index queue", body.get("id"), err,
                 extra={"article_id": body.get("id")})
        if remember_on_handoff:
            from worker.tasks import inflight

            inflight.remember(payload)
        app.send_task("worker.tasks.index.index_article", args=[body], queue="index")
