"""Every page on a phone (QA round 2): at 375 px the document must not be wider than the viewport (the
navigation wraps, maps and charts shrink), the language button stays on screen, and the search page shows
its first result before the facets. The feeds, rules and history tables show each row as a card of
"label: value" lines (QA round 5, qa5c-3: as a scrolling table the feeds' last error was squeezed to 25 px,
2-3 letters a line, and the action buttons sat off-screen to the left)."""

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
    from worker.alerts.history import History
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
    history = History(web.ctx)
    history.create({"id": "phone-rec", "kind": "instant", "rule": "phone-rule", "owner": None, "story_id": "s-1",
                    "created": "2024-05-01T10:00:00+00:00", "status": "failed", "attempts": 3,
                    "article": {"id": "a1", "title": "هجوم على سجن غويران في الحسكة " * 3, "source": "BBC عربي"},
                    "channels": [{"key": "webhook:1", "type": "webhook", "target": "http://127.0.0.1:9/" + "a" * 80,
                                  "status": "failed", "attempts": 3, "last_error": "connection refused " + "z" * 90}],
                    "follow_ups": [], "follow_up_count": 0})
    web.es.indices.refresh(index=web.ctx.settings.es_alert_history_index)
    yield web
    reg.remove("bbc-arabic")
    RuleStore(web.ctx).delete("phone-rule")
    web.es.delete(index=web.ctx.settings.es_alert_history_index, id="phone-rec", refresh=True)


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


def _tables_readable(page) -> None:
    """Every table row reads on a phone: no cell holding text is narrower than 80 px (a squeezed column writes
    two letters a line), no table scrolls sideways inside its box, every button of a row is inside the
    viewport, and a cell with a column heading shows that heading as its label."""
    found = page.evaluate("""() => {
        const view = window.innerWidth, out = {narrow: [], scrolls: [], off: [], unlabelled: [], rows: 0};
        for (const t of document.querySelectorAll('table.table')) {
            if (t.scrollWidth > t.clientWidth + 1) out.scrolls.push(t.id + ' ' + t.scrollWidth + '>' + t.clientWidth);
            const heads = [...t.tHead.rows[0].cells].map((th) => th.textContent.trim());
            for (const tr of t.tBodies[0].rows) {
                if (tr.classList.contains('empty')) continue;
                out.rows += 1;
                [...tr.cells].forEach((td, i) => {
                    const r = td.getBoundingClientRect();
                    if (td.textContent.trim() && r.width < 80) out.narrow.push(t.id + ' col ' + i + ': ' + Math.round(r.width) + ' px');
                    const label = td.dataset.label || '';
                    const shown = getComputedStyle(td, '::before').content;
                    if (heads[i] && (label !== heads[i] || !shown.includes(heads[i]))) out.unlabelled.push(t.id + ' col ' + i + ': ' + shown);
                });
                for (const b of tr.querySelectorAll('button')) {
                    const r = b.getBoundingClientRect();
                    if (r.left < 0 || r.right > view + 1 || !r.width) out.off.push(t.id + ' ' + b.textContent + ' ' + Math.round(r.left));
                }
            }
        }
        return out;
    }""")
    assert found["rows"] and not (found["narrow"] or found["scrolls"] or found["off"] or found["unlabelled"]), found


@pytest.mark.parametrize("path", ["/alerts", "/feeds"])
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_ops_pages_fit_a_phone(browser, seeded, path, lang):
    with phone(browser, seeded.url) as page:
        with_key(page, seeded.key)
        page.add_init_script(f"localStorage.setItem('nw.lang', {lang!r});")
        page.goto(seeded.url + path)
        page.wait_for_selector("#rules tr[data-rule='phone-rule'], #feeds tr[data-feed='bbc-arabic']")
        if path == "/alerts":
            page.wait_for_selector("#history tr[data-id='phone-rec']")
        _fits(page)
        _tables_readable(page)
        if path == "/feeds":  # the error wraps as text does, not letter by letter: a few lines, not dozens
            err = page.locator("#feeds tr[data-feed='bbc-arabic'] td.last-error").bounding_box()
            assert err["width"] > 200 and err["height"] < 200, err
        assert not page.errors and not page.outside


def test_ops_tables_relabel_on_the_language_toggle(browser, seeded):
    """The cards' labels follow the language button, as the headings they copy do."""
    with phone(browser, seeded.url) as page:
        with_key(page, seeded.key)
        page.goto(seeded.url + "/feeds")
        cell = page.locator("#feeds tr[data-feed='bbc-arabic'] td.last-error")
        cell.wait_for()
        assert cell.get_attribute("data-label") == "آخر خطأ"
        page.click("#nav-lang")
        page.wait_for_function("document.documentElement.dir === 'ltr'")
        assert cell.get_attribute("data-label") == page.inner_text("#feeds thead th:nth-child(4)") != "آخر خطأ"
        _tables_readable(page)


def test_ops_tables_stay_tables_on_a_desktop(browser, seeded):
    with open_page(browser, seeded.url, bypass_csp=False) as page:
        with_key(page, seeded.key)
        page.goto(seeded.url + "/feeds")
        page.wait_for_selector("#feeds tr[data-feed='bbc-arabic']")
        assert page.evaluate("getComputedStyle(document.querySelector('#feeds tbody tr')).display") == "table-row"
        assert page.is_visible("#feeds thead")
