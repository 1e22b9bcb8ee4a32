"""Dead letters for every stage: work that failed for good is recorded with its error, never dropped.

``record(stage, payload, error)`` from any stage (fetch, extract, index, alert...); ``list_records``/``get`` to
inspect; ``replay`` re-enqueues the payload to the stage's task (by name, so no imports between stages)
and removes the record. Records live in Redis under the ingestion key prefix: ``dl:item:<id>`` (JSON)
and ``dl:index`` (zset by time), kept until replayed, deleted, or bounded out: a record lives
``DEAD_LETTER_TTL`` (30 days) and at most ``MAX_DEAD_LETTERS`` are kept, oldest dropped first, so a
hostile feed producing a dead letter per item cannot fill Redis. Counting dead letters in metrics is
the caller's job (``worker.tasks.common.dead_letter`` does it).
"""

from __future__ import annotations

import json
import time
import traceback
import uuid
from typing import Any

import redis

from worker.ingest.keys import Keys, default_prefix

# The task that consumes each stage's payload, by Celery name. A record may name its own task.
STAGE_TASKS: dict[str, str] = {
    "poll": "worker.tasks.poll.poll_feed",
    "fetch": "worker.tasks.fetch.fetch_article",
    "extract": "worker.tasks.extract.extract_article",
    "index": "worker.tasks.index.index_article",
    "alert": "worker.tasks.alert.match_article",
}
MAX_ERROR_CHARS = 8000
DEAD_LETTER_TTL = 30 * 24 * 3600
MAX_DEAD_LETTERS = 100_000


def _client_and_keys(client: redis.Redis | None, keys: Keys | None) -> tuple[redis.Redis, Keys]:
    if client is None:
        from worker.store.clients import get_redis

        client = get_redis()
    return client, keys or Keys(default_prefix())


def record(stage: str, payload: dict[str, Any], error: str | BaseException, *, task: str | None = None,
           args: list[Any] | None = None, attempts: int | None = None, client: redis.Redis | None = None,
           keys: Keys | None = None) -> str:
    """Store a dead letter; returns its id. ``args`` default to ``[payload]`` (the stage task's input)."""
    r, k = _client_and_keys(client, keys)
    if isinstance(error, BaseException):
        error = "".join(traceback.format_exception_only(type(error), error)).strip()
    now = time.time()
    dl_id = f"{int(now * 1000):013d}-{uuid.uuid4().hex[:8]}"
    entry = {
        "id": dl_id, "stage": stage, "task": task or STAGE_TASKS.get(stage), "payload": payload,
        "args": args if args is not None else [payload], "error": str(error)[:MAX_ERROR_CHARS],
        "recorded_at": now, "attempts": attempts,
    }
    pipe = r.pipeline()
    pipe.set(k.deadletter(dl_id), json.dumps(entry, ensure_ascii=False, default=str), ex=DEAD_LETTER_TTL)
    pipe.zadd(k.deadletters, {dl_id: now})
    pipe.zremrangebyscore(k.deadletters, "-inf", now - DEAD_LETTER_TTL)  # their records have expired
    pipe.zcard(k.deadletters)
    size = pipe.execute()[-1]
    if size > MAX_DEAD_LETTERS:
        oldest = r.zrange(k.deadletters, 0, size - MAX_DEAD_LETTERS - 1)
        if oldest:
            pipe = r.pipeline()
            pipe.delete(*[k.deadletter(i) for i in oldest])
            pipe.zrem(k.deadletters, *oldest)
            pipe.execute()
    return dl_id


def list_records(stage: str | None = None, limit: int = 100, *, client: redis.Redis | None = None,
                 keys: Keys | None = None) -> list[dict[str, Any]]:
    """Newest first."""
    r, k = _client_and_keys(client, keys)
    ids = r.zrevrange(k.deadletters, 0, -1 if stage else limit - 1)
    out: list[dict[str, Any]] = []
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        for raw in r.mget([k.deadletter(i) for i in chunk]):
            if not raw:
                continue
            entry = json.loads(raw)
            if stage is None or entry.get("stage") == stage:
                out.append(entry)
            if len(out) >= limit:
                return out
    return out


def count(*, client: redis.Redis | None = None, keys: Keys | None = None) -> int:
    r, k = _client_and_keys(client, keys)
    return int(r.zcard(k.deadletters))


def get(dl_id: str, *, client: redis.Redis | None = None, keys: Keys | None = None) -> dict[str, Any] | None:
    r, k = _client_and_keys(client, keys)
    raw = r.get(k.deadletter(dl_id))
    return json.loads(raw) if raw else None


def delete(dl_id: str, *, client: redis.Redis | None = None, keys: Keys | None = None) -> bool:
    r, k = _client_and_keys(client, keys)
    pipe = r.pipeline()
    pipe.delete(k.deadletter(dl_id))
    pipe.zrem(k.deadletters, dl_id)
    return bool(pipe.execute()[0])


def replay(dl_id: str, *, send: Any = None, client: redis.Redis | None = None, keys: Keys | None = None) -> str:
    """Re-enqueue a dead letter to its stage's task and remove the record; returns the task id.

    ``send(task_name, args)`` defaults to ``celery_app.send_task`` (routes pick the stage's queue).
    """
    entry = get(dl_id, client=client, keys=keys)
    if entry is None:
        raise KeyError(f"no dead letter {dl_id!r}")
    task = entry.get("task") or STAGE_TASKS.get(entry["stage"])
    if not task:
        raise ValueError(f"dead letter {dl_id} names no task and stage {entry['stage']!r} has none")
    if send is None:
        from worker.celery_app import app

        task_id = app.send_task(task, args=entry["args"]).id
    else:
        task_id = send(task, entry["args"])
    delete(dl_id, client=client, keys=keys)
    return str(task_id)
