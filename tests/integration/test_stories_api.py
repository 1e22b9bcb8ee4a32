"""Stories and entities endpoints on the real Elasticsearch (issue 17): top stories by window and anchor,
a story's timeline, top entities, one entity's mentions and co-occurrences. Expectations are counted by
hand in ``tests/integration/explore_corpus.py``."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.integration.explore_corpus import NEWEST, explore_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(es_client):
    with explore_app(es_client, "texplore-api-") as app, TestClient(app) as client:
        yield client


def _ids(body):
    return [s["story_id"] for s in body["stories"]]


def test_top_stories_last_24h_relative_to_the_newest_article(api):
    r = api.get("/stories/top", params={"window": "24h"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["anchor"] == "latest" and body["until"] == NEWEST == body["newest"]
    assert body["since"] == "2018-03-09T12:00:00.000Z"
    assert _ids(body) == ["s-prison", "s-summit"]  # by sources: 3 then 1
    prison = body["stories"][0]
    assert (prison["articles"], prison["sources"]) == (4, 3)
    assert sorted(prison["source_names"]) == ["bbc", "cnn", "skynews"]
    assert prison["title"] == "هجوم على سجن غويران في الحسكة"  # the earliest article
    assert prison["first"].startswith("2018-03-10T08:00") and prison["last"].startswith("2018-03-10T11:00")
    assert prison["events"] == ["prison_attack"] and "الحسكة" in prison["places"]
    assert body["total_articles"] == 9


def test_top_stories_sorted_by_articles_and_over_seven_days(api):
    by_articles = api.get("/stories/top", params={"window": "24h", "sort": "articles"}).json()
    assert _ids(by_articles) == ["s-summit", "s-prison"]
    week = api.get("/stories/top", params={"window": "7d"}).json()
    assert _ids(week) == ["s-prison", "s-quake", "s-summit"]  # 3, 2, 1 sources; s-old is a month older
    assert [s["sources"] for s in week["stories"]] == [3, 2, 1]


def test_window_relative_to_now_or_until(api):
    now = api.get("/stories/top", params={"window": "24h", "anchor": "now"}).json()
    assert now["anchor"] == "now" and now["stories"] == [] and now["newest"] == NEWEST
    until = api.get("/stories/top", params={"window": "24h", "until": "2018-03-06T00:00:00Z"}).json()
    assert until["anchor"] == "until" and _ids(until) == ["s-quake"]
    everything = api.get("/stories/top", params={"window": "all", "size": 2}).json()
    assert everything["since"] is None and len(everything["stories"]) == 2


def test_story_timeline_lists_articles_oldest_first_with_sources(api):
    r = api.get("/stories/s-prison")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 4 and body["title"] == "هجوم على سجن غويران في الحسكة"
    assert [a["id"] for a in body["articles"]] == ["s-prison", "p-cnn", "p-sky", "p-bbc2"]
    assert [a["source"] for a in body["articles"]] == ["bbc", "cnn", "skynews", "bbc"]
    assert {s["name"]: s["count"] for s in body["sources"]} == {"bbc": 2, "cnn": 1, "skynews": 1}
    first = body["articles"][0]
    assert first["events"] == ["prison_attack"] and first["places"][0]["lat"] == 36.5
    assert "body" not in first


def test_search_hits_carry_their_story_and_its_size(api):
    """qa5c-2: a result card says "+N other reports" and links the story page; the size counts the story's
    articles in the whole index, also those the query itself does not match (s-old is alone)."""
    r = api.get("/search", params={"q": "source:cnn OR id:s-old", "facets": "false"})
    assert r.status_code == 200, r.text
    stories = {h["id"]: (h["story_id"], h["story_articles"]) for h in r.json()["hits"]}
    assert stories == {"p-cnn": ("s-prison", 4), "s-quake": ("s-quake", 2), "s-old": ("s-old", 1)}


def test_unknown_story_is_404(api):
    assert api.get("/stories/no-such-story").status_code == 404


def test_top_entities_by_type(api):
    body = api.get("/entities/top").json()
    assert body["window"] == "all" and body["total_articles"] == 12
    assert body["types"]["ORG"] == [{"name": "قسد", "count": 6}]
    assert body["types"]["PER"][0] == {"name": "محمد بن سلمان", "count": 5}
    assert body["types"]["LOC"][0] == {"name": "الرياض", "count": 5}
    only = api.get("/entities/top", params={"type": ["FAC"], "window": "24h"}).json()
    assert only["types"] == {"FAC": [{"name": "سجن غويران", "count": 4}]}


def test_entity_view_mentions_over_time_and_cooccurrence(api):
    r = api.get("/entities/" + quote("قسد"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "ORG" and body["total"] == 6 and body["types"] == {"ORG": 6}
    assert body["first"].startswith("2018-03-05T06:00") and body["last"].startswith("2018-03-10T11:00")
    assert body["unit"] == "day"
    assert body["histogram"] == [{"key": "2018-03-05", "count": 2}, {"key": "2018-03-10", "count": 4}]
    co = body["cooccurring"]
    assert co["ORG"] == []  # itself is left out
    assert co["LOC"][0] == {"name": "الحسكة", "count": 4}
    assert {x["name"] for x in co["LOC"]} == {"الحسكة", "حلب", "إدلب"}
    assert co["FAC"] == [{"name": "سجن غويران", "count": 4}]
    assert co["PER"] == [{"name": "رجب طيب أردوغان", "count": 1}]
    assert [a["id"] for a in body["articles"]][:2] == ["p-bbc2", "p-sky"]  # latest first
    assert {s["name"] for s in body["sources"]} == {"bbc", "cnn", "skynews", "france24"}


def test_entity_type_filter_and_unknown_entity(api):
    assert api.get("/entities/" + quote("قسد"), params={"type": "PER"}).status_code == 404
    assert api.get("/entities/" + quote("قسد"), params={"type": "ORG", "size": 0}).json()["articles"] == []
    assert api.get("/entities/" + quote("لا أحد")).status_code == 404
    # a name with a slash reaches the endpoint (path converter), not the router's bare 404
    r = api.get("/entities/" + quote("AC/DC", safe=""))
    assert r.status_code == 404 and r.json()["detail"] == "no article names this entity"
    assert api.get("/entities/x", params={"type": "XYZ"}).status_code == 422


def test_pages_and_assets_are_served(api):
    for path in ("/stories", "/entities"):
        r = api.get(path, headers={"Accept": "text/html"})  # a page answers a browser; other clients get the API
        assert r.status_code == 200 and 'dir="rtl"' in r.text and "/static/shell.js" in r.text, path
    for asset in ("/static/stories.js", "/static/entities.js", "/static/map.js", "/static/geo/countries.json"):
        assert api.get(asset).status_code == 200, asset


@pytest.mark.parametrize("until", ["0.5", "yesterday", "2018-13-45T00:00:00Z"])
def test_until_must_be_iso_8601(api, until):
    assert api.get("/stories/top", params={"until": until}).status_code == 422


def test_until_at_the_start_of_the_calendar_is_an_empty_window_not_an_error(api):
    r = api.get("/stories/top", params={"window": "7d", "until": "0001-01-01T00:00:00+01:00"})
    assert r.status_code == 200, r.text
    assert r.json()["stories"] == [] and r.json()["since"] is None


def test_a_misdated_future_article_does_not_move_the_latest_window(es_client):
    from datetime import UTC, datetime, timedelta

    from tests.integration.explore_corpus import _doc

    future = (datetime.now(UTC) + timedelta(days=3650)).isoformat()
    typo = _doc("typo", "typo", "bbc", future, "خبر بتاريخ خاطئ", "نص", [])
    with explore_app(es_client, "texplore-future-", extra=[typo]) as app, TestClient(app) as client:
        body = client.get("/stories/top", params={"window": "24h"}).json()
    assert body["newest"] == NEWEST and _ids(body) == ["s-prison", "s-summit"]


def test_all_time_counts_every_article_also_undated_and_misdated_ones(es_client):
    """QA: with a copy dated 2030 and an undated one, the top stories said 3 articles where the story's own
    page listed 5."""
    from datetime import UTC, datetime, timedelta

    from tests.integration.explore_corpus import _doc

    future = (datetime.now(UTC) + timedelta(days=3650)).isoformat()
    typo = _doc("typo", "s-prison", "alarabia", future, "هجوم على سجن غويران", "نص", [])
    undated = _doc("undated", "s-prison", "france24", None, "هجوم على سجن غويران", "نص", [])
    with explore_app(es_client, "texplore-all-", extra=[typo, undated]) as app, TestClient(app) as client:
        top = client.get("/stories/top", params={"window": "all"}).json()
        story = client.get("/stories/s-prison").json()
        day = client.get("/stories/top", params={"window": "24h"}).json()
    prison = next(s for s in top["stories"] if s["story_id"] == "s-prison")
    assert prison["articles"] == len(story["articles"]) == 6
    assert next(s for s in day["stories"] if s["story_id"] == "s-prison")["articles"] == 4  # windows unchanged


def test_one_outlet_whatever_the_case_of_its_name(es_client):
    """QA: a feed's "bbc" and an archive's "BBC" counted as two sources and drew two lanes."""
    from tests.integration.explore_corpus import _doc

    upper = _doc("upper", "s-prison", "BBC", "2018-03-10T10:30:00+00:00", "هجوم على سجن غويران", "نص", [])
    with explore_app(es_client, "texplore-case-", extra=[upper]) as app, TestClient(app) as client:
        top = client.get("/stories/top", params={"window": "24h"}).json()
        story = client.get("/stories/s-prison").json()
    prison = next(s for s in top["stories"] if s["story_id"] == "s-prison")
    assert prison["sources"] == 3 and sorted(n.lower() for n in prison["source_names"]) == ["bbc", "cnn", "skynews"]
    lanes = {s["name"].lower(): s["count"] for s in story["sources"]}
    assert len(story["sources"]) == 3 and lanes["bbc"] == 1 + sum(1 for a in story["articles"]
                                                                  if a["source"] == "bbc")
