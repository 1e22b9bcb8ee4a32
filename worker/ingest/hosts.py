"""One slow site delays its own articles, nobody else's (QA6 qa6s-1).

QA's run: a feed of 64 items whose pages sent their headers and then a character every 0.5 s. Every fetch
ran to the page deadline (60 s); each retry was a message of its own holding a whole pool process for 60 s,
so both processes of the worker fetched that site two pages a minute and nothing else (polls, every other
feed's articles) ran for hours. The token bucket of ``worker.ingest.politeness`` bounds how *often* a site is
asked, not how many of our fetches wait on it at once. Two bounds here, both shared by every worker in Redis:

* **Slots** (``worker.slots.LeasedSlots``, the same limiter as the deliveries' receivers): every page fetch
  holds one of its site's slots (``scheme://host:port`` of the item's link), and at most
  ``settings.fetch_per_host`` are allowed at once, across all workers, while the site is *slow*: its last
  page took ``slow_after`` seconds or more or ran out of time (for ``SLOW_MEMORY``), or one of its pages has
  been running that long already (the slots' lease times tell, before that page is over). A page whose slow
  site has no slot free is not fetched and holds nothing: ``HostBusyError`` defers it for a few seconds,
  which is not an attempt. The default, 1, keeps a slow site to one pool process of the default two
  (``worker_concurrency``), so polls and the other feeds always find one free; keep it below
  ``worker_concurrency``. A site that answers in time is not limited, so an outlet publishing twenty
  articles at once (or the demo's replay server, which serves every feed) is fetched as fast as its token
  bucket allows: limiting every site, or every site not yet known to answer in time, cut batches into single
  pages and the end-to-end bench's poll -> webhook p95 to 12.9 s (4.55 s before, same hour). The price is the first contact
  with a slow site: the pages of it already started (a fetch message fetches 8 at a time) hold their
  process for one page deadline, at most once per ``SLOW_MEMORY``.
* **Skipping a site that keeps timing out**: after ``TIMEOUTS_TO_SKIP`` page fetches of a site in a row ran
  out of time, its pages are not tried for ``skip_seconds`` (five page deadlines): each fails at once with
  ``HostTimingOutError``, a failed attempt, so its retries run their course on the usual backoff (~30 min in
  all) and the last one uses the feed's text (or dead-letters the item, with that reason) instead of each
  holding a process for a whole deadline. The first fetch after the pause is a real one: an answer in time
  clears the count, another timeout pauses the site again at once (the count is kept an hour).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from worker.ingest.errors import HostBusyError, HostTimingOutError
from worker.keys import Keys
from worker.settings import Settings
from worker.slots import LeasedSlots, Slot, origin

# A page refused for its site comes back after this many seconds (plus HostBusyError.spread at random):
# longer than a receiver's second, since a busy site's slot is usually held by a slow page and each
# wait is a message through the queue.
HOST_BUSY_WAIT = 3.0
TIMEOUTS_TO_SKIP = 3
SKIP_DEADLINES = 5  # a site that keeps timing out is skipped for this many page deadlines
TIMEOUTS_MEMORY = 3600  # seconds a site's count of timeouts in a row is kept after its last one
SLOW_MEMORY = 3600  # seconds a site stays slow (its pages limited) after a slow page or a timeout
SLOW_AFTER_MIN = 5.0  # a page is slow after this many seconds at least (and a quarter of the page deadline)
LEASE_MARGIN_SECONDS = 30


def lease_seconds(settings: Settings) -> float:
    """A slot's lease: robots.txt and the page, each bounded by the fetch deadline, and a margin."""
    return 2 * settings.http_total_deadline + LEASE_MARGIN_SECONDS


def skip_seconds(settings: Settings) -> float:
    return SKIP_DEADLINES * settings.http_total_deadline


def slow_after(settings: Settings) -> float:
    """Seconds after which a page is slow (its site limited): a quarter of the page deadline (15 s by
    default), at least ``SLOW_AFTER_MIN``; a news page takes well under a second."""
    return max(SLOW_AFTER_MIN, settings.http_total_deadline / 4)


def skips_after(timeouts_in_a_row: int) -> bool:
    """Whether a site whose last ``timeouts_in_a_row`` page fetches all timed out is paused."""
    return timeouts_in_a_row >= TIMEOUTS_TO_SKIP


@dataclass(frozen=True)
class Site:
    """A page fetch's hold on its site: the slot to give back (None: the URL names no site)."""

    origin: str | None
    slot: Slot | None = None
    started: float = 0.0  # time.monotonic() at the start: how long the site took tells whether it is slow


@dataclass(frozen=True)
class HostGuard:
    redis: redis.Redis
    keys: Keys
    settings: Settings

    def enter(self, url: str) -> Site:
        """One of ``url``'s site's slots (limited only for a slow site); ``HostTimingOutError`` while the site
        is skipped for timing out, ``HostBusyError`` when its slots are all in use. One round trip."""
        site = origin(url)
        if site is None:
            return Site(None)
        slots = LeasedSlots(self.redis, self.settings.fetch_per_host)
        pipe = self.redis.pipeline(transaction=False)
        pipe.pttl(self.keys.fetch_skip(site))
        # every fetch holds a slot, a fast site's too, so that one hanging for ``slow_after`` limits the
        # fetches after it at once
        slot = slots.queue_acquire(pipe, self.keys.fetch_slots(site), lease_seconds(self.settings),
                                   limit_after=slow_after(self.settings), limited_by=self.keys.fetch_slow(site))
        done = pipe.execute()
        left, taken = int(done[0]), (int(done[1]) == 1 if len(done) > 1 else True)
        if left > 0:
            if taken:
                slots.release(slot)
            raise HostTimingOutError(
                f"{site}: its last {TIMEOUTS_TO_SKIP} pages or more ran out of time "
                f"({self.settings.http_total_deadline:g}s); not tried for another {left / 1000:.0f}s", url=url)
        if not taken:
            raise HostBusyError(f"{site} has {slots.limit} page fetches in flight (NEWSWORKER_FETCH_PER_HOST)",
                                retry_after=HOST_BUSY_WAIT, url=url)
        return Site(site, slot, time.monotonic())

    def leave(self, site: Site, *, timed_out: bool | None) -> None:
        """Give the slot back and count the outcome: ``timed_out`` True or False when the site ran out of time
        or answered, None when the fetch told nothing about its speed (refused before any request). A timeout
        or an answer after ``slow_after`` marks the site slow (for ``SLOW_MEMORY``), an answer in time unmarks
        it."""
        if site.origin is None:
            return
        pipe = self.redis.pipeline(transaction=False)
        if site.slot is not None:
            LeasedSlots.queue_release(pipe, site.slot)
        slow = self.keys.fetch_slow(site.origin)
        if timed_out or (timed_out is False and time.monotonic() - site.started >= slow_after(self.settings)):
            pipe.set(slow, "1", ex=SLOW_MEMORY)
        elif timed_out is False:
            pipe.delete(slow)
        count = self.keys.fetch_timeouts(site.origin)
        if timed_out:
            pipe.incr(count)
            pipe.expire(count, TIMEOUTS_MEMORY)
        elif timed_out is False:
            pipe.delete(count)
        done = pipe.execute()
        if timed_out and skips_after(int(done[-2])):
            self.redis.set(self.keys.fetch_skip(site.origin), "1", px=int(skip_seconds(self.settings) * 1000))
