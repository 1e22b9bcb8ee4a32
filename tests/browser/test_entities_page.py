"""The entities page in real Chromium (issue 17): top entities by type, one entity's view (mentions over
time, co-occurring entities, places, articles) and walking from one entity to another. Screenshots of
both views go to the screenshots folder (docs/screenshots/ with `make screenshots`)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.explore_fixtures import explore_page, explore_server

pytestmark = [pytest.mark.integration, pytest.mark.browser]
FIXTURES = (explore_page, explore_server)  # pytest finds fixtures by module-level name


def _column(page, etype: str) -> list[str]:
    return page.locator(f"#top-entities section[data-type={etype}] .entity-row a").all_inner_texts()


def test_top_entities_then_an_entity_view(explore_page, explore_server):
    page = explore_page
    page.goto(explore_server + "/entities")
    page.wait_for_selector("#top-entities section[data-type=ORG] .entity-row")
    assert page.get_attribute("#nav-entities", "aria-current") == "page"
    assert _column(page, "ORG") == ["قسد"]
    assert _column(page, "PER")[0] == "محمد بن سلمان"
    assert "الرياض" in _column(page, "LOC") and _column(page, "FAC") == ["سجن غويران"]
    screenshot(page, "entities")

    page.click("#top-entities section[data-type=ORG] a:has-text('قسد')")
    page.wait_for_selector("#entity-articles li.ex-article")
    assert page.inner_text("#entity-name") == "قسد"
    assert "منظمات" in page.inner_text("#entity-meta") and "6 مقالات" in page.inner_text("#entity-meta")
    bars = page.locator("#entity-histogram svg rect.bar title").all_text_contents()
    assert bars == ["2018-03-05: 2", "2018-03-10: 4"]
    related = page.locator("#cooccurring section[data-type=LOC] .entity-row a").all_inner_texts()
    assert related[0] == "الحسكة" and set(related) == {"الحسكة", "حلب", "إدلب"}
    assert page.locator("#cooccurring section[data-type=ORG] .entity-row").count() == 0  # not itself
    assert page.locator("#entity-articles li.ex-article").count() == 6
    assert "france24 1" in page.inner_text("#entity-tags") and "كارثة 2" in page.inner_text("#entity-tags")
    page.wait_for_selector("#entity-map svg path.coast")
    search = page.get_attribute("#entity-search", "href")
    assert "name%3A" in search  # the exact name this page counts (QA: entity: found more than the count)
    screenshot(page, "entity")

    # walk the graph: a co-occurring person opens its own view
    page.click("#cooccurring section[data-type=PER] a:has-text('أردوغان')")
    page.wait_for_function("() => document.querySelector('#entity-name').textContent === 'رجب طيب أردوغان'")
    assert "type=PER" in page.url
    assert page.locator("#entity-articles li.ex-article").count() == 1

    # the link to search finds the articles the entity view counted, no more
    page.goto(explore_server + search)
    page.wait_for_selector(".hit")
    assert page.locator(".hit").count() == 6
    assert not page.errors and not page.outside


def test_entity_view_in_english_and_a_missing_entity(explore_page, explore_server):
    page = explore_page
    page.goto(explore_server + "/entities?name=" + "الرياض")
    page.wait_for_selector("#entity-articles li.ex-article")
    page.click("#nav-lang")
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.inner_text("#entity-meta").startswith("Places · 5 articles")
    assert "Named alongside" in page.inner_text("#entity-view")
    assert page.title() == "newsworker — الرياض"  # an entity's view is titled with its name in both languages
    page.goto(explore_server + "/entities?name=" + "لا أحد")
    page.wait_for_selector("#error:not([hidden])")
    assert page.title() == "newsworker — Entities"  # English is kept: the tab title follows it
    assert "no article names this entity" in page.inner_text("#error")
    assert not page.errors


def test_a_place_on_the_entity_map_opens_that_place(explore_page, explore_server):
    page = explore_page
    page.goto(explore_server + "/entities?name=" + "محمد بن سلمان")
    page.wait_for_selector("#entity-map svg path.coast")
    page.locator("#entity-map svg circle.place[data-place='الرياض']").click()
    page.wait_for_function("() => document.querySelector('#entity-name').textContent === 'الرياض'")
    assert page.locator("#entity-articles li.ex-article").count() == 5
    assert not page.errors and not page.outside

