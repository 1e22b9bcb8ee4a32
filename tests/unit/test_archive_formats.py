"""Export formats: CSV (formula injection, BOM, flat columns), JSONL (re-importable), GeoJSON (one Feature
per article and resolved place), and the Atom feed of a search (parsed by feedparser)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import feedparser

from worker.archive.atom import build_feed
from worker.archive.formats import CSV_COLUMNS, csv_safe, render_csv, render_geojson, render_jsonl
from worker.archive.formula import guard, unguard
from worker.archive.readers import read_csv, read_jsonl
from worker.store.search import SearchHit

HASAKAH = {"name_en": "Al-Hasakah", "country": "SY", "lat": 36.5, "lon": 40.75, "geonameid": 173091}
SRC = {
    "id": "a1", "url": "https://e.org/1", "title": "=HYPERLINK(\"http://evil\",\"x\")", "source": "+bbc",
    "published": "2022-01-21T10:00:00.000Z", "language": "ar", "story_id": "a1", "summary": "@SUM(A1)",
    "body": "هجوم على سجن الحسكة", "keywords": ["سجن", "-1+1"],
    "entities": [
        {"text": "الحسكة", "type": "LOC", "canonical": "الحسكة", "start": 0, "end": 6, "place": HASAKAH},
        {"text": "الحسكة", "type": "LOC", "canonical": "الحسكة", "start": 9, "end": 15, "place": HASAKAH},
        {"text": "غويران", "type": "FAC", "canonical": "سجن غويران", "start": 0, "end": 6,
         "place": {"name_en": "Ghwayran", "country": "SY", "lat": 36.48, "lon": 40.76}},
        {"text": "الرقة", "type": "LOC", "canonical": "الرقة", "start": 0, "end": 5, "place": {"name_en": "Raqqa"}},
        {"text": "قسد", "type": "ORG", "canonical": "قوات سوريا الديمقراطية", "start": 0, "end": 3},
        {"text": "\tمظلوم", "type": "PER", "canonical": "\tمظلوم عبدي", "start": 0, "end": 5},
    ],
    "events": [{"type": "prison_attack", "evidence": "..."}, {"type": "armed_clash", "evidence": "..."},
               {"type": "prison_attack", "evidence": "again"}],
    "casualties": [{"kind": "killed", "count": 20, "text": "20"}, {"kind": "killed", "count": 7, "text": "7"},
                   {"kind": "escaped", "count": 100, "text": "100"}],
    "title_ar": "derived, never exported", "event_types": ["prison_attack"],
}


def test_csv_safe_defuses_formulas_only():
    for bad in ("=1+1", "+1", "-2", "@x", "\tx", "\rx"):
        assert csv_safe(bad) == "'" + bad and csv_safe("'" + bad) == "''" + bad
    assert csv_safe("سجن =1") == "سجن =1" and csv_safe(None) == "" and csv_safe(20) == "20"


def test_csv_casualty_columns_tell_a_reported_zero_from_none_reported():
    """qa7b-6: the kind columns were 0 for every article that reported nothing, like a reported 0."""
    page = [{"id": "z", "casualties": [{"kind": "killed", "count": 0, "text": "لا قتلى"}]}, {"id": "n", "casualties": []}]
    rows = list(csv.DictReader(io.StringIO("".join(render_csv([page])).lstrip("\ufeff"))))
    assert [(r["killed"], r["injured"]) for r in rows] == [("0", ""), ("", "")]
    assert [r["casualties"] for r in rows] == ["killed 0", ""]


def test_csv_export_imports_back_with_the_formula_guard_undone():
    """QA: a title guarded as ``'=...`` on export kept its ``'`` when the CSV was imported again."""
    titles = ["=HYPERLINK(\"http://evil\",\"x\")", "+1", "-2 قتلى", "@user", "'=x", "''+y", "'quoted'", "'1",
              "عنوان", "سجن =1"]
    page = [{"id": f"a{i}", "url": f"https://e.org/{i}", "title": t, "source": "+bbc", "summary": "@SUM(A1)"}
            for i, t in enumerate(titles)]
    items = list(read_csv(io.BytesIO("".join(render_csv([page])).encode("utf-8"))))
    assert [i.article.title for i in items] == titles
    assert {(i.article.source, i.article.summary) for i in items} == {("+bbc", "@SUM(A1)")}


def test_formula_guard_is_undone_exactly():
    texts = ["=1", "+1", "-1", "@x", "\tx", "\rx", "'=1", "''-1", "'", "''", "'quoted'", "'1", "a=1", ""]
    assert all(unguard(guard(t)) == t for t in texts)
    assert all(unguard(c) == c for c in ("'quoted'", "'1", "'", "x'=1"))  # cells the guard never writes


def test_csv_has_bom_flat_columns_and_no_live_formula():
    text = "".join(render_csv([[SRC], []]))
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == list(CSV_COLUMNS) and len(rows) == 1
    row = rows[0]
    assert row["title"].startswith("'=HYPERLINK") and row["source"] == "'+bbc" and row["summary"] == "'@SUM(A1)"
    assert row["persons"] == "'\tمظلوم عبدي"
    assert row["events"] == "prison_attack; armed_clash"
    # no count of a kind reported: an empty cell, not 0 (qa7b-6)
    assert row["killed"] == "20" and row["escaped"] == "100" and row["injured"] == "" and row["arrested"] == ""
    assert row["casualties"] == "killed 20; escaped 100"
    assert row["places"] == "الحسكة; سجن غويران" and row["countries"] == "SY"
    assert row["organisations"] == "قوات سوريا الديمقراطية" and row["locations"] == "الحسكة; الرقة"
    for cell in rows[0].values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_geojson_one_point_feature_per_article_and_resolved_place():
    no_place = {**SRC, "id": "a2", "entities": []}
    gj = json.loads("".join(render_geojson([[SRC], [no_place], [SRC | {"id": "a3"}]])))
    assert gj["type"] == "FeatureCollection"
    feats = gj["features"]
    # a1 and a3: الحسكة (twice mentioned, one feature) and سجن غويران; الرقة has no coordinates
    assert [(f["properties"]["id"], f["properties"]["place"]) for f in feats] == [
        ("a1", "الحسكة"), ("a1", "سجن غويران"), ("a3", "الحسكة"), ("a3", "سجن غويران")]
    first = feats[0]
    assert first["type"] == "Feature" and first["geometry"] == {"type": "Point", "coordinates": [40.75, 36.5]}
    p = first["properties"]
    assert p["mentions"] == 2 and p["country"] == "SY" and p["place_en"] == "Al-Hasakah"
    assert p["events"] == ["prison_attack", "armed_clash"] and p["casualties"] == {"killed": 20, "escaped": 100}
    assert json.loads("".join(render_geojson([]))) == {"type": "FeatureCollection", "features": []}


def test_jsonl_is_the_enriched_document_and_imports_back():
    text = "".join(render_jsonl([[SRC]]))
    doc = json.loads(text)
    assert "title_ar" not in doc and "event_types" not in doc and doc["entities"][0]["place"] == HASAKAH
    [row] = list(read_jsonl(io.BytesIO(text.encode("utf-8"))))
    assert row.article.url == "https://e.org/1" and row.article.body == SRC["body"]
    assert row.article.published == "2022-01-21T10:00:00+00:00" and row.article.source == "+bbc"


def _hit(i: int, title: str, **kw: object) -> SearchHit:
    return SearchHit(id=f"d{i}", title=title, title_html=title, url=kw.get("url", f"https://e.org/{i}"),
                     source="bbc", published=kw.get("published", f"2022-01-2{i}T10:00:00.000Z"),
                     snippet=kw.get("snippet", "هجوم على <mark>سجن</mark> &amp; فرار"), score=None,
                     events=["prison_attack"], indexed=kw.get("indexed"))


def test_atom_feed_is_valid_escaped_and_newest_first():
    hits = [_hit(3, "هجوم <b>على</b> سجن & فرار \x0b"),
            _hit(2, "ثاني", url=None, published=None, indexed="2022-01-25T08:00:00.123Z"), _hit(1, "أول")]
    xml = build_feed(hits, query='سجن AND "فرار" <x>', self_url="http://h/search.atom?q=x&a=1",
                     page_url="http://h/?q=x", article_url="http://h/#article/{id}",
                     now=datetime(2022, 2, 1, tzinfo=UTC))
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == 'newsworker: سجن AND "فرار" <x>'
    assert parsed.feed.updated == "2022-01-25T08:00:00Z"  # no older than any entry's
    links = {ln["rel"]: ln["href"] for ln in parsed.feed.links}
    assert links == {"self": "http://h/search.atom?q=x&a=1", "alternate": "http://h/?q=x"}
    entries = parsed.entries
    assert [e.id for e in entries] == ["urn:newsworker:article:d3", "urn:newsworker:article:d2",
                                       "urn:newsworker:article:d1"]
    assert entries[0].title == "هجوم <b>على</b> سجن & فرار"  # text, escaped on the wire; \x0b removed
    assert entries[0].link == "https://e.org/3" and entries[1].link == "http://h/#article/d2"
    # an undated article's <updated> is when it was indexed, not the request's time (qa7b-10)
    assert entries[0].published == "2022-01-23T10:00:00Z" and entries[1].updated == "2022-01-25T08:00:00Z"
    assert "published" not in entries[1]
    assert entries[0].author == "bbc" and entries[0].tags[0].term == "prison_attack"
    assert entries[0].summary == "هجوم على <b>سجن</b> &amp; فرار"  # matches in bold; the text stays escaped
    assert b"<script" not in xml


def test_atom_entry_without_any_time_is_the_same_at_every_fetch():
    hit = _hit(4, "بلا تاريخ", published=None)
    feeds = [build_feed([hit], query="", self_url="http://h/a", page_url="http://h/", now=datetime(2022, 2, d, tzinfo=UTC))
             for d in (1, 2)]
    assert feeds[0] == feeds[1]


def test_atom_feed_without_hits_is_valid():
    parsed = feedparser.parse(build_feed([], query="", self_url="http://h/search.atom", page_url="http://h/",
                                         now=datetime(2022, 2, 1, tzinfo=UTC)))
    assert not parsed.bozo and parsed.entries == [] and parsed.feed.updated == "2022-02-01T00:00:00Z"
