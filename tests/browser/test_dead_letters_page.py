"""Failed notifications on the alerts page (QA5 web-only tasks: the history showed "فشل" forever and re-sending
after fixing a webhook needed `newsworker deadletter replay --all`): the list, redacted without the key, and
Replay, which sends to the webhook as the rule has it now, once. Headless Chromium on the real Redis and
Elasticsearch, a local webhook receiver, the replayed stages run in this process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.browser.conftest import open_page, serve, service_checks, with_key
from tests.integration.alert_receivers import WebhookReceiver
from tests.unit.test_alerts_engine import make_doc
from worker.alerts.history import History
from worker.alerts.notify import process_document
from worker.alerts.store import RuleStore
from worker.pipeline.deadletters import DeadLetters

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def site(web) -> Iterator[str]:
    """The web app with replays run in this process (the broker's runner would need a worker)."""
    from worker.api.app import create_app
    from worker.api.routes.deadletters import replay_runner
    from worker.pipeline.runner import inline_runner
    from worker.pipeline.table import STAGES

    app = create_app()
    app.dependency_overrides[replay_runner] = lambda: inline_runner(web.ctx, STAGES)
    with serve(app) as url:
        yield url


@pytest.fixture
def receivers(local_receivers) -> Iterator[tuple[WebhookReceiver, WebhookReceiver]]:
    broken, fixed = WebhookReceiver().start(), WebhookReceiver().start()
    yield broken, fixed
    broken.stop()
    fixed.stop()


@pytest.fixture
def failed(web, receivers) -> Iterator[tuple[str, str]]:
    """A rule whose webhook answered 404 (permanent): one dead delivery; its notification id and rule."""
    from worker.pipeline.runner import inline_runner
    from worker.pipeline.table import STAGES

    broken, _ = receivers
    name = "idlib-watch-" + uuid.uuid4().hex[:6]  # a notification of its own (one per rule and story)
    RuleStore(web.ctx).upsert({"name": name, "query": "إدلب", "owner": "ops",
                               "channels": {"webhooks": [{"url": broken.url + "/hook/s3cr3t"}], "emails": []}})
    broken.fail_next(1, 404)
    doc = make_doc("غارات جوية على سوق في إدلب", "قتل مدنيون في غارات جوية على سوق في مدينة إدلب.", doc_id="dlp1",
                   source="bbc")
    result = process_document(doc, ctx=web.ctx, engine=web.ctx.engine)
    inline_runner(web.ctx, STAGES).handle("deliver", result.deliveries)
    dead = DeadLetters(web.ctx.redis, web.ctx.keys)
    assert dead.count() == 1
    yield result.deliveries[0]["id"], name
    for entry in dead.list(limit=1000):
        dead.delete(entry["id"])
    RuleStore(web.ctx).delete(name)


def test_a_failed_notification_is_replayed_to_the_fixed_webhook_once(browser, web, site, receivers, failed):
    broken, fixed = receivers
    notification, rule = failed
    with open_page(browser, site, bypass_csp=False) as page:
        page.goto(site + "/alerts")
        row = page.locator("#dead-letters tr[data-id]")
        row.wait_for()
        assert row.count() == 1
        text = row.inner_text()
        assert rule in text and "غارات جوية على سوق في إدلب" in text and "404" in text
        assert "s3cr3t" not in page.inner_text("#dead")  # no key: the webhook's secret path is redacted
        # the user fixes the webhook in the rule, enters the key, replays
        RuleStore(web.ctx).upsert({"name": rule, "query": "إدلب", "owner": "ops",
                                   "channels": {"webhooks": [{"url": fixed.url}], "emails": []}})
        with_key(page)
        page.reload()
        row = page.locator("#dead-letters tr[data-id]")
        row.wait_for()
        assert "s3cr3t" in row.locator(".target").inner_text()  # the key holder sees the real target
        row.locator(".act-replay").click()
        page.wait_for_selector("#dead-msg.ok:not([hidden])")
        assert "أُعيد الإشعار إلى الإرسال" in page.inner_text("#dead-msg")
        page.wait_for_selector("#dead-letters tr[data-id]", state="detached")
        assert "لا إشعارات فاشلة" in page.inner_text("#dead-letters")
        assert [r.json["id"] for r in fixed.accepted] == [notification] and len(broken.requests) == 1
        assert History(web.ctx).get(notification)["status"] == "delivered"
        assert not page.errors and not page.outside


def test_a_replay_while_no_worker_runs_says_it_waits(browser, web, site, receivers, failed, monkeypatch):
    from worker.ops import health

    monkeypatch.setattr(health, "service_checks", service_checks(workers="no worker answered ping"))
    with open_page(browser, site, bypass_csp=False) as page:
        with_key(page)
        page.goto(site + "/alerts")
        page.locator("#dead-letters tr[data-id]").wait_for()
        page.locator("#dead-letters .act-replay").click()
        page.wait_for_selector("#dead-msg.error:not([hidden])")
        assert "لا يعمل عامل الآن" in page.inner_text("#dead-msg")
        assert not page.errors


def test_a_dead_letter_links_its_article_and_replay_is_off_when_the_server_takes_no_change(
        browser, web, site, receivers, failed, monkeypatch):
    """QA5 re-test qa5r1-3: the title was plain text (history and Test rows link theirs); qa5r1-4: with changes
    off the Replay buttons stayed enabled, refused only once pressed."""
    from worker.settings import get_settings

    with open_page(browser, site, bypass_csp=False) as page:
        page.goto(site + "/alerts")
        row = page.locator("#dead-letters tr[data-id]")
        row.wait_for()
        link = row.locator("td.title a")
        assert link.inner_text() == "غارات جوية على سوق في إدلب"
        assert link.get_attribute("href").startswith("/?article=")
        assert row.locator(".act-replay").is_enabled()
        monkeypatch.setattr(get_settings(), "api_key", None)  # a server without a key takes no change
        page.reload()
        page.wait_for_selector("#writes-off:not([hidden])")
        replay = page.locator("#dead-letters .act-replay")
        replay.wait_for()
        page.wait_for_function("document.querySelector('#dead-letters .act-replay').disabled")
        assert replay.get_attribute("aria-describedby") == "writes-off"
        assert not page.errors



@pytest.fixture
def timed_out(web, local_receivers) -> Iterator[tuple[str, str, str]]:
    """A notification whose webhook never answered in time, recorded as the delivery task records it: its
    history channel failed and its dead letter, both with the code ``timeout``; and a dead letter of the same
    notification written before the codes (no code). Its notification id, channel key and rule."""
    name = "timeout-watch-" + uuid.uuid4().hex[:6]
    RuleStore(web.ctx).upsert({"name": name, "query": "إدلب", "owner": "ops",
                               "channels": {"webhooks": [{"url": "https://hooks.example.org/slow"}], "emails": []}})
    doc = make_doc("غارات جوية على سوق في إدلب", "قتل مدنيون في غارات جوية على سوق في مدينة إدلب.", doc_id="dlt1",
                   source="bbc")
    delivery = process_document(doc, ctx=web.ctx, engine=web.ctx.engine).deliveries[0]
    detail = "TransientDeliveryError: ReadTimeout: no answer within 10 s (NEWSWORKER_WEBHOOK_TIMEOUT)"
    History(web.ctx).mark_attempt(delivery["id"], delivery["channel_key"], "failed", detail, error_code="timeout")
    dead = DeadLetters(web.ctx.redis, web.ctx.keys)
    dead.record("deliver", delivery, "permanent: HTTP 404 from webhook", attempts=1)  # an old record: no code
    dead.record("deliver", delivery, f"gave up after 49 attempts: {detail}", attempts=49, error_code="timeout")
    web.es.indices.refresh(index=web.ctx.settings.es_alert_history_index)
    yield delivery["id"], delivery["channel_key"], name
    for entry in dead.list(limit=1000):
        dead.delete(entry["id"])
    RuleStore(web.ctx).delete(name)


def test_a_timeout_is_said_in_the_page_s_language_with_the_server_s_detail(browser, site, timed_out):
    """QA5 re-test (qa5c-12 partly fixed): the history and the failed notifications showed only the server's
    English ("ReadTimeout: no answer within 10 s"). Its code is worded in the page's language, saying what to
    check, and the exact detail follows in its own <bdi dir=auto>; a record without a code shows its text."""
    notification, channel, _ = timed_out
    arabic = "لم يُجب المستقبِل في الوقت المحدد"
    with open_page(browser, site, bypass_csp=False) as page:
        page.goto(site + "/alerts")
        rows = page.locator("#dead-letters tr[data-id]")
        rows.first.wait_for()
        assert rows.count() == 2
        coded, old = rows.nth(0).locator("td.last-error"), rows.nth(1).locator("td.last-error")
        assert coded.inner_text().startswith(arabic)
        detail = coded.locator("bdi")
        assert detail.get_attribute("dir") == "auto" and "ReadTimeout: no answer within 10 s" in detail.inner_text()
        assert old.inner_text().startswith("permanent: HTTP 404 from webhook")  # no code: the text as it was
        hist = page.locator(f"#history tr[data-id='{notification}'] li[data-channel='{channel}'] .last-error")
        hist.wait_for()
        assert hist.inner_text().startswith(arabic) and "no answer within 10 s" in hist.locator("bdi").inner_text()
        page.evaluate("NW.setLang('en')")  # the toggle re-words it; the detail stays the server's
        assert coded.inner_text().startswith("The receiver did not answer in time")
        assert hist.inner_text().startswith("The receiver did not answer in time")
        assert "ReadTimeout: no answer within 10 s" in coded.inner_text()
        page.evaluate("NW.setLang('ar')")
        assert not page.errors
