"""Cluster-wide metrics kept in Redis (recording; ``worker.ops.metrics`` exposes them in Prometheus format).

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
from collections.abc import Mapping
from typing import TYPE_CHECKING

from worker.keys import Keys
from worker.settings import get_settings
from worker.store.clients import get_redis

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)


BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# name -> help text; anything recorded must be declared here so the exposition is documented.
COUNTERS: dict[str, str] = {
    "articles_total": "Articles that completed a stage, by stage and outcome",
    "feed_polls_total": "Feed polls by feed and outcome (new, not_modified, unchanged, error)",
    "feed_items_dropped_total": "Feed items left for a later poll (more new items than one poll takes), by feed",
    "indexing_errors_total": "Documents Elasticsearch refused or that failed after retries",
    "alerts_fired_total": "Notifications created, by rule",
    "alert_deliveries_total": "Notification delivery attempts by channel and outcome",
    "dead_letters_total": "Payloads moved to the dead-letter store, by stage",
    "retention_deleted_total": "Documents deleted by retention (the retention row, `index prune`), by index "
                               "(articles, alert_history)",
    "stage_cpu_seconds_total": "Worker CPU seconds spent in a stage (divide by articles_total for per article)",
}
HISTOGRAMS: dict[str, str] = {
    "stage_seconds": "Time spent in a stage per article",
    "publish_to_indexed_seconds": "Time from feed publication (or discovery) to the document being indexed",
}


def prefix() -> str:
    """Under the one key namespace (``Keys.metrics``)."""
    return Keys(get_settings().redis_prefix).metrics


def key(kind: str, name: str) -> str:
    """The Redis hash of counter (``c``) or histogram (``h``) ``name``."""
    return Keys(get_settings().redis_prefix).metric(kind, name)


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
    _buffer.add(key("c", name), _labels_key(labels), value)


def observe(name: str, seconds: float, labels: Mapping[str, str] | None = None) -> None:
    if name not in HISTOGRAMS:
        raise KeyError(f"undeclared histogram {name}")
    lk = _labels_key(labels)
    hkey = key("h", name)
    for b in BUCKETS:
        if seconds <= b:
            _buffer.add(hkey, f"{lk}|{b}", 1)
    _buffer.add(hkey, f"{lk}|+Inf", 1)
    _buffer.add(hkey, f"{lk}|sum", seconds)


def read_counters(name: str, client: redis.Redis | None = None) -> dict[str, float]:
    """The counter ``name`` across the cluster. With ``client`` (a health probe's, bounded in time) what Redis
    holds is read as it is: this process's buffered updates are not written first, since that write would
    go through the patient client and wait on a Redis that does not answer."""
    if client is None:
        flush()
        client = get_redis()
    return {k: float(v) for k, v in client.hgetall(key("c", name)).items()}
