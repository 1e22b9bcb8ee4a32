"""Where the alert subsystem keeps its state: Redis key prefix, Elasticsearch index names, clients.

Everything in ``worker.alerts`` takes an ``AlertsContext``: the application context builds it from the
settings (``worker.pipeline.context.AppContext.alerts``), tests build their own under unique names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AlertsContext:
    rules_index: str
    history_index: str
    prefix: str = "alerts"  # Redis key prefix
    story_window_hours: int = 48
    articles_index: str = "news-articles"
    redis_client: Any = None  # None: the process-wide client from worker.store.clients
    es_client: Any = None
    smtp_host: str | None = None  # None: settings.smtp_host / smtp_port
    smtp_port: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def redis(self) -> Any:
        if self.redis_client is not None:
            return self.redis_client
        from worker.store.clients import get_redis

        return get_redis()

    @property
    def es(self) -> Any:
        if self.es_client is not None:
            return self.es_client
        from worker.store.clients import get_es

        return get_es()

    def key(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(p) for p in parts)])

    @property
    def story_window_seconds(self) -> int:
        return int(self.story_window_hours * 3600)


def create_index_once(es: Any, index: str, mappings: dict[str, Any]) -> None:
    """Create a small single-shard index if it is absent; a concurrent creator winning the race is fine."""
    if es.indices.exists(index=index):
        return
    try:
        es.indices.create(index=index, mappings=mappings,
                          settings={"number_of_shards": 1, "number_of_replicas": 0})
    except Exception as err:  # noqa: BLE001
        if "resource_already_exists" not in str(err):
            raise
