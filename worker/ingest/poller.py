"""Polling one feed: the core the ``poll_feed`` task, ``newsworker poll --once`` and the tests call.

One function owns rescheduling (``_finish``): whatever happened (new items, 304, unchanged body, HTTP
error, network error, malformed XML), the feed gets a state with the outcome and a next due time, and
the state is written last so a crash mid-poll leaves the previous validators in place (the next poll
re-reads everything and nothing is lost; see ``seen``).
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import redis

from worker import metrics, records
from worker.ingest.canonical import canonicalize_url, doc_id
from worker.ingest.context import IngestDeps
from worker.ingest.errors import (
    FetchError,
    GoneError,
    PermanentFetchError,
    RateLimitedError,
    TransientFetchError,
)
from worker.ingest.feedparse import (
    MAX_ITEMS,
    FeedItem,
    html_page_feed_links,
    not_a_feed_message,
    parse_feed_new,
)
from worker.ingest.registry import DEAD_AFTER, FAILING_AFTER, Feed, FeedState
from worker.ingest.schedule import (
    adaptive_interval,
    backoff_delay,
    jitter,
    needs_full_fetch,
    parse_max_age,
)
from worker.logs import log_context

log = logging.getLogger(__name__)

Emit = Callable[[records.FeedItem], None]

_UNLOCK_LUA = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


@dataclass
class _Writes:
    """What a poll writes to Redis at its end: its stat counters and its feed's new state. They go out in
    one pipeline with the lock release (state first, lock last, as before), instead of one round trip
    each: a poll that found new items made four writes after its last read."""

    counts: dict[str, int] = field(default_factory=dict)
    state: tuple[str, FeedState] | None = None

    def count(self, name: str, amount: int = 1) -> None:
        if amount:
            self.counts[name] = self.counts.get(name, 0) + amount

    def save(self, feed_id: str, state: FeedState) -> None:
        self.state = (feed_id, state)


@dataclass(frozen=True)
class PollOutcome:
    feed_id: str
    result: str  # new | no_new | not_modified | unchanged | error | dead | deferred | locked | unknown | disabled
    http_status: int | None = None
    total_items: int = 0
    new_items: int = 0
    error: str | None = None
    next_due: float | None = None
    interval: float | None = None
    elapsed: float = 0.0


def handoff_item(feed: Feed, item: FeedItem) -> records.FeedItem:
    """What the fetch stage receives for one new item: the parsed item with the feed's metadata."""
    canonical = canonicalize_url(item.url)
    return records.FeedItem(
        id=doc_id(canonical), url=canonical, link=item.url, feed_id=feed.id, source=feed.source,
        language=feed.language, tags=tuple(dict.fromkeys([*feed.tags, *item.tags])), title=item.title,
        summary=item.summary, content=item.content, author=item.author,
        published=item.published.isoformat() if item.published else None, image=item.image, guid=item.guid,
    )


def poll_feed_once(ctx: IngestDeps, feed_id: str, emit: Emit, *, now: float | None = None,
                   force_full: bool = False) -> PollOutcome:
    """Poll ``feed_id`` once, hand every never-seen item to ``emit`` exactly once, reschedule. Every line
    logged meanwhile (the fetcher's, robots.txt's) carries the ``feed_id`` (``worker.logs.log_context``)."""
    with log_context(feed_id=feed_id):
        return _poll_feed_once(ctx, feed_id, emit, now=now, force_full=force_full)


def _poll_feed_once(ctx: IngestDeps, feed_id: str, emit: Emit, *, now: float | None,
                    force_full: bool) -> PollOutcome:
    started = time.monotonic()
    lock_key = ctx.keys.poll_lock(feed_id)
    token = uuid.uuid4().hex
    lock_ttl = int(max(60, ctx.settings.http_timeout * 4))
    if not ctx.redis.set(lock_key, token, nx=True, ex=lock_ttl):
        return PollOutcome(feed_id, "locked")
    out = _Writes()
    try:
        feed, state = ctx.registry.feed_and_state(feed_id)
        if feed is None:
            return PollOutcome(feed_id, "unknown", error="no such feed")
        if not feed.enabled:
            ctx.registry.set_due(feed_id, time.time() + ctx.settings.poll_max_interval)
            return PollOutcome(feed_id, "disabled")
        at = time.time() if now is None else now
        try:
            outcome = _poll(ctx, out, feed, state, emit, at, force_full)
        except (redis.RedisError, MemoryError):
            raise  # infrastructure: the task retries; the feed did nothing wrong
        except Exception as err:  # noqa: BLE001 - whatever a hostile feed provokes ends on the feed
            log.exception("poll %s: unexpected error", feed_id)
            outcome = _failure(ctx, out, feed, state, at, PermanentFetchError(
                f"unexpected {type(err).__name__} while polling: {str(err)[:300]}"))
        return PollOutcome(**{**outcome.__dict__, "elapsed": time.monotonic() - started})
    finally:
        pipe = ctx.redis.pipeline(transaction=False)
        if out.state is not None:
            ctx.registry.save_state(*out.state, pipe=pipe)
        for name, amount in out.counts.items():
            pipe.hincrby(ctx.keys.stats, name, amount)
        pipe.eval(_UNLOCK_LUA, 1, lock_key, token)
        pipe.execute()


def _poll(ctx: IngestDeps, out: _Writes, feed: Feed, state: FeedState, emit: Emit, now: float,
          force_full: bool) -> PollOutcome:
    s = ctx.settings
    state.polls += 1
    state.last_poll = now
    state.first_poll = state.first_poll or now
    full = force_full or needs_full_fetch(state.last_full_fetch, now, s.poll_force_full_every)
    try:
        res = ctx.fetcher.fetch(feed.url, kind="feed", etag=None if full else state.etag,
                                last_modified=None if full else state.last_modified,
                                allow_private=feed.allow_private)
        state.last_http_status = res.status
        res.raise_for_status()
    except RateLimitedError as err:
        if err.status is None:  # our own per-host budget, not the feed's fault: just come back soon
            return _defer(out, feed, state, now, err.retry_after or 5.0)
        return _failure(ctx, out, feed, state, now, err)
    except FetchError as err:
        return _failure(ctx, out, feed, state, now, err)

    if res.permanent_redirect and res.permanent_redirect != feed.url:
        log.info("feed %s moved permanently: %s -> %s", feed.id, feed.url, res.permanent_redirect)
        state.moved_from = feed.url
        feed = feed.model_copy(update={"url": res.permanent_redirect})
        ctx.registry.update(feed)

    server_min = _server_min(res.header("cache-control"), None)
    if res.not_modified:
        state.not_modified += 1
        out.count("not_modified")
        return _success(ctx, out, feed, state, now, "not_modified", res.status, 0, 0, server_min)

    body_hash = hashlib.sha256(res.body).hexdigest()
    if not full and body_hash == state.body_hash:
        # The server ignored our validators but nothing changed: no parsing, no claims.
        state.unchanged_body += 1
        _remember_validators(state, res.header("etag"), res.header("last-modified"))
        out.count("unchanged")
        return _success(ctx, out, feed, state, now, "unchanged", res.status, 0, 0, server_min)

    # Items handed on before (every id they could map to is confirmed in ``seen``) are not parsed again.
    parsed = parse_feed_new(res.body, res.header("content-type"), res.final_url,
                            known=lambda links: ctx.seen.all_confirmed([_link_ids(urls) for urls in links]))
    state.bozo_error = parsed.error[:500] if parsed.bozo and parsed.error else None
    if not parsed.items and not parsed.known and (links := html_page_feed_links(res.body, res.final_url)) is not None:
        # a web page, not a feed: the URL is wrong (a 404's kind), not the server having a bad moment
        return _failure(ctx, out, feed, state, now, PermanentFetchError(not_a_feed_message(links)))
    if parsed.bozo and not parsed.items:
        return _failure(ctx, out, feed, state, now, TransientFetchError(f"unreadable feed: {parsed.error}"))
    server_min = _server_min(res.header("cache-control"), parsed.ttl_seconds)
    dropped = int(parsed.extra.get("items_dropped") or 0)
    if dropped:
        # More new items than one poll takes (or than it looks at): said, counted, and the old validators
        # kept below so the next poll reads the feed again and takes the next ones.
        log.warning("poll %s: %d items left for a later poll (at most %d new items taken per poll)",
                    feed.id, dropped, MAX_ITEMS)
        metrics.inc("feed_items_dropped_total", {"feed": feed.id}, dropped)
        out.count("items_dropped", dropped)

    items = list({r.id: r for r in (handoff_item(feed, item) for item in parsed.items)}.values())
    claims = ctx.seen.claim_many([r.id for r in items], feed.id)
    fresh = [r for r, c in zip(items, claims, strict=True) if c == "won"]
    # Items another poll claimed but never confirmed (it may have died): keep the old validators so
    # the next poll reads the whole feed again and picks them up once their claim expires.
    incomplete = "pending" in claims or dropped > 0
    handed: list[str] = []
    for record in fresh:
        try:
            emit(record)
        except Exception as err:  # broker down: give the claims back, keep old validators, retry later
            ctx.seen.confirm_many(handed, feed.id)
            ctx.seen.release_many([r.id for r in fresh if r.id not in set(handed)])
            return _failure(ctx, out, feed, state, now, TransientFetchError(f"hand-off failed: {err!r}"))
        handed.append(record.id)
    ctx.seen.confirm_many(handed, feed.id)
    new = len(handed)
    total = len(parsed.items) + parsed.known
    state.items_seen += total
    state.items_new += new
    if new:
        state.last_new_item = now
        state.arrivals = (state.arrivals + [now] * min(new, 5))[-20:]
    if full:
        state.last_full_fetch = now
    if not incomplete:
        state.body_hash = body_hash
        _remember_validators(state, res.header("etag"), res.header("last-modified"))
    out.count("polls_200")
    out.count("new_items", new)
    return _success(ctx, out, feed, state, now, "new" if new else "no_new", res.status, total, new,
                    server_min)


def _link_ids(urls: list[str]) -> list[str]:
    """Document ids of an item's candidate links; none (so the item is parsed) if one cannot be read."""
    try:
        return [doc_id(canonicalize_url(u)) for u in urls]
    except Exception:  # noqa: BLE001 - a link canonicalize_url refuses: let the full parse decide
        return []


def _remember_validators(state: FeedState, etag: str | None, last_modified: str | None) -> None:
    # Stored byte-for-byte as received (weak ETags included); a server that stopped sending one
    # must not get a stale one back.
    state.etag = etag
    state.last_modified = last_modified


def _server_min(cache_control: str | None, ttl: int | None) -> float | None:
    values = [v for v in (parse_max_age(cache_control), ttl) if v]
    return float(max(values)) if values else None


def _base_interval(ctx: IngestDeps, feed: Feed, state: FeedState) -> float:
    return float(state.interval or feed.interval or ctx.settings.poll_default_interval)


def _success(ctx: IngestDeps, out: _Writes, feed: Feed, state: FeedState, now: float, result: str,
             status: int, total: int, new: int, server_min: float | None) -> PollOutcome:
    s = ctx.settings
    unchanged = result in ("not_modified", "unchanged")
    interval = adaptive_interval(
        _base_interval(ctx, feed, state),
        base=float(feed.interval or s.poll_default_interval),
        new_items=new, total_items=max(total, 1 if unchanged else 0),
        arrivals=state.arrivals, min_interval=s.poll_min_interval, max_interval=s.poll_max_interval,
        server_min=server_min, idle_seconds=now - (state.last_new_item or state.first_poll or now),
    )
    state.interval = interval
    state.status = "ok"
    state.consecutive_failures = 0
    state.last_success = now
    state.next_due = now + jitter(interval)
    out.save(feed.id, state)
    return PollOutcome(feed.id, result, status, total, new, None, state.next_due, interval)


def _defer(out: _Writes, feed: Feed, state: FeedState, now: float, wait: float) -> PollOutcome:
    state.polls -= 1  # not a poll: nothing was fetched
    state.next_due = now + wait + random.uniform(0, 5)
    out.save(feed.id, state)
    return PollOutcome(feed.id, "deferred", next_due=state.next_due)


def _failure(ctx: IngestDeps, out: _Writes, feed: Feed, state: FeedState, now: float,
             err: FetchError) -> PollOutcome:
    s = ctx.settings
    state.consecutive_failures += 1
    state.last_error = f"{err.kind}: {err}"[:1000]
    state.last_error_at = now
    if err.status:
        state.last_http_status = err.status
    out.count("errors")
    if isinstance(err, GoneError) or state.consecutive_failures >= DEAD_AFTER:
        # Dead feeds stay registered and visible; they are re-tried at the slowest rate in case the
        # outlet brings them back, and an operator can remove them.
        state.status = "dead"
        delay = float(s.poll_max_interval)
    else:
        state.status = "failing" if state.consecutive_failures >= FAILING_AFTER else state.status
        retry_after = err.retry_after if isinstance(err, RateLimitedError) else None
        delay = backoff_delay(state.consecutive_failures, base=max(30.0, s.poll_min_interval / 2),
                              cap=s.poll_max_interval, retry_after=retry_after)
    state.next_due = now + delay
    out.save(feed.id, state)
    log.warning("poll %s failed (%d in a row): %s", feed.id, state.consecutive_failures, state.last_error)
    return PollOutcome(feed.id, "dead" if state.status == "dead" else "error", err.status, 0, 0,
                       state.last_error, state.next_due, None)

