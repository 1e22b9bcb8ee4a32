"""Retention's pure policy (``worker.store.retention``): the cutoff of a number of days, the time an article's
age counts from (the later of its indexed and fetched times; never its published date, which a feed may set to
1970 or 2099), the query that asks Elasticsearch the same, the two settings and their bounds, and the hourly
row of the stage table that beat sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from worker.settings import MAX_RETENTION_DAYS, Settings
from worker.store.retention import (
    ARTICLE_TIME_FIELDS,
    HISTORY_TIME_FIELDS,
    age_time,
    cutoff,
    expired,
    expired_query,
    targets,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _iso(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def test_zero_days_keeps_everything() -> None:
    assert cutoff(0, NOW) is None
    assert not expired({"indexed": _iso(10_000)}, ARTICLE_TIME_FIELDS, cutoff(0, NOW))


def test_the_cutoff_is_now_minus_the_days() -> None:
    assert cutoff(30, NOW) == NOW - timedelta(days=30)
    assert cutoff(MAX_RETENTION_DAYS, NOW) == NOW - timedelta(days=MAX_RETENTION_DAYS)


@pytest.mark.parametrize("days", [-1, MAX_RETENTION_DAYS + 1, 1.5, "30", True])
def test_days_out_of_range_or_not_whole_are_refused(days: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        cutoff(days, NOW)  # type: ignore[arg-type]


def test_a_cutoff_needs_a_zoned_now() -> None:
    with pytest.raises(ValueError, match="time zone"):
        cutoff(3, datetime(2025, 6, 1))  # noqa: DTZ001 - the point of the test


def test_an_article_ages_from_when_it_was_stored_not_from_its_published_date() -> None:
    before = cutoff(30, NOW)
    # a feed dating its items 1970: the article was indexed an hour ago and must survive
    assert not expired({"published": "1970-01-01T00:00:00Z", "indexed": _iso(0.04)}, ARTICLE_TIME_FIELDS, before)
    # a feed dating its items 2099: stored 100 days ago, it goes like any other (no article kept for ever)
    assert expired({"published": "2099-01-01T00:00:00Z", "indexed": _iso(100)}, ARTICLE_TIME_FIELDS, before)
    assert expired({"published": _iso(100), "indexed": _iso(100)}, ARTICLE_TIME_FIELDS, before)
    assert not expired({"published": _iso(100), "indexed": _iso(29)}, ARTICLE_TIME_FIELDS, before)


def test_the_later_of_indexed_and_fetched_counts() -> None:
    before = cutoff(30, NOW)
    assert age_time({"indexed": _iso(5), "fetched": _iso(50)}, ARTICLE_TIME_FIELDS) == NOW - timedelta(days=5)
    # fetched long ago, written again (re-indexed) yesterday: recent
    assert not expired({"fetched": _iso(90), "indexed": _iso(1)}, ARTICLE_TIME_FIELDS, before)
    # no indexed time (written by another path): fetched alone decides
    assert expired({"fetched": _iso(90)}, ARTICLE_TIME_FIELDS, before)
    # epoch milliseconds, as the index view stores the times
    ms = int((NOW - timedelta(days=90)).timestamp() * 1000)
    assert expired({"indexed": ms}, ARTICLE_TIME_FIELDS, before)


def test_a_document_with_no_time_of_ours_is_kept() -> None:
    assert age_time({"published": _iso(900)}, ARTICLE_TIME_FIELDS) is None
    assert not expired({"published": _iso(900)}, ARTICLE_TIME_FIELDS, cutoff(1, NOW))
    assert not expired({"indexed": "not a date"}, ARTICLE_TIME_FIELDS, cutoff(1, NOW))


def test_exactly_at_the_cutoff_is_kept() -> None:
    before = cutoff(30, NOW)
    assert not expired({"indexed": before.isoformat()}, ARTICLE_TIME_FIELDS, before)


def test_alert_history_ages_from_its_last_update() -> None:
    before = cutoff(30, NOW)
    assert HISTORY_TIME_FIELDS == ("created", "updated")
    # created long ago, still being retried or given follow-ups: recent
    assert not expired({"created": _iso(60), "updated": _iso(2)}, HISTORY_TIME_FIELDS, before)
    assert expired({"created": _iso(60), "updated": _iso(59)}, HISTORY_TIME_FIELDS, before)


def test_the_query_says_the_same_rule() -> None:
    before = cutoff(30, NOW)
    q = expired_query(ARTICLE_TIME_FIELDS, before)["bool"]
    assert q["must_not"] == [{"range": {f: {"gte": before.isoformat()}}} for f in ARTICLE_TIME_FIELDS]
    assert q["filter"] == [{"bool": {"should": [{"exists": {"field": f}} for f in ARTICLE_TIME_FIELDS],
                                     "minimum_should_match": 1}}]
    assert "published" not in repr(q)


# -- the settings -----------------------------------------------------------------------------------------------


def test_retention_is_off_by_default() -> None:
    s = Settings()
    assert s.retention_days == 0 and s.alert_history_retention_days == 0
    articles, history = targets(s)
    assert (articles.index, articles.days, articles.fields) == (s.es_index, 0, ARTICLE_TIME_FIELDS)
    assert (history.index, history.days, history.fields) == (s.es_alert_history_index, 0, HISTORY_TIME_FIELDS)


def test_the_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_RETENTION_DAYS", "90")
    monkeypatch.setenv("NEWSWORKER_ALERT_HISTORY_RETENTION_DAYS", "365")
    s = Settings()
    assert (s.retention_days, s.alert_history_retention_days) == (90, 365)


@pytest.mark.parametrize("name", ["retention_days", "alert_history_retention_days"])
@pytest.mark.parametrize("value", [-1, MAX_RETENTION_DAYS + 1, "30d", "ninety", 1.5])
def test_a_mistyped_retention_is_refused(name: str, value: object) -> None:
    with pytest.raises(ValidationError, match=name):
        Settings(**{name: value})


@pytest.mark.parametrize("name", ["retention_days", "alert_history_retention_days"])
def test_the_settings_are_documented(name: str) -> None:
    assert (Settings.model_fields[name].description or "").strip()


# -- the schedule -----------------------------------------------------------------------------------------------


def test_the_retention_row_runs_hourly_on_beat() -> None:
    from worker.celery_app import beat_schedule
    from worker.pipeline.table import STAGES

    row = STAGES["retention"]
    assert row.periodic and row.input is None and row.every is not None
    assert row.every(Settings()) == 3600
    schedule = beat_schedule(Settings())
    assert schedule["retention"] == {"task": "newsworker.retention", "schedule": 3600.0}
