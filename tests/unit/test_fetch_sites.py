"""The fetch stage's bounds per site (QA6 qa6s-1), pure: a busy site's page waits without using an attempt,
a site that keeps timing out is skipped (its pages' attempts still run out and the last uses the feed's
text). Redis: test_fetch_sites_redis.py."""

from __future__ import annotations

import random
from types import SimpleNamespace

from worker.ingest.errors import HostBusyError, HostTimingOutError
from worker.ingest.hosts import HOST_BUSY_WAIT, TIMEOUTS_TO_SKIP, lease_seconds, skip_seconds, skips_after
from worker.pipeline.errors import classify
from worker.pipeline.retry import HTTP, decide
from worker.pipeline.stage import Hop
from worker.settings import Settings
from worker.slots import origin


def _hop(deadline: float = 60.0) -> Hop:
    return Hop(SimpleNamespace(settings=Settings(http_total_deadline=deadline)), lambda _r: None)  # type: ignore[arg-type]


def test_a_site_is_the_scheme_host_and_port_of_the_link() -> None:
    assert origin("https://WWW.Example.COM./a?b=1") == "https://www.example.com:443"
    assert origin("http://example.com:8080/x") == "http://example.com:8080"
    assert origin("http://[::1]:81/") == "http://[::1]:81"
    assert origin("ftp://example.com/x") is None and origin("http://") is None


def test_a_busy_site_defers_and_a_site_timing_out_costs_attempts() -> None:
    busy = decide(HTTP, classify(HostBusyError("busy", retry_after=HOST_BUSY_WAIT)), attempt=HTTP.max_attempts,
                  rng=random.Random(2))
    assert busy.action == "defer" and HOST_BUSY_WAIT <= busy.delay <= HOST_BUSY_WAIT + HostBusyError.spread
    skipped = classify(HostTimingOutError("skipped"))
    assert decide(HTTP, skipped, attempt=1, rng=random.Random(3)).action == "retry"
    assert decide(HTTP, skipped, attempt=HTTP.max_attempts, rng=random.Random(3)).action == "dead"


def test_a_site_is_skipped_after_timeouts_in_a_row_for_a_few_deadlines() -> None:
    assert not skips_after(TIMEOUTS_TO_SKIP - 1) and skips_after(TIMEOUTS_TO_SKIP)
    s = Settings(http_total_deadline=60)
    assert skip_seconds(s) == 300
    assert lease_seconds(s) > 2 * 60  # robots.txt and the page, each within the deadline
