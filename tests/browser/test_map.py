"""The offline base map (issue 17) in real Chromium: Natural Earth outlines under the dots, nearby places
clustered with their count, a click that filters the search. The screenshot check reads pixels: the
land fill and the coastline stroke must be on screen, and must vanish when the outline layer is hidden
(so the test cannot pass on a graticule alone)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_page, screenshot, serve
from tests.browser.explore_fixtures import count_near, explore_page, explore_server, png_pixels
from tests.integration.explore_corpus import _doc, _ent, explore_app
from worker.document import Place

FIXTURES = (explore_page, explore_server)  # pytest finds fixtures by module-level name

pytestmark = [pytest.mark.integration, pytest.mark.browser]

LAND = (0xEF, 0xE6, 0xD2)  # .mapsvg .land in app.css


def _coastish(pixels) -> int:
    """Pixels of the coastline stroke (#3f77a8), also where antialiasing blends it into sea or land."""
    return sum(1 for r, g, b in pixels if r < 170 and b - r > 45 and g < 200)


def _search_with_places(page, server) -> None:
    page.goto(server + "/?q=" + "type:LOC")
    page.wait_for_selector("#map svg path.coast")


def test_map_draws_coastlines_borders_and_land_under_the_dots(explore_page, explore_server):
    page = explore_page
    _search_with_places(page, explore_server)
    d = {cls: page.get_attribute(f"#map svg path.{cls}", "d") or "" for cls in ("land", "coast", "border")}
    assert all(v.count("M") > 20 for v in d.values()), {k: len(v) for k, v in d.items()}
    # outlines are drawn under the dots: the base map group comes before the first place marker
    order = page.evaluate("""() => [...document.querySelector('#map svg').children]
        .map((n) => n.getAttribute('class') || n.tagName)""")
    assert order.index("basemap") < order.index(next(c for c in order if c.startswith("mark")))
    assert "Natural Earth" in page.text_content("#map svg .attrib")

    shot = page.locator("#map").screenshot()
    _, _, pixels = png_pixels(shot)
    land, coast = count_near(pixels, LAND, tol=6), _coastish(pixels)
    assert land > 0.15 * len(pixels), (land, len(pixels))  # Syria, Iraq, Arabia... are land
    assert coast > 300, coast

    # Without the outline layer the same map has neither colour: the pixels above came from the outlines.
    page.evaluate("document.querySelector('#map .basemap').setAttribute('display', 'none')")
    _, _, bare = png_pixels(page.locator("#map").screenshot())
    assert count_near(bare, LAND, tol=6) < 0.01 * len(bare) and _coastish(bare) < 0.1 * coast
    assert not page.errors and not page.outside


def test_nearby_places_are_clustered_with_their_count_and_a_click_filters(explore_page, explore_server):
    page = explore_page
    _search_with_places(page, explore_server)
    screenshot(page, "map")
    # Aleppo and Idlib (0.6 degrees apart) share one circle: the same 2 articles name both, so 2 (not 2 + 2)
    cluster = page.locator("#map svg g.cluster")
    assert cluster.count() == 1
    assert cluster.locator("text.count").text_content() == "2"
    tip = cluster.locator("title").text_content()
    assert "حلب" in tip and "إدلب" in tip
    singles = page.locator("#map svg g.mark:not(.cluster) text.count").all_text_contents()
    assert sorted(singles) == ["4", "5"]  # Al-Hasakah (4 articles), Riyadh (5); Damascus, Cairo: 1 each
    assert cluster.get_attribute("role") == "button" and cluster.get_attribute("tabindex") == "0"
    cluster.focus()
    page.keyboard.press("Enter")  # the keyboard works like the mouse
    page.wait_for_function("() => document.querySelector('#q').value.includes('place:')")
    page.wait_for_function("() => document.querySelectorAll('.hit').length === 2")
    assert "place%3A" in page.url
    assert not page.errors and not page.outside


def test_places_beyond_the_region_switch_to_the_world_layer(explore_page, explore_server):
    page = explore_page
    page.goto(explore_server + "/stories")
    page.wait_for_selector("#top-stories li")
    # the detailed regional layer stops at 66 E; a view reaching Washington needs the 1:110m world
    page.evaluate("""() => {
        const box = document.createElement('div'); box.id = 'probe'; document.body.append(box);
        drawMap(box, [{name: 'Washington', lat: 38.9, lon: -77.0}, {name: 'بغداد', lat: 33.3, lon: 44.4}]);
    }""")
    page.wait_for_selector("#probe svg path.coast")
    width = float(page.get_attribute("#probe svg", "width"))
    assert width <= 420
    coast = page.get_attribute("#probe svg path.coast", "d")
    assert coast.count("M") > 50
    assert not page.errors and not page.outside


def test_a_click_on_a_single_place_adds_its_name(explore_page, explore_server):
    page = explore_page
    _search_with_places(page, explore_server)
    page.locator("#map svg circle.place[data-place='الرياض']").click()
    page.wait_for_function("() => document.querySelector('#q').value.includes('place:الرياض')")
    page.wait_for_function("() => document.querySelectorAll('.hit').length === 5")
    assert not page.errors and not page.outside



# A city and its prison in two neighbouring geohash cells (the facet's cells are 0.18 degrees of latitude
# high; 36.5625 N is a border): four articles name both, so the search map's one circle says 4, not 8.
CITY = Place(name_en="Al-Hasakah", country="SY", lat=36.5, lon=40.75)
PRISON = Place(name_en="Ghwayran prison", country="SY", lat=36.6, lon=40.75)
_BODY = "هجوم على سجن الصناعة في الحسكة وفرار عدد من السجناء"


@pytest.fixture(scope="module")
def city_prison_server(es_client):
    docs = [_doc(f"cp-{i}", "s-cityprison", "bbc", f"2018-03-0{i + 1}T10:00:00Z", f"سجن الصناعة ({i})", _BODY,
                 [_ent(_BODY, "سجن الصناعة", "FAC", "سجن الصناعة", PRISON), _ent(_BODY, "الحسكة", "LOC", "الحسكة", CITY)])
            for i in range(4)]
    with explore_app(es_client, "tmapcp-", docs) as app, serve(app) as url:
        yield url


def test_an_article_naming_a_city_and_its_prison_counts_once(browser, city_prison_server):
    with open_page(browser, city_prison_server, bypass_csp=False) as page:
        page.goto(city_prison_server + "/?q=" + "story:s-cityprison")
        page.wait_for_selector("#map svg g.mark")
        assert page.locator(".hit").count() == 4
        cells = page.evaluate("() => lastData.facets.geo.map((b) => [b.key, b.count])")
        assert len(cells) == 2 and all(n == 4 for _, n in cells), cells  # two cells, each counting the 4
        assert page.locator("#map svg g.mark").count() == 1
        assert page.locator("#map svg g.mark text.count").text_content() == "4"
        assert not page.errors and not page.outside


def test_articles_beyond_the_page_still_count_in_a_cluster(explore_page, explore_server):
    """Cells count every matching article; those not on this page are unknown by id and add up as they are,
    those on it count once however many of the cluster's cells they fall in."""
    page = explore_page
    _search_with_places(page, explore_server)
    total = page.evaluate("""() => {
        const hits = [{id: 'a', places: [{name: 'X', lat: 36.5, lon: 40.75}, {name: 'Y', lat: 36.6, lon: 40.75}]}];
        const geo = [{key: geohash(36.5, 40.75, 4), count: 3, lat: 36.5, lon: 40.75},
                     {key: geohash(36.6, 40.75, 4), count: 2, lat: 36.6, lon: 40.75}];
        const box = document.createElement('div'); document.body.append(box);
        drawMap(box, mapPoints(hits, geo));
        return [...box.querySelectorAll('text.count')].map((t) => t.textContent);
    }""")
    assert total == ["4"]  # a on the page (in both cells) once, 2 + 1 others not on it
    assert not page.errors
