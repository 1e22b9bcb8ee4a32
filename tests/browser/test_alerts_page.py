"""The alerts page (``/alerts``) in headless Chromium on the real Redis and Elasticsearch.

The main test goes the whole way a user does: a search on the search page, "save this search as an alert"
with a webhook to a real local receiver and one to a port nobody listens on, "Test" over the indexed
articles, then a new article goes through the pipeline's real ``match`` and ``deliver`` stages (an inline
runner on the page's own application context) and its notification appears in the page's history with
each channel's status, attempts and last error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from tests.browser.conftest import away_first, free_port, screenshot, with_key
from tests.integration.alert_receivers import webhook_receiver  # noqa: F401
from worker.document import Casualty, EnrichedDocument, Event
from worker.pipeline.retry import CHANNEL
from worker.store import elastic

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _article(doc_id: str, title: str, body: str, *, killed: int = 0, published: str = "2026-11-20T08:00:00",
             story_id: str | None = None) -> EnrichedDocument:
    casualties = [Casualty(kind="killed", count=killed, text=str(killed))] if killed else []
    return EnrichedDocument(
        id=doc_id, url=f"https://example.test/{doc_id}", title=title, body=body, source="skynews",
        published=datetime.fromisoformat(published).replace(tzinfo=UTC), story_id=story_id or doc_id,
        events=[Event(type="prison_attack", evidence=title)], casualties=casualties,
    )


@pytest.fixture(scope="module")
def indexed(web, es_client):
    """Two earlier articles of one story and one of another, for the search and the alert's "Test"."""
    docs = [
        _article("h1", "هجوم على سجن غويران في الحسكة", "هجوم مسلح على سجن غويران ومقتل 12 حارسا", killed=12,
                 story_id="s1"),
        _article("h2", "تفاصيل الهجوم على سجن غويران", "نقلت وكالات أن الهجوم على سجن غويران أوقع 12 قتيلا",
                 killed=12, story_id="s1", published="2026-11-20T09:00:00"),
        _article("h3", "فرار سجناء من سجن بادوش", "هجوم على سجن بادوش في الموصل وفرار سجناء", killed=6,
                 published="2026-11-21T08:00:00"),
    ]
    assert elastic.index_documents(es_client, docs, alias=web.alias, refresh="wait_for").indexed == 3
    return docs


def _refresh_history(web) -> None:
    web.es.indices.refresh(index=web.ctx.settings.es_alert_history_index)


def test_alert_saved_from_a_search_is_delivered_and_its_history_shows(page, web, indexed, rules,
                                                                      webhook_receiver):  # noqa: F811
    from worker.pipeline.runner import inline_runner
    from worker.pipeline.table import STAGES

    with_key(page)
    page.goto(web.url + "/?q=" + "سجن")
    page.wait_for_selector(".hit")
    page.click("#save-alert")
    page.wait_for_url("**/alerts?q=*")
    assert page.input_value("#f-query") == "سجن"
    assert page.locator("#msg.ok").count() == 1  # "query taken from the search page"

    down = f"http://127.0.0.1:{free_port()}/nobody-listens"
    page.fill("#f-name", "prisons")
    page.fill("#f-webhooks", f"{webhook_receiver.url}\n{down}")
    page.fill("#f-casualties", "5")
    page.click("#f-save")
    page.wait_for_selector("#rules tr[data-rule='prisons']")
    rule = rules.get("prisons")
    assert rule is not None and rule.query == "سجن" and rule.filters.min_casualties == 5
    assert [w.url for w in rule.channels.webhooks] == [webhook_receiver.url, down]
    assert "Webhook ×2" in page.inner_text("#rules tr[data-rule='prisons']")

    # "Test": what it would have sent over the indexed articles, one entry per story
    page.click("#rules tr[data-rule='prisons'] .act-test")
    page.wait_for_selector("#preview-stories li.story")
    assert page.locator("#preview-stories li.story").count() == 2
    s1 = page.locator("#preview-stories li[data-story='s1']")
    assert "غويران" in s1.locator(".lead").inner_text() and s1.locator(".follow-ups li").count() == 1

    # A new article through the real match and deliver stages.
    new = _article("n1", "هجوم جديد على <b>سجن</b> في حلب", "هجوم على سجن حلب المركزي ومقتل 7 حراس", killed=7,
                   published=datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"))
    assert elastic.index_documents(web.es, [new], alias=web.alias, refresh="wait_for").indexed == 1
    runner = inline_runner(web.ctx, STAGES)
    runner.submit("match", [new])
    assert webhook_receiver.wait_for(lambda reqs: len(reqs) == 1, timeout=20)
    assert webhook_receiver.accepted[0].json["rule"]["name"] == "prisons"

    _refresh_history(web)
    page.click("#h-refresh")
    row = page.locator("#history tbody tr[data-id]")
    row.first.wait_for()
    assert row.count() == 1
    assert page.inner_text("#history-total") == "1–1 من 1" and page.is_disabled("#h-older")
    assert "<b>سجن</b>" in row.locator(".title").inner_text() and row.locator("b").count() == 0
    ok = row.locator("li[data-channel='webhook:0']")
    assert ok.locator(".badge.st-delivered").count() == 1 and ok.locator(".attempts").inner_text() == "محاولة واحدة"
    dead = row.locator("li[data-channel='webhook:1']")
    assert dead.locator(".badge.st-failed").count() == 1
    assert dead.locator(".attempts").inner_text() == f"{CHANNEL.max_attempts} محاولة"  # giving up is no attempt
    assert dead.locator(".last-error").inner_text().strip()
    assert row.locator("td .badge.st-failed").count() >= 1  # the record: one channel gave up

    # filters: by rule and by channel type
    page.select_option("#h-channel", "email")
    page.wait_for_selector("#history tbody tr.empty")
    page.select_option("#h-channel", "webhook")
    page.wait_for_selector("#history tbody tr[data-id]")
    page.select_option("#h-channel", "")
    page.select_option("#h-rule", "prisons")
    page.wait_for_selector("#history tbody tr[data-id]")
    screenshot(page, "alerts")
    assert not page.errors and not page.outside


def test_enable_disable_edit_and_delete(page, web, indexed, rules, local_receivers):
    key = {"X-API-Key": web.key}
    body = {"name": "sweep", "query": "event:security_sweep", "mode": "digest", "digest_minutes": 30, "owner": "desk",
            "filters": {"languages": ["ar"]},
            "channels": {"webhooks": [{"url": "http://127.0.0.1:9/slack", "format": "slack"}],
                         "emails": ["desk@example.org"]}}
    assert httpx.post(web.url + "/alerts", json=body, headers=key).status_code == 201
    with_key(page)
    page.goto(web.url + "/alerts")
    row = page.locator("#rules tr[data-rule='sweep']")
    row.wait_for()
    assert "Slack ×1" in row.inner_text() and "30" in row.inner_text()

    row.locator(".act-toggle").click()
    page.wait_for_selector("#rules tr[data-rule='sweep'] .badge.off")
    assert rules.get("sweep").enabled is False
    page.locator("#rules tr[data-rule='sweep'] .act-toggle").click()
    page.wait_for_selector("#rules tr[data-rule='sweep'] .badge.ok")
    assert rules.get("sweep").enabled is True

    page.locator("#rules tr[data-rule='sweep'] .act-edit").click()
    page.wait_for_function("document.getElementById('f-name').value === 'sweep'")
    assert page.input_value("#f-slack") == "http://127.0.0.1:9/slack"  # the key holder sees whole URLs
    assert page.input_value("#f-emails") == "desk@example.org" and page.input_value("#f-mode") == "digest"
    page.fill("#f-query", "event:security_sweep AND place:حلب")
    page.select_option("#f-mode", "instant")
    page.click("#f-save")
    page.wait_for_selector("#msg.ok:has-text('عُدّل التنبيه sweep')")
    saved = rules.get("sweep")
    assert saved.query == "event:security_sweep AND place:حلب" and saved.mode == "instant"
    assert saved.channels.emails == ["desk@example.org"] and saved.channels.webhooks[0].format == "slack"
    assert saved.owner == "desk" and saved.filters.languages == ["ar"]  # kept: the form does not show them

    page.wait_for_function("document.getElementById('f-name').value === ''")  # the form was reset
    page.locator("#rules tr[data-rule='sweep'] .act-edit").click()
    page.wait_for_function("document.getElementById('f-name').value === 'sweep'")
    page.fill("#f-query", '"سجن')  # does not parse: the server's message is shown, nothing saved
    page.click("#f-save")
    page.wait_for_selector("#msg.error")
    assert rules.get("sweep").query == "event:security_sweep AND place:حلب"
    page.click("#f-cancel")

    page.locator("#rules tr[data-rule='sweep'] .act-delete").click()
    assert rules.get("sweep") is not None  # armed, not yet deleted
    page.locator("#rules tr[data-rule='sweep'] .act-delete").click()
    page.wait_for_selector("#rules tr[data-rule='sweep']", state="detached")
    assert rules.get("sweep") is None
    assert not page.errors and not page.outside


def test_reader_without_key_sees_redacted_channels_and_a_write_asks_for_the_key(page, web, rules, local_receivers):
    body = {"name": "quiet", "query": "سجن", "channels": {"webhooks": [{"url": "http://127.0.0.1:9/secret-token"}]}}
    assert httpx.post(web.url + "/alerts", json=body, headers={"X-API-Key": web.key}).status_code == 201
    page.goto(web.url + "/alerts")
    page.locator("#rules tr[data-rule='quiet']").wait_for()
    page.locator("#rules tr[data-rule='quiet'] .act-edit").click()
    page.wait_for_selector("#msg.error")  # "channels are hidden: enter the key before saving"
    assert "secret-token" not in page.input_value("#f-webhooks")
    page.click("#f-cancel")
    page.locator("#rules tr[data-rule='quiet'] .act-toggle").click()
    page.wait_for_selector("#nw-key-dialog[open]")
    # the password field is named by its label (what a screen reader announces)
    assert page.get_by_label("مفتاح API (يبقى في هذه الجلسة فقط)").get_attribute("id") == "nw-key-input"
    assert page.eval_on_selector("#nw-key-input", "i => i.labels.length") == 1
    page.fill("#nw-key-input", web.key)
    page.click("#nw-key-save")
    page.wait_for_selector("#rules tr[data-rule='quiet'] .badge.off")
    assert rules.get("quiet").enabled is False
    assert not page.errors


def test_edit_without_the_key_never_saves_redacted_channels(page, web, rules, local_receivers):
    """Edit opened without the key shows placeholders; Save asks for the key, loads the real channels into
    the form (keeping the user's edit) and saves nothing until Save is pressed again."""
    hook = "http://127.0.0.1:8099/hook-secret"
    body = {"name": "guarded", "query": "سجن", "channels": {"webhooks": [{"url": hook}], "emails": ["desk@example.org"]}}
    assert httpx.post(web.url + "/alerts", json=body, headers={"X-API-Key": web.key}).status_code == 201
    writes: list[str] = []
    page.on("request", lambda r: writes.append(f"{r.method} {r.url}") if r.method in ("PUT", "POST", "PATCH") else None)
    page.goto(web.url + "/alerts")
    page.locator("#rules tr[data-rule='guarded'] .act-edit").click()
    page.wait_for_function("document.getElementById('f-name').value === 'guarded'")
    assert page.input_value("#f-webhooks") == "http://127.0.0.1:8099/…"
    assert page.input_value("#f-emails") == "…@example.org"
    page.fill("#f-query", "سجن AND فرار")
    page.fill("#f-emails", "…@example.org\nnew@example.org")  # a line added to a redacted field
    page.click("#f-save")
    page.wait_for_selector("#nw-key-dialog[open]")
    page.fill("#nw-key-input", web.key)
    page.click("#nw-key-save")
    page.wait_for_function("document.getElementById('f-webhooks').value === " + repr(hook))
    assert page.input_value("#f-emails") == "desk@example.org\nnew@example.org"
    assert page.input_value("#f-query") == "سجن AND فرار"  # the user's edit is kept
    assert page.locator("#msg.error").count() == 1  # "review, then save again"
    assert not writes and rules.get("guarded").query == "سجن"  # nothing was sent

    page.click("#f-save")
    page.wait_for_selector("#msg.ok")
    saved = rules.get("guarded")
    assert saved.query == "سجن AND فرار" and [w.url for w in saved.channels.webhooks] == [hook]
    assert saved.channels.emails == ["desk@example.org", "new@example.org"]
    assert len(writes) == 1 and writes[0].startswith("PUT ")
    assert not page.errors


def test_english_toggle_relabels_the_alerts_and_search_pages(page, web, indexed, rules):
    page.goto(web.url + "/alerts")
    page.wait_for_selector("#rules tbody tr")
    assert page.inner_text("#f-save") == "حفظ"
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert page.inner_text("#f-save") == "Save" and page.inner_text("#form-title") == "New alert"
    assert "Delivery history" in page.inner_text("main")
    assert page.locator("#h-status option[value='delivered']").inner_text() == "delivered"
    assert page.title() == "newsworker — Alerts"

    page.goto(web.url + "/?q=" + "سجن")  # the language is kept across pages
    page.wait_for_selector(".hit")
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.inner_text("#go") == "Search" and page.inner_text("#save-alert") == "Save this search as an alert"
    assert page.get_attribute("#q", "placeholder").startswith("e.g.")
    assert re.match(r"^\d+ results — \d+ ms$", page.inner_text("#status"))
    assert "prison attack" in page.inner_text("#results")
    assert page.locator("#facets section[data-facet=source] h3").inner_text() == "Source"
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    assert page.inner_text("#go") == "بحث" and "هجوم على سجن" in page.inner_text("#results")
    assert re.match(r"^(\d+ (نتيجة|نتائج)|نتيجة واحدة|نتيجتان) — ", page.inner_text("#status"))  # plural forms
    assert not page.errors and not page.outside


def _focused(page) -> dict:
    return page.evaluate("""() => { const a = document.activeElement;
        return {tag: a.tagName, id: a.id, cls: a.className, rule: a.closest('tr[data-rule]')?.dataset.rule || null}; }""")


def test_keyboard_focus_after_edit_toggle_and_delete(page, web, rules, local_receivers):
    """Edit moves the focus into the form (its first field that can change: the name is fixed); enabling
    keeps it on the rule's button; a delete moves it to the next rule's first control, and after the last
    rule to the list's heading, never to <body>."""
    for name in ("f-one", "f-two"):
        body = {"name": name, "query": "سجن", "channels": {"emails": ["desk@example.org"]}}
        assert httpx.post(web.url + "/alerts", json=body, headers={"X-API-Key": web.key}).status_code == 201
    with_key(page)
    page.goto(web.url + "/alerts")
    page.locator("#rules tr[data-rule='f-two']").wait_for()

    page.locator("#rules tr[data-rule='f-one'] .act-edit").press("Enter")
    page.wait_for_function("document.getElementById('f-name').value === 'f-one'")
    page.wait_for_function("document.activeElement.id === 'f-query'")
    page.click("#f-cancel")

    page.locator("#rules tr[data-rule='f-one'] .act-toggle").press("Enter")
    page.wait_for_selector("#rules tr[data-rule='f-one'] .badge.off")
    assert _focused(page) == {"tag": "BUTTON", "id": "", "cls": "act-toggle", "rule": "f-one"}

    delete = page.locator("#rules tr[data-rule='f-one'] .act-delete")
    delete.press("Enter")  # armed
    delete.press("Enter")  # confirmed
    page.wait_for_selector("#rules tr[data-rule='f-one']", state="detached")
    page.wait_for_function("document.activeElement.closest('tr[data-rule]')?.dataset.rule === 'f-two'")
    assert _focused(page)["cls"] == "act-toggle"  # the next rule's first control

    delete = page.locator("#rules tr[data-rule='f-two'] .act-delete")
    delete.press("Enter")
    delete.press("Enter")
    page.wait_for_selector("#rules tr[data-rule='f-two']", state="detached")
    page.wait_for_function("document.activeElement.id === 'rules-title'")  # no rule left: the heading
    assert not page.errors and not page.outside


def test_closed_reads_edit_and_test_retry_after_the_key(page, web, indexed, rules, monkeypatch):
    """QA4 web D3 on the alerts page: with reads closed, Edit and Test read without the key retry; they
    called the API once and stayed on the 401 message when the key was given in the dialog."""
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_read_open", False)
    key = {"X-API-Key": web.key}
    assert httpx.post(web.url + "/alerts", json={"name": "gaol", "query": "سجن"}, headers=key).status_code == 201
    with_key(page)
    page.goto(web.url + "/alerts")
    row = page.locator("#rules tr[data-rule='gaol']")
    row.wait_for()
    for action, done in ((".act-edit", "() => document.getElementById('f-query').value === 'سجن'"),
                         (".act-test", "() => !document.getElementById('preview').hidden")):
        page.evaluate("sessionStorage.removeItem('nw.apikey')")  # the key forgotten (a refused one is)
        row.locator(action).click()
        page.wait_for_selector("#nw-key-dialog[open]")
        page.fill("#nw-key-input", web.key)
        page.press("#nw-key-input", "Enter")
        page.wait_for_function(done, timeout=10_000)
    assert not page.errors


def test_the_rules_list_loads_by_itself_when_the_service_is_back(page, web, rules):
    """The rules list read while Elasticsearch was away (503) is read again on its own, and its error goes
    once the list is shown (session 34)."""
    rules.upsert({"name": "prisons", "query": "event:prison_attack"})
    page.clock.install()
    away_first(page, "**/alerts")
    page.goto(web.url + "/alerts")
    page.wait_for_selector("#msg.error:has-text('بعد 5 ثوانٍ')")
    page.clock.run_for(5_500)
    page.wait_for_selector("#rules tr[data-rule='prisons']")
    assert page.is_hidden("#msg")
    assert not page.errors
