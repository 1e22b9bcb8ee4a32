"""Redis key names for ingestion, all under one prefix so tests (and several deployments sharing a
Redis) can keep their state apart and clean it up with one ``SCAN prefix*``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from worker.settings import get_settings

DEFAULT_PREFIX = "nw:"


def default_prefix() -> str:
    """``settings.redis_prefix`` (env ``NEWSWORKER_REDIS_PREFIX``), else ``nw:``."""
    # The environment first: tests and tools set it after the (cached) settings were read.
    return os.environ.get("NEWSWORKER_REDIS_PREFIX") or get_settings().redis_prefix or DEFAULT_PREFIX


@dataclass(frozen=True)
class Keys:
    prefix: str = DEFAULT_PREFIX

    @property
    def feed_ids(self) -> str:  # set of registered feed ids
        return f"{self.prefix}feeds"

    def feed(self, feed_id: str) -> str:  # JSON: the feed's configuration
        return f"{self.prefix}feed:{feed_id}"

    def state(self, feed_id: str) -> str:  # JSON: the feed's polling state
        return f"{self.prefix}feedstate:{feed_id}"

    @property
    def due(self) -> str:  # zset feed_id -> next due (unix seconds)
        return f"{self.prefix}feeds:due"

    def poll_lock(self, feed_id: str) -> str:
        return f"{self.prefix}lock:poll:{feed_id}"

    def seen(self, doc_id: str) -> str:  # global: one key per document id ever handed on
        return f"{self.prefix}seen:{doc_id}"

    def handed(self, doc_id: str) -> str:  # set once the fetch stage handed the article to extract
        return f"{self.prefix}handed:{doc_id}"

    def bucket(self, host: str) -> str:
        return f"{self.prefix}bucket:{host}"

    def robots(self, origin: str) -> str:
        return f"{self.prefix}robots:{origin}"

    @property
    def deadletters(self) -> str:  # zset id -> recorded time
        return f"{self.prefix}dl:index"

    def deadletter(self, dl_id: str) -> str:
        return f"{self.prefix}dl:item:{dl_id}"

    @property
    def stats(self) -> str:  # hash of ingestion counters (polls, 304s, new items, errors)
        return f"{self.prefix}ingest:stats"
