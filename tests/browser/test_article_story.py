"""From a search result to its story (QA round 5, qa5c-2): a result whose story has other articles says
"+N other reports" and links the story page; the article view says "story: N reports from M outlets" (a link
to the story page) and lists the other reports with their outlet and time, each opening in the same dialog,
by mouse or keyboard, in Arabic and English. Titles are feed text: an extra report of the prison story
carries markup that must stay text.

Counts come from ``tests/integration/explore_corpus.py``: s-prison has bbc, cnn, skynews, bbc; the extra
report (alarabia) makes 5 reports from 4 outlets here. s-old is alone in its story.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_page, serve
from tests.integration.explore_corpus import XSS_TITLE, _doc, explore_app

pytestmark = [pytest.mark.integration, pytest.mark.browser]

MARKUP_REPORT = _doc("p-markup", "s-prison", "alarabia", "2018-03-10T11:30:00Z", XSS_TITLE, "نص", [])


@pytest.fixture(scope="module")
def story_server(es_client):
    with explore_app(es_client, "tstory-web-", extra=[MARKUP_REPORT]) as app, serve(app) as url:
        yield url


@pytest.fixture
def page(browser, story_server):
    with open_page(browser, story_server, bypass_csp=False) as pg:  # the pages must work under the CSP
        yield pg


def _search(page, server, q):
    page.goto(server + "/?q=" + q)
    page.wait_for_selector(".hit")


def test_result_cards_link_a_story_with_other_reports(page, story_server):
    _search(page, story_server, "source:cnn OR id:s-old")
    cnn = page.locator(".hit[data-id='p-cnn'] .story-link")
    assert cnn.inner_text() == "4 تقارير أخرى عن الحدث"
    assert cnn.get_attribute("href") == "/stories?id=s-prison"
    assert page.locator(".hit[data-id='s-quake'] .story-link").inner_text() == "تقرير آخر عن الحدث"
    assert page.locator(".hit[data-id='s-old'] .story-link").count() == 0  # alone in its story
    page.click("#nav-lang")
    page.wait_for_function("() => document.documentElement.dir === 'ltr'")
    assert cnn.inner_text() == "+4 other reports"
    cnn.focus()  # a link: reached by the keyboard, opened with Enter
    page.keyboard.press("Enter")
    page.wait_for_selector("#story-articles li.ex-article")
    assert "id=s-prison" in page.url and page.locator("#story-articles li.ex-article").count() == 5
    assert not page.errors and not page.outside


def test_article_view_links_its_story_and_opens_the_other_reports(page, story_server):
    _search(page, story_server, "source:cnn")
    page.click(".hit[data-id='p-cnn'] h2 a")
    page.wait_for_selector("#article[open] #article-story .story-link")
    assert page.get_attribute("html", "dir") == "rtl"
    story = page.locator("#article-story .story-link")
    assert story.inner_text() == "القصة: 5 تقارير من 4 مصادر"
    assert story.get_attribute("href") == "/stories?id=s-prison"
    others = page.locator("#article-story .other-reports li")
    assert others.evaluate_all("els => els.map((e) => e.dataset.id)") == ["s-prison", "p-sky", "p-bbc2", "p-markup"]
    assert others.locator(".tag.source").all_inner_texts() == ["bbc", "skynews", "bbc", "alarabia"]
    # one date rule on every page (NW.date: the page's digits, in UTC)
    assert others.first.locator("time").inner_text() == page.evaluate("NW.date('2018-03-10T08:00:00Z', true)")
    assert others.first.locator("time").inner_text().endswith("UTC")
    # the markup in a feed's title is text: shown as written, never run
    assert others.nth(3).locator("a").inner_text() == XSS_TITLE
    assert page.evaluate("window.__pwned") is None

    # keyboard: Tab reaches a report, Enter opens it in the same dialog with the focus on its title
    link = others.nth(1).locator("a")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("(t) => document.getElementById('article-title').textContent === t",
                           arg="فرار سجناء بعد هجوم على سجن غويران")
    page.wait_for_selector("#article-story .other-reports li[data-id='p-cnn']")
    assert page.evaluate("document.activeElement.id") == "article-title"
    assert page.locator("#article-story .other-reports li[data-id='p-sky']").count() == 0
    assert page.is_visible("#article[open]")

    page.keyboard.press("Escape")  # the dialog is modal: the language button is behind it
    page.click("#nav-lang")
    page.wait_for_function("() => document.documentElement.dir === 'ltr'")
    page.click(".hit[data-id='p-cnn'] h2 a")
    page.wait_for_selector("#article[open] #article-story .other-reports")
    assert page.inner_text("#article-story .story-link") == "Story: 5 reports from 4 outlets"
    assert page.inner_text("#article-story h3") == "Other reports of the same event"
    assert not page.errors and not page.outside


def test_an_article_alone_in_its_story_says_so_and_lists_nothing(page, story_server):
    page.goto(story_server + "/#article/s-old")
    page.wait_for_selector("#article[open] #article-story .story-link")
    assert page.inner_text("#article-story .story-link") == "القصة: تقرير واحد من مصدر واحد"
    assert page.locator("#article-story .other-reports").count() == 0
    assert not page.errors and not page.outside
