"""The one application context: settings, the process's Redis and Elasticsearch clients, and the Redis key
namespace, with the ingest and alert adapters (and the compiled alert rules) built on them. Every stage function takes it as its first
argument; tests build their own (``AppContext.create(..., prefix=...)``) and install it with ``use``.

One per process (``current()``), rebuilt when the clients change: ``worker_process_init`` resets the
clients in every Celery prefork child, which then opens its own sockets instead of sharing its parent's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import redis
from elasticsearch import Elasticsearch

from worker.alerts.context import AlertsContext
from worker.alerts.engine import Engine
from worker.alerts.store import RuleStore
from worker.ingest.context import IngestContext
from worker.keys import Keys
from worker.settings import Settings, get_settings
from worker.store.clients import get_es, get_redis


@dataclass
class AppContext:
    settings: Settings
    redis: redis.Redis
    es: Elasticsearch
    keys: Keys
    # The alert subsystem's index names default to the settings'; tests pass their own.
    alerts_override: AlertsContext | None = field(default=None, repr=False)

    @classmethod
    def create(cls, settings: Settings | None = None, *, redis_client: redis.Redis | None = None,
               es: Elasticsearch | None = None, prefix: str | None = None,
               alerts: AlertsContext | None = None) -> AppContext:
        s = settings or get_settings()
        return cls(s, redis_client or get_redis(), es or get_es(), Keys(prefix or s.redis_prefix), alerts)

    @cached_property
    def ingest(self) -> IngestContext:
        return IngestContext(redis=self.redis, settings=self.settings, keys=self.keys)

    @cached_property
    def alerts(self) -> AlertsContext:
        if self.alerts_override is not None:
            return self.alerts_override
        s = self.settings
        return AlertsContext(rules_index=s.es_alerts_index, history_index=s.es_alert_history_index,
                             prefix=self.keys.alerts, story_window_hours=s.alert_story_window_hours,
                             articles_index=s.es_index, redis_client=self.redis, es_client=self.es,
                             smtp_host=s.smtp_host, smtp_port=s.smtp_port)

    @cached_property
    def engine(self) -> Engine:
        """The alert rules, compiled once per process and refreshed when the rule store changes."""
        return Engine(RuleStore(self.alerts))

    def close(self) -> None:
        if "ingest" in self.__dict__:
            self.ingest.close()


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
            client, prefix = get_redis(), get_settings().redis_prefix
            built = self.built
            if built is None or built.redis is not client or built.keys.prefix != prefix:
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
