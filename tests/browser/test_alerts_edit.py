"""The alerts page's edit form against other editors and the key dialog (QA round 4, web tester, D2 and D8),
in headless Chromium on the real Redis and Elasticsearch.

* D2: two tabs edit one rule. The second Save is refused with a message (the first tab's change kept), and
  a Save after another tab deleted the rule does not bring it back.
* D8: after a wrong key, the right key entered in the dialog that opens again retries the change; a server
  that refuses every change (placeholder key) is named as such, not answered with a key dialog.
"""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import open_page, with_key

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _add(web, name: str, **extra) -> None:
    body = {"name": name, "query": "event:prison_attack", **extra}
    assert httpx.post(web.url + "/alerts", json=body, headers={"X-API-Key": web.key}).status_code == 201


def _edit(page, web, name: str) -> None:
    page.goto(web.url + "/alerts")
    page.locator(f"#rules tr[data-rule='{name}'] .act-edit").click()
    page.wait_for_function(f"document.getElementById('f-name').value === {name!r}")


def test_two_tabs_editing_one_alert(page, browser, web, rules):
    _add(web, "prisons")
    with_key(page)
    with open_page(browser, web.url, bypass_csp=True) as other:
        with_key(other)
        _edit(page, web, "prisons")
        _edit(other, web, "prisons")

        page.fill("#f-query", 'event:prison_attack OR "فرار سجناء"')  # tab A saves first
        page.click("#f-save")
        page.wait_for_selector("#msg.ok:has-text('عُدّل التنبيه prisons')")

        other.fill("#f-casualties", "5")  # tab B, opened on the version before A's save
        other.click("#f-save")
        other.wait_for_selector("#msg.error:has-text('في نافذة أخرى')")
        saved = rules.get("prisons")
        assert saved.query == 'event:prison_attack OR "فرار سجناء"' and saved.filters.min_casualties is None
        assert other.input_value("#f-casualties") == "5"  # B's edit is still in its form

        other.click("#f-save")  # still the old version: refused again, never saved over A's
        other.wait_for_function("document.getElementById('msg').className.includes('error')")
        assert rules.get("prisons").filters.min_casualties is None

        _edit(other, web, "prisons")  # Edit loads the current version; now B's change is saved
        other.fill("#f-casualties", "5")
        other.click("#f-save")
        other.wait_for_selector("#msg.ok")
        saved = rules.get("prisons")
        assert saved.filters.min_casualties == 5 and saved.query == 'event:prison_attack OR "فرار سجناء"'

        # B opens the editor, A deletes the rule, B saves: the rule stays deleted
        _edit(other, web, "prisons")
        page.locator("#rules tr[data-rule='prisons'] .act-delete").click()
        page.locator("#rules tr[data-rule='prisons'] .act-delete").click()
        page.wait_for_selector("#msg.ok:has-text('حُذف التنبيه prisons')")
        other.fill("#f-query", "سجن")
        other.click("#f-save")
        other.wait_for_selector("#msg.error:has-text('حُذف التنبيه prisons')")
        assert rules.get("prisons") is None
        assert other.locator("#rules tr[data-rule='prisons']").count() == 0  # the list shows it gone
        # the form now says "new alert": only a deliberate second Save creates it again
        assert other.inner_text("#form-title") == "تنبيه جديد" and not other.eval_on_selector("#f-name", "f => f.readOnly")
        other.click("#f-save")
        other.wait_for_selector("#msg.ok:has-text('حُفظ التنبيه prisons')")
        assert rules.get("prisons").query == "سجن"
        assert not page.errors and not other.errors


def test_the_right_key_after_a_wrong_one_retries_the_change(page, web, rules):
    _add(web, "sweep")
    page.goto(web.url + "/alerts")
    page.locator("#rules tr[data-rule='sweep'] .act-toggle").click()
    page.wait_for_selector("#nw-key-dialog[open]")
    page.fill("#nw-key-input", "wrong-key")
    page.click("#nw-key-save")
    page.wait_for_selector("#nw-key-dialog[open]")  # refused: asked again
    assert page.evaluate("sessionStorage.getItem('nw.apikey')") is None
    page.fill("#nw-key-input", web.key)
    page.click("#nw-key-save")
    page.wait_for_selector("#rules tr[data-rule='sweep'] .badge.off")  # the change was retried with it
    page.wait_for_selector("#msg.ok:has-text('عُطّل التنبيه sweep')")
    assert rules.get("sweep").enabled is False
    assert not page.errors


def test_a_server_that_refuses_every_change_is_not_asked_for_a_key(page, web, rules, local_receivers, monkeypatch):
    from worker.settings import get_settings

    _add(web, "hidden", channels={"webhooks": [{"url": "http://127.0.0.1:9/secret-token"}]})
    monkeypatch.setattr(get_settings(), "api_key", "change-me")  # a placeholder: every change is a 403
    writes: list[str] = []
    page.on("request", lambda r: writes.append(r.method) if r.method in ("PUT", "POST", "PATCH") else None)
    _edit(page, web, "hidden")
    assert "secret-token" not in page.input_value("#f-webhooks")
    page.click("#f-save")
    page.wait_for_selector("#msg.error:has-text('الخادم يرفض كل تعديل')")
    assert page.locator("#nw-key-dialog[open]").count() == 0 and not writes
    assert not page.errors
