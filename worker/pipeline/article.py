"""The article path's stage functions: thin adapters from the stage table's records to the layers below
(ingest, the pure extraction chain, stories, the store, alerts). Retries, dead letters, the outbox and
metrics are the runner's; these only do the work and raise classed errors.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from worker import errors
from worker.alerts.delivery import Outcome, attempt, mark_failed, raise_for
from worker.alerts.notify import process_document
from worker.alerts.stories import assign_story
from worker.document import ArticleIn, EnrichedDocument
from worker.extract.pipeline import extract_many, extract_one
from worker.ingest.articles import commit_handed, fetch_item
from worker.ingest.poller import poll_feed_once
from worker.metrics import inc, observe
from worker.pipeline.context import AppContext
from worker.pipeline.errors import transient_status
from worker.pipeline.stage import Hop, Result
from worker.records import Delivery, FeedItem, FetchedArticle
from worker.store.elastic import index_documents, to_source

log = logging.getLogger(__name__)


class StoreRefused(errors.PermanentError):
    """Elasticsearch refused the document (a mapping conflict, a document too large)."""


class StoreUnavailable(errors.TransientError):
    """Elasticsearch answered 429/5xx for the document, or could not be reached."""


def poll(hop: Hop, feed_id: str) -> str:
    """FeedId -> FeedItems. A feed's own failures are part of its state and schedule, not retries here;
    only the infrastructure (Redis, the broker) failing raises."""
    outcome = poll_feed_once(hop.ctx, feed_id, emit=hop.emit)
    inc("feed_polls_total", {"feed": feed_id, "outcome": outcome.result})
    log.info("poll %s: %s (%d new of %d)", feed_id, outcome.result, outcome.new_items, outcome.total_items,
             extra={"feed_id": feed_id})
    return outcome.result


def fetch(hop: Hop, item: FeedItem) -> str:
    """FeedItem -> FetchedArticle. The "handed" marks wait until the article is safely on its way."""
    ctx = hop.ctx
    outcome = fetch_item(ctx, item, emit=hop.emit, last_attempt=hop.last_attempt, commit=False)
    if outcome.handed_ids:
        hop.on_handed.append(lambda: commit_handed(ctx, [outcome]))
    return outcome.result


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _enriched(article: FetchedArticle, doc: EnrichedDocument) -> EnrichedDocument:
    """The chain's output plus the fetch stage's metadata (the chain sets neither)."""
    meta: dict[str, Any] = {
        "id": article.id, "url": article.url, "source": article.source, "feed_id": article.feed_id,
        "summary": article.summary, "author": article.author, "image": article.image,
        "published": _parse_time(article.published), "fetched": _parse_time(article.fetched),
        "tags": list(article.tags), "language": article.language,
    }
    return doc.model_copy(update={k: v for k, v in meta.items() if v is not None})


def _article_in(a: FetchedArticle) -> ArticleIn:
    return ArticleIn(id=a.id, url=a.url, title=a.title, body=a.body, published=a.published)


def extract(hop: Hop, articles: Sequence[FetchedArticle]) -> list[Result]:
    """[FetchedArticle] -> [EnrichedDocument], through the pure chain's batch entry point. The chain is
    deterministic, so a failure is the input's: the batch is re-run one by one to pin it on that article."""
    try:
        docs: list[EnrichedDocument | BaseException] = list(extract_many([_article_in(a) for a in articles]))
    except Exception:  # noqa: BLE001 - find which article it was
        docs = []
        for a in articles:
            try:
                docs.append(extract_one(_article_in(a)))
            except Exception as err:  # noqa: BLE001 - permanent for this input: the runner dead-letters it
                docs.append(errors.PermanentError(f"extraction failed: {type(err).__name__}: {err}"))
    out: list[Result] = []
    for article, doc in zip(articles, docs, strict=True):
        if isinstance(doc, BaseException):
            out.append(doc)
            continue
        hop.emit(_enriched(article, doc))
        out.append(None)
    return out


def story(hop: Hop, doc: EnrichedDocument) -> None:
    """EnrichedDocument -> the same with its story id (the first article of its near-duplicate cluster),
    before indexing, so the index and the alert history agree on it."""
    if doc.story_id is None:
        doc = doc.model_copy(update={"story_id": assign_story(doc, hop.ctx)})
    hop.emit(doc)


def index(hop: Hop, docs: Sequence[EnrichedDocument]) -> list[Result]:
    """[EnrichedDocument] -> the same, indexed: one bulk request for the micro-batch. Ids are the documents'
    own, so a redelivered batch overwrites instead of duplicating."""
    now = datetime.now(UTC)
    stamped = [d.model_copy(update={"indexed": now}) for d in docs]
    # One in-call retry only: long outages are ridden out by the runner's retries, which free the worker
    # process between attempts instead of sleeping in it.
    result = index_documents(hop.ctx.es, stamped, alias=hop.ctx.settings.es_index, max_retries=1,
                             initial_backoff=0.2, view=_views.build)
    by_id = {o.id: o for o in result.outcomes}
    out: list[Result] = []
    for doc in stamped:
        o = by_id.get(doc.id)
        if o is not None and not o.ok:
            transient = o.attempts > 0 and transient_status(o.status)
            if not transient or hop.last_attempt:  # a retry to come is no error yet (the metric's help text)
                inc("indexing_errors_total", {"kind": "transient" if transient else "rejected"})
            out.append((StoreUnavailable if transient else StoreRefused)(f"{o.status}: {o.error}"))
            continue
        _observe_lag(doc)
        hop.emit(doc)
        out.append(None)
    return out


class _ViewMemo:
    """The index views (``to_source``) the index stage built, for the match stage to reuse instead of
    building each again (the query analysis of title and body, ~1 ms of CPU per article). Keyed on the
    record object itself: match runs in this process on the very object index emitted, and a record is
    frozen, so the view still describes it. Anything else (a retry, another process) finds nothing and
    builds its own. Bounded: views of documents that never reach match (failed writes) are dropped."""

    MAX = 256

    def __init__(self) -> None:
        self._views: dict[int, tuple[EnrichedDocument, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def build(self, doc: EnrichedDocument | dict[str, Any]) -> dict[str, Any]:
        view = to_source(doc)
        if isinstance(doc, EnrichedDocument):
            with self._lock:
                if len(self._views) >= self.MAX:
                    self._views.clear()
                self._views[id(doc)] = (doc, view)
        return view

    def take(self, doc: EnrichedDocument) -> dict[str, Any] | None:
        with self._lock:
            hit = self._views.pop(id(doc), None)
        # the same object, not merely the same address reused by a newer one
        return hit[1] if hit is not None and hit[0] is doc else None


_views = _ViewMemo()


def _observe_lag(doc: EnrichedDocument) -> None:
    published = doc.published or doc.fetched
    if published is not None:
        lag = time.time() - published.timestamp()
        if 0 <= lag < 86400:
            observe("publish_to_indexed_seconds", lag)


def match(hop: Hop, doc: EnrichedDocument) -> None:
    """EnrichedDocument -> Deliveries. Idempotent per (rule, story): a re-run sends nothing twice."""
    result = process_document(doc.model_dump(mode="json"), ctx=hop.ctx, engine=hop.ctx.engine,
                              view=_views.take(doc))
    for d in result.deliveries:
        hop.emit(Delivery.from_payload(d))


def deliver(hop: Hop, delivery: Delivery) -> str:
    """Delivery -> delivered | skipped: one attempt on one channel; a failing channel never blocks ingestion."""
    outcome: Outcome = attempt(delivery.as_payload(), hop.ctx)
    inc("alert_deliveries_total", {"channel": str(delivery.channel.get("type")), "outcome": outcome.status})
    return raise_for(outcome)  # retry, wait (Retry-After, another attempt's lock) or dead letter: classed


def delivery_failed(ctx: AppContext, delivery: Delivery, error: str, error_code: str | None = None) -> None:
    """``deliver``'s dead-letter hook: the history shows the channel failed, and why (its code)."""
    mark_failed(delivery.as_payload(), error, ctx, error_code)
