"""Search on the real Elasticsearch: Arabic normalisation, filters, facets, phrases, dates, pagination,
highlights, idempotent bulk and reindex.

Two indices per module run: a small hand-made corpus where every expectation is written down from the
text (``controlled_documents``), and a spread-out sample of real ANT articles for paging and facet
consistency. Each lives behind a unique alias and is deleted afterwards.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest

from worker.document import Casualty, EnrichedDocument, Entity, Event, Place
from worker.store import elastic
from worker.store.fields import forget
from worker.store.search import SearchError, iter_hits, search

pytestmark = pytest.mark.integration


def _doc(doc_id: str, title: str, body: str, source: str, published: str, **extra) -> EnrichedDocument:
    return EnrichedDocument(
        id=doc_id,
        url=f"https://example.test/{doc_id}",
        title=title,
        body=body,
        source=source,
        published=datetime.fromisoformat(published).replace(tzinfo=UTC),
        **extra,
    )


def _ent(text: str, etype: str, canonical: str, body: str, place: Place | None = None) -> Entity:
    start = body.index(text)
    return Entity(text=text, type=etype, canonical=canonical, start=start, end=start + len(text), place=place)


HASAKAH = Place(name_en="Al-Hasakah", country="SY", lat=36.5, lon=40.75)
ALEPPO = Place(name_en="Aleppo", country="SY", lat=36.2, lon=37.16)
BAGHDAD = Place(name_en="Baghdad", country="IQ", lat=33.34, lon=44.4)


def controlled_documents() -> list[EnrichedDocument]:
    """Small corpus whose expected matches are read off the text by a person, not computed by the code."""
    b1 = "شنت قوات سوريا الديمقراطية حملة في الحسكة بعد هجوم على سجن غويران، وقتل 20 عنصرا."
    b2 = "قضت المحكمة وبالسجن عشر سنوات على متهم في بغداد، بحسب بيان رسمي."
    b3 = "قال مسؤول إن السِّجْنِ المركزي في حلب شهد احتجاجات، وإن الجيش السوري نشر قوات."
    b4 = "غارة جوية على مدينة إدلب أسفرت عن إصابة 7 أشخاص، حسب الدفاع المدني في سورية."
    b5 = "أعلنت إسرائيل إغلاق المعبر. وفي خبر آخر ذكرت الوكالة أن مستشفى المدينة استقبل الجرحى."
    b6 = "اجتمع وزير الخارجية مع نظيره في عمان لبحث ملف اللاجئين والحدود."
    b7 = "سجن المدينة القديم تحول إلى متحف، ويقول الزوار إن هجوم الزمن عليه واضح."
    return [
        _doc(
            "c-prison",
            "هجوم لتنظيم الدولة على سجن غويران في الحسكة",
            b1,
            "skynews",
            "2022-01-21T08:00:00",
            entities=[
                _ent("قوات سوريا الديمقراطية", "ORG", "قسد", b1),
                _ent("الحسكة", "LOC", "الحسكة", b1, HASAKAH),
                _ent("سجن غويران", "FAC", "سجن غويران", b1, HASAKAH),
            ],
            events=[Event(type="prison_attack", evidence=b1)],
            casualties=[Casualty(kind="killed", count=20, text="وقتل 20 عنصرا")],
        ),
        _doc(
            "c-sentence",
            "حكم بالسجن على متهم بالفساد",
            b2,
            "bbc",
            "2022-01-25T12:30:00",
            entities=[_ent("بغداد", "LOC", "بغداد", b2, BAGHDAD)],
            events=[Event(type="sentencing", evidence=b2)],
        ),
        _doc(
            "c-aleppo",
            "احتجاجات في سجن حلب",
            b3,
            "bbc",
            "2022-02-03T09:00:00",
            entities=[_ent("حلب", "LOC", "حلب", b3, ALEPPO), _ent("الجيش السوري", "ORG", "الجيش السوري", b3)],
            events=[Event(type="protest", evidence=b3)],
        ),
        _doc(
            "c-idlib",
            "غارة جوية على إدلب",
            b4,
            "cnn",
            "2022-02-10T18:45:00",
            events=[Event(type="airstrike", evidence=b4)],
            casualties=[Casualty(kind="injured", count=7, text="إصابة 7 أشخاص")],
        ),
        _doc(
            "c-israel", "اسرائيل تغلق المعبر ومستشفي المدينه يستقبل الجرحى", b5, "cnn", "2022-03-01T07:00:00"
        ),
        _doc("c-amman", "وزير الخارجية في عمان", b6, "france24", "2022-03-02T10:00:00"),
        _doc("c-museum", "متحف في سجن قديم", b7, "alarabiya", "2022-03-05T11:00:00"),
    ]


@pytest.fixture(scope="module")
def small_index(es_client):
    import uuid

    alias = "tsearch-" + uuid.uuid4().hex[:8]
    elastic.ensure_index(es_client, alias)
    docs = controlled_documents()
    res = elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for")
    assert res.indexed == len(docs), res.failed
    yield es_client, alias, docs
    elastic.drop_alias_and_indices(es_client, alias)
    forget(alias)


def ids(es, alias, q, **kw) -> set[str]:
    res = search(es, q, alias=alias, size=100, facets=False, **kw)
    assert res.total == len(res.hits)
    return {h.id for h in res.hits}


# ------------------------------------------------------------------------------------------- analysis


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("سجن", {"c-prison", "c-sentence", "c-aleppo", "c-museum"}),  # السِّجْنِ, وبالسجن, بالسجن, سجن
        ("وبالسجن", {"c-prison", "c-sentence", "c-aleppo", "c-museum"}),  # clitics in the query
        ("السجن", {"c-prison", "c-sentence", "c-aleppo", "c-museum"}),
        ("سِجْن", {"c-prison", "c-sentence", "c-aleppo", "c-museum"}),  # diacritics in the query
        ("سوريا", {"c-prison", "c-aleppo", "c-idlib"}),  # سوريا / السوري / سورية
        ("سورية", {"c-prison", "c-aleppo", "c-idlib"}),
        ("إسرائيل", {"c-israel"}),  # doc has both إسرائيل and اسرائيل
        ("اسرائيل", {"c-israel"}),
        ("أسرائيل", {"c-israel"}),
        ("مستشفى", {"c-israel"}),  # ى/ي: the title has مستشفي, the body مستشفى
        ("مستشفي", {"c-israel"}),
        ("المدينة", {"c-israel", "c-idlib", "c-museum"}),  # ة/ه: المدينه in a title
        ("مدينه", {"c-israel", "c-idlib", "c-museum"}),
    ],
)
def test_normalisation_variants_find_each_other(small_index, query, expected):
    es, alias, _ = small_index
    assert ids(es, alias, query) == expected


def test_phrase_needs_adjacent_words_but_words_do_not(small_index):
    es, alias, _ = small_index
    assert ids(es, alias, '"هجوم على سجن"') == {"c-prison"}
    assert ids(es, alias, "هجوم سجن") == {"c-prison", "c-museum"}
    assert ids(es, alias, '"سجن هجوم"') == set()


def test_boolean_operators(small_index):
    es, alias, _ = small_index
    assert ids(es, alias, "سجن AND NOT حلب") == {"c-prison", "c-sentence", "c-museum"}
    assert ids(es, alias, "(حلب OR بغداد) سجن") == {"c-aleppo", "c-sentence"}
    assert ids(es, alias, "إدلب OR عمان") == {"c-idlib", "c-amman"}


# -------------------------------------------------------------------------------------------- filters


def test_field_filters(small_index):
    es, alias, _ = small_index
    assert ids(es, alias, "entity:قسد") == {"c-prison"}
    assert ids(es, alias, 'entity:"الجيش السوري"') == {"c-aleppo"}
    assert ids(es, alias, "place:الحسكة") == {"c-prison"}
    assert ids(es, alias, "place:Aleppo") == {"c-aleppo"}
    assert ids(es, alias, "event:prison_attack") == {"c-prison"}
    assert ids(es, alias, "سجن AND event:sentencing") == {"c-sentence"}
    assert ids(es, alias, "killed:>10") == {"c-prison"}
    assert ids(es, alias, "injured:>=7") == {"c-idlib"}
    assert ids(es, alias, "source:bbc") == {"c-sentence", "c-aleppo"}
    assert ids(es, alias, "country:IQ") == {"c-sentence"}


def test_source_parameter_filters_and_is_case_insensitive(small_index):
    es, alias, _ = small_index
    assert ids(es, alias, "", source="bbc") == {"c-sentence", "c-aleppo"}
    assert ids(es, alias, "", source="BBC,cnn") == {"c-sentence", "c-aleppo", "c-idlib", "c-israel"}
    assert ids(es, alias, "سجن", source=["skynews"]) == {"c-prison"}


def test_date_ranges_are_inclusive_days(small_index):
    es, alias, _ = small_index
    assert ids(es, alias, "", date_from="2022-01-25", date_to="2022-02-03") == {"c-sentence", "c-aleppo"}
    assert ids(es, alias, "", date_from="2022-03-01") == {"c-israel", "c-amman", "c-museum"}
    assert ids(es, alias, "", date_to="2022-01-21") == {"c-prison"}
    assert ids(es, alias, "date:2022-01-20..2022-02-01") == {"c-prison", "c-sentence"}
    assert ids(es, alias, "date:2022-02") == {"c-aleppo", "c-idlib"}
    with pytest.raises(SearchError):
        search(es, "", alias=alias, date_from="25/01/2022")


def test_from_to_are_read_as_date_reads_them_and_refuse_the_rest(small_index):
    # QA4 #3: compact ISO and 10-digit numbers passed Python's check and Elasticsearch read them as epoch
    # milliseconds (from=20220125 gave everything, to=20220125 nothing); 2022-W04 gave an opaque 400
    es, alias, _ = small_index
    for bad in ("20220125", "1643068800", "1643068800000", "2022-W04", "2022-025", "20220125T000000"):
        for key in ("date_from", "date_to"):
            with pytest.raises(SearchError, match="YYYY, YYYY-MM, YYYY-MM-DD"):
                search(es, "", alias=alias, **{key: bad})
    # to=2022-02 runs through the end of February, as date:..2022-02 does; from=2022-02 starts on the 1st
    feb_and_before = {"c-prison", "c-sentence", "c-aleppo", "c-idlib"}
    assert ids(es, alias, "", date_to="2022-02") == feb_and_before == ids(es, alias, "date:..2022-02")
    assert ids(es, alias, "", date_from="2022-02", date_to="2022-02") == {"c-aleppo", "c-idlib"}
    assert ids(es, alias, "", date_from="2022", date_to="2022") == {d.id for d in controlled_documents()}
    assert ids(es, alias, "", date_to="٢٠٢٢-٠١") == {"c-prison", "c-sentence"}
    # instants in any zone; to includes its millisecond (c-sentence is 2022-01-25T12:30:00Z)
    assert ids(es, alias, "", date_from="2022-01-25T15:30:00+03:00", date_to="2022-01-25T12:30:00Z") == {
        "c-sentence"}
    assert ids(es, alias, "", date_from="2022-01-25T12:30:00.001Z", date_to="2022-02") == {"c-aleppo", "c-idlib"}


def test_sort_by_date_is_newest_first(small_index):
    es, alias, docs = small_index
    res = search(es, "", alias=alias, sort="date", size=100, facets=False)
    expected = [d.id for d in sorted(docs, key=lambda d: d.published, reverse=True)]
    assert [h.id for h in res.hits] == expected


# --------------------------------------------------------------------------------------------- facets


def test_facets_count_what_filters_find(small_index):
    es, alias, docs = small_index
    res = search(es, "", alias=alias, size=0)
    f = res.facets
    by_source = {b["key"]: b["count"] for b in f["source"]}
    assert by_source == {s: sum(d.source == s for d in docs) for s in {d.source for d in docs}}
    events = {b["key"]: b["count"] for b in f["event"]}
    assert events == {"prison_attack": 1, "sentencing": 1, "protest": 1, "airstrike": 1}
    places = {b["key"]: b["count"] for b in f["place"]}
    assert places == {"الحسكة": 1, "سجن غويران": 1, "بغداد": 1, "حلب": 1}
    entities = {b["key"] for name, buckets in f.items() if name.startswith("entity_") for b in buckets}
    assert {"قسد", "الجيش السوري"} <= entities
    assert {b["key"]: b["count"] for b in f["country"]} == {"SY": 2, "IQ": 1}
    days = {b["key"]: b["count"] for b in f["date"]}
    assert sum(days.values()) == len(docs) and days["2022-01-21"] == 1
    assert sum(b["count"] for b in f["geo"]) == 3  # documents with at least one located place
    for b in f["geo"]:
        assert 30 < b["lat"] < 40 and 35 < b["lon"] < 46


def test_facets_follow_the_query(small_index):
    es, alias, _ = small_index
    res = search(es, "سجن", alias=alias, size=0)
    assert {b["key"]: b["count"] for b in res.facets["source"]} == {
        "skynews": 1, "bbc": 2, "alarabiya": 1,
    }  # fmt: skip


# ---------------------------------------------------------------------------------------- highlights


def _marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_highlights_show_original_words(small_index):
    es, alias, _ = small_index
    res = search(es, "وبالسجن", alias=alias, size=10, facets=False)
    by_id = {h.id: h for h in res.hits}
    assert "وبالسجن" in _marks(by_id["c-sentence"].snippet)
    assert "بالسجن" in _marks(by_id["c-sentence"].title_html)
    assert "السِّجْنِ" in _marks(by_id["c-aleppo"].snippet)
    assert "سجن" in _marks(by_id["c-prison"].title_html)


def test_negated_words_are_not_highlighted(small_index):
    es, alias, _ = small_index
    res = search(es, "سجن NOT غويران", alias=alias, size=10, facets=False)
    for h in res.hits:
        assert "غويران" not in "".join(_marks(h.snippet + h.title_html))


def test_hits_carry_events_entities_places_casualties(small_index):
    es, alias, _ = small_index
    (hit,) = search(es, "غويران", alias=alias, size=5, facets=False).hits
    assert hit.events == ["prison_attack"]
    assert hit.casualties == {"killed": 20}
    assert {"type": "ORG", "canonical": "قسد", "mentions": 1} in hit.entities
    assert {p["name"] for p in hit.places} == {"الحسكة", "سجن غويران"}
    assert hit.url == "https://example.test/c-prison" and hit.source == "skynews"


# ------------------------------------------------------------------------------------ bulk, freshness


def test_reindexing_same_document_overwrites(small_index):
    es, alias, docs = small_index
    before = es.count(index=alias)["count"]
    again = elastic.index_documents(es, docs[:2], alias=alias, refresh="wait_for")
    assert again.indexed == 2
    assert es.count(index=alias)["count"] == before
    stored = elastic.get_document(es, docs[0].id, alias=alias)
    assert stored["title"] == docs[0].title and stored["id"] == docs[0].id


def test_search_is_fresh_without_explicit_refresh(es_client, unique_name):
    alias = f"{unique_name}-fresh"
    try:
        elastic.ensure_index(es_client, alias)
        settings = es_client.indices.get_settings(index=alias).body
        assert next(iter(settings.values()))["settings"]["index"]["refresh_interval"] == "1s"
        doc = _doc("fresh-1", "خبر عاجل عن زلزال", "ضرب زلزال المنطقة", "bbc", "2022-01-01T00:00:00")
        assert elastic.index_documents(es_client, [doc], alias=alias).indexed == 1
        deadline = time.monotonic() + 15  # generous on a loaded CI machine; normally ~1 s
        found = set()
        while time.monotonic() < deadline and not found:
            found = ids(es_client, alias, "زلزال")
            time.sleep(0.2)
        assert found == {"fresh-1"}
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


def test_mapping_error_is_a_failed_outcome_not_an_exception(es_client, unique_name):
    alias = f"{unique_name}-bad"
    try:
        elastic.ensure_index(es_client, alias)
        good = _doc("ok-1", "عنوان", "نص", "bbc", "2022-01-01T00:00:00")
        bad_view = {"id": "bad-1", "title": "x", "killed": "not a number"}
        res = elastic.index_documents(
            es_client, [good, {"id": "bad-1"}], alias=alias, refresh="wait_for",
            view=lambda d: bad_view if (d.get("id") if isinstance(d, dict) else None) == "bad-1" else elastic.to_source(d),
        )  # fmt: skip
        assert res.indexed == 1
        (failed,) = res.failed
        assert failed.id == "bad-1" and failed.status == 400 and "exception" in failed.error
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


def test_ensure_index_is_rerunnable_and_reindex_swaps_alias(es_client, unique_name):
    alias = f"{unique_name}-rx"
    try:
        first = elastic.ensure_index(es_client, alias)
        assert first.created and first.index == f"{alias}-v1"
        assert not elastic.ensure_index(es_client, alias).created
        docs = controlled_documents()
        elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for")
        before = ids(es_client, alias, "سجن")
        res = elastic.reindex(es_client, alias=alias)
        forget(alias)
        assert (res.old_index, res.new_index) == (f"{alias}-v1", f"{alias}-v2")
        assert res.copied == len(docs) and not res.failed
        assert elastic.alias_indices(es_client, alias) == [f"{alias}-v2"]
        assert es_client.count(index=f"{alias}-v2")["count"] == len(docs)
        assert es_client.indices.exists(index=f"{alias}-v1")  # kept unless delete_old
        assert ids(es_client, alias, "سجن") == before
        assert ids(es_client, alias, "entity:قسد") == {"c-prison"}
        settings = es_client.indices.get_settings(index=f"{alias}-v2").body[f"{alias}-v2"]["settings"][
            "index"
        ]
        assert settings["refresh_interval"] == "1s"
        res3 = elastic.reindex(es_client, alias=alias, delete_old=True)
        assert res3.new_index == f"{alias}-v3" and not es_client.indices.exists(index=f"{alias}-v2")
        with pytest.raises(ValueError):
            elastic.reindex(es_client, 3, alias=alias)
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


# -------------------------------------------------------------------------------- ANT corpus, paging


@pytest.fixture(scope="module")
def ant_index(es_client):
    import uuid

    from worker.store.sample import enrich, load_documents

    alias = "tsearch-ant-" + uuid.uuid4().hex[:8]
    # Real articles spread over the corpus; the chain enriches a part of them (it is the slow step).
    docs = load_documents(limit=300, every=100, enrich_docs=False)
    docs[:80] = enrich(docs[:80])
    elastic.ensure_index(es_client, alias)
    res = elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for")
    assert res.indexed == len({d.id for d in docs}), res.failed[:3]
    yield es_client, alias, docs
    elastic.drop_alias_and_indices(es_client, alias)
    forget(alias)


def test_ant_pages_have_no_duplicates_or_holes(ant_index):
    es, alias, _ = ant_index
    q = "الرئيس"
    full = search(es, q, alias=alias, size=500, sort="date", facets=False)
    assert full.total > 40  # a common word in a few hundred news articles
    all_ids = [h.id for h in full.hits]
    for sort in ("date", "relevance"):
        expected = [h.id for h in search(es, q, alias=alias, size=500, sort=sort, facets=False).hits]
        paged: list[str] = []
        page = 1
        while True:
            res = search(es, q, alias=alias, size=7, page=page, sort=sort, facets=False)
            assert res.total == full.total
            if not res.hits:
                break
            paged += [h.id for h in res.hits]
            page += 1
        assert paged == expected
    assert len(set(all_ids)) == len(all_ids) == full.total


def test_ant_cursor_paging_matches_page_paging(ant_index):
    es, alias, _ = ant_index
    q = "الحكومة OR الرئيس"
    expected = [h.id for h in search(es, q, alias=alias, size=500, sort="date", facets=False).hits]
    walked: list[str] = []
    res = search(es, q, alias=alias, size=9, sort="date", facets=False, pit=True)
    while True:
        walked += [h.id for h in res.hits]
        if not res.next_cursor:
            break
        res = search(es, q, alias=alias, size=9, sort="date", facets=False, cursor=res.next_cursor)
    assert walked == expected
    assert [h.id for h in iter_hits(es, q, alias=alias, batch=11)] == expected


def test_ant_facets_agree_with_filters(ant_index):
    es, alias, docs = ant_index
    res = search(es, "", alias=alias, size=0)
    assert res.total == len({d.id for d in docs})
    counts = {b["key"]: b["count"] for b in res.facets["source"]}
    assert sum(counts.values()) == res.total
    for source, count in counts.items():
        assert search(es, "", alias=alias, size=0, facets=False, source=source).total == count
    days = res.facets["date"]
    assert sum(b["count"] for b in days) == sum(d.published is not None for d in docs)
    day = max(days, key=lambda b: b["count"])
    assert search(es, "", alias=alias, size=0, date_from=day["key"], date_to=day["key"]).total == day["count"]
    for b in res.facets.get("event", [])[:3]:
        assert search(es, f"event:{b['key']}", alias=alias, size=0).total == b["count"]


def test_ant_every_hit_of_a_word_query_shows_a_mark(ant_index):
    es, alias, _ = ant_index
    res = search(es, "الانتخابات", alias=alias, size=20, facets=False)
    assert res.hits
    for h in res.hits:
        assert "<mark>" in h.snippet or "<mark>" in h.title_html, h.id


def test_page_beyond_window_is_refused(ant_index):
    es, alias, _ = ant_index
    with pytest.raises(SearchError):
        search(es, "", alias=alias, page=1000, size=20)


def test_entity_query_marks_the_mention_under_its_alias(small_index):
    es, alias, _ = small_index
    (hit,) = search(es, "entity:قسد", alias=alias, size=5, facets=False).hits
    assert _marks(hit.snippet) == ["قوات سوريا الديمقراطية"]
    (hit,) = search(es, "place:Aleppo", alias=alias, size=5, facets=False).hits
    assert _marks(hit.snippet) == ["حلب"]
