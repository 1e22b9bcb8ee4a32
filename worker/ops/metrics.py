"""Cluster-wide metrics kept in Redis and exposed in Prometheus format.

Celery's prefork children, several worker machines and the API are separate processes; per-process
prometheus_client registries would each see a slice. So stages record counters and latency histograms
in Redis hashes (one round trip, pipelined), and a custom collector on the API's ``/metrics`` (and
``newsworker metrics-exporter`` for workers-only deployments) reads them back. Gauges that are cheap to
compute on demand (queue depth, oldest-message age, feed status) are computed at scrape time.

Recording never raises: metrics must not take ingestion down with them.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from worker.store.clients import get_redis

log = logging.getLogger(__name__)

T = TypeVar("T")

PREFIX = "newsworker:metrics"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# name -> help text; anything recorded must be declared here so the exposition is documented.
COUNTERS: dict[str, str] = {
    "articles_total": "Articles that completed a stage, by stage and outcome",
    "feed_polls_total": "Feed polls by feed and outcome (new, not_modified, unchanged, error)",
    "indexing_errors_total": "Documents Elasticsearch refused or that failed after retries",
    "alerts_fired_total": "Notifications created, by rule",
    "alert_deliveries_total": "Notification delivery attempts by channel and outcome",
    "dead_letters_total": "Payloads moved to the dead-letter store, by stage",
}
HISTOGRAMS: dict[str, str] = {
    "stage_seconds": "Time spent in a stage per article",
    "publish_to_indexed_seconds": "Time from feed publication (or discovery) to the document being indexed",
}


def _key(kind: str, name: str) -> str:
    return f"{PREFIX}:{kind}:{name}"


def _labels_key(labels: Mapping[str, str] | None) -> str:
    return json.dumps(dict(sorted((labels or {}).items())), ensure_ascii=False, separators=(",", ":"))


class _Buffer:
    """Per-process accumulation, flushed to Redis in one pipeline at most every ``FLUSH_SECONDS``.

    Recording used to cost a Redis round trip per call, several per article; under load those round
    trips were a visible share of each task. A process that dies loses at most a second of counts.
    """

    FLUSH_SECONDS = 1.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[tuple[str, str], float] = {}
        self.last_flush = time.monotonic()
        self.pid = os.getpid()

    def add(self, key: str, field: str, value: float) -> None:
        with self.lock:
            if self.pid != os.getpid():  # a forked child must not flush its parent's counts
                self.pending.clear()
                self.pid = os.getpid()
                self.flusher = None
            if getattr(self, "flusher", None) is None:
                # A daemon thread writes what an idle process still holds; started lazily so that a
                # prefork child gets its own.
                self.flusher = threading.Thread(target=self._flush_forever, daemon=True)
                self.flusher.start()
            self.pending[(key, field)] = self.pending.get((key, field), 0.0) + value
            due = time.monotonic() - self.last_flush >= self.FLUSH_SECONDS
        if due:
            self.flush()

    def _flush_forever(self) -> None:
        me = os.getpid()
        while os.getpid() == me:
            time.sleep(self.FLUSH_SECONDS)
            self.flush()

    def flush(self) -> None:
        with self.lock:
            items, self.pending = self.pending, {}
            self.last_flush = time.monotonic()
        if not items:
            return
        try:
            pipe = get_redis().pipeline(transaction=False)
            for (key, field), value in items.items():
                pipe.hincrbyfloat(key, field, value)
            pipe.execute()
        except Exception as err:  # noqa: BLE001 - metrics are best effort
            log.debug("%d metric updates not recorded: %s", len(items), err)


_buffer = _Buffer()
atexit.register(_buffer.flush)


def flush() -> None:
    """Write buffered metrics now (tests, shutdown)."""
    _buffer.flush()


def inc(name: str, labels: Mapping[str, str] | None = None, value: float = 1.0) -> None:
    if name not in COUNTERS:
        raise KeyError(f"undeclared counter {name}")
    _buffer.add(_key("c", name), _labels_key(labels), value)


def observe(name: str, seconds: float, labels: Mapping[str, str] | None = None) -> None:
    if name not in HISTOGRAMS:
        raise KeyError(f"undeclared histogram {name}")
    lk = _labels_key(labels)
    key = _key("h", name)
    for b in BUCKETS:
        if seconds <= b:
            _buffer.add(key, f"{lk}|{b}", 1)
    _buffer.add(key, f"{lk}|+Inf", 1)
    _buffer.add(key, f"{lk}|sum", seconds)


class timed:
    """Context manager: ``with timed("extract"):`` records stage_seconds{stage=...}.

    ``excluding(fn, ...)`` runs ``fn`` inside the block without counting it: a stage that runs the next
    stages in-process (fetch extracting inline) still records only its own time, so the per-stage figures
    do not count the same seconds twice."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.excluded = 0.0

    def __enter__(self) -> timed:
        self.t0 = time.perf_counter()
        return self

    def excluding(self, fn: Callable[..., T], *args: object) -> T:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.excluded += time.perf_counter() - t0

    def __exit__(self, *exc: object) -> None:
        observe("stage_seconds", time.perf_counter() - self.t0 - self.excluded, {"stage": self.stage})


def read_counters(name: str) -> dict[str, float]:
    flush()
    return {k: float(v) for k, v in get_redis().hgetall(_key("c", name)).items()}


class RedisCollector:
    """prometheus_client collector over the Redis-held metrics plus scrape-time gauges."""

    def collect(self) -> Iterable:
        flush()
        r = get_redis()
        for name, help_text in COUNTERS.items():
            fam = None
            for lk, v in r.hgetall(_key("c", name)).items():
                labels = json.loads(lk)
                if fam is None:
                    fam = CounterMetricFamily(f"newsworker_{name.removesuffix('_total')}", help_text,
                                              labels=sorted(labels))
                fam.add_metric([labels[k] for k in sorted(labels)], float(v))
            if fam is not None:
                yield fam
        for name, help_text in HISTOGRAMS.items():
            raw = r.hgetall(_key("h", name))
            series: dict[str, dict[str, float]] = {}
            for field, v in raw.items():
                lk, _, b = field.rpartition("|")
                series.setdefault(lk, {})[b] = float(v)
            if not series:
                continue
            first = json.loads(next(iter(series)))
            fam = HistogramMetricFamily(f"newsworker_{name}", help_text, labels=sorted(first))
            for lk, vals in series.items():
                labels = json.loads(lk)
                buckets = [(str(b), vals.get(str(b), 0.0)) for b in BUCKETS] + [("+Inf", vals.get("+Inf", 0.0))]
                fam.add_metric([labels.get(k, "") for k in sorted(first)], buckets, vals.get("sum", 0.0))
            yield fam
        yield from _scrape_time_gauges()


def _scrape_time_gauges() -> Iterable:
    from worker.ops.health import queue_stats

    depth = GaugeMetricFamily("newsworker_queue_depth", "Messages waiting per Celery queue", labels=["queue"])
    age = GaugeMetricFamily("newsworker_queue_oldest_age_seconds", "Age of the oldest waiting message",
                            labels=["queue"])
    for q in queue_stats():
        depth.add_metric([q["queue"]], q["depth"])
        age.add_metric([q["queue"]], q["oldest_age"] or 0.0)
    yield depth
    yield age
    canary = GaugeMetricFamily("newsworker_canary_age_seconds",
                               "Seconds since a worker last executed the canary task (liveness)")
    from worker.ops.health import canary_age

    a = canary_age()
    canary.add_metric([], a if a is not None else float("inf"))
    yield canary
    try:
        from worker.ingest.registry import list_feeds

        feeds = list_feeds()
    except Exception:  # noqa: BLE001 - no feeds state yet must not break the scrape
        return
    up = GaugeMetricFamily("newsworker_feed_up", "1 if the feed's last poll succeeded (status ok/new)",
                           labels=["feed", "status"])
    last = GaugeMetricFamily("newsworker_feed_last_success_timestamp", "Unix time of last successful poll",
                             labels=["feed"])
    failing = GaugeMetricFamily("newsworker_feeds_failing", "Feeds whose status is failing or dead")
    n_failing = 0
    for f in feeds:
        ok = f["status"] not in ("failing", "dead")
        n_failing += 0 if ok else 1
        up.add_metric([f["id"], str(f["status"])], 1.0 if ok else 0.0)
        if f["last_success"]:
            last.add_metric([f["id"]], float(f["last_success"]))
    failing.add_metric([], n_failing)
    yield up
    yield last
    yield failing
