"""The Prometheus exposition of the metrics that every process records in Redis (``worker.metrics``), plus
gauges that are cheap to compute at scrape time (queue depth, oldest-message age, canary, feed status, the
documents in the index, whether Redis and Elasticsearch answer). Served by the API's ``/metrics``.

A store that is down is reported, not propagated: ``newsworker_dependency_up{dependency=...}`` is 0 and the
figures read from it are left out, while everything else is still exposed. The scrape used to answer 503
while Redis was down, so Prometheus got nothing at all, not even that Redis was the trouble. Redis is read
through the probe client (``probe_redis``) and Elasticsearch through ``probing``: a store that accepts
connections but never answers costs the scrape seconds, not minutes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

import redis
from elasticsearch import NotFoundError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from worker.ingest.registry import list_feeds
from worker.metrics import BUCKETS, COUNTERS, HISTOGRAMS, flush, key
from worker.ops.health import canary_age, queue_stats
from worker.pipeline.context import current
from worker.store.clients import probe_redis, probing

log = logging.getLogger(__name__)


class RedisCollector:
    """prometheus_client collector over the Redis-held metrics plus scrape-time gauges."""

    def collect(self) -> Iterable:
        up = GaugeMetricFamily("newsworker_dependency_up", "1 if the store answered this scrape, else 0",
                               labels=["dependency"])
        redis_ok = _redis_up()
        es_ok, es_docs = _index_documents()
        up.add_metric(["redis"], 1.0 if redis_ok else 0.0)
        up.add_metric(["elasticsearch"], 1.0 if es_ok else 0.0)
        yield up
        if es_docs is not None:
            docs = GaugeMetricFamily("newsworker_index_documents", "Documents behind the search alias")
            docs.add_metric([], float(es_docs))
            yield docs
        if not redis_ok:
            return  # counters, queues, canary and feeds all live in Redis
        try:
            families = list(_redis_families())  # all or nothing: half a counter set would read as a reset
        except redis.RedisError as err:
            log.warning("metrics: Redis lost during the scrape: %s", err)
            return
        yield from families
        yield from _scrape_time_gauges()


def _redis_up() -> bool:
    try:
        return bool(probe_redis().ping())  # PROBE_SECONDS, no retry: a frozen Redis must not hold the scrape
    except redis.RedisError:
        return False


def _index_documents() -> tuple[bool, int | None]:
    """Whether Elasticsearch answered, and the documents behind the search alias (None: none to count)."""
    ctx = current()
    try:
        with probing(ctx.es) as es:  # a stalled node must not hold the scrape for minutes
            return True, int(es.count(index=ctx.settings.es_index)["count"])
    except NotFoundError:
        # It answered: there is no index behind the alias yet (before `newsworker setup`, or a mistyped
        # NEWSWORKER_ES_INDEX). The gauge is left out; up stays 1, which a scrape used to report as 0, so an
        # Elasticsearch that answers every request was "down" next to a Redis that was (QA5 follow-up).
        return True, None
    except Exception:  # noqa: BLE001 - down or stalled: the gauge says so by its absence and up=0
        return False, None


def _redis_families() -> Iterable:
    flush()
    r = probe_redis()
    for name, help_text in COUNTERS.items():
        fam = None
        for lk, v in r.hgetall(key("c", name)).items():
            labels = json.loads(lk)
            if fam is None:
                fam = CounterMetricFamily(f"newsworker_{name.removesuffix('_total')}", help_text,
                                          labels=sorted(labels))
            fam.add_metric([labels[k] for k in sorted(labels)], float(v))
        if fam is not None:
            yield fam
    for name, help_text in HISTOGRAMS.items():
        raw = r.hgetall(key("h", name))
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


def _scrape_time_gauges() -> Iterable:
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
    a = canary_age()
    canary.add_metric([], a if a is not None else float("inf"))  # Redis answered: None is "never ran"
    yield canary
    try:
        feeds = list_feeds(probe_redis())
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
