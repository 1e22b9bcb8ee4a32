"""One Redis pool and one Elasticsearch client per process, created on first use.

Celery prefork children inherit module state from the parent; ``reset_clients`` is called from the
``worker_process_init`` signal so each child opens its own sockets instead of sharing the parent's (the
application context, ``worker.pipeline.context``, notices and rebuilds itself on the new clients).
"""

from __future__ import annotations

import threading

import redis
from elasticsearch import Elasticsearch

from worker.settings import get_settings


class _Clients:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.redis: redis.Redis | None = None
        self.es: Elasticsearch | None = None


_clients = _Clients()


def get_redis() -> redis.Redis:
    with _clients.lock:
        if _clients.redis is None:
            _clients.redis = redis.Redis.from_url(
                get_settings().redis_url,
                decode_responses=True,
                socket_timeout=10,
                socket_connect_timeout=5,
                health_check_interval=30,
                retry_on_timeout=True,
            )
        return _clients.redis


def get_es() -> Elasticsearch:
    with _clients.lock:
        if _clients.es is None:
            _clients.es = Elasticsearch(
                get_settings().es_url,
                request_timeout=30,
                retry_on_timeout=True,
                max_retries=3,
            )
        return _clients.es


def reset_clients() -> None:
    with _clients.lock:
        _clients.redis = None
        _clients.es = None


def es_version(es: Elasticsearch | None = None) -> str:
    """The server version from ``_nodes`` (``GET /`` answers 405 on the core distribution)."""
    es = es or get_es()
    nodes = es.nodes.info().body
    versions = sorted({n.get("version", "?") for n in nodes.get("nodes", {}).values()})
    return ",".join(versions) or "unknown"
