"""Export and the Atom feed against the real Elasticsearch: ``newsworker export`` and ``GET /export`` walk
past a page (and past the index's result window: no from/size cliff), in a stable newest-first order;
``GET /search.atom`` is a valid feed (feedparser) of the newest hits; errors are /search's."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from worker.archive import exporter
from worker.document import EnrichedDocument, Entity, Event, Place
from worker.settings import get_settings
from worker.store import elastic
from worker.store.fields import forget

pytestmark = pytest.mark.integration
N = 1_030
PAGE = 200
WINDOW = 300  # the throw-away index's max_result_window: from/size could not go past it
T0 = datetime(2022, 1, 1, tzinfo=UTC)
HASAKAH = Place(name_en="Al-Hasakah", country="SY", lat=36.5, lon=40.75, geonameid=173091)


def _doc(i: int) -> EnrichedDocument:
    body = f"هجوم على سجن الحسكة رقم {i}" if i % 10 == 0 else f"خبر عادي عن الاقتصاد رقم {i}"
    ents = [Entity(text="الحسكة", type="LOC", canonical="الحسكة", start=body.index("الحسكة"),
                   end=body.index("الحسكة") + 6, place=HASAKAH)] if i % 10 == 0 else []
    return EnrichedDocument(
        id=f"x{i:05d}", url=f"https://example.test/{i}", source="bbc" if i % 2 else "cnn",
        title=("=cmd|' /C calc'!A0 " if i == 0 else "") + f"عنوان {i}", body=body,
        # two articles per minute: equal published times, so the id tie-break decides the order
        published=T0 + timedelta(minutes=i // 2), entities=ents,
        events=[Event(type="prison_attack", evidence=body)] if i % 10 == 0 else [],
    )


@pytest.fixture(scope="module")
def alias(es_client):
    import uuid

    name = "tarchive-export-" + uuid.uuid4().hex[:8]
    elastic.ensure_index(es_client, name)
    es_client.indices.put_settings(index=name, settings={"index.max_result_window": WINDOW})
    res = elastic.index_documents(es_client, [_doc(i) for i in range(N)], alias=name, refresh="wait_for")
    assert res.indexed == N
    yield name
    elastic.drop_alias_and_indices(es_client, name)
    forget(name)


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(exporter, "PAGE_SIZE", PAGE)


@pytest.fixture
def client(es_client, alias):
    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target

    app = create_app()
    app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, alias)
    return TestClient(app)


def _newest_first_ids(n: int = N) -> list[str]:
    docs = [_doc(i) for i in range(n)]
    return [d.id for d in sorted(docs, key=lambda d: (-d.published.timestamp(), d.id))]


def test_export_walks_past_pages_and_the_result_window(es_client, alias, small_pages):
    with pytest.raises(Exception, match="result window|max_result_window"):
        es_client.search(index=alias, from_=WINDOW, size=10)  # what from/size paging would hit
    pages = list(exporter.export_pages(es_client, alias, exporter.ExportQuery()))
    assert [len(p) for p in pages] == [PAGE] * (N // PAGE) + [N % PAGE]
    ids = [s["id"] for p in pages for s in p]
    assert ids == _newest_first_ids()  # newest first, ties by id: nothing skipped or repeated
    limited = list(exporter.export_pages(es_client, alias, exporter.ExportQuery(limit=450)))
    assert [len(p) for p in limited] == [200, 200, 50]


def test_cli_export_csv_jsonl_geojson(alias, small_pages, tmp_path):
    from worker.cli.main import app

    runner = CliRunner()
    out = tmp_path / "all.csv"
    r = runner.invoke(app, ["export", "", "--index", alias, "--format", "csv", "--out", str(out)])
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Arabic right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == N and len({r["id"] for r in rows}) == N
    first = next(r for r in rows if r["id"] == "x00000")
    assert first["title"].startswith("'=cmd") and first["events"] == "prison_attack" and first["places"] == "الحسكة"

    r = runner.invoke(app, ["export", "رقم", "--index", alias, "--format", "jsonl", "--source", "cnn"])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == N // 2  # every article says رقم; the even ones are cnn's
    assert all(d["source"] == "cnn" and "title_ar" not in d for d in lines)

    r = runner.invoke(app, ["export", "place:الحسكة", "--index", alias, "--format", "geojson"])
    gj = json.loads(r.stdout)
    assert len(gj["features"]) == len(range(0, N, 10))
    assert gj["features"][0]["geometry"]["coordinates"] == [40.75, 36.5]

    r = runner.invoke(app, ["export", "(سجن", "--index", alias])
    assert r.exit_code == 2 and "query error" in r.output


def test_api_export_streams_every_format(client, small_pages):
    r = client.get("/export", params={"format": "jsonl"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert 'filename="newsworker-' in r.headers["content-disposition"]
    ids = [json.loads(x)["id"] for x in r.text.splitlines()]
    assert ids == _newest_first_ids()

    r = client.get("/export", params={"q": "سجن", "format": "csv", "from": "2022-01-01", "to": "2022-01-01"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows and all(row["published"].startswith("2022-01-01") for row in rows)

    r = client.get("/export", params={"q": "event:prison_attack", "format": "geojson", "sort": "relevance"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    assert len(r.json()["features"]) == len(range(0, N, 10))


def test_api_export_errors_are_searchs(client):
    r = client.get("/export", params={"q": '"سجن'})
    assert r.status_code == 400 and r.json()["error"] == "query_syntax"
    assert client.get("/export", params={"format": "xml"}).status_code == 422
    assert client.get("/export", params={"from": "yesterday"}).status_code == 400


def test_api_export_missing_index_is_503(es_client):
    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target

    app = create_app()
    app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, "tarchive-missing-index")
    assert TestClient(app).get("/export").status_code == 503


def test_search_atom_is_a_valid_feed_of_the_newest_hits(client):
    r = client.get("/search.atom", params={"q": "سجن", "source": "cnn", "size": 5})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "newsworker: سجن"
    expected = [i for i in _newest_first_ids() if int(i[1:]) % 10 == 0 and int(i[1:]) % 2 == 0][:5]
    assert [e.id for e in feed.entries] == [f"urn:newsworker:article:{i}" for i in expected]
    top = feed.entries[0]
    assert top.link.startswith("https://example.test/") and "<b>سجن</b>" in top.summary
    assert top.tags[0].term == "prison_attack" and top.author == "cnn"
    links = {ln["rel"]: ln["href"] for ln in feed.feed.links}
    assert links["self"].endswith("/search.atom?q=%D8%B3%D8%AC%D9%86&source=cnn&size=5")
    assert "q=%D8%B3%D8%AC%D9%86" in links["alternate"] and "source=cnn" in links["alternate"]
    assert feed.feed.updated == top.updated

    assert client.get("/search.atom", params={"q": "(سجن"}).status_code == 400


def test_search_atom_links_use_the_public_url_behind_a_proxy(client, monkeypatch, fresh_settings):
    """Behind a proxy that maps a path of its own, the feed's links must be the ones a reader can follow,
    not the upstream's scheme, Host and path."""
    monkeypatch.setenv("NEWSWORKER_API_PUBLIC_URL", "https://news.example.org/nw/")
    get_settings.cache_clear()
    r = client.get("/search.atom", params={"q": "سجن", "size": 1})
    assert r.status_code == 200
    feed = feedparser.parse(r.content)
    links = {ln["rel"]: ln["href"] for ln in feed.feed.links}
    assert links["self"] == "https://news.example.org/nw/search.atom?q=%D8%B3%D8%AC%D9%86&size=1"
    assert links["alternate"] == "https://news.example.org/nw/?q=%D8%B3%D8%AC%D9%86"
    assert feed.entries[0].link.startswith("https://example.test/")  # the outlet's own link is kept



def test_search_atom_undated_entry_keeps_its_updated(es_client, unique_name):
    """qa7b-10: an undated article's <updated> was the request's time, new at every fetch of the feed; it is
    when the article was indexed, and the feed's <updated> is no older than any entry's."""
    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target

    name = f"{unique_name}-atom"
    elastic.ensure_index(es_client, name)
    try:
        when = datetime(2023, 3, 4, 5, 6, 7, tzinfo=UTC)
        docs = [EnrichedDocument(id="undated1", url="https://example.test/u", source="bbc", title="بلا تاريخ",
                                 body="خبر بلا تاريخ", indexed=when),
                EnrichedDocument(id="dated1", url="https://example.test/d", source="bbc", title="بتاريخ",
                                 body="خبر بتاريخ", published=T0, indexed=when)]
        elastic.index_documents(es_client, docs, alias=name, refresh="wait_for")
        app = create_app()
        app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, name)
        feeds = [feedparser.parse(TestClient(app).get("/search.atom", params={"q": "خبر"}).content) for _ in (1, 2)]
        entries = {e.id: e for e in feeds[0].entries}
        assert entries["urn:newsworker:article:undated1"].updated == "2023-03-04T05:06:07Z"
        assert "published" not in entries["urn:newsworker:article:undated1"]
        assert feeds[0].feed.updated == "2023-03-04T05:06:07Z"
        assert [e.updated for e in feeds[1].entries] == [e.updated for e in feeds[0].entries]
    finally:
        elastic.drop_alias_and_indices(es_client, name)
        forget(name)
