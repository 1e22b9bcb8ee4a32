"""Fetching one new item's article page and handing the article on: the core of ``fetch_article``.

Idempotent on document ids: a redelivered task (late acks after a worker died) finds the ``handed``
mark and stops; a second feed's link that lands on the same canonical page (after redirects or
``rel=canonical``) finds the page's id already claimed by another item and stops. Transient page
errors propagate so the task retries with backoff; on the last attempt, and on permanent page errors,
the feed's own text is used when there is any, and only an item with no text at all is an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from worker.ingest.article import build_article
from worker.ingest.canonical import canonical_for_page, doc_id
from worker.ingest.context import IngestDeps
from worker.ingest.encoding import decode_html
from worker.ingest.errors import (
    FetchError,
    FetchTimeoutError,
    HostBusyError,
    PermanentFetchError,
    RobotsDisallowedError,
    TransientFetchError,
)
from worker.ingest.fetcher import FetchResult
from worker.records import FeedItem, FetchedArticle

log = logging.getLogger(__name__)

Emit = Callable[[FetchedArticle], None]


@dataclass(frozen=True)
class FetchOutcome:
    result: str  # handed | duplicate | already_handed
    doc_id: str
    article: FetchedArticle | None = None
    page_error: str | None = None
    body_from: str | None = None
    handed_ids: tuple[str, ...] = ()  # to mark handed once the article is safely on its way (``commit_handed``)


def _has_feed_text(item: FeedItem) -> bool:
    return bool((item.content or "").strip() or (item.summary or "").strip())


def fetch_item(ctx: IngestDeps, item: FeedItem, emit: Emit, *, last_attempt: bool = False,
               commit: bool = True) -> FetchOutcome:
    """Fetch the item's page and ``emit`` the article. ``commit=False``: the caller marks the ids handed
    (``commit_handed``) once the article is safely on its way, e.g. after the pipeline runner has indexed a
    whole micro-batch; until then a redelivered message fetches the item again instead of skipping it."""
    link = item.link or item.url
    link_id = item.id or doc_id(item.url)
    if ctx.seen.was_handed(link_id):
        return FetchOutcome("already_handed", link_id)

    html: str | None = None
    final_url, canonical = link, item.url or link
    page_error: str | None = None
    fetched_at = None
    try:
        # A site that keeps timing out is skipped for a while (``_fetch_page``): a failed attempt, inside this
        # ``try`` so the last one falls back to the feed's text (QA6 qa6s-1, ``worker.ingest.hosts``).
        res = _fetch_page(ctx, link)
        res.raise_for_status()
        html, _enc = decode_html(res.body, res.header("content-type"))
        final_url, fetched_at = res.final_url, res.fetched_at
        canonical = canonical_for_page(final_url, html)
    except HostBusyError:
        raise  # the site's slots are all in use: a wait, not an attempt, on the last attempt too
    except TransientFetchError as err:
        if not last_attempt or not _has_feed_text(item):
            raise
        page_error = f"{err.kind}: {err}"
    except PermanentFetchError as err:
        if not _has_feed_text(item):
            raise
        page_error = f"{err.kind}: {err}"

    final_id = doc_id(canonical)
    if final_id != link_id:
        # Same article reached through another link (another feed, a redirect, rel=canonical)?
        if not ctx.seen.claim_alias(final_id, owner=link_id):
            ctx.seen.mark_handed(link_id)
            return FetchOutcome("duplicate", final_id)
    # When the page's canonical id is the link's own, the check at the top already asked this (one Redis
    # round trip per article saved). A redelivery racing this one past that check is harmless: both hand
    # the same id, and the document id makes the index write an overwrite.
    if final_id != link_id and ctx.seen.was_handed(final_id):
        ctx.seen.mark_handed(link_id)
        return FetchOutcome("already_handed", final_id)
    article, body_from = build_article(item, html=html, doc_id=final_id, url=canonical, fetched=fetched_at)
    if page_error:
        log.info("article %s: page unavailable (%s), using feed text", final_id, page_error)
    emit(article)
    outcome = FetchOutcome("handed", final_id, article, page_error, body_from, (final_id, link_id))
    if commit:
        commit_handed(ctx, [outcome])
    return outcome


def _fetch_page(ctx: IngestDeps, link: str) -> FetchResult:
    """robots.txt and the page, holding one of the site's slots (``HostBusyError`` when it has none free,
    ``HostTimingOutError`` while it is skipped),
    and the site's count of pages in a row that timed out updated: a timeout adds one, an answer (any HTTP
    status) clears it, anything else (refused before a request, a reset connection) leaves it as it is."""
    site = ctx.hosts.enter(link)
    timed_out: bool | None = None
    try:
        try:
            if ctx.settings.respect_robots and not ctx.robots.allowed(link):
                raise RobotsDisallowedError(f"robots.txt disallows {link}", url=link)
            res = ctx.fetcher.fetch(link, kind="page")
        except FetchTimeoutError:  # the page's or the robots.txt's (``RobotsPolicy``): the site is slow
            timed_out = True
            raise
        except FetchError as err:
            timed_out = False if err.status is not None else None
            raise
        timed_out = False
        return res
    finally:
        ctx.hosts.leave(site, timed_out=timed_out)


def commit_handed(ctx: IngestDeps, outcomes: list[FetchOutcome]) -> None:
    """The handed marks and the counter of ``outcomes`` in one round trip."""
    ids = [i for o in outcomes for i in o.handed_ids]
    if not ids:
        return
    pipe = ctx.redis.pipeline(transaction=False)
    ctx.seen.queue_handed(pipe, ids)
    pipe.hincrby(ctx.keys.stats, "articles_handed", sum(1 for o in outcomes if o.handed_ids))
    pipe.execute()
