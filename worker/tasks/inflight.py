"""An outbox for articles between the fetch hand-off and the index: nothing fetched is lost.

Celery over Redis has a small window where a message popped from a queue just as Redis stops never
reaches a worker (kombu issue #1733). So fetch records each payload here when it hands it on, and the
index stage forgets it once the document is written (or dead-lettered). A beat-driven sweep re-sends
payloads older than ``NEWSWORKER_INFLIGHT_MAX_AGE`` seconds, but only while the extract and index queues
are empty (a backlog is not a loss). Re-sending is safe: extraction is deterministic, the document id is
fixed and notifications are idempotent per (rule, story).
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from worker.store.clients import get_redis

log = logging.getLogger(__name__)

PAYLOADS = "newsworker:inflight:payloads"
SINCE = "newsworker:inflight:since"


def max_age() -> float:
    return float(os.environ.get("NEWSWORKER_INFLIGHT_MAX_AGE", "600"))


def remember(payload: dict[str, Any]) -> None:
    doc_id = str(payload["id"])
    pipe = get_redis().pipeline(transaction=True)
    pipe.hset(PAYLOADS, doc_id, json.dumps(payload, ensure_ascii=False))
    pipe.zadd(SINCE, {doc_id: time.time()})
    pipe.execute()


def forget(doc_id: str) -> None:
    pipe = get_redis().pipeline(transaction=True)
    pipe.hdel(PAYLOADS, doc_id)
    pipe.zrem(SINCE, doc_id)
    pipe.execute()


def count() -> int:
    return int(get_redis().zcard(SINCE))


def sweep(send: Any, older_than: float | None = None, queues: tuple[str, ...] = ("extract", "index")) -> int:
    """Re-send payloads handed on more than ``older_than`` seconds ago; returns how many."""
    r = get_redis()
    if any(r.llen(q) for q in queues):
        return 0
    cutoff = time.time() - (max_age() if older_than is None else older_than)
    ids = r.zrangebyscore(SINCE, "-inf", cutoff, start=0, num=500)
    resent = 0
    for doc_id in ids:
        raw = r.hget(PAYLOADS, doc_id)
        if raw is None:
            r.zrem(SINCE, doc_id)
            continue
        r.zadd(SINCE, {doc_id: time.time()})  # not again until another max_age has passed
        send(json.loads(raw))
        resent += 1
    if resent:
        log.warning("re-sent %d articles that were handed on but never indexed", resent)
    return resent
