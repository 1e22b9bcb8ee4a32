"""Everything ingestion needs in one place: the ingest view of the application context
(``worker.pipeline.context.AppContext.ingest``), or built by a test with its own key prefix and settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import redis

from worker.ingest.fetcher import Fetcher
from worker.ingest.politeness import RobotsPolicy, TokenBucket
from worker.ingest.registry import FeedRegistry
from worker.ingest.seen import SeenStore
from worker.keys import Keys
from worker.settings import Settings, get_settings


@dataclass
class IngestContext:
    redis: redis.Redis
    settings: Settings = field(default_factory=get_settings)
    keys: Keys = field(default_factory=lambda: Keys(get_settings().redis_prefix))

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
