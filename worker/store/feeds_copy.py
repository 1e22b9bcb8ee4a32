"""The feed registry's copy in Elasticsearch (``settings.es_feeds_index``): every feed's configuration, so that
a Redis that lost its data (no persistence, a disk replaced, a flush) gets its feeds back at the next
``newsworker setup`` or start (``FeedRegistry.restore_from_copy``). Redis stays the registry; this is a
backup written after every change. Only the configuration is copied: polling state (ETag, schedule, failure
counts) changes at every poll and stays in Redis.

One document per feed id: ``{"id", "feed": <configuration>, "removed", "updated"}``. A removed feed keeps a
document with ``removed: true`` rather than being deleted, so that a late write of its old configuration
(another process, a retry) cannot bring it back: every write carries an external version (the microsecond
time the writer read Redis) and Elasticsearch keeps the newest.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

from worker.store.elastic import create_index_once

FEEDS_MAPPING: dict[str, Any] = {
    # the configuration lives in _source; only what one might filter on is indexed
    "dynamic": False,
    "properties": {
        "id": {"type": "keyword"},
        "removed": {"type": "boolean"},
        "updated": {"type": "date"},
        "feed": {"type": "object", "enabled": False},
    },
}

# A registry change waits on its copy (the CLI and the API answer after it): a node that hangs must not hold
# them for the client's 30 s x 4 attempts. A failed write is remembered and retried (``FeedRegistry``).
_WRITE_OPTIONS = {"request_timeout": 5, "max_retries": 0, "retry_on_timeout": False}


class FeedCopy:
    """``worker.ingest.registry.RegistryCopy`` on one Elasticsearch index."""

    def __init__(self, es: Elasticsearch, index: str) -> None:
        self.es = es
        self.index = index
        self._ensured = False

    def ensure(self) -> bool:
        """Create the index if it is absent (re-runnable); True if this call created it."""
        if self._ensured:
            return False
        created = create_index_once(self.es.options(**_WRITE_OPTIONS), self.index, FEEDS_MAPPING)
        self._ensured = True
        return created

    def write(self, feeds: Sequence[tuple[str, dict[str, Any] | None]], version: int | None = None) -> None:
        """Each ``(id, configuration)`` as it is now in Redis (``None``: removed). ``version`` orders writes
        (default: now, in microseconds); an older write than the one stored is dropped, not an error."""
        if not feeds:
            return
        self.ensure()
        version = version if version is not None else time.time_ns() // 1000
        now = datetime.now(UTC).isoformat()
        actions = [{"_op_type": "index", "_index": self.index, "_id": feed_id, "version": version,
                    "version_type": "external",
                    "_source": {"id": feed_id, "feed": config, "removed": config is None, "updated": now}}
                   for feed_id, config in feeds]
        # no refresh="wait_for": it costs up to a refresh interval (1 s) per write, so registering 200 feeds one
        # by one (`feeds load-replay`) took minutes; `read` refreshes before it searches
        _, errors = helpers.bulk(self.es.options(**_WRITE_OPTIONS), actions, raise_on_error=False,
                                 raise_on_exception=True)
        real = [e for e in errors if _status(e) != 409]  # 409: a newer version is already there
        if real:
            raise RuntimeError(f"Elasticsearch refused {len(real)} feed copies: {str(real[0])[:300]}")

    def read(self) -> list[dict[str, Any]]:
        """The configuration of every feed the copy holds (removed ones left out)."""
        try:
            self.es.indices.refresh(index=self.index)
            hits = helpers.scan(self.es, index=self.index, query={"query": {"term": {"removed": False}}},
                                size=1000)
            return [h["_source"]["feed"] for h in hits if isinstance(h["_source"].get("feed"), dict)]
        except NotFoundError:
            return []


def _status(error: dict[str, Any]) -> int | None:
    for item in error.values():
        if isinstance(item, dict):
            return item.get("status")
    return None
