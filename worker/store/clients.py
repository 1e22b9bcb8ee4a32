"""One Redis pool and one Elasticsearch client per process, created on first use.

Celery prefork children inherit module state from the parent; ``reset_clients`` is called from the
``worker_process_init`` signal so each child opens its own sockets instead of sharing the parent's.
"""

from __future__ import annotations

import threading

import redis
from elasticsearch import Elasticsearch

from worker.settings import get_settings

_lock = threading.Lock()
_redis: redis.Redis | None = None
_es: Elasticsearch | None = None


def get_redis() -> redis.Redis:
    global _redis
    with _lock:
        if _redis is None:
            _redis = redis.Redis.from_url(
                get_settings().redis_url,
                decode_responses=True,
                socket_timeout=10,
                socket_connect_timeout=5,
                health_check_interval=30,
                retry_on_timeout=True,
            )
        return _redis


def get_es() -> Elasticsearch:
    global _es
    with _lock:
        if _es is None:
            _es = Elasticsearch(
                get_settings().es_url,
                request_timeout=30,
                retry_on_timeout=True,
                max_retries=3,
            )
        return _es


def reset_clients() -> None:
    global _redis, _es
    with _lock:
        _redis = None
        _es = None


def es_version(es: Elasticsearch | None = None) -> str:
    """The server version from ``_nodes`` (``GET /`` answers 405 on the core distribution)."""
    es = es or get_es()
    nodes = es.nodes.info().body
    versions = sorted({n.get("version", "?") for n in nodes.get("nodes", {}).values()})
    return ",".join(versions) or "unknown"
