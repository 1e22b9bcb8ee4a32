"""The feeds page for a monitoring user (QA5): a feed's row shows what the API knows (failures in a row, last
new item, counts, source, tags, and "silent" for a feed that brings nothing new: qa5c-11), and Edit changes a
feed's URL, name, source and tags in place, its polling state kept (no more remove and add again).
Headless Chromium on the real Redis."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import with_key
from worker.ingest.registry import Feed, FeedState

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def feeds(web, local_receivers):
    reg = web.ctx.registry
    now = time.time()
    reg.add(Feed(id="quiet", url="http://127.0.0.1:9/quiet.rss", name="هادئ", source="Quiet Times", tags=["سوريا", "gulf"]))
    # answers every poll, brought its last new item three days ago: "ok", but silent
    reg.save_state("quiet", FeedState(status="ok", first_poll=now - 10 * 86400, last_poll=now - 60, last_success=now - 60,
                                      last_new_item=now - 3 * 86400, polls=900, items_new=41))
    reg.add(Feed(id="broken-404", url="http://127.0.0.1:9/nosuch.rss"))
    reg.save_state("broken-404", FeedState(status="failing", first_poll=now - 600, last_poll=now - 30, polls=5,
                                           consecutive_failures=5, last_http_status=404, last_error="permanent: HTTP 404",
                                           last_error_at=now - 30, etag='"old"'))
    reg.add(Feed(id="busy", url="http://127.0.0.1:9/busy.rss", name="Busy", source="Busy News"))
    reg.save_state("busy", FeedState(status="ok", first_poll=now - 86400, last_poll=now - 60, last_success=now - 60,
                                     last_new_item=now - 300, polls=288, items_new=120))
    yield reg
    for feed_id in reg.ids():
        reg.remove(feed_id)


def _row(page, feed_id: str):
    return page.locator(f"#feeds tr[data-feed='{feed_id}']")


def test_a_row_shows_failures_last_new_item_counts_source_and_tags(page, web, feeds):
    page.goto(web.url + "/feeds")
    _row(page, "quiet").wait_for()
    quiet = _row(page, "quiet")
    # ok, but nothing new for three days: flagged, with the rule in its tooltip
    assert quiet.locator(".badge.fs-ok").count() == 1 and quiet.locator(".badge.fs-silent").inner_text() == "صامت"
    assert "12" in quiet.locator(".badge.fs-silent").get_attribute("title")
    assert quiet.locator(".feed-new-item.stale").count() == 1
    assert "قبل 3 أيام" in quiet.locator(".feed-new-item").inner_text()
    assert quiet.locator(".feed-counts").inner_text() == "41 جديدًا في 900 جلبة"
    assert "Quiet Times" in quiet.locator(".feed-source").inner_text()
    assert [t.inner_text() for t in quiet.locator(".badge.tag").all()] == ["سوريا", "gulf"]
    assert "source%3Aquiet" in quiet.locator("a.feed-articles").get_attribute("href")
    busy = _row(page, "busy")
    assert busy.locator(".badge.fs-silent").count() == 0 and busy.locator(".feed-new-item.stale").count() == 0
    broken = _row(page, "broken-404")
    assert broken.locator(".feed-failures").inner_text() == "فشل 5 مرات متتالية (HTTP 404)"
    assert "لم يأتِ بجديد بعد" in broken.locator(".feed-new-item").inner_text()
    # no source given at add: the id is on its articles, and the row says so
    assert "broken-404" in broken.locator(".feed-source").inner_text()
    assert "معرّف الخلاصة" in broken.locator(".feed-source").get_attribute("title")
    page.click("#nav-lang")
    assert broken.locator(".feed-failures").inner_text() == "failed 5 times in a row (HTTP 404)"
    assert quiet.locator(".feed-counts").inner_text() == "41 new items in 900 polls"
    assert not page.errors


def test_edit_moves_a_feed_to_a_new_url_and_names_its_source_keeping_its_state(page, web, feeds):
    with_key(page)
    page.goto(web.url + "/feeds")
    row = _row(page, "broken-404")
    row.wait_for()
    row.locator(".act-edit").click()
    page.wait_for_selector("#feed-editor[open]")
    assert page.input_value("#fe-url") == "http://127.0.0.1:9/nosuch.rss"
    assert page.evaluate("document.activeElement.id") == "fe-url"
    # a private address the deployment does not allow: refused in the server's words, the dialog kept
    page.fill("#fe-url", "http://169.254.169.254/latest/meta-data")
    page.fill("#fe-source", "CNN Arabic")
    page.click("#fe-save")
    page.wait_for_selector("#fe-msg:not([hidden])")
    # under the URL, the server's reason in its own <bdi> (QA5 re-test qa5r1-1), as in the add form
    page.wait_for_selector("#fe-url-msg bdi[dir=auto]")
    assert "feed URL refused" in page.inner_text("#fe-url-msg") and "رفض الخادم" in page.inner_text("#fe-url-msg")
    assert page.inner_text("#fe-msg").startswith("لم يُحفظ شيء")
    assert page.input_value("#fe-source") == "CNN Arabic" and page.locator("#feed-editor[open]").count() == 1
    assert feeds.get("broken-404").url == "http://127.0.0.1:9/nosuch.rss"
    # what the page can check itself is refused before sending, in the add form's words
    page.fill("#fe-url", "ftp://nope")
    page.click("#fe-save")
    page.wait_for_selector("#fe-url-msg:has-text('مرفوض')")
    assert "String should match" not in page.inner_text("#feed-editor")
    page.fill("#fe-url", "")
    page.click("#fe-save")
    page.wait_for_selector("#fe-url-msg:has-text('اكتب رابط الخلاصة كاملًا')")
    # the outlet moved its feed: the new URL, a source name, tags
    page.fill("#fe-url", "http://127.0.0.1:9/moved.rss")
    page.fill("#fe-tags", "سوريا، عاجل")
    page.click("#fe-save")
    page.wait_for_selector("#feed-editor", state="hidden")
    page.wait_for_selector("#msg.ok:not([hidden])")
    assert "broken-404" in page.inner_text("#msg")
    feed = feeds.get("broken-404")
    assert (feed.url, feed.source, feed.tags) == ("http://127.0.0.1:9/moved.rss", "CNN Arabic", ["سوريا", "عاجل"])
    state = feeds.state("broken-404")
    assert state.polls == 5 and state.etag is None and state.consecutive_failures == 0  # state kept, old URL's gone
    row = _row(page, "broken-404")
    assert "moved.rss" in row.locator(".url").inner_text() and "CNN Arabic" in row.locator(".feed-source").inner_text()
    assert page.evaluate("document.activeElement.classList.contains('act-edit')")
    # Cancel changes nothing
    row.locator(".act-edit").click()
    page.fill("#fe-name", "لن يُحفظ")
    page.click("#fe-cancel")
    page.wait_for_selector("#feed-editor", state="hidden")
    assert feeds.get("broken-404").name == "broken-404"
    assert not page.errors and not page.outside
