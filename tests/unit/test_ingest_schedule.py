from __future__ import annotations

import random

import pytest

from worker.ingest.schedule import (
    adaptive_interval,
    backoff_delay,
    jitter,
    needs_full_fetch,
    parse_max_age,
    parse_retry_after,
)


def test_backoff_grows_exponentially_within_jitter_bounds() -> None:
    rng = random.Random(1)
    for failures in range(1, 8):
        exp = min(3600, 60 * 2 ** (failures - 1))
        for _ in range(50):
            d = backoff_delay(failures, base=60, cap=3600, rng=rng)
            assert exp / 2 <= d <= exp


def test_backoff_is_capped() -> None:
    assert backoff_delay(50, base=60, cap=600, rng=random.Random(0)) <= 600


def test_backoff_jitter_spreads_feeds() -> None:
    rng = random.Random(7)
    values = {round(backoff_delay(4, rng=rng), 3) for _ in range(20)}
    assert len(values) > 10


def test_retry_after_is_a_floor() -> None:
    d = backoff_delay(1, base=10, cap=3600, retry_after=900, rng=random.Random(0))
    assert d >= 900


def test_parse_retry_after_seconds_and_date() -> None:
    assert parse_retry_after("120", now=0) == 120
    now = 1_700_000_000.0
    assert parse_retry_after("Wed, 15 Nov 2023 00:13:20 GMT", now) == pytest.approx(7200, abs=1)  # now = 22:13:20
    assert parse_retry_after("Tue, 14 Nov 2023 20:00:00 GMT", now) == 0  # in the past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_parse_max_age() -> None:
    assert parse_max_age("public, max-age=600") == 600
    assert parse_max_age("s-maxage=120, max-age=60") in (120, 60)
    assert parse_max_age("no-cache") == 0
    assert parse_max_age(None) is None


def test_nothing_new_stretches_interval() -> None:
    assert adaptive_interval(300, new_items=0, total_items=20) > 300


def test_quiet_spell_stretch_is_limited_unless_idle_for_a_day() -> None:
    interval = 300.0
    for _ in range(50):  # a quiet night
        interval = adaptive_interval(interval, base=300, new_items=0, total_items=20, max_interval=21600)
    assert 300 < interval <= 1200
    for _ in range(50):  # nothing for more than a day: drift out to the max
        interval = adaptive_interval(interval, base=300, new_items=0, total_items=20, max_interval=21600,
                                     idle_seconds=2 * 86400)
    assert interval == 21600


def test_mostly_new_items_shrink_interval() -> None:
    assert adaptive_interval(600, new_items=18, total_items=20) < 600


def test_interval_bounds() -> None:
    assert adaptive_interval(100, new_items=20, total_items=20, min_interval=60) >= 60
    assert adaptive_interval(20000, new_items=0, total_items=10, max_interval=21600, idle_seconds=10**6) <= 21600


def test_observed_rate_pulls_interval_towards_half_the_gap() -> None:
    # One new item every 10 minutes for a while: target ~5 min; a 1 h interval must come down.
    arrivals = [i * 600.0 for i in range(10)]
    got = adaptive_interval(3600, new_items=1, total_items=20, arrivals=arrivals)
    assert got < 3600 * 0.75
    fast = adaptive_interval(3600, new_items=1, total_items=20, arrivals=[i * 60.0 for i in range(10)])
    assert fast < got


def test_server_ttl_is_honoured_but_bounded() -> None:
    assert adaptive_interval(60, new_items=10, total_items=10, server_min=1800) >= 1800
    assert adaptive_interval(60, new_items=10, total_items=10, server_min=10**6, max_interval=21600) == 21600


def test_jitter_range() -> None:
    rng = random.Random(3)
    values = [jitter(100, rng=rng) for _ in range(200)]
    assert all(90 <= v <= 110 for v in values)
    assert max(values) - min(values) > 10


def test_forced_full_fetch() -> None:
    assert needs_full_fetch(None, 1000, 3600)
    assert not needs_full_fetch(1000, 2000, 3600)
    assert needs_full_fetch(1000, 4600, 3600)
