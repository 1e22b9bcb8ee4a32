"""One Redis pool and one Elasticsearch client per process, created on first use.

Celery prefork children inherit module state from the parent; ``reset_clients`` is called from the
``worker_process_init`` signal so each child opens its own sockets instead of sharing the parent's (the
application context, ``worker.pipeline.context``, notices and rebuilds itself on the new clients).

The Elasticsearch client is patient by default (30 s a call, 3 retries): indexing, an import, an export or a
reindex rides out an outage. A caller who is waiting takes a bounded one instead:

* an API request or a health check: ``interactive(es, timeout)`` under an ``es_deadline``: no retry, and every
  call within what is left of the deadline;
* a short CLI command (``interactive_es``, which the CLI's dispatcher opens for all but its bulk commands):
  the process's client itself, ``api_es_timeout`` seconds a call and no retry. ``newsworker search`` and
  ``alerts list`` took 121 s to fail on a node that accepts connections and never answers, ``index stats``
  and ``alerts history`` longer (QA5 follow-up of qa5r2-3).

Either way a node that accepts connections but never answers costs that caller seconds, not two minutes.

Redis likewise, by who waits on the process's one client (``get_redis``):

* a Celery worker or beat (the default): patient, 10 s for each answer, a command tried again after a
  timeout, and a PING before a command on a connection idle 30 s. A stall of a few seconds costs a task
  time, not its work. Against a Redis that accepts connections but never answers, that is 40 s a command.
* a person (the API while it serves, a CLI command while it runs: ``interactive_redis``):
  ``interactive_redis_timeout`` seconds to connect and for each answer, no second try after a timeout (only
  after a refused or dropped connection, at once) and no idle PING, so a frozen or unreachable Redis is an
  error within that time. GET /feeds and ``newsworker feeds list`` took 40 s to say so (QA5 qa5r2-3).

``probe_redis`` gives the health checks a client of their own on the same server with ``PROBE_SECONDS`` to
connect and to answer, and no retry. A Redis that accepts connections but never answers (SIGSTOP, a stuck
host) held ``newsworker status`` and /ready for minutes (QA5 qa5b-12).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import redis
from elastic_transport import ConnectionTimeout
from elasticsearch import Elasticsearch
from redis.backoff import NoBackoff
from redis.retry import Retry

from worker.settings import get_settings

# health checks (/ready, /metrics, `status`): a store that does not answer in this time is reported down
PROBE_SECONDS = 3.0

# When the current request (or check) must have its answer from Elasticsearch, on time.monotonic()'s clock.
# A context variable: starlette runs each sync route in a thread with a copy of the request's context.
_deadline: ContextVar[float | None] = ContextVar("newsworker_es_deadline", default=None)


@contextmanager
def es_deadline(seconds: float) -> Iterator[float]:
    """Inside the block, Elasticsearch calls of a ``get_es`` client (and its ``options`` views) give up when
    ``seconds`` have passed, all calls together; yields the deadline. An enclosing earlier one is kept."""
    end = time.monotonic() + seconds
    outer = _deadline.get()
    if outer is not None:
        end = min(outer, end)
    token = _deadline.set(end)
    try:
        yield end
    finally:
        _deadline.reset(token)


class DeadlineElasticsearch(Elasticsearch):
    """The process's Elasticsearch client: outside an ``es_deadline`` exactly ``Elasticsearch``; inside one,
    each call's timeout is cut to what is left, and a call with nothing left fails at once with
    ``ConnectionTimeout`` (a ``TransportError``, which every caller already treats as "unavailable")."""

    def perform_request(self, method: str, path: str, **kwargs: Any) -> Any:
        end = _deadline.get()
        if end is None:
            return super().perform_request(method, path, **kwargs)
        left = end - time.monotonic()
        if left <= 0:
            raise ConnectionTimeout("no time left to wait for Elasticsearch")
        client: Elasticsearch = self
        own = self._request_timeout
        if not isinstance(own, int | float) or own > left:
            client = self.options(request_timeout=left)
        # the base class's method on the trimmed copy: client.perform_request would come back here
        return Elasticsearch.perform_request(client, method, path, **kwargs)


def interactive(es: Elasticsearch, timeout: float) -> Elasticsearch:
    """``es`` for a caller who is waiting: ``timeout`` seconds a call and no retry (the patient client's
    30 s x 4 tries held an API request two minutes on a stalled node). Shares ``es``'s connections."""
    return es.options(request_timeout=timeout, max_retries=0, retry_on_timeout=False)


@contextmanager
def probing(es: Elasticsearch | None = None, seconds: float = PROBE_SECONDS) -> Iterator[Elasticsearch]:
    """``es`` (the process's client by default) for a health question: answered within ``seconds`` in all,
    or the caller gets ``ConnectionTimeout`` and reports Elasticsearch down."""
    with es_deadline(seconds):
        yield interactive(es if es is not None else get_es(), seconds)


class _Clients:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.redis: redis.Redis | None = None
        self.es: Elasticsearch | None = None
        # open ``interactive_redis`` / ``interactive_es`` blocks, by client ("redis", "es"): while any is,
        # the process's client of that service is the interactive one
        self.people_waiting = {"redis": 0, "es": 0}


_clients = _Clients()
# the probe client of each Redis client, dropped with it (reset_clients, a test's own client)
_probes: weakref.WeakKeyDictionary[redis.Redis, redis.Redis] = weakref.WeakKeyDictionary()
_probes_lock = threading.Lock()


def redis_waits(interactive: bool) -> dict[str, Any]:
    """How the process's Redis client waits (the module's docstring says why), as redis-py's options."""
    if not interactive:
        return {"socket_timeout": 10, "socket_connect_timeout": 5, "health_check_interval": 30,
                "retry_on_timeout": True}
    seconds = get_settings().interactive_redis_timeout
    # Retry's default errors include TimeoutError: a second wait as long as the first, after a server that did
    # not answer the first, is what a person cannot afford. A connection found closed is tried again at once.
    return {"socket_timeout": seconds, "socket_connect_timeout": seconds, "health_check_interval": 0,
            "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))}


def get_redis() -> redis.Redis:
    """The process's Redis client: the workers' patient one, or inside ``interactive_redis`` the bounded one."""
    with _clients.lock:
        if _clients.redis is None:
            _clients.redis = redis.Redis.from_url(get_settings().redis_url, decode_responses=True,
                                                  **redis_waits(_clients.people_waiting["redis"] > 0))
        return _clients.redis


@contextmanager
def interactive_redis() -> Iterator[None]:
    """Inside the block a person waits on this process (a CLI command, the API while it serves): its Redis
    client answers or fails within ``interactive_redis_timeout``. A client built with the other waits is
    dropped, so the next ``get_redis`` (and ``worker.pipeline.context.current``) builds the right one."""
    with _person_waiting_on("redis"):
        yield


@contextmanager
def _person_waiting_on(client: str) -> Iterator[None]:
    """Counts an open interactive block of ``client`` ("redis" or "es"). The first one in and the last one
    out drop the process's client of that service, so the next one is built with the right waits."""
    _count_people(client, +1)
    try:
        yield
    finally:
        _count_people(client, -1)


def _count_people(client: str, step: int) -> None:
    with _clients.lock:
        before = _clients.people_waiting[client] > 0
        _clients.people_waiting[client] += step
        if (_clients.people_waiting[client] > 0) != before:
            setattr(_clients, client, None)


def probe_redis(client: redis.Redis | None = None) -> redis.Redis:
    """A client for a health question on the server and database of ``client`` (the process's by default),
    with its own pool: ``PROBE_SECONDS`` to connect and ``PROBE_SECONDS`` for each answer, and no
    retry, so a command on a Redis that does not answer raises ``redis.TimeoutError`` within that time
    instead of the patient client's 10 s x 4 tries. The workers keep their patient client."""
    source = client if client is not None else get_redis()
    with _probes_lock:
        probe = _probes.get(source)
        if probe is None:
            pool = source.connection_pool
            kwargs = dict(pool.connection_kwargs)
            kwargs.update(socket_timeout=PROBE_SECONDS, socket_connect_timeout=PROBE_SECONDS,
                          retry=Retry(NoBackoff(), 0), retry_on_error=[], health_check_interval=0)
            kwargs.pop("retry_on_timeout", None)
            probe = redis.Redis(connection_pool=type(pool)(connection_class=pool.connection_class, **kwargs))
            _probes[source] = probe
        return probe


def es_waits(interactive: bool) -> dict[str, Any]:
    """How the process's Elasticsearch client waits (the module's docstring says why), as its options. The
    bounded one is the API's (``api_es_timeout`` a call, ``worker.api.backend``): a person waits as long on
    ``newsworker search`` as on the search page."""
    if not interactive:
        return {"request_timeout": 30, "retry_on_timeout": True, "max_retries": 3}
    return {"request_timeout": get_settings().api_es_timeout, "retry_on_timeout": False, "max_retries": 0}


@contextmanager
def interactive_es() -> Iterator[None]:
    """Inside the block a person waits on this process's Elasticsearch work (a short CLI command): its
    client (``get_es``, and ``worker.pipeline.context.current``'s) answers or fails within ``api_es_timeout``
    a call, with no retry. A client built with the other waits is dropped, as ``interactive_redis`` does."""
    with _person_waiting_on("es"):
        yield


def get_es() -> Elasticsearch:
    """The process's Elasticsearch client: the patient one, or inside ``interactive_es`` the bounded one."""
    with _clients.lock:
        if _clients.es is None:
            s = get_settings()
            _clients.es = DeadlineElasticsearch(
                s.es_url,
                **es_waits(_clients.people_waiting["es"] > 0),
                # The API lets api_es_concurrency requests wait on Elasticsearch at once; the pool keeps room
                # beyond them for /ready, /metrics, feed-copy writes and streamed exports. A full pool makes a
                # caller wait for a connection with no timeout at all (urllib3's pool_timeout is None).
                connections_per_node=max(10, s.api_es_concurrency + 6),
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
