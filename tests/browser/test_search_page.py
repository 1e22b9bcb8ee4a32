"""The search page in Debian's headless Chromium (driven by Playwright, no browser download); the server,
browser and page fixtures are in ``tests/browser/conftest.py``."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import wrong_key_then_right
from tests.integration.test_search_es import _doc, _ent, controlled_documents
from worker.query.analysis import analyze
from worker.store import elastic

pytestmark = [pytest.mark.integration, pytest.mark.browser]

XSS_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> سجن المدينة'


@pytest.fixture(scope="module")
def server(web, es_client) -> str:
    """The shared web server (tests/browser/conftest.py) with the controlled articles indexed."""
    docs = controlled_documents() + [
        _doc("c-xss", XSS_TITLE, 'نص <b onclick="window.__pwned=3">سجن</b> آخر', "bbc", "2022-03-07T10:00:00")
    ]
    assert elastic.index_documents(es_client, docs, alias=web.alias, refresh="wait_for").indexed == len(docs)
    return web.url


def _search(page, server, q: str) -> None:
    """Types a query and waits for its answer. The page searches on load too (an empty query answers
    everything), and Enter only marks that answer stale (dimmed, inert, emptied after 800 ms), so a wait for
    a bar or a hit alone could find the load's answer on a slow machine and press a control going inert."""
    page.goto(server + "/")
    page.fill("#q", q)
    page.press("#q", "Enter")
    page.wait_for_selector("#results:not([aria-busy])", state="attached")


def test_arabic_query_shows_highlighted_results(page, server):
    _search(page, server, "وبالسجن")
    page.wait_for_selector(".hit mark")
    assert page.get_attribute("html", "dir") == "rtl"
    marks = page.locator(".hit mark").all_inner_texts()
    assert marks and all(analyze(m) == ["سجن"] for m in marks), marks
    # four controlled articles and the XSS one mention a prison (سجن، السجن، بالسجن، وبالسجن، السِّجْنِ)
    assert page.locator(".hit").count() == 5
    assert page.inner_text("#status").startswith("5 ")
    assert page.locator("#facets .facet").count() >= 3
    assert page.locator("#histogram svg rect.bar").count() >= 3
    assert page.locator("#map svg circle.place").count() >= 1
    assert "q=" in page.url  # the query is in the URL, so a reload or a shared link repeats it
    assert not page.errors and not page.outside


def test_untrusted_title_is_text_and_never_runs(page, server):
    _search(page, server, "id:c-xss")
    page.wait_for_selector(".hit .title")
    title = page.inner_text(".hit .title")
    assert "<script>" in title and "onerror" in title
    assert page.locator(".hit script, .hit img, .hit b").count() == 0
    page.click(".hit .title")
    page.wait_for_selector("#article[open]")
    assert "<script>" in page.inner_text("#article-title")
    assert page.locator("#article script, #article img, #article-body b").count() == 0
    time.sleep(0.3)  # give an injected handler a chance to fire before checking it did not
    assert page.evaluate("window.__pwned") is None
    assert not page.errors


def test_facet_click_filters_and_article_view_shows_enrichment(page, server):
    _search(page, server, "سجن")
    page.wait_for_selector(".hit")
    page.click("#facets section[data-facet=source] .bucket:has-text('skynews')")
    page.wait_for_function("document.querySelectorAll('.hit').length === 1")
    assert page.input_value("#q") == "سجن AND sourcename:skynews"  # the exact name counted (qa7b-11)
    page.click(".hit .title")
    page.wait_for_selector("#article[open]")
    assert "هجوم على سجن" in page.inner_text("#article-events")
    assert "20" in page.inner_text("#article-casualties")
    assert "قسد" in page.inner_text("#article-entities")
    assert page.locator("#article-map svg circle.place").count() == 2
    assert not page.errors and not page.outside


def _bucket(page, facet: str, key: str):
    """The bucket of ``facet`` whose key is exactly ``key`` (has-text would also take "BBC Arabic" for BBC)."""
    buckets = page.locator(f"#facets section[data-facet={facet}] .bucket")
    return buckets.filter(has=page.locator(".key", has_text=re.compile(f"^{re.escape(key)}$")))


def test_source_and_place_facet_clicks_give_the_count_clicked(page, server, web, es_client):
    """qa7b-11: the "BBC" source facet (1) filtered with source=BBC, which also takes "BBC Arabic" (2 results),
    and a place facet added place:"<key>", which also finds a longer name holding it. The click now adds
    sourcename:/placename:, the exact value the facet counted."""
    us = "الولايات المتحدة"
    docs = [
        _doc("fc-1", "بركان في الولايات المتحدة", "بركان", "BBC", "2022-04-01T10:00:00",
             entities=[_ent(us, "LOC", us, "بركان في الولايات المتحدة")]),
        _doc("fc-2", "بركان في الولايات المتحدة الأمريكية", "بركان", "BBC Arabic", "2022-04-02T10:00:00",
             entities=[_ent(f"{us} الأمريكية", "LOC", f"{us} الأمريكية", "بركان في الولايات المتحدة الأمريكية")]),
    ]
    # the entity offsets are read off the title, so the body must hold it too
    docs = [d.model_copy(update={"body": d.title}) for d in docs]
    assert elastic.index_documents(es_client, docs, alias=web.alias, refresh="wait_for").indexed == 2
    try:
        for facet, key, clause in (("source", "BBC", "sourcename:BBC"), ("place", us, f'placename:"{us}"')):
            _search(page, server, "بركان")
            page.wait_for_function("document.querySelectorAll('.hit').length === 2")
            bucket = _bucket(page, facet, key)
            assert bucket.locator(".count").inner_text() == "1"
            bucket.click()
            page.wait_for_selector("#results:not([aria-busy])", state="attached")
            page.wait_for_function("document.querySelectorAll('.hit').length === 1")
            assert page.input_value("#q") == f"بركان AND {clause}"
            assert page.locator(".hit").count() == 1 and page.inner_text("#status").startswith("نتيجة واحدة")
    finally:
        for d in docs:
            es_client.delete(index=web.alias, id=d.id, refresh=True)
    assert not page.errors and not page.outside


def test_malformed_query_shows_message_not_crash(page, server):
    _search(page, server, '"سجن')
    page.wait_for_selector("#error:not([hidden])")
    assert "خطأ" in page.inner_text("#error")
    assert page.locator(".hit").count() == 0
    assert not page.errors


def test_failed_search_clears_the_previous_results_facets_charts_and_pager(page, server):
    _search(page, server, "سجن")
    page.wait_for_selector("#histogram rect.bar")
    assert page.locator("#facets .facet").count() >= 3 and page.inner_text("#pageinfo")
    page.evaluate("document.getElementById('next').disabled = false")  # as on a search with several pages
    page.fill("#q", '"سجن')
    page.press("#q", "Enter")
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator(".hit").count() == 0 and page.locator("#facets .facet").count() == 0
    assert page.locator("#histogram rect.bar").count() == 0 and page.locator("#map circle").count() == 0
    assert page.inner_text("#pageinfo") == "" and page.is_disabled("#next") and page.is_disabled("#prev")
    page.click("#nav-lang")  # re-rendering for the language must not bring the old answer back
    page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert page.locator(".hit").count() == 0 and page.locator("#facets .facet").count() == 0
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    assert not page.errors


def test_histogram_bar_filters_to_its_day_and_event_facet_adds_a_clause(page, server):
    _search(page, server, "سجن")
    page.wait_for_selector("#histogram rect.bar")
    tip = page.locator("#histogram rect.bar title").first.text_content()
    day, count = tip.split(": ")
    page.locator("#histogram rect.bar").first.click()
    page.wait_for_function(f"document.querySelectorAll('.hit').length === {int(count)}")
    assert f"from={day}" in page.url and f"to={day}" in page.url
    assert page.input_value("#from") == day
    page.goto(server + "/?q=" + "سجن")
    page.wait_for_selector("#facets section[data-facet=event] .bucket")
    bucket = page.locator("#facets section[data-facet=event] .bucket").first
    n = int(bucket.locator(".count").inner_text())
    bucket.click()
    page.wait_for_function(f"document.querySelectorAll('.hit').length === {n}")
    assert "event:" in page.input_value("#q") and "event%3A" in page.url
    assert not page.errors and not page.outside


def test_query_error_follows_the_language_toggle(page, server):
    _search(page, server, '"سجن')
    page.wait_for_selector("#error:not([hidden])")
    arabic = page.inner_text("#error")
    assert arabic.startswith("خطأ في الاستعلام:"), arabic
    detail = arabic.split(":", 1)[1]
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'ltr'")
    english = page.inner_text("#error")
    assert english.startswith("Query error:") and "خطأ في الاستعلام" not in english, english
    assert detail.split("(")[0].strip() in english  # the server's message itself is kept
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    assert page.inner_text("#error") == arabic
    page.fill("#q", "سجن")  # a search that works hides the error, and the toggle does not bring it back
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert page.is_hidden("#error")
    assert not page.errors


def test_a_pending_search_does_not_show_the_previous_answer(page, server):
    """QA4 web D5: while Elasticsearch was slow the page said "searching…" but kept the previous query's hits,
    facets, histogram and map under the new query for up to two minutes. Now they are marked busy at once
    and emptied while the answer is slow; an older answer arriving after a newer one is not drawn."""
    _search(page, server, "سجن")
    page.wait_for_selector("#histogram rect.bar")
    held = []  # the answers to the next searches, released by the test (a stalled Elasticsearch)
    page.route("**/search?*", lambda route: held.append(route))
    page.fill("#q", "إدلب")
    page.press("#q", "Enter")
    page.wait_for_selector("#results[aria-busy=true].stale")
    assert page.inner_text("#status") == "جارٍ البحث…"
    page.wait_for_function("document.querySelectorAll('.hit, #facets .facet, #histogram rect, #map circle').length === 0")
    assert page.inner_text("#pageinfo") == ""
    page.fill("#q", "بغداد")  # a newer search before the first answer: answers arrive in the other order
    page.press("#q", "Enter")
    deadline = time.monotonic() + 10
    while len(held) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(held) == 2, held
    held[1].continue_()  # بغداد
    page.wait_for_selector(".hit")
    assert page.get_attribute("#results", "aria-busy") is None and "stale" not in page.get_attribute("#results", "class")
    baghdad = page.locator(".hit").all_inner_texts()
    held[0].continue_()  # إدلب, late
    page.wait_for_timeout(300)  # room for the late answer to be (wrongly) drawn
    assert page.locator(".hit").all_inner_texts() == baghdad and page.input_value("#q") == "بغداد"
    assert baghdad and all("بغداد" in t for t in baghdad)
    assert not page.errors


def test_histogram_bars_work_from_the_keyboard(page, server):
    """QA4 web D10: the bars (filter by that day) could not be focused or pressed; the map clusters could."""
    _search(page, server, "سجن")
    page.wait_for_selector("#histogram rect.bar")
    bar = page.locator("#histogram rect.bar").first
    assert bar.get_attribute("tabindex") == "0" and bar.get_attribute("role") == "button"
    day, count = bar.get_attribute("aria-label").split(": ")
    bar.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.hit').length === {int(count)}")
    assert f"from={day}" in page.url and f"to={day}" in page.url
    page.goto(server + "/?q=" + "سجن")
    page.wait_for_selector("#histogram rect.bar")
    page.locator("#histogram rect.bar").last.focus()
    page.keyboard.press(" ")
    page.wait_for_url(lambda u: "from=" in u)
    assert not page.errors


def test_a_histogram_bar_pressed_from_the_keyboard_keeps_the_focus(page, server):
    """QA4 re-test N4: Enter on a bar filtered to its day, but the redraw dropped the focus to <body>; the
    keyboard user started again from the top of the page. It stays on that day's bar; a filter chip removed
    from the keyboard leaves it on the status line, which says what the new search found."""
    _search(page, server, "سجن")
    page.wait_for_selector("#histogram rect.bar")
    bar = page.locator("#histogram rect.bar").first
    label = bar.get_attribute("aria-label")
    day = label.split(": ")[0]
    bar.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: f"from={day}" in u)
    page.wait_for_function("document.activeElement !== document.body && !document.getElementById('results').inert")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith(day + ": ")
    assert page.evaluate("document.getElementById('histogram').contains(document.activeElement)")
    page.locator("#chips .chip").first.focus()  # the date chip: removing it redraws the chips
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "from=" not in u)
    page.wait_for_function("document.activeElement.id === 'status'")
    assert not page.errors


def test_closed_reads_a_wrong_key_then_the_right_one_shows_the_results(page, server, monkeypatch):
    """QA4 re-test N1: with reads closed, a wrong key and then the right one left the page on "مفتاح API مفقود
    أو خاطئ" with no results until a manual reload."""
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_read_open", False)
    page.goto(server + "/?q=" + "سجن")
    wrong_key_then_right(page)
    page.wait_for_selector(".hit")
    assert page.is_hidden("#error")
    assert not page.errors


def test_counts_agree_with_the_number_in_arabic(page, server):
    """QA4 web D11: "3 نتيجة" for 3-10 (Arabic says "3 نتائج"); Intl.PluralRules('ar') picks the form."""
    _search(page, server, "وبالسجن")
    page.wait_for_selector("#status:has-text('5 نتائج — ')")  # five articles mention a prison
    forms = page.evaluate("() => [0, 1, 2, 3, 10, 11, 99, 100, 103].map((n) => NW.t('search.status', {n, ms: 4}))")
    assert [f.split(" — ")[0] for f in forms] == [
        "لا نتائج", "نتيجة واحدة", "نتيجتان", "3 نتائج", "10 نتائج", "11 نتيجة", "99 نتيجة", "100 نتيجة", "103 نتائج"]
    page.click("#nav-lang")
    page.wait_for_selector("html[dir=ltr]")
    assert page.inner_text("#status").startswith("5 results — ")  # redrawn by the toggle
    assert page.evaluate("NW.t('search.status', {n: 1, ms: 4})") == "1 result — 4 ms"
    page.click("#nav-lang")
    page.wait_for_selector("html[dir=rtl]")
    assert not page.errors


def test_a_search_the_service_could_not_answer_runs_again_by_itself(page, server):
    """Elasticsearch away (503) or the API gone (no answer): the page says it will try again, does so on its
    own (5 s, then 10 s), and shows the answer once the service is back, with no reload (session 34: it
    stayed on the error). A query error is the user's to mend: never retried."""
    answers: list[str] = []
    asked: list[str] = []

    def handle(route):
        asked.append(route.request.url)
        if not answers:
            return route.continue_()
        if answers.pop(0) == "503":
            return route.fulfill(status=503, json={"detail": "backend unavailable (ConnectionError)"})
        return route.abort("connectionrefused")

    page.clock.install()
    page.route("**/search?*", handle)
    page.goto(server + "/")
    page.wait_for_selector(".hit")  # the page's first, blank search
    answers.extend(["503", "abort"])
    asked.clear()
    page.fill("#q", "سجن")
    page.press("#q", "Enter")
    page.wait_for_selector("#error:has-text('ستُعاد المحاولة تلقائيًا بعد 5 ثوانٍ')")
    assert page.locator(".hit").count() == 0
    page.clock.run_for(5_500)
    page.wait_for_selector("#error:has-text('بعد 10 ثوانٍ')")  # no answer at all: tried again, later
    page.click("#nav-lang")  # the note follows the language with the error it stands beside
    page.wait_for_selector("#error:has-text('Trying again by itself in 10 seconds.')")
    page.click("#nav-lang")
    page.clock.run_for(10_500)
    page.wait_for_selector(".hit")
    assert page.is_hidden("#error") and len(asked) == 3
    assert "q=" in page.url

    page.fill("#q", '"سجن')  # a malformed query: the message stays, nothing is sent again
    page.press("#q", "Enter")
    page.wait_for_selector("#error:not([hidden])")
    assert "تلقائيًا" not in page.inner_text("#error")
    page.clock.run_for(120_000)
    assert len(asked) == 4 and not page.errors


def test_results_past_the_browsable_window_are_explained_not_an_error(page, server):
    """qa7b-8: with more than 10,000 results the pager stopped at page 500 without a word, and a link to
    page 501 showed a "query error" naming next_cursor, with Previous disabled. The page now shows the last
    browsable page, says why it stops and what to do instead (narrow, or Export), in the page's language."""
    asked: list[str] = []

    def many(route):  # the real answer, said to have more results than the window holds
        asked.append(route.request.url)
        resp = route.fetch()
        body = resp.json()
        body["total"] = 10_450
        route.fulfill(response=resp, json=body)

    page.route("**/search?*", many)
    page.goto(server + "/?page=501&sort=date")
    page.wait_for_selector("#pagelimit:not([hidden])")
    assert page.is_hidden("#error")
    assert "page=500" in page.url and all("page=501" not in u for u in asked)
    assert page.inner_text("#pageinfo") == "صفحة 500 من 523"
    assert page.is_disabled("#next") and not page.is_disabled("#prev")
    notice = page.inner_text("#pagelimit")
    assert "10000" in notice and "التصدير" in notice and "10450" in notice
    page.click("#nav-lang")
    page.wait_for_selector("#pagelimit:has-text('Only the first 10000 results can be browsed')")
    assert "Export" in page.inner_text("#pagelimit")
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    page.click("#prev")
    page.wait_for_selector("#pagelimit[hidden]", state="attached")
    page.wait_for_function("document.getElementById('pageinfo').textContent === 'صفحة 499 من 523'")
    assert not page.is_disabled("#next") and not page.errors
