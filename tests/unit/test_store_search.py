"""Search request building without a server: field map from the shipped template, filters, sort, cursor."""

from __future__ import annotations

import json

import pytest

from worker.query import QuerySyntaxError
from worker.query.to_es import source_filter
from worker.store.elastic import ARTICLES_TEMPLATE_FILE, load_template_body, template_for_alias
from worker.store.fields import from_mapping
from worker.store.search import (
    SearchError,
    build_query,
    decode_cursor,
    encode_cursor,
    facet_aggs,
    parse_facets,
    sort_clause,
)


@pytest.fixture(scope="module")
def fm():
    props = json.loads(ARTICLES_TEMPLATE_FILE.read_text(encoding="utf-8"))["template"]["mappings"][
        "properties"
    ]
    return from_mapping(props)


def test_field_map_from_template(fm):
    assert fm.id == "id" and fm.published == "published"
    assert fm.source == "source"
    # The source: filter is built by ``worker.query.to_es.source_filter`` (and matched by
    # ``worker.query.matcher.source_matches``); a second reading of the filter field here was dead.
    assert not hasattr(fm, "source_filter") and not hasattr(fm, "source_lower")
    assert fm.facet_terms["event"] == "event_types"
    assert fm.facet_terms["place"] == "place_names"
    assert fm.geo == "locations"
    assert set(fm.heavy_fields) == {"title_ar", "body_ar", "title_exact", "body_exact"}
    assert fm.entity_facets  # some entity facet, by type or over all names


def test_template_is_rebased_on_any_alias_and_refreshes_every_second():
    body = template_for_alias("my-alias")
    assert body["index_patterns"] == ["my-alias-v*"]
    settings = load_template_body()["settings"]
    refresh = settings.get("refresh_interval") or settings.get("index", {}).get("refresh_interval")
    assert refresh == "1s"


def test_build_query_combines_text_source_and_dates(fm):
    query, text = build_query("سجن", fm, source="BBC,cnn", date_from="2022-01-01", date_to="2022-01-31")
    assert query["bool"]["must"] == [text]
    filters = query["bool"]["filter"]
    assert source_filter(["BBC", "cnn"]) in filters  # the reading of source: (a word of the name, the feed id)
    rng = next(f["range"]["published"] for f in filters if "range" in f)
    assert rng == {"gte": "2022-01-01", "lte": "2022-01-31||/d"}  # the whole last day is included


def test_blank_query_matches_everything(fm):
    query, text = build_query("  ", fm)
    assert text == {"match_all": {}} and query["bool"]["filter"] == []


def test_malformed_query_raises_syntax_error(fm):
    with pytest.raises(QuerySyntaxError):
        build_query('"open phrase', fm)


@pytest.mark.parametrize("bad", ["20/01/2022", "2022-13-01", "soon"])
def test_bad_dates_are_search_errors(fm, bad):
    with pytest.raises(SearchError):
        build_query("", fm, date_from=bad)


def test_sort_always_ends_on_id_tiebreak(fm):
    for sort in ("relevance", "date"):
        clause = sort_clause(sort, fm)
        assert clause[-1] == {"id": {"order": "asc"}}
    assert sort_clause("relevance", fm)[0] == "_score"
    with pytest.raises(SearchError):
        sort_clause("random", fm)  # type: ignore[arg-type]


def test_cursor_round_trip_and_garbage():
    cur = encode_cursor([1700000000000, "abc", 1.5], "pit-id")
    assert decode_cursor(cur) == ([1700000000000, "abc", 1.5], "pit-id")
    for bad in ("", "!!!", encode_cursor.__name__):
        with pytest.raises(SearchError):
            decode_cursor(bad)


def test_facet_aggs_and_parsing(fm):
    aggs = facet_aggs(fm)
    assert aggs["source"] == {"terms": {"field": "source", "size": 15}}
    assert aggs["date"]["date_histogram"]["calendar_interval"] == "day"
    resp = {
        "source": {"buckets": [{"key": "bbc", "doc_count": 3}]},
        "date": {"buckets": [{"key": 1, "key_as_string": "2022-01-20", "doc_count": 2}]},
        "geo": {
            "buckets": [{"key": "sykz", "doc_count": 4, "c": {"location": {"lat": 36.51, "lon": 40.7412345}}}]
        },
    }
    out = parse_facets(resp)
    assert out["source"] == [{"key": "bbc", "count": 3}]
    assert out["date"] == [{"key": "2022-01-20", "count": 2}]
    assert out["geo"] == [{"key": "sykz", "count": 4, "lat": 36.51, "lon": 40.7412}]


@pytest.mark.parametrize(("lo", "hi"), [("٢٠٢٢-٠١-٠١", "٢٠٢٢-٠١-٣١"), ("۲۰۲۲-۰۱-۰۱", "۲۰۲۲-۰۱-۳۱")])
def test_dates_take_arabic_indic_digits_as_the_query_language_does(fm, lo, hi):
    # QA: from=/to= refused ٢٠١٨-٠٣-١٥, which date:٢٠١٨-٠٣-١٥ accepts
    query, _ = build_query("", fm, date_from=lo, date_to=hi)
    rng = next(f["range"]["published"] for f in query["bool"]["filter"] if "range" in f)
    assert rng == {"gte": "2022-01-01", "lte": "2022-01-31||/d"}
