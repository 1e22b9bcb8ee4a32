"""QA5 (qa5c) on the alerts and feeds pages, in headless Chromium on the real Redis and Elasticsearch:

* qa5c-9: a new alert being typed, or an edit not saved, was thrown away by Edit on another rule (or by
  Cancel) without a word. Both now ask once more in place, and leaving the page asks the browser's question.
* qa5c-10: the Test results and the delivery history had no links: each article opens in the search page's
  article view (``/?article=<id>``), its story on the stories page.
* qa5c-12: the history's title ran into its follow-up note, a Slack channel was called "Webhook", a redacted
  e-mail was drawn reversed; a feed's 90 s interval read "2 minutes" and its error was English.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser.conftest import with_key
from tests.browser.test_alerts_page import _article
from worker.store import elastic

pytestmark = [pytest.mark.integration, pytest.mark.browser]

LEAVING = """() => { const e = new Event("beforeunload", { cancelable: true }); window.dispatchEvent(e);
  return e.defaultPrevented; }"""


@pytest.fixture(scope="module")
def indexed(web, es_client):
    docs = [
        _article("h1", "هجوم على سجن غويران في الحسكة", "هجوم مسلح على سجن غويران ومقتل 12 حارسا", killed=12,
                 story_id="s1"),
        _article("h2", "تفاصيل الهجوم على سجن غويران", "نقلت وكالات أن الهجوم على سجن غويران أوقع 12 قتيلا",
                 killed=12, story_id="s1", published="2026-11-20T09:00:00"),
    ]
    assert elastic.index_documents(es_client, docs, alias=web.alias, refresh="wait_for").indexed == 2
    return docs


def _add(web, name: str, **extra) -> None:
    body = {"name": name, "query": "event:prison_attack", **extra}
    assert httpx.post(web.url + "/alerts", json=body, headers={"X-API-Key": web.key}).status_code == 201


def test_edit_and_cancel_ask_before_dropping_a_typed_rule(page, web, rules):
    _add(web, "killed-5", filters={"min_casualties": 5})
    with_key(page)
    page.goto(web.url + "/alerts")
    edit = page.locator("#rules tr[data-rule='killed-5'] .act-edit")
    edit.wait_for()
    assert page.evaluate(LEAVING) is False  # nothing typed: leaving asks nothing

    page.fill("#f-name", "my-long-rule")
    page.fill("#f-query", '"هجوم على سجن" OR "فرار سجناء" OR event:prison_attack')
    page.fill("#f-emails", "desk@example.org")
    assert page.evaluate(LEAVING) is True  # the browser asks before the page is left
    edit.click()
    page.wait_for_selector("#msg.error:has-text('لم يُحفظ')")
    assert page.input_value("#f-name") == "my-long-rule" and page.input_value("#f-emails") == "desk@example.org"
    assert edit.inner_text() == "تأكيد: تجاهل التعديلات"
    page.type("#f-query", " OR x")  # typing again: the question is withdrawn
    assert edit.inner_text() == "تعديل"
    edit.click()  # asks again
    assert page.input_value("#f-name") == "my-long-rule"
    edit.click()  # the second press goes ahead
    page.wait_for_function("document.getElementById('f-name').value === 'killed-5'")
    assert page.input_value("#f-casualties") == "5"
    assert page.evaluate(LEAVING) is False  # the rule as loaded: nothing unsaved

    # an edit not saved: Cancel asks too; a second press empties the form
    page.fill("#f-casualties", "7")
    page.click("#f-cancel")
    assert page.input_value("#f-name") == "killed-5" and page.input_value("#f-casualties") == "7"
    assert page.inner_text("#f-cancel") == "تأكيد: تجاهل التعديلات"
    assert "killed-5" in page.inner_text("#msg")
    page.click("#f-cancel")
    page.wait_for_function("document.getElementById('f-name').value === ''")
    assert page.inner_text("#f-cancel") == "إلغاء"
    edit.click()  # a clean form: Edit loads at once
    page.wait_for_function("document.getElementById('f-name').value === 'killed-5'")
    page.click("#f-cancel")  # and Cancel empties it at once
    page.wait_for_function("document.getElementById('f-name').value === ''")

    # a query brought from the search page is a rule not saved yet
    page.goto(web.url + "/alerts?q=" + "سجن")
    page.wait_for_function("document.getElementById('f-query').value === 'سجن'")
    assert page.evaluate(LEAVING) is True
    assert rules.get("my-long-rule") is None and rules.get("killed-5").filters.min_casualties == 5
    assert not page.errors


def test_test_results_and_history_link_to_the_article_and_its_story(page, web, indexed, rules):
    from worker.alerts.history import History
    from worker.alerts.notify import channel_notifications, history_record
    from worker.alerts.payloads import article_summary, instant_notification

    _add(web, "prisons", channels={"webhooks": [{"url": "https://hooks.slack.com/services/T0/B0/secret",
                                                 "format": "slack"}], "emails": ["desk@example.org"]})
    rule = rules.get("prisons")
    first, later = (d.model_dump(mode="json") for d in indexed)
    n = instant_notification(rule, "s1", first)
    history = History(web.ctx)
    assert history.create(history_record(rule, n, channel_notifications(rule, n)))
    history.add_follow_up(n["id"], article_summary(later))
    web.es.indices.refresh(index=web.ctx.settings.es_alert_history_index)

    page.goto(web.url + "/alerts")  # without the key: channels redacted
    row = page.locator("#history tbody tr[data-id]")
    row.first.wait_for()
    title = row.locator("a.title")
    assert title.get_attribute("href") == "/?article=h1"
    story = row.locator("a.story-link")
    assert story.get_attribute("href") == "/stories?id=s1" and story.inner_text() == "متابعة واحدة للقصة نفسها"
    cell = row.locator("td").nth(2).inner_text()
    assert "الحسكة — متابعة" in cell  # the title and the note apart (they ran together)
    slack = row.locator("li[data-channel='webhook:0'] .target")
    assert slack.inner_text().startswith("Slack ")  # not "Webhook"
    mail = row.locator("li[data-channel^='email'] .target bdi")
    assert mail.get_attribute("dir") == "ltr" and mail.inner_text() == "…@example.org"

    page.locator("#rules tr[data-rule='prisons'] .act-test").click()
    lead = page.locator("#preview-stories li[data-story='s1'] .lead")
    lead.wait_for()
    assert lead.locator("a.title").get_attribute("href") == "/?article=h1"
    assert lead.locator("a.story-link").get_attribute("href") == "/stories?id=s1"
    assert page.locator("#preview-stories .follow-ups a.title").get_attribute("href") == "/?article=h2"

    lead.locator("a.title").click()  # the search page opens with the article's view
    page.wait_for_selector("#article[open]")
    assert page.inner_text("#article-title") == "هجوم على سجن غويران في الحسكة"
    assert not page.errors


def test_a_feed_interval_and_error_as_the_page_words_them(page, web):
    from worker.ingest.registry import Feed, FeedState

    reg = web.ctx.registry
    now = time.time()
    reg.add(Feed(id="ninety", url="https://example.test/rss.xml", name="تسعون", interval=90))
    reg.save_state("ninety", FeedState(status="failing", last_poll=now - 60, interval=90, next_due=now + 30,
                                       last_error="permanent: HTTP 404 from https://example.test/rss.xml",
                                       last_error_at=now - 60, consecutive_failures=1))
    reg.add(Feed(id="html", url="https://example.test/", name="صفحة"))
    reg.save_state("html", FeedState(status="failing", last_poll=now - 60, interval=300, next_due=now + 30,
                                     last_error="permanent: not a feed (HTML page; look for its RSS/Atom link)",
                                     last_error_at=now - 60, consecutive_failures=1))
    try:
        page.goto(web.url + "/feeds")
        row = page.locator("#feeds tr[data-feed='ninety']")
        row.wait_for()
        assert row.locator("td.interval .value").inner_text() == "دقيقة واحدة و30 ثانية"  # not "دقيقتان"
        error = row.locator(".last-error").inner_text()
        assert error.startswith("خطأ دائم: ردّ الخادم برمز HTTP 404 على https://example.test/rss.xml"), error
        assert row.locator(".last-error bdi[dir=ltr]").inner_text() == "https://example.test/rss.xml"
        html = page.locator("#feeds tr[data-feed='html'] .last-error").inner_text()
        assert html.startswith("خطأ دائم: ليست خلاصة بل صفحة HTML"), html
        page.click("#nav-lang")
        page.wait_for_function("document.documentElement.dir === 'ltr'")
        assert row.locator("td.interval .value").inner_text() == "1 min 30 seconds"
        page.click("#nav-lang")
        assert not page.errors
    finally:
        for feed_id in ("ninety", "html"):
            reg.remove(feed_id)
