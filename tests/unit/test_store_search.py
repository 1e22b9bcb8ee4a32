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
    # the whole last day is included; explicit ISO and format (QA4 #3)
    assert rng == {"gte": "2022-01-01T00:00:00.000Z", "lt": "2022-02-01T00:00:00.000Z",
                   "format": "strict_date_optional_time"}


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
    assert rng == {"gte": "2022-01-01T00:00:00.000Z", "lt": "2022-02-01T00:00:00.000Z",
                   "format": "strict_date_optional_time"}


# --- QA4 #3: from/to are read by the query language's date reader and sent to Elasticsearch as explicit ISO


def _date_range(query: dict) -> dict:
    return next(f["range"]["published"] for f in query["bool"]["filter"] if "range" in f)


@pytest.mark.parametrize(
    "bad",
    [
        "20180315",  # compact ISO: Python's fromisoformat took it, Elasticsearch read it as epoch milliseconds
        "1521072000",  # epoch seconds: Python read 1521-07-20, Elasticsearch epoch milliseconds
        "1521072000000",
        "2018-W11",  # ISO week: Elasticsearch answered search_phase_execution_exception
        "2018-074",  # ordinal date
        "2018-03-15T10:00:00 UTC",
        "20/01/2022", "2022-13-01", "soon", "2018-02-30", "0000",
    ],
)
def test_from_to_refuse_what_the_query_language_refuses_and_name_the_forms(fm, bad):
    for key in ("date_from", "date_to"):
        with pytest.raises(SearchError) as info:
            build_query("", fm, **{key: bad})
        message = str(info.value)
        assert message.startswith(f"bad date for {'from' if key == 'date_from' else 'to'}: {bad!r}")
        assert "YYYY, YYYY-MM, YYYY-MM-DD" in message  # the accepted forms, named
        with pytest.raises(QuerySyntaxError):  # and date: refuses the same value
            build_query(f'date:"{bad}"', fm)


@pytest.mark.parametrize(
    ("lo", "hi", "gte", "lt"),
    [
        # a day, a month, a year: from is its first instant, to runs through its end (as date:A..B reads it)
        ("2018-03-15", "2018-03-15", "2018-03-15T00:00:00.000Z", "2018-03-16T00:00:00.000Z"),
        ("2018-03", "2018-03", "2018-03-01T00:00:00.000Z", "2018-04-01T00:00:00.000Z"),
        ("2018-02", "2018-12", "2018-02-01T00:00:00.000Z", "2019-01-01T00:00:00.000Z"),
        ("2018", "2018", "2018-01-01T00:00:00.000Z", "2019-01-01T00:00:00.000Z"),
        # an instant, any zone (none is UTC): to includes that millisecond
        ("2018-03-15T10:00:00+03:00", "2018-03-15T10:00:00Z", "2018-03-15T07:00:00.000Z", "2018-03-15T10:00:00.001Z"),
        ("2018-03-15 10:00", "2018-03-15T23:59:59.5", "2018-03-15T10:00:00.000Z", "2018-03-15T23:59:59.501Z"),
        ("٢٠١٨-٠٣", "۲۰۱۸-۰۳-۱۵", "2018-03-01T00:00:00.000Z", "2018-03-16T00:00:00.000Z"),
    ],
)
def test_from_to_are_read_as_date_reads_them(fm, lo, hi, gte, lt):
    from worker.query import compile as compile_query

    query, _ = build_query("", fm, date_from=lo, date_to=hi)
    rng = _date_range(query)
    # explicit ISO in UTC with an explicit format: Elasticsearch cannot read digits as epoch milliseconds
    assert rng == {"gte": gte, "lt": lt, "format": "strict_date_optional_time"}
    # one reader: date:["lo" TO "hi"] in the query language builds the very same range
    assert compile_query(f'date:["{lo}" TO "{hi}"]').es == {"range": {"published": rng}}


def test_from_to_take_python_dates_and_datetimes(fm):
    from datetime import date, datetime, timedelta, timezone

    query, _ = build_query("", fm, date_from=date(2018, 3, 15),
                           date_to=datetime(2018, 3, 15, 12, tzinfo=timezone(timedelta(hours=3))))
    assert _date_range(query) == {"gte": "2018-03-15T00:00:00.000Z", "lt": "2018-03-15T09:00:00.001Z",
                                  "format": "strict_date_optional_time"}
    query, _ = build_query("", fm, date_from=datetime(2018, 3, 15, 12), date_to=date(2018, 3, 15))
    assert _date_range(query)["gte"] == "2018-03-15T12:00:00.000Z"  # naive is UTC


@pytest.mark.parametrize(
    ("lo", "hi"),
    [("2018-03-16", "2018-03-15"), ("2018-04", "2018-03"), ("2019", "2018"),
     ("2018-03-15T10:00:00Z", "2018-03-15T12:59:59+03:00")],
)
def test_reversed_from_to_is_a_search_error(fm, lo, hi):
    # QA4 #11: from=2018-03-16&to=2018-03-15 answered 200 with 0 results
    with pytest.raises(SearchError, match=r"ends before it starts: from .* is after to"):
        build_query("", fm, date_from=lo, date_to=hi)


@pytest.mark.parametrize(("lo", "hi"), [("2018-03-15", "2018-03-15"), ("2018-03-15", "2018-03"),
                                        ("2018-03-15T23:00:00Z", "2018-03-15")])
def test_from_to_within_one_period_is_not_reversed(fm, lo, hi):
    query, _ = build_query("", fm, date_from=lo, date_to=hi)
    assert _date_range(query)["gte"] < _date_range(query)["lt"]
