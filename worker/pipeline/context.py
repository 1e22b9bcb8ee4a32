"""The one application context: settings, the process's Redis and Elasticsearch clients, the Redis key
namespace, and the services built once on them (the feed registry, the HTTP fetcher, robots.txt, the compiled
alert rules). Every stage function takes it as its first argument; tests build their own
(``AppContext.create(Settings(...), prefix=..., redis_client=..., es=...)``) and install it with ``use``.

The adapters below ``pipeline/`` cannot import it, so each declares what it needs as a Protocol
(``worker.ingest.context.IngestDeps``, ``worker.alerts.context.AlertsDeps``) and this class satisfies both
structurally: there is no second context object to keep in agreement with this one.

One per process (``current()``), rebuilt when the clients change: ``worker_process_init`` resets the
clients in every Celery prefork child, which then opens its own sockets instead of sharing its parent's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import redis
from elasticsearch import Elasticsearch

from worker.alerts.engine import Engine
from worker.alerts.store import RuleStore
from worker.ingest.context import robots_policy
from worker.ingest.fetcher import Fetcher
from worker.ingest.hosts import HostGuard
from worker.ingest.politeness import RobotsPolicy, TokenBucket
from worker.ingest.registry import FeedRegistry
from worker.ingest.seen import SeenStore
from worker.keys import Keys
from worker.settings import Settings, get_settings
from worker.store.clients import get_es, get_redis
from worker.store.feeds_copy import FeedCopy


@dataclass
class AppContext:
    settings: Settings
    redis: redis.Redis
    es: Elasticsearch
    keys: Keys

    @classmethod
    def create(cls, settings: Settings | None = None, *, redis_client: redis.Redis | None = None,
               es: Elasticsearch | None = None, prefix: str | None = None) -> AppContext:
        s = settings or get_settings()
        return cls(s, redis_client or get_redis(), es or get_es(), Keys(prefix or s.redis_prefix))

    # -- ingestion (worker.ingest.context.IngestDeps) ----------------------------------------------------
    @cached_property
    def registry(self) -> FeedRegistry:
        # every change is copied to Elasticsearch, from which an emptied Redis gets its feeds back
        return FeedRegistry(self.redis, self.keys, copy=FeedCopy(self.es, self.settings.es_feeds_index))

    @cached_property
    def seen(self) -> SeenStore:
        return SeenStore(self.redis, self.keys)

    @cached_property
    def bucket(self) -> TokenBucket:
        return TokenBucket(self.redis, self.keys, self.settings.per_host_rate, self.settings.per_host_burst)

    @cached_property
    def fetcher(self) -> Fetcher:
        return Fetcher(self.settings, bucket=self.bucket)

    @cached_property
    def robots(self) -> RobotsPolicy:
        return robots_policy(self.redis, self.keys, self.settings, self.fetcher)

    @cached_property
    def hosts(self) -> HostGuard:
        """Page fetches in flight per site, and sites skipped for timing out (QA6 qa6s-1)."""
        return HostGuard(self.redis, self.keys, self.settings)

    # -- alerts (worker.alerts.context.AlertsDeps: redis, es, settings, keys) ------------------------------
    @cached_property
    def engine(self) -> Engine:
        """The alert rules, compiled once per process and refreshed when the rule store changes."""
        return Engine(RuleStore(self))

    def close(self) -> None:
        if "fetcher" in self.__dict__:
            self.fetcher.close()


class _Current:
    """The process's context; a test's ``use(ctx)`` takes precedence until it exits."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.built: AppContext | None = None
        self.pinned: list[AppContext] = []

    def get(self) -> AppContext:
        with self.lock:
            if self.pinned:
                return self.pinned[-1]
            # both clients change with who waits (``interactive_redis``, ``interactive_es``): a context on the
            # other one would keep the workers' patience for a person, or a person's haste for a bulk command
            client, es, prefix = get_redis(), get_es(), get_settings().redis_prefix
            built = self.built
            if built is None or built.redis is not client or built.es is not es or built.keys.prefix != prefix:
                if built is not None:
                    built.close()
                self.built = built = AppContext.create()
            return built


_current = _Current()


def current() -> AppContext:
    return _current.get()


@contextmanager
def use(ctx: AppContext) -> Iterator[AppContext]:
    """Make ``ctx`` the process's context inside the block (tests; eager tasks run on it)."""
    with _current.lock:
        _current.pinned.append(ctx)
    try:
        yield ctx
    finally:
        with _current.lock:
            _current.pinned.remove(ctx)
