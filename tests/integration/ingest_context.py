"""An ingestion context on the real Redis under a test's own key prefix, removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from worker.pipeline.context import AppContext
from worker.settings import Settings


@contextmanager
def ingest_context(redis_client: redis.Redis, unique_name: str, settings: Settings) -> Iterator[AppContext]:
    prefix = f"test:{unique_name}:"
    c = AppContext.create(settings, redis_client=redis_client, prefix=prefix)
    try:
        yield c
    finally:
        c.close()
        keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
        if keys:
            redis_client.delete(*keys)
