"""The feeds page (``/feeds``) in headless Chromium on the real Redis: the list with each feed's polling state,
add, poll now, remove; the key dialog when a write has no key; a server without a key; the English toggle."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import away_first, screenshot, with_key, wrong_key_then_right
from worker.ingest.registry import Feed, FeedState

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def feeds(web, local_receivers):
    """Three feeds with different histories (a healthy one, a failing one, a new one), removed afterwards
    with whatever the test added. Feed URLs on 127.0.0.1 pass the SSRF guard through ``private_hosts``."""
    reg = web.ctx.registry
    now = time.time()
    reg.add(Feed(id="aljazeera", url="https://www.aljazeera.net/aljazeerarss/rss.xml", name="الجزيرة"))
    reg.save_state("aljazeera", FeedState(status="ok", last_poll=now - 40, last_success=now - 40, interval=300,
                                          next_due=now + 260, polls=12))
    reg.add(Feed(id="bbc-arabic", url="https://feeds.bbci.co.uk/arabic/rss.xml", name="BBC عربي", interval=600))
    reg.save_state("bbc-arabic", FeedState(status="failing", last_poll=now - 90, last_success=now - 7200,
                                           last_error="HTTP 503 Service Unavailable", last_error_at=now - 90,
                                           consecutive_failures=3, interval=600, next_due=now + 480))
    reg.add(Feed(id="skynews", url="https://www.skynewsarabia.com/rss", name="سكاي نيوز عربية"))
    yield reg
    for feed_id in reg.ids():
        reg.remove(feed_id)


def _row(page, feed_id: str):
    return page.locator(f"#feeds tr[data-feed='{feed_id}']")


def test_list_add_poll_now_and_remove(page, web, feeds):
    with_key(page)
    page.goto(web.url + "/feeds")
    page.wait_for_selector("#feeds tr[data-feed='bbc-arabic']")
    assert page.locator("#feeds tbody tr").count() == 3
    failing = _row(page, "bbc-arabic")
    assert "HTTP 503" in failing.locator(".last-error").inner_text()
    assert failing.locator(".badge.fs-failing").count() == 1
    assert failing.locator("td.interval .value").inner_text() == "10 دقائق"  # 600 s in minutes (3-10: plural)
    assert _row(page, "aljazeera").locator("td.interval .value").inner_text() == "5 دقائق"
    assert _row(page, "aljazeera").locator(".badge.fs-ok").count() == 1

    page.fill("#f-url", "http://127.0.0.1:9/rss.xml")
    page.fill("#f-name", "خلاصة محلية")
    page.fill("#f-id", "local-test")
    page.fill("#f-interval", "120")
    page.click("#f-add")
    page.wait_for_selector("#feeds tr[data-feed='local-test']")
    row = _row(page, "local-test")
    assert row.locator(".badge.fs-new").count() == 1
    assert feeds.get("local-test").interval == 120
    screenshot(page, "feeds")

    # Poll now: the feed goes to the front of the schedule (the beat claims it on its next tick).
    feeds.set_due("local-test", time.time() + 3600)
    before = time.time()
    added = page.inner_text("#msg")  # the add's message also names the feed: wait for the poll's own
    row.locator(".act-poll").click()
    page.wait_for_function("([el, before]) => el.textContent !== before",
                           arg=[page.query_selector("#msg"), added], timeout=10_000)
    assert "local-test" in page.inner_text("#msg") and page.locator("#msg.ok").count() == 1
    due = feeds.due_times(["local-test"])["local-test"]
    assert due is not None and before - 1 <= due <= time.time() + 1

    row.locator(".act-remove").click()  # first click arms the button
    assert feeds.get("local-test") is not None
    row.locator(".act-remove").click()
    page.wait_for_selector("#feeds tr[data-feed='local-test']", state="detached")
    assert feeds.get("local-test") is None and page.locator("#feeds tbody tr").count() == 3
    assert not page.errors and not page.outside


def test_adding_an_existing_id_is_refused_with_a_message(page, web, feeds):
    with_key(page)
    page.goto(web.url + "/feeds")
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    page.fill("#f-url", "http://127.0.0.1:9/other.xml")
    page.fill("#f-id", "aljazeera")
    page.click("#f-add")
    page.wait_for_selector("#msg.error")
    # the id field says why, in the page's words (QA5 qa5c-5: no "DELETE /feeds/aljazeera first")
    said = page.inner_text("#f-id-msg")
    assert "aljazeera" in said and "DELETE" not in said and "409" not in page.inner_text("#msg")
    assert "احذف ذلك المصدر" in said
    assert feeds.get("aljazeera").url == "https://www.aljazeera.net/aljazeerarss/rss.xml"
    assert feeds.state("aljazeera").status == "ok"
    assert page.input_value("#f-url") == "http://127.0.0.1:9/other.xml"  # the form keeps what was typed
    assert not page.errors


def test_write_without_key_opens_the_dialog_then_succeeds_with_the_key(page, web, feeds):
    page.goto(web.url + "/feeds")
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    page.fill("#f-url", "http://127.0.0.1:9/keyed.xml")
    page.fill("#f-id", "keyed")
    page.fill("#f-name", '<img src=x onerror="window.__pwned = 1"> <b>خلاصة</b>')
    page.click("#f-add")
    page.wait_for_selector("#nw-key-dialog[open]")
    assert "NEWSWORKER_API_KEY" in page.inner_text("#nw-key-reason")
    assert feeds.get("keyed") is None
    page.fill("#nw-key-input", web.key)
    page.click("#nw-key-save")
    # the write is retried with the key: no second click needed
    page.wait_for_selector("#feeds tr[data-feed='keyed']")
    assert feeds.get("keyed") is not None
    name = _row(page, "keyed").locator(".name")
    assert "<b>" in name.inner_text() and name.locator("b, img").count() == 0  # untrusted: text, not HTML
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("sessionStorage.getItem('nw.apikey')") == web.key
    assert "✓" in page.inner_text("#nav-key")
    assert not page.errors


def test_wrong_key_says_so_and_a_server_without_key_refuses_clearly(page, web, feeds, monkeypatch):
    from worker.settings import get_settings

    with_key(page, "not-the-key")
    page.goto(web.url + "/feeds")
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    _row(page, "aljazeera").locator(".act-poll").click()
    page.wait_for_selector("#nw-key-dialog[open]")
    page.click("#nw-key-clear")  # dismiss without a key: the write fails with a message
    page.wait_for_selector("#msg.error")
    assert "NEWSWORKER_API_KEY" in page.inner_text("#msg")

    monkeypatch.setattr(get_settings(), "api_key", "")  # writes disabled on the server
    with_key(page)
    page.reload()
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    # said up front (QA5 qa5c-1): a notice by the form, Add and the list's change buttons disabled
    assert "NEWSWORKER_API_KEY" in page.inner_text("#writes-off") and page.is_disabled("#f-add")
    assert _row(page, "aljazeera").locator(".act-remove").is_disabled()
    assert page.locator("#nw-key-dialog[open]").count() == 0
    assert feeds.get("aljazeera") is not None
    assert not page.errors


def test_english_toggle_relabels_the_feeds_page(page, web, feeds):
    page.goto(web.url + "/feeds")
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    assert page.inner_text("#f-add") == "إضافة" and page.get_attribute("html", "dir") == "rtl"
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert page.inner_text("#f-add") == "Add"
    assert page.inner_text("#nav-feeds") == "Feeds"
    assert "Next poll" in page.inner_text("#feeds thead")
    assert _row(page, "aljazeera").locator(".act-poll").inner_text() == "Poll now"
    assert _row(page, "bbc-arabic").locator(".badge").inner_text() == "failing"
    assert page.title() == "newsworker — Feeds"
    page.reload()  # the choice is remembered
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    assert page.inner_text("#f-add") == "Add"
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    assert page.inner_text("#f-add") == "إضافة"
    assert not page.errors


def test_closed_reads_ask_for_the_key_then_show_the_list(page, web, feeds, monkeypatch):
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_read_open", False)
    page.goto(web.url + "/feeds")  # the page itself loads; its data needs the key
    page.wait_for_selector("#nw-key-dialog[open]")
    assert page.locator("#feeds tr[data-feed]").count() == 0
    page.fill("#nw-key-input", web.key)
    page.press("#nw-key-input", "Enter")
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    assert page.locator("#feeds tbody tr[data-feed]").count() == 3
    assert not page.errors


def test_closed_reads_a_wrong_key_then_the_right_one_shows_the_list(page, web, feeds, monkeypatch):
    """QA4 re-test N1: the read was retried once only, so after a wrong key the right one, entered in the dialog
    that opened again, was stored but the page stayed on "مفتاح API مفقود أو خاطئ" until a reload."""
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_read_open", False)
    page.goto(web.url + "/feeds")
    wrong_key_then_right(page, web.key)
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    assert page.is_hidden("#msg") and page.locator("#nw-key-dialog[open]").count() == 0
    assert not page.errors


def test_a_refused_key_is_forgotten_and_asked_again(page, web, feeds, monkeypatch):
    """A typo in the key must not stick for the session: a 401 (wrong key) or 403 (the server takes no key)
    to the stored key removes it from session storage, and the next write asks for it again."""
    from worker.settings import get_settings

    page.goto(web.url + "/feeds")
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    page.evaluate("sessionStorage.setItem('nw.apikey', 'typo-key')")
    _row(page, "aljazeera").locator(".act-poll").click()
    page.wait_for_selector("#nw-key-dialog[open]")
    assert page.evaluate("sessionStorage.getItem('nw.apikey')") is None
    assert "✓" not in page.inner_text("#nav-key")
    page.keyboard.press("Escape")  # dismissed: the write fails with a message
    page.wait_for_selector("#msg.error")
    _row(page, "aljazeera").locator(".act-poll").click()  # no key now: asked again
    page.wait_for_selector("#nw-key-dialog[open]")
    page.fill("#nw-key-input", web.key)
    page.click("#nw-key-save")
    page.wait_for_selector("#msg.ok")
    assert page.evaluate("sessionStorage.getItem('nw.apikey')") == web.key  # the right key stays

    monkeypatch.setattr(get_settings(), "api_key", "")  # the server now accepts no key: 403
    _row(page, "aljazeera").locator(".act-poll").click()
    page.wait_for_selector("#msg.error:has-text('NEWSWORKER_API_KEY')")
    assert page.evaluate("sessionStorage.getItem('nw.apikey')") is None
    assert page.locator("#nw-key-dialog[open]").count() == 0
    assert not page.errors


def test_pause_resume_and_change_the_interval(page, web, feeds):
    """QA4 web D7: the page had no way to pause, resume or re-time a feed although the API has PATCH
    /feeds/{id}; and a paused feed's status ran into its "disabled" word ("متعثرمعطّل")."""
    with_key(page)
    page.goto(web.url + "/feeds")
    row = _row(page, "bbc-arabic")
    row.wait_for()
    assert row.locator(".act-toggle").inner_text() == "إيقاف مؤقت"
    row.locator(".act-toggle").click()
    page.wait_for_selector("#msg.ok:has-text('bbc-arabic')")
    assert feeds.get("bbc-arabic").enabled is False
    assert feeds.state("bbc-arabic").consecutive_failures == 3  # the polling state is kept
    row.locator(".act-toggle:has-text('استئناف')").wait_for()
    assert row.locator(".feed-status").inner_text().split() == ["متعثر", "موقوف", "مؤقتًا"]
    assert row.locator(".feed-status .badge").count() == 2
    assert page.evaluate("document.activeElement.classList.contains('act-toggle')")  # the focus stays on it
    row.locator(".act-toggle").click()
    page.wait_for_selector("#msg.ok:has-text('استُؤنف')")
    assert feeds.get("bbc-arabic").enabled is True
    row.locator(".act-toggle:has-text('إيقاف مؤقت')").wait_for()

    # the interval: out of bounds is refused in words (and not sent), a good one is saved, empty is the default
    row.locator(".act-interval").click()
    editor = row.locator(".interval-input")
    assert editor.input_value() == "600" and page.evaluate("document.activeElement.classList.contains('interval-input')")
    editor.fill("30")
    editor.press("Enter")
    page.wait_for_selector("#msg.error")
    assert "60" in page.inner_text("#msg") and "21600" in page.inner_text("#msg")
    assert feeds.get("bbc-arabic").interval == 600
    editor.fill("900")
    row.locator(".act-interval-save").click()
    page.wait_for_selector("#msg.ok:has-text('bbc-arabic')")
    assert feeds.get("bbc-arabic").interval == 900
    assert row.locator("td.interval .value").inner_text() == "15 دقيقة" and row.locator(".interval-input").count() == 0
    row.locator(".act-interval").click()
    row.locator(".interval-input").fill("")
    row.locator(".interval-input").press("Enter")
    page.wait_for_selector("#msg.ok:has-text('تلقائي')")
    assert feeds.get("bbc-arabic").interval is None
    row.locator(".act-interval").click()
    row.locator(".act-interval-cancel").click()
    assert row.locator(".interval-input").count() == 0 and feeds.get("bbc-arabic").interval is None
    page.click("#nav-lang")
    page.wait_for_selector("html[dir=ltr]")
    assert row.locator(".act-toggle").inner_text() == "Pause" and row.locator(".act-interval").inner_text() == "Change"
    assert not page.errors


def test_poll_now_on_a_feed_paused_elsewhere_says_so_and_offers_resume(page, web, feeds):
    """QA4 web D7: "Poll now" on a paused feed said "موجود من قبل" (already exists) with an API call as advice."""
    with_key(page)
    page.goto(web.url + "/feeds")
    row = _row(page, "skynews")
    row.wait_for()
    feeds.set_enabled("skynews", False)  # another tool (the CLI, PATCH) pauses it while the page shows it
    row.locator(".act-poll").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#msg.error")
    text = page.inner_text("#msg")
    assert "موقوف مؤقتًا" in text and "استئناف" in text, text
    assert "موجود من قبل" not in text and "PATCH" not in text, text
    row.locator(".act-toggle:has-text('استئناف')").wait_for()  # the list is redrawn: the row offers Resume
    # QA4 re-test N4: the focus fell to <body>; it goes to the button the message names
    assert page.evaluate("document.activeElement.closest('tr').dataset.feed + ' ' + document.activeElement.className") \
        == "skynews act-toggle"
    page.click("#nav-lang")
    page.wait_for_selector("html[dir=ltr]")
    assert page.inner_text("#msg") == "skynews is paused, so it is not polled: resume it first (Resume)."
    row.locator(".act-toggle").focus()  # the language button took the focus
    page.keyboard.press("Enter")
    page.wait_for_selector("#msg.ok:has-text('skynews resumed')")
    assert feeds.get("skynews").enabled is True
    row.locator(".act-poll").focus()  # a poll that works redraws the list too: the focus stays on its button
    page.keyboard.press("Enter")
    page.wait_for_selector("#msg.ok:has-text('will be polled')")
    page.wait_for_function("document.activeElement.classList.contains('act-poll')")
    assert page.evaluate("document.activeElement.closest('tr').dataset.feed") == "skynews"
    assert not page.errors


def test_changing_the_interval_of_a_feed_removed_elsewhere(page, web, feeds):
    """QA4 re-test N5: the 404 said "غير موجود" but the row and its open editor stayed until the 30 s refresh."""
    with_key(page)
    page.goto(web.url + "/feeds")
    row = _row(page, "skynews")
    row.wait_for()
    row.locator(".act-interval").click()
    row.locator(".interval-input").fill("300")
    feeds.remove("skynews")  # another tab removes it
    row.locator(".interval-input").press("Enter")
    page.wait_for_selector("#msg.error")
    assert page.inner_text("#msg").startswith("غير موجود") and "skynews" in page.inner_text("#msg")
    row.wait_for(state="detached", timeout=5_000)  # the list is read again at once
    assert page.locator(".interval-input").count() == 0 and page.locator("#feeds tbody tr[data-feed]").count() == 2
    assert page.evaluate("document.activeElement.id") == "feeds-title"  # not <body>
    assert not page.errors


def test_interval_editor_refuses_what_is_not_a_number_and_escape_closes_it(page, web, feeds):
    """QA4 re-test N6 (and N3 for the refusal): "1e" was refused as «» (the number field's value is empty);
    letters typed into it were dropped, so Save set the adaptive default without a word; Escape did not
    close the editor; and the refusal stayed Arabic when the page turned English."""
    with_key(page)
    page.goto(web.url + "/feeds")
    row = _row(page, "bbc-arabic")  # its configured interval: 600
    row.wait_for()
    row.locator(".act-interval").click()
    editor = row.locator(".interval-input")
    for typed in ("1e", "abc", "2e3"):
        editor.fill("")
        editor.press_sequentially(typed)
        editor.press("Enter")
        page.wait_for_selector(f"#msg.error:has-text('«{typed}»')")
        assert feeds.get("bbc-arabic").interval == 600, typed
    assert page.evaluate("document.activeElement.classList.contains('interval-input')")
    page.click("#nav-lang")
    page.wait_for_selector("html[dir=ltr]")
    assert page.inner_text("#msg").startswith('Interval "2e3" refused: a whole number of seconds from 60 to 21600')
    page.click("#nav-lang")
    page.wait_for_selector("html[dir=rtl]")
    assert page.inner_text("#msg").startswith("الفاصل «2e3» مرفوض")
    editor.focus()
    page.keyboard.press("Escape")
    assert row.locator(".interval-input").count() == 0
    assert page.evaluate("document.activeElement.classList.contains('act-interval')")
    row.locator(".act-interval").click()  # an Arabic keyboard's digits are read as digits
    row.locator(".interval-input").fill("٣٠٠")
    row.locator(".interval-input").press("Enter")
    page.wait_for_selector("#msg.ok:has-text('bbc-arabic')")
    assert feeds.get("bbc-arabic").interval == 300
    assert not page.errors


def test_counts_agree_with_the_number_in_arabic(page, web, feeds):
    """QA4 web D11: "6 دقيقة", "5 محاولة" for 3-10; Arabic's six plural categories pick the form."""
    page.goto(web.url + "/feeds")
    page.wait_for_selector("#feeds tr[data-feed='aljazeera']")
    forms = page.evaluate("() => [1, 2, 6, 10, 11, 100, 1.5].map((n) => NW.t('feeds.minutes', {n}))")
    assert forms == ["دقيقة واحدة", "دقيقتان", "6 دقائق", "10 دقائق", "11 دقيقة", "100 دقيقة", "1.5 دقيقة"]
    assert page.evaluate("NW.t('feeds.seconds', {n: 5})") == "5 ثوانٍ"
    page.goto(web.url + "/alerts")
    page.wait_for_selector("#nav-alerts")
    attempts = page.evaluate("() => [0, 1, 2, 5, 49].map((n) => NW.t('alerts.attempts', {n}))")
    assert attempts == ["لا محاولات", "محاولة واحدة", "محاولتان", "5 محاولات", "49 محاولة"]
    assert page.evaluate("NW.t('alerts.digest_every', {n: 6})") == "ملخص كل 6 دقائق"
    summary = page.evaluate("""() => NW.t('alerts.preview_summary', {matched: NW.t('alerts.n_matched', {n: 2}),
        stories: NW.t('alerts.n_stories', {n: 2}), total: NW.t('alerts.n_hits', {n: 7})})""")
    assert summary == "خبران مطابقان في قصتين (إشعار واحد لكل قصة) من 7 نتائج."
    assert not page.errors


def test_a_change_the_server_could_not_confirm_is_told_by_the_answers_flag(page, web, feeds):
    """A write whose Elasticsearch call ran out of time may have been saved: the page says so when the 503's
    body carries write_unconfirmed (worker/api/backend.py: timeout_body), not by matching the English detail;
    any other 503 is "unavailable"."""
    answers = [
        {"detail": "Elasticsearch hat nicht rechtzeitig geantwortet", "write_unconfirmed": True},
        {"detail": "the change may have been saved (words alone are no flag)"},
    ]

    def handle(route):
        if route.request.method != "PATCH":
            return route.continue_()
        return route.fulfill(status=503, json=answers.pop(0))

    with_key(page)
    page.route("**/feeds/bbc-arabic", handle)
    page.goto(web.url + "/feeds")
    row = _row(page, "bbc-arabic")
    row.wait_for()
    row.locator(".act-toggle").click()
    page.wait_for_selector("#msg.error:has-text('قد يكون حُفظ')")
    row.locator(".act-toggle").click()
    page.wait_for_function("!document.getElementById('msg').innerText.includes('قد يكون حُفظ')")
    assert "قد يكون حُفظ" not in page.inner_text("#msg") and page.locator("#msg.error").count() == 1
    assert not answers and feeds.get("bbc-arabic").enabled is True


def test_a_list_the_service_could_not_answer_loads_by_itself_when_it_is_back(page, web, feeds):
    """The feeds list read while Redis was away (503) is read again on its own (session 34: the page stayed on
    the error, and its half-minute refresh only ran once a list had loaded)."""
    page.clock.install()
    away_first(page, "**/feeds")
    page.goto(web.url + "/feeds")
    page.wait_for_selector("#msg.error:has-text('بعد 5 ثوانٍ')")
    page.clock.run_for(5_500)
    _row(page, "aljazeera").wait_for()
    assert page.is_hidden("#msg") or "error" not in page.get_attribute("#msg", "class")
    assert not page.errors
