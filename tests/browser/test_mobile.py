"""Every page on a phone (QA round 2): at 375 px the document must not be wider than the viewport (the
navigation wraps, tables scroll inside their own box, maps and charts shrink), the language button stays
on screen, and the search page shows its first result before the facets."""

from __future__ import annotations

import time
from contextlib import contextmanager

import httpx
import pytest

from tests.browser.conftest import open_page, with_key
from tests.browser.explore_fixtures import explore_server
from worker.ingest.registry import Feed, FeedState

pytestmark = [pytest.mark.integration, pytest.mark.browser]
FIXTURES = (explore_server,)  # pytest finds fixtures by module-level name

PHONE = {"width": 375, "height": 740}


@contextmanager
def phone(browser, server, width: int = PHONE["width"]):
    with open_page(browser, server, bypass_csp=False) as pg:
        pg.set_viewport_size({"width": width, "height": PHONE["height"]})
        yield pg


def _fits(page) -> None:
    """Nothing scrolls sideways, and the language button is inside the viewport."""
    sizes = page.evaluate("""() => ({
        doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth,
        wide: [...document.querySelectorAll('body *')].filter((e) => {
            const r = e.getBoundingClientRect(); return r.width && (r.right > window.innerWidth + 1 || r.left < -1);
        }).slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className.baseVal + e.className)})""")
    assert sizes["doc"] <= sizes["view"] and sizes["body"] <= sizes["view"], sizes
    box = page.locator("#nav-lang").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= sizes["view"], (box, sizes)


@pytest.fixture
def seeded(web, local_receivers):
    """A rule and a failing feed with a long URL and error, so /alerts and /feeds have wide rows to fit."""
    from worker.alerts.store import RuleStore

    body = {"name": "phone-rule", "query": 'event:prison_attack AND place:الحسكة AND "سجن غويران" NOT source:bbc',
            "channels": {"webhooks": [{"url": "http://127.0.0.1:9/" + "a" * 80}], "emails": ["desk@example.org"]}}
    assert httpx.post(web.url + "/alerts", json=body, headers={"X-API-Key": web.key}).status_code == 201
    reg = web.ctx.registry
    reg.add(Feed(id="bbc-arabic", url="https://feeds.bbci.co.uk/arabic/" + "x" * 60 + "/rss.xml", name="BBC عربي"))
    now = time.time()
    reg.save_state("bbc-arabic", FeedState(status="failing", last_poll=now - 90, last_error="HTTP 503 " + "y" * 120,
                                           last_error_at=now - 90, consecutive_failures=3, interval=600,
                                           next_due=now + 480))
    yield web
    reg.remove("bbc-arabic")
    RuleStore(web.ctx).delete("phone-rule")


@pytest.mark.parametrize("width", [360, 375, 400])
def test_search_page_fits_a_phone_and_shows_results_before_facets(browser, explore_server, width):
    with phone(browser, explore_server, width) as page:
        page.goto(explore_server + "/?q=" + "سوريا OR الحسكة OR الرياض")
        page.wait_for_selector(".hit")
        page.wait_for_selector("#facets .facet")
        page.wait_for_selector("#map svg")
        _fits(page)
        hit = page.locator(".hit").first.bounding_box()
        facets = page.locator("#facets").bounding_box()
        assert hit["y"] < facets["y"], (hit, facets)
        assert hit["y"] < 2 * PHONE["height"], hit  # not below screens of charts
        page.click("#nav-lang")  # English (left to right) fits too
        page.wait_for_function("document.documentElement.dir === 'ltr'")
        _fits(page)
        assert not page.errors and not page.outside


def test_search_page_keeps_the_desktop_layout(browser, explore_server):
    """At 1280 px the facets stay in their column beside the results."""
    with open_page(browser, explore_server, bypass_csp=False) as page:
        page.goto(explore_server + "/?q=" + "سوريا OR الحسكة OR الرياض")
        page.wait_for_selector(".hit")
        page.wait_for_selector("#facets .facet")
        hit = page.locator(".hit").first.bounding_box()
        facets = page.locator("#facets").bounding_box()
        assert facets["x"] > hit["x"] + hit["width"] - 1  # RTL: the facet column is on the right
        assert abs(page.locator("#facets .facet").first.bounding_box()["y"] - page.locator("#status").bounding_box()["y"]) < 60


@pytest.mark.parametrize("path", ["/stories", "/stories?id=s-prison", "/entities", "/entities?name=قسد"])
def test_explore_pages_fit_a_phone(browser, explore_server, path):
    with phone(browser, explore_server) as page:
        page.goto(explore_server + path)
        page.wait_for_selector("#top-stories li, #story-articles li, #top-entities li, #entity-articles li")
        _fits(page)
        assert not page.errors and not page.outside


@pytest.mark.parametrize("path", ["/alerts", "/feeds"])
def test_ops_pages_fit_a_phone(browser, seeded, path):
    with phone(browser, seeded.url) as page:
        with_key(page, seeded.key)
        page.goto(seeded.url + path)
        page.wait_for_selector("#rules tr[data-rule='phone-rule'], #feeds tr[data-feed='bbc-arabic']")
        _fits(page)
        assert not page.errors and not page.outside
