"""A site's page slots and its timeouts in a row on the real Redis (QA6 qa6s-1): a page whose site has
every slot taken is not fetched (a wait, not an attempt, on the last attempt too), the slot is given back
whatever the fetch did, and after ``TIMEOUTS_TO_SKIP`` timeouts in a row the site's pages are not asked for
(an attempt each; the last one uses the feed's text), while an answer clears the count."""

from __future__ import annotations

import httpx
import pytest

from tests.app_context import app_context
from worker.ingest.articles import fetch_item
from worker.ingest.errors import FetchTimeoutError, HostBusyError, HostTimingOutError
from worker.ingest.fetcher import Fetcher
from worker.ingest.hosts import SLOW_MEMORY, TIMEOUTS_TO_SKIP, lease_seconds, slow_after
from worker.records import FeedItem
from worker.slots import LeasedSlots

pytestmark = pytest.mark.integration

SITE = "http://slow.example:80"


def _item(i: int) -> FeedItem:
    url = f"http://slow.example/page/{i}"
    return FeedItem(id=f"i{i}", url=url, link=url, title="خبر", summary="ملخص الخبر من الموجز", source="s",
                    feed_id="f")


@pytest.fixture
def ctx(redis_client, es_client, unique_name):
    c = app_context(unique_name, redis_client, es_client, respect_robots=False, fetch_per_host=1,
                    allow_private_addresses=True, per_host_rate=1000.0, per_host_burst=1000)
    c.requests = []  # type: ignore[attr-defined]

    def answer(request: httpx.Request) -> httpx.Response:
        c.requests.append(str(request.url))  # type: ignore[attr-defined]
        if c.timing_out:  # type: ignore[attr-defined]
            raise httpx.ReadTimeout("dripping", request=request)
        return httpx.Response(200, headers={"Content-Type": "text/html"},
                              content="<html><body><p>نص الصفحة الكاملة</p></body></html>".encode())

    c.timing_out = True  # type: ignore[attr-defined]
    c.__dict__["fetcher"] = Fetcher(c.settings, transport=httpx.MockTransport(answer))
    yield c
    stale = list(redis_client.scan_iter(match=f"{unique_name}:*", count=1000))
    if stale:
        redis_client.delete(*stale)


def test_a_busy_site_is_not_fetched_and_its_slot_comes_back(ctx) -> None:
    ctx.redis.set(ctx.keys.fetch_slow(SITE), "1")  # its last page was slow: its pages are held to its slots
    slots = LeasedSlots(ctx.redis, 1)
    held = slots.acquire(ctx.keys.fetch_slots(SITE), 60)  # another worker is fetching one of its pages
    assert held is not None
    with pytest.raises(HostBusyError) as busy:
        fetch_item(ctx, _item(1), lambda _a: None, last_attempt=True, commit=False)
    assert not busy.value.counts_as_attempt and ctx.requests == []
    slots.release(held)
    with pytest.raises(FetchTimeoutError):
        fetch_item(ctx, _item(1), lambda _a: None, commit=False)
    assert slots.in_flight(ctx.keys.fetch_slots(SITE)) == 0  # given back after the timeout too
    ctx.timing_out = False
    out = fetch_item(ctx, _item(2), lambda _a: None, commit=False)
    assert out.result == "handed" and out.page_error is None and ctx.requests[-1].endswith("/page/2")
    assert slots.in_flight(ctx.keys.fetch_slots(SITE)) == 0
    assert not ctx.redis.exists(ctx.keys.fetch_timeouts(SITE))  # an answer clears the count
    assert not ctx.redis.exists(ctx.keys.fetch_slow(SITE))  # ... and, in time, makes the site fast again


def test_a_site_answering_in_time_is_not_limited_until_it_times_out(ctx) -> None:
    """An outlet publishing many articles at once (or the demo's one replay server) is not fetched one page
    at a time: only a site whose last page was slow or timed out is held to its slots."""
    ctx.timing_out = False
    slots = LeasedSlots(ctx.redis, 1)
    # another page of the site in flight, just begun: no matter for a site not known slow
    held = slots.acquire(ctx.keys.fetch_slots(SITE), lease_seconds(ctx.settings))
    assert held is not None
    out = fetch_item(ctx, _item(1), lambda _a: None, last_attempt=True, commit=False)
    assert out.result == "handed" and not ctx.redis.exists(ctx.keys.fetch_slow(SITE))
    ctx.timing_out = True
    with pytest.raises(FetchTimeoutError):
        fetch_item(ctx, _item(2), lambda _a: None, commit=False)
    assert 0 < ctx.redis.ttl(ctx.keys.fetch_slow(SITE)) <= SLOW_MEMORY
    with pytest.raises(HostBusyError):  # slow now: its one slot is taken
        fetch_item(ctx, _item(3), lambda _a: None, commit=False)
    slots.release(held)


def test_a_site_that_keeps_timing_out_is_skipped_and_the_last_attempt_uses_the_feed_text(ctx) -> None:
    for i in range(TIMEOUTS_TO_SKIP):
        with pytest.raises(FetchTimeoutError):
            fetch_item(ctx, _item(i), lambda _a: None, commit=False)
    asked = len(ctx.requests)
    with pytest.raises(HostTimingOutError) as skipped:
        fetch_item(ctx, _item(10), lambda _a: None, commit=False)
    assert "not tried for another" in str(skipped.value)
    got: list = []
    out = fetch_item(ctx, _item(10), got.append, last_attempt=True, commit=False)
    assert out.result == "handed" and out.body_from != "page" and "ran out of time" in (out.page_error or "")
    assert len(ctx.requests) == asked  # the skipped site was not asked at all
    assert 0 < ctx.redis.pttl(ctx.keys.fetch_skip(SITE)) <= 5 * ctx.settings.http_total_deadline * 1000


def test_a_page_hanging_for_slow_after_makes_its_site_slow_at_once(ctx) -> None:
    """Before the hanging page is over: a page of the site fetched for ``slow_after`` already limits the
    ones after it."""
    ctx.timing_out = False
    fetch_item(ctx, _item(0), lambda _a: None, commit=False)  # answered in time: not slow
    slots = LeasedSlots(ctx.redis, 1)
    lease = lease_seconds(ctx.settings)
    # a holder whose lease began slow_after + 1 s ago (as a fetch started then holds it)
    began = _redis_ms(ctx) - (slow_after(ctx.settings) + 1) * 1000
    ctx.redis.zadd(ctx.keys.fetch_slots(SITE), {"hanging": began + lease * 1000})
    asked = len(ctx.requests)
    with pytest.raises(HostBusyError):
        fetch_item(ctx, _item(1), lambda _a: None, commit=False)
    assert len(ctx.requests) == asked and slots.in_flight(ctx.keys.fetch_slots(SITE)) == 1


def _redis_ms(ctx) -> float:
    s, us = ctx.redis.time()
    return s * 1000 + us / 1000


def test_a_robots_txt_running_out_of_time_makes_the_site_slow_and_skips_the_page(ctx) -> None:
    """QA6 re-test qa6r-1: a site dripping its robots.txt too held each process two deadlines (robots.txt's,
    then the page's), because the robots.txt timeout read as "allowed" and told the site's count nothing."""
    robots = ctx.settings.model_copy(update={"respect_robots": True})
    ctx.__dict__["settings"] = robots
    ctx.__dict__.pop("robots", None)
    with pytest.raises(FetchTimeoutError):
        fetch_item(ctx, _item(1), lambda _a: None, commit=False)
    assert ctx.requests == ["http://slow.example/robots.txt"]  # the page was not asked for after it
    assert ctx.redis.exists(ctx.keys.fetch_slow(SITE)) and ctx.redis.get(ctx.keys.fetch_timeouts(SITE)) == "1"
    ctx.timing_out = False  # asked again: robots.txt is taken as allowing for a while, the page is fetched
    out = fetch_item(ctx, _item(1), lambda _a: None, commit=False)
    assert out.result == "handed" and ctx.requests[-1] == "http://slow.example/page/1"
