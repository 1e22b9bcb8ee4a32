"""The outbox: every record handed to a stage through a queue is recorded here first, and forgotten once
that stage has finished with it (done, or dead-lettered), so a message lost on the way is re-sent.

Celery over Redis has a small window where a message popped from a queue just as Redis stops never
reaches a worker (kombu#1733), and a task whose hand-off fails is acknowledged all the same. The sweep (a
periodic row of the stage table) re-sends entries older than ``settings.outbox_max_age`` while the
queues are idle (a backlog is not a loss). Re-sending is safe: every stage is idempotent on the record id.

Entries are keyed ``<stage>:<record key>``; a retry pushes its entry's time to when the retry is due, so
the sweep does not race a countdown that is merely waiting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

from worker.keys import Keys

SWEEP_BATCH = 500


@dataclass(frozen=True)
class Entry:
    stage: str
    payload: Any


@dataclass(frozen=True)
class Outbox:
    redis: redis.Redis
    keys: Keys

    def remember(self, entries: Iterable[tuple[str, str, Any]], *, at: float | None = None) -> None:
        """Record ``(stage, key, payload)`` hand-offs in one round trip."""
        entries = list(entries)
        if not entries:
            return
        now = time.time() if at is None else at
        pipe = self.redis.pipeline(transaction=False)
        for stage, key, payload in entries:
            field = f"{stage}:{key}"
            pipe.hset(self.keys.outbox_payloads, field, json.dumps(payload, ensure_ascii=False))
            pipe.zadd(self.keys.outbox_since, {field: now})
        pipe.execute()

    def forget(self, stage: str, keys: Iterable[str]) -> None:
        fields = [f"{stage}:{k}" for k in keys]
        if not fields:
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.hdel(self.keys.outbox_payloads, *fields)
        pipe.zrem(self.keys.outbox_since, *fields)
        pipe.execute()

    def postpone(self, stage: str, keys: Iterable[str], until: float) -> None:
        fields = {f"{stage}:{k}": until for k in keys}
        if fields:
            self.redis.zadd(self.keys.outbox_since, fields, xx=True)

    def count(self) -> int:
        return int(self.redis.zcard(self.keys.outbox_since))

    def take_due(self, older_than: float, now: float | None = None) -> list[Entry]:
        """Entries handed on more than ``older_than`` seconds ago; each is pushed ``older_than`` into the
        future so it is not taken again before another full period has passed."""
        now = time.time() if now is None else now
        fields = self.redis.zrangebyscore(self.keys.outbox_since, "-inf", now - older_than, start=0,
                                          num=SWEEP_BATCH)
        if not fields:
            return []
        raws = self.redis.hmget(self.keys.outbox_payloads, fields)
        out: list[Entry] = []
        pipe = self.redis.pipeline(transaction=False)
        for field, raw in zip(fields, raws, strict=True):
            if raw is None:  # forgotten between the two reads
                pipe.zrem(self.keys.outbox_since, field)
                continue
            pipe.zadd(self.keys.outbox_since, {field: now}, xx=True)
            out.append(Entry(field.split(":", 1)[0], json.loads(raw)))
        pipe.execute()
        return out
