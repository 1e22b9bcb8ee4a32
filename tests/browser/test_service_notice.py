"""The service notice under every page's navigation (QA5 qa5c-13: with the workers stopped every feed stayed a
green "يعمل", Poll now promised a poll in 5 s, and no page said anything while /ready?workers=true already
said the workers were down). Headless Chromium on the real Redis and Elasticsearch; what ``GET /status``
finds is set with ``service_checks`` (no worker or beat runs for the tests)."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import service_checks, with_key
from worker.ingest.registry import Feed

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def down(monkeypatch):
    """Workers and beat down (as with `kill -STOP` of the run's processes)."""
    from worker.ops import health

    monkeypatch.setattr(health, "service_checks", service_checks(
        workers="no worker answered ping", beat="no beat holds the RedBeat lock",
        consuming="canary executed 94s ago (stale)"))
    return monkeypatch


@pytest.fixture
def feed(web, local_receivers):
    web.ctx.registry.add(Feed(id="replay-bbc", url="http://127.0.0.1:9/bbc.atom", name="BBC"))
    yield web.ctx.registry
    for feed_id in web.ctx.registry.ids():
        web.ctx.registry.remove(feed_id)


@pytest.mark.parametrize("path", ["/", "/alerts", "/feeds", "/stories", "/entities"])
def test_every_page_says_the_workers_are_down_and_what_it_means(page, web, down, path):
    page.goto(web.url + path)
    notice = page.locator("#nw-service")
    notice.locator("li[data-check='workers']").wait_for()
    text = notice.inner_text()
    assert "لا تُجلب المصادر ولا تُرسل التنبيهات" in text and "المجدول (beat) متوقف" in text
    # workers and beat down say it all: "not consuming" is their consequence, not a third line
    assert notice.locator("li").count() == 2
    # right under the navigation, announced to screen readers
    assert page.evaluate("document.getElementById('nav').nextElementSibling.id") == "nw-service"
    assert notice.get_attribute("role") == "status"
    assert "UTC" in notice.locator(".muted").inner_text()  # the check's time says its zone, as every time does
    page.click("#nav-lang")
    assert "No worker is running: feeds are not polled and alerts are not sent" in notice.inner_text()
    assert not page.errors


def test_the_notice_goes_when_the_services_return_and_comes_back_when_they_stop(page, web, monkeypatch):
    from worker.ops import health

    page.clock.install()
    page.goto(web.url + "/feeds")
    page.wait_for_function("() => document.getElementById('nw-service') !== null")
    assert page.is_hidden("#nw-service")  # everything up: nothing shown
    monkeypatch.setattr(health, "service_checks", service_checks(elasticsearch="unreachable: no answer within 2 s"))
    page.clock.run_for(31_000)  # the next read, half a minute later
    page.locator("#nw-service li[data-check='es']").wait_for()
    assert "البحث متوقف" in page.inner_text("#nw-service")
    monkeypatch.setattr(health, "service_checks", service_checks())
    page.clock.run_for(31_000)
    page.wait_for_selector("#nw-service", state="hidden")
    assert not page.errors


def test_poll_now_promises_no_poll_when_no_worker_runs(page, web, feed, down):
    with_key(page)
    page.goto(web.url + "/feeds")
    row = page.locator("#feeds tr[data-feed='replay-bbc']")
    row.wait_for()
    feed.set_due("replay-bbc", time.time() + 3600)
    row.locator(".act-poll").click()
    page.wait_for_selector("#msg:not([hidden])")
    msg = page.inner_text("#msg")
    assert "replay-bbc" in msg and "لا عامل أو مجدول يعمل الآن" in msg and "خلال" not in msg, msg
    # the request is still made: the feed is first in line for when the workers are back
    due = feed.due_times(["replay-bbc"])["replay-bbc"]
    assert due is not None and due <= time.time() + 1
    assert not page.errors


def test_poll_now_promises_a_poll_when_the_workers_run(page, web, feed):
    with_key(page)
    page.goto(web.url + "/feeds")
    row = page.locator("#feeds tr[data-feed='replay-bbc']")
    row.wait_for()
    row.locator(".act-poll").click()
    page.wait_for_selector("#msg.ok:not([hidden])")
    assert "سيُجلب replay-bbc خلال" in page.inner_text("#msg")
    assert page.is_hidden("#nw-service")


def test_closed_reads_without_a_key_skip_the_notice_quietly(page, web, down):
    """NEWSWORKER_API_READ_OPEN=false and no key: the notice's 401 must not open the key dialog, nor be asked
    again every 30 s; once a key is entered, the notice reads with it."""
    from worker.settings import get_settings

    down.setattr(get_settings(), "api_read_open", False)
    asked = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/status") else None)
    page.clock.install()
    page.goto(web.url + "/stories")
    page.wait_for_selector("#nw-key-dialog[open]")  # the page's own read asks, once
    page.keyboard.press("Escape")  # ... and the user does not give a key
    page.wait_for_selector("#nw-key-dialog", state="hidden")
    page.clock.run_for(95_000)  # three more half-minutes: the notice neither asks nor reads again
    assert len(asked) == 1
    assert page.locator("#nw-key-dialog[open]").count() == 0
    assert page.locator("#nw-service li").count() == 0
    page.click("#nav-key")
    page.fill("#nw-key-input", web.key)
    page.press("#nw-key-input", "Enter")
    page.locator("#nw-service li[data-check='workers']").wait_for()
    assert len(asked) == 2
    assert not page.errors
