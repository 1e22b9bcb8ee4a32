"""The HTTP surface of search on the real Elasticsearch: /search, /facets, /articles/{id}, the page at /."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from tests.integration.search_app import search_app
from tests.integration.test_search_es import _doc, controlled_documents
from worker.api.app import create_app
from worker.api.routes.search import SearchTarget, search_target

pytestmark = pytest.mark.integration

XSS_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2"> سجن المدينة'


@pytest.fixture(scope="module")
def api(es_client):
    docs = controlled_documents() + [
        _doc("c-xss", XSS_TITLE, 'نص فيه <b onclick="x()">سجن</b> & "اقتباس"', "bbc", "2022-03-07T10:00:00")
    ]
    with search_app(es_client, "tsearch-api-", docs) as served:
        yield served


def test_search_returns_hits_with_highlights_and_facets(api):
    client, _ = api
    r = client.get("/search", params={"q": "وبالسجن", "size": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 5 and len(body["hits"]) == 3
    assert set(body["facets"]) >= {"source", "event", "date"}
    hit = body["hits"][0]
    assert set(hit) >= {"id", "title", "url", "source", "published", "snippet", "events", "entities"}
    assert any("<mark>" in h["snippet"] or "<mark>" in h["title_html"] for h in body["hits"])
    assert body["next_cursor"]
    r2 = client.get("/search", params={"q": "وبالسجن", "size": 3, "cursor": body["next_cursor"]})
    ids = [h["id"] for h in body["hits"]] + [h["id"] for h in r2.json()["hits"]]
    assert len(ids) == len(set(ids)) == 5


def test_filters_and_sort_parameters(api):
    client, _ = api
    r = client.get("/search", params={"q": "سجن", "source": "bbc", "from": "2022-01-01", "to": "2022-02-28"})
    assert {h["id"] for h in r.json()["hits"]} == {"c-sentence", "c-aleppo"}
    r = client.get("/search", params={"sort": "date", "size": 2, "page": 2})
    dates = [h["published"] for h in r.json()["hits"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 2


def test_snippets_escape_everything_but_mark(api):
    client, _ = api
    r = client.get("/search", params={"q": "id:c-xss"})
    (hit,) = r.json()["hits"]
    for html in (hit["snippet"], hit["title_html"]):
        without_marks = html.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in without_marks and ">" not in without_marks
    assert "&lt;script&gt;" in hit["title_html"]
    assert hit["title"] == XSS_TITLE  # the raw title is data; the page renders it as text
    r = client.get("/search", params={"q": "سجن AND id:c-xss"})
    assert re.search(r"<mark>سجن</mark>", r.json()["hits"][0]["snippet"])


@pytest.mark.parametrize(
    "q",
    ['"unclosed phrase', "(سجن OR", "killed:>abc", "event:not_a_type", "AND AND", "سجن~2", "date:2022-13-45"],
)
def test_malformed_query_is_a_400_with_message(api, q):
    client, _ = api
    r = client.get("/search", params={"q": q})
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail
    assert client.get("/facets", params={"q": q}).status_code == 400


@pytest.mark.parametrize(
    "params",
    [{"from": "yesterday"}, {"page": 9999}, {"cursor": "garbage!!"}, {"sort": "random"}, {"size": 1000}],
)
def test_bad_parameters_are_4xx_not_500(api, params):
    client, _ = api
    r = client.get("/search", params=params)
    assert 400 <= r.status_code < 500, r.text


@pytest.mark.parametrize("path", ["/search", "/facets", "/export", "/search.atom"])
def test_from_to_are_read_as_date_reads_them_on_every_surface(api, path):
    # QA4 #3: from=20220125 (read by Elasticsearch as epoch milliseconds) gave everything, to=20220125
    # nothing, from=2022-W04 an opaque "search_phase_execution_exception"; to=2022-02 was refused
    client, _ = api
    for params in ({"from": "20220125"}, {"to": "20220125"}, {"from": "1643068800"}, {"from": "2022-W04"}):
        r = client.get(path, params=params)
        assert r.status_code == 400, (params, r.text)
        detail = r.json()["detail"]
        assert detail.startswith("bad date for ") and "YYYY, YYYY-MM, YYYY-MM-DD" in detail, detail
    r = client.get(path, params={"q": "سجن", "to": "2022-02"})  # through the end of February
    assert r.status_code == 200, r.text
    if path == "/search":
        assert {h["id"] for h in r.json()["hits"]} == {"c-prison", "c-sentence", "c-aleppo"}


@pytest.mark.parametrize("path", ["/search", "/facets", "/export", "/search.atom"])
def test_reversed_date_ranges_are_a_400(api, path):
    # QA4 #11: from after to, and date:A..B with A after B, answered 200 with 0 results
    client, _ = api
    r = client.get(path, params={"from": "2022-02-04", "to": "2022-02-03"})
    assert r.status_code == 400, r.text
    assert "ends before it starts" in r.json()["detail"]
    r = client.get(path, params={"q": "date:2022-02-03..2022-01-25"})
    assert r.status_code == 400 and r.json()["error"] == "query_syntax", r.text
    assert "ends before it starts" in r.json()["detail"]
    assert client.get(path, params={"from": "2022-02-03", "to": "2022-02-03"}).status_code == 200


@pytest.mark.parametrize("q", ["*", "title:*", "story:*"])
def test_a_query_for_every_article_is_a_400(api, q):
    # QA4 #6: q=* returned every article although only the blank query means everything
    client, _ = api
    for path in ("/search", "/facets", "/export", "/search.atom"):
        r = client.get(path, params={"q": q})
        assert r.status_code == 400 and r.json()["error"] == "query_syntax", (path, r.text)
        assert "every article" in r.json()["detail"]
    assert client.get("/search", params={"q": ""}).json()["total"] > 0


def test_article_endpoint(api):
    client, _ = api
    r = client.get("/articles/c-prison")
    assert r.status_code == 200
    doc = r.json()
    assert doc["title"] == "هجوم لتنظيم الدولة على سجن غويران في الحسكة"
    assert doc["events"][0]["type"] == "prison_attack"
    assert doc["casualties"] == [
        {"kind": "killed", "count": 20, "text": "وقتل 20 عنصرا", "approximate": False}
    ]
    assert {e["canonical"] for e in doc["entities"]} >= {"قسد", "الحسكة"}
    assert "title_ar" not in doc and "body_ar" not in doc
    assert client.get("/articles/no-such-id").status_code == 404


def test_facets_endpoint(api):
    client, _ = api
    r = client.get("/facets", params={"q": "سجن"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 5
    assert sum(b["count"] for b in body["facets"]["source"]) == 5


def test_page_and_static_assets_are_served(api):
    client, _ = api
    r = client.get("/")
    assert r.status_code == 200 and 'dir="rtl"' in r.text and "/static/app.js" in r.text
    for asset in ("/static/app.js", "/static/map.js", "/static/app.css"):
        assert client.get(asset).status_code == 200, asset


def test_missing_index_is_503_not_500(es_client):
    app = create_app()
    app.dependency_overrides[search_target] = lambda: SearchTarget(
        es_client, "tsearch-missing-" + uuid.uuid4().hex[:6]
    )
    with TestClient(app) as client:
        assert client.get("/search", params={"q": "سجن"}).status_code == 503


def test_point_in_time_walk_and_expired_cursor(api, es_client):
    from worker.store.search import decode_cursor

    client, _ = api
    first = client.get("/search", params={"q": "سجن", "size": 2, "sort": "date", "pit": "true"}).json()
    seen = [h["id"] for h in first["hits"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get("/search", params={"q": "سجن", "size": 2, "sort": "date", "cursor": cursor}).json()
        seen += [h["id"] for h in page["hits"]]
        last_cursor, cursor = cursor, page["next_cursor"]
    assert len(seen) == len(set(seen)) == first["total"] == 5
    _, pit_id = decode_cursor(last_cursor)
    assert pit_id
    # The walk's last page closed its point in time itself (issue 15: no context is left open until it
    # expires), so closing it again finds nothing and reusing the cursor says it has expired.
    from elasticsearch import NotFoundError

    with pytest.raises(NotFoundError):
        es_client.close_point_in_time(id=pit_id)
    r = client.get("/search", params={"q": "سجن", "size": 2, "sort": "date", "cursor": last_cursor})
    assert r.status_code == 400 and "expired" in r.json()["detail"]
