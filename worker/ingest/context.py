"""What ingestion needs from the application context, declared here because ``ingest/`` sits below
``pipeline/`` and cannot import ``worker.pipeline.context.AppContext``. ``AppContext`` satisfies
``IngestDeps`` structurally (checked by ``tests/unit/test_context_protocols.py``); there is no second
context class. Tests build an ``AppContext`` with their own settings and key prefix.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import redis

from worker.ingest.fetcher import Fetcher
from worker.ingest.hosts import HostGuard
from worker.ingest.politeness import RobotsPolicy
from worker.ingest.registry import FeedRegistry
from worker.ingest.seen import SeenStore
from worker.keys import Keys, StateDeps
from worker.settings import Settings

ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks parsers to read at least 500 KiB


@runtime_checkable
class IngestDeps(StateDeps, Protocol):
    """The clients, settings and key namespace of the process, and the ingest services built on them
    once per process (the fetcher holds an HTTP connection pool, so it must not be rebuilt per call)."""

    @property
    def registry(self) -> FeedRegistry: ...
    @property
    def seen(self) -> SeenStore: ...
    @property
    def fetcher(self) -> Fetcher: ...
    @property
    def robots(self) -> RobotsPolicy: ...
    @property
    def hosts(self) -> HostGuard: ...


def robots_policy(client: redis.Redis, keys: Keys, settings: Settings, fetcher: Fetcher) -> RobotsPolicy:
    """robots.txt rules fetched through the process's fetcher (same SSRF checks, caps and host bucket)."""

    def fetch_text(url: str) -> tuple[int, str]:
        res = fetcher.fetch(url, kind="robots", max_bytes=ROBOTS_MAX_BYTES)
        return res.status, res.body.decode("utf-8", errors="replace")

    return RobotsPolicy(client, keys, settings.user_agent, fetch_text)
