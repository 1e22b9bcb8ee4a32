"""Pure parts of the stories and entities aggregations (the queries themselves run against the real
Elasticsearch in tests/integration/test_stories_api.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.store.explore import Window, article_item, histogram_unit


def test_histogram_unit_follows_the_span():
    t = datetime(2018, 1, 1, tzinfo=UTC)
    assert histogram_unit(t, t) == "day"
    assert histogram_unit(t, t + timedelta(days=92)) == "day"
    assert histogram_unit(t, t + timedelta(days=400)) == "week"
    assert histogram_unit(t, t + timedelta(days=2000)) == "month"


def test_window_filter_is_open_at_the_start_for_all():
    # all time is every article (also undated and future-dated ones); with an explicit end, all up to it
    w = Window("all", "latest", None, "2018-03-10T12:00:00.000Z", "2018-03-10T12:00:00.000Z")
    assert w.filter() == {"match_all": {}}
    u = Window("all", "until", None, "2018-03-10T12:00:00.000Z", "2018-03-10T12:00:00.000Z")
    assert u.filter() == {"range": {"published": {"lte": "2018-03-10T12:00:00.000Z"}}}
    d = Window("24h", "now", "2018-03-09T12:00:00.000Z", "2018-03-10T12:00:00.000Z", None)
    assert d.filter()["range"]["published"]["gte"] == "2018-03-09T12:00:00.000Z"


def test_article_item_lists_no_body_and_located_places_once():
    src = {
        "id": "a", "title": "t", "body": "long text", "source": "bbc", "published": "2018-03-10T08:00:00.000Z",
        "entities": [
            {"text": "الحسكة", "type": "LOC", "canonical": "الحسكة", "place": {"lat": 36.5, "lon": 40.75}},
            {"text": "الحسكة", "type": "LOC", "canonical": "الحسكة", "place": {"lat": 36.5, "lon": 40.75}},
            {"text": "قسد", "type": "ORG", "canonical": "قسد"},
        ],
        "events": [{"type": "prison_attack", "evidence": "x"}],
    }
    item = article_item(src)
    assert "body" not in item and item["events"] == ["prison_attack"]
    assert [p["name"] for p in item["places"]] == ["الحسكة"]


def test_times_at_the_edges_of_the_calendar_stay_valid_for_elasticsearch():
    from datetime import timezone

    from worker.store.explore import _as_utc, _iso

    assert _iso(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000Z"  # four digits, not "1-01-01"
    assert _as_utc(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == datetime.min.replace(tzinfo=UTC)
    assert _as_utc(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))).year == 9999
    assert _as_utc(datetime(2018, 3, 10, 12)) == datetime(2018, 3, 10, 12, tzinfo=UTC)  # naive is UTC
