"""The fetch stage's bounds per site (QA6 qa6s-1), pure: one site's pages run one after another within a
time budget, a busy site's page waits without using an attempt, a site that keeps timing out is skipped
(its pages' attempts still run out and the last uses the feed's text). Redis: test_fetch_sites_redis.py."""

from __future__ import annotations

import random
import threading
from types import SimpleNamespace

from worker.ingest.errors import HostBusyError, HostTimingOutError
from worker.ingest.hosts import HOST_BUSY_WAIT, TIMEOUTS_TO_SKIP, lease_seconds, skip_seconds, skips_after
from worker.pipeline.errors import classify
from worker.pipeline.retry import HTTP, decide
from worker.pipeline.stage import Hop, Postponed, per_group
from worker.settings import Settings
from worker.slots import origin


def _hop(deadline: float = 60.0) -> Hop:
    return Hop(SimpleNamespace(settings=Settings(http_total_deadline=deadline)), lambda _r: None)  # type: ignore[arg-type]


def test_a_site_is_the_scheme_host_and_port_of_the_link() -> None:
    assert origin("https://WWW.Example.COM./a?b=1") == "https://www.example.com:443"
    assert origin("http://example.com:8080/x") == "http://example.com:8080"
    assert origin("http://[::1]:81/") == "http://[::1]:81"
    assert origin("ftp://example.com/x") is None and origin("http://") is None


def test_one_sites_pages_run_one_after_another_and_sites_side_by_side() -> None:
    running: dict[str, int] = {}
    most: dict[str, int] = {}
    lock = threading.Lock()
    seen_together = threading.Event()

    def fetch(_hop: Hop, url: str) -> str:
        site = origin(url) or ""
        with lock:
            running[site] = running.get(site, 0) + 1
            most[site] = max(most.get(site, 0), running[site])
            if len(running) > 1 and all(running.values()):
                seen_together.set()
        seen_together.wait(0.5)
        with lock:
            running[site] -= 1
        return "handed"

    run = per_group(fetch, key=origin, threads=8, budget=lambda s: 30.0)
    urls = [f"http://a.example/{i}" for i in range(4)] + [f"http://b.example/{i}" for i in range(4)]
    assert run(_hop(), urls) == ["handed"] * 8
    assert most == {"http://a.example:80": 1, "http://b.example:80": 1}
    assert seen_together.is_set()


def test_a_sites_pages_past_the_budget_are_postponed_without_an_attempt() -> None:
    now = [0.0]

    def fetch(_hop: Hop, url: str) -> str:
        now[0] += 40.0 if "slow" in url else 1.0  # a slow site's page takes most of a deadline
        return "handed"

    run = per_group(fetch, key=origin, threads=0, budget=lambda s: s.http_total_deadline / 2, clock=lambda: now[0])
    urls = ["http://slow.example/1", "http://slow.example/2", "http://fast.example/1", "http://fast.example/2",
            "http://slow.example/3"]
    out = run(_hop(60.0), urls)
    assert out[0] == "handed" and out[2:4] == ["handed", "handed"]
    assert isinstance(out[1], Postponed) and isinstance(out[4], Postponed)
    d = decide(HTTP, classify(out[1]), attempt=HTTP.max_attempts, rng=random.Random(1))
    assert d.action == "defer" and d.delay <= 1.0 + Postponed.spread  # on the last attempt too


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
