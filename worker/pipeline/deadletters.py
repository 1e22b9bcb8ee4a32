"""Dead letters: work that failed for good, kept with its error until replayed or deleted, never dropped.

Only the runner writes them (``Runner`` decides, from the error class and the stage's retry policy, that an
input is dead). A record names its stage and keeps the one input record's payload; replaying it sends the
payload back to that stage (``Runner.replay``). Records live under the key namespace: ``dl:item:<id>``
(JSON) and ``dl:index`` (zset by time). They are bounded: a record lives ``DEAD_LETTER_TTL`` (30 days) and at
most ``MAX_DEAD_LETTERS`` are kept, oldest dropped first, so a hostile feed producing a dead letter per item
cannot fill Redis.

``replay_records`` is the one way to send records back (``newsworker deadletter replay``, ``POST
/deadletters/{id}/replay``). A replay holds a claim on the record (``claim_replay``) while it hands the
payload on, so two replays of one record at once (a double click, the CLI and the page) send it once; a
delivery sent twice all the same would still reach its channel once (``worker.alerts.delivery``: the
delivered flag and the sending lock).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis

from worker.keys import Keys

MAX_ERROR_CHARS = 8000
DEAD_LETTER_TTL = 30 * 24 * 3600
MAX_DEAD_LETTERS = 100_000
# How long one replay holds its record: far longer than handing one payload on takes; a process that died
# holding it only delays the next replay of that record this long.
REPLAY_CLAIM_SECONDS = 120


@dataclass(frozen=True)
class DeadLetters:
    redis: redis.Redis
    keys: Keys

    def record(self, stage: str, payload: Any, error: str, *, attempts: int | None = None,
               error_code: str | None = None) -> str:
        """Store a dead letter; returns its id. ``error_code``: the error's fixed word when its raiser gave
        one (``worker.errors.PipelineError.error_code``), for readers to word; absent in older records."""
        now = time.time()
        dl_id = f"{int(now * 1000):013d}-{uuid.uuid4().hex[:8]}"
        entry = {"id": dl_id, "stage": stage, "payload": payload, "error": str(error)[:MAX_ERROR_CHARS],
                 "recorded_at": now, "attempts": attempts}
        if error_code:
            entry["error_code"] = error_code
        pipe = self.redis.pipeline()
        pipe.set(self.keys.deadletter(dl_id), json.dumps(entry, ensure_ascii=False, default=str), ex=DEAD_LETTER_TTL)
        pipe.zadd(self.keys.deadletters, {dl_id: now})
        pipe.zremrangebyscore(self.keys.deadletters, "-inf", now - DEAD_LETTER_TTL)  # their records have expired
        pipe.zcard(self.keys.deadletters)
        size = pipe.execute()[-1]
        if size > MAX_DEAD_LETTERS:
            oldest = self.redis.zrange(self.keys.deadletters, 0, size - MAX_DEAD_LETTERS - 1)
            if oldest:
                pipe = self.redis.pipeline()
                pipe.delete(*[self.keys.deadletter(i) for i in oldest])
                pipe.zrem(self.keys.deadletters, *oldest)
                pipe.execute()
        return dl_id

    def _entries(self, ids: list[str]) -> Iterator[dict[str, Any]]:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for raw in self.redis.mget([self.keys.deadletter(i) for i in chunk]):
                if raw:
                    yield json.loads(raw)

    def list(self, stage: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first."""
        ids = self.redis.zrevrange(self.keys.deadletters, 0, -1 if stage else limit - 1)
        out: list[dict[str, Any]] = []
        for entry in self._entries(ids):
            if stage is None or entry.get("stage") == stage:
                out.append(entry)
            if len(out) >= limit:
                break
        return out

    def count(self) -> int:
        return int(self.redis.zcard(self.keys.deadletters))

    def get(self, dl_id: str) -> dict[str, Any] | None:
        raw = self.redis.get(self.keys.deadletter(dl_id))
        return json.loads(raw) if raw else None

    def delete(self, dl_id: str) -> bool:
        pipe = self.redis.pipeline()
        pipe.delete(self.keys.deadletter(dl_id))
        pipe.zrem(self.keys.deadletters, dl_id)
        return bool(pipe.execute()[0])

    def claim_replay(self, dl_id: str, seconds: int = REPLAY_CLAIM_SECONDS) -> bool:
        """Take the record for one replay; False when another replay holds it."""
        return bool(self.redis.set(self.keys.deadletter_replaying(dl_id), "1", nx=True, ex=seconds))

    def release_replay(self, dl_id: str) -> None:
        self.redis.delete(self.keys.deadletter_replaying(dl_id))


def subject(entry: dict[str, Any]) -> str:
    """What a dead letter is about, in one short string: the URL of the page or feed, else the id of the
    document, notification or feed (``deadletter list`` and ``GET /deadletters``)."""
    p = entry.get("payload")
    p = p if isinstance(p, dict) else {"id": p}
    return str(p.get("url") or p.get("link") or p.get("id") or p.get("feed_id") or "")


class _Handles(Protocol):
    def handle(self, stage_name: str, payloads: Sequence[Any], attempt: int = 1,
               message_id: str | None = None) -> list[str]: ...


@dataclass(frozen=True)
class Replayed:
    id: str
    stage: str | None  # the stage the record went back to; None: there was no such record
    outcome: str  # replayed | missing (no such record) | busy (another replay holds it) | retry | dead


def replay_records(dead: DeadLetters, runner: _Handles, ids: Sequence[str]) -> list[Replayed]:
    """Send each record back to the stage it died in, through the ``replay`` stage of ``runner`` (which
    claims, hands on and removes it: ``worker.pipeline.periodic.replay``)."""
    out = []
    for dl_id in ids:
        entry = dead.get(dl_id)
        if entry is None:
            out.append(Replayed(dl_id, None, "missing"))
            continue
        outcome = (runner.handle("replay", [dl_id]) or ["ok"])[0]
        out.append(Replayed(dl_id, str(entry.get("stage")), outcome))
    return out
