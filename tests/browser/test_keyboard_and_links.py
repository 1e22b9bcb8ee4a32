"""QA5 (qa5c, an analyst doing the whole job from the web page), in headless Chromium on the real services:

* qa5c-8: the keyboard took 138 Tabs from the Search button to the first result. Every page now starts with
  a "skip to content" link, the search page has links to the results and to the facets, and each facet is
  one tab stop (a toolbar walked with the arrow keys).
* qa5c-12 / qa5c-10: an opened article is in the address (``/?…&article=<id>``): bookmarkable, Back closes it,
  the alerts page links to it; the old ``#article/<id>`` links still open it. One date rule on every page
  (the page's digits, UTC, said so); the place list is not shown twice.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.test_search_es import controlled_documents
from worker.store import elastic

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PAGES = ["/", "/alerts", "/feeds", "/stories", "/entities"]


@pytest.fixture(scope="module")
def server(web, es_client) -> str:
    docs = controlled_documents()
    assert elastic.index_documents(es_client, docs, alias=web.alias, refresh="wait_for").indexed == len(docs)
    return web.url


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.className || document.activeElement.tagName")


def test_every_page_starts_with_a_skip_link_shown_when_focused(page, server):
    for path in PAGES:
        page.goto(server + path)
        page.wait_for_selector("#skip-main")
        skip = page.locator("#skip-main")
        assert skip.bounding_box()["y"] < 0  # out of sight until focused
        page.keyboard.press("Tab")
        assert _focused(page) == "skip-main", path
        box = skip.bounding_box()
        assert box["y"] >= 0 and box["height"] > 0, path  # shown
        assert skip.inner_text() == "تخطَّ إلى المحتوى"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.tagName") == "MAIN", path
        assert "#" not in page.url  # no fragment: the search page reads its URL
    assert not page.errors


def test_a_few_keys_from_the_search_button_to_the_first_result(page, server):
    page.goto(server + "/?q=" + "سجن")
    page.wait_for_selector(".hit .title")
    page.focus("#go")
    page.keyboard.press("Tab")
    assert _focused(page) == "skip-results"
    assert page.locator("#skip-results").bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert _focused(page) == "results-title"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.hit') !== null && document.activeElement.classList.contains('title')")
    # to the facets: the second skip link, then one stop per facet, its buckets walked with the arrows
    page.focus("#go")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(page) == "skip-facets"
    page.keyboard.press("Enter")
    assert _focused(page) == "facets"
    stops = page.evaluate("[...document.querySelectorAll('#facets button')].filter((b) => b.tabIndex >= 0).length")
    assert stops == page.locator("#facets .facet").count()
    buckets = page.locator("#facets .facet").first.locator("button")
    assert buckets.count() >= 2
    page.keyboard.press("Tab")
    first = buckets.nth(0).inner_text()
    assert page.evaluate("document.activeElement.innerText") == first
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.innerText") == buckets.nth(1).inner_text()
    page.keyboard.press("Tab")  # out of the group in one key, to the next group's stop
    assert page.evaluate("document.activeElement.closest('.facet') === document.querySelectorAll('#facets .facet')[1]")
    assert not page.errors


def test_an_opened_article_is_in_the_address_and_back_closes_it(page, server):
    page.goto(server + "/?q=" + "سجن")
    page.wait_for_selector(".hit .title")
    hit = page.locator(".hit").first
    doc_id = hit.get_attribute("data-id")
    assert f"article={doc_id}" in hit.locator(".title").get_attribute("href")
    hit.locator(".title").click()
    page.wait_for_selector("#article[open]")
    page.wait_for_url(f"**article={doc_id}*")
    assert "q=" in page.url
    title = page.inner_text("#article-title")

    page.go_back()  # closes the article; the search is still there
    page.wait_for_function("!document.getElementById('article').open")
    assert "article=" not in page.url and page.locator(".hit").count() > 1
    page.go_forward()
    page.wait_for_selector("#article[open]")
    assert page.inner_text("#article-title") == title

    page.keyboard.press("Escape")  # closing it takes the article out of the address
    page.wait_for_function("!document.getElementById('article').open")
    page.wait_for_function("!location.search.includes('article=')")

    # a bookmark (or the alerts page's link) opens it; so does the old #article/<id> form
    for url in (f"/?article={doc_id}", f"/#article/{doc_id}"):
        page.goto(server + url)
        page.wait_for_selector("#article[open]")
        assert page.inner_text("#article-title") == title
        page.wait_for_function(f"location.search.includes('article={doc_id}') && !location.hash")
        page.keyboard.press("Escape")
        page.wait_for_function("!document.getElementById('article').open")
        page.wait_for_function("!location.search.includes('article=')")
    assert not page.errors


def test_dates_follow_one_rule_and_say_their_zone(page, server):
    page.goto(server + "/?q=id:c-prison")
    page.wait_for_selector(".hit time")
    shown = page.inner_text(".hit time")
    # 2022-01-21T08:00:00 UTC, in the Arabic page's digits, with its zone, as NW.date writes it on every page
    assert "٢٠٢٢" in shown and "UTC" in shown and "2022" not in shown, shown
    assert shown == page.evaluate("NW.date('2022-01-21T08:00:00Z', true)")
    page.click("#nav-lang")
    page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert page.inner_text(".hit time") == "21/01/2022, 08:00 UTC"
    page.click("#nav-lang")
    assert not page.errors


def test_the_place_list_is_shown_once(page, server):
    facets = httpx.get(server + "/search", params={"q": "سجن OR غارة OR عمان"}).json()["facets"]
    places = {b["key"] for b in facets.get("place", [])}
    locs = {b["key"] for b in facets.get("entity_LOC", [])}
    assert locs and locs <= places  # the entity facet repeats the place facet here
    page.goto(server + "/?q=" + "سجن OR غارة OR عمان")
    page.wait_for_selector("#facets section[data-facet=place]")
    assert page.locator("#facets section[data-facet=entity_LOC]").count() == 0
    assert page.locator("#facets section[data-facet=entity_ORG]").count() == 1  # the other entity facets stay
    assert not page.errors
