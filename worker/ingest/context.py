"""Everything ingestion needs in one place, created once per process (or per test with its own
Redis key prefix and settings)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

import redis

from worker.ingest.fetcher import Fetcher
from worker.ingest.keys import Keys, default_prefix
from worker.ingest.politeness import RobotsPolicy, TokenBucket
from worker.ingest.registry import FeedRegistry
from worker.ingest.seen import SeenStore
from worker.settings import Settings, get_settings


@dataclass
class IngestContext:
    redis: redis.Redis
    settings: Settings = field(default_factory=get_settings)
    keys: Keys = field(default_factory=lambda: Keys(default_prefix()))

    @cached_property
    def registry(self) -> FeedRegistry:
        return FeedRegistry(self.redis, self.keys)

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
        def fetch_text(url: str) -> tuple[int, str]:
            res = self.fetcher.fetch(url, kind="robots", max_bytes=512 * 1024)
            return res.status, res.body.decode("utf-8", errors="replace")

        return RobotsPolicy(self.redis, self.keys, self.settings.user_agent, fetch_text)

    def close(self) -> None:
        if "fetcher" in self.__dict__:
            self.fetcher.close()


_default: IngestContext | None = None
_lock = threading.Lock()


def get_context() -> IngestContext:
    """The process-wide context on the shared Redis pool (``worker.store.clients.get_redis``)."""
    global _default
    from worker.store.clients import get_redis

    with _lock:
        client = get_redis()
        prefix = default_prefix()
        # rebuilt after reset_clients() (a forked worker child) or a prefix change
        if _default is None or _default.redis is not client or _default.keys.prefix != prefix:
            if _default is not None:
                _default.close()
            _default = IngestContext(redis=client, keys=Keys(prefix))
        return _default
