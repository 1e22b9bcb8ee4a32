"""Which ``newsworker run`` supervisors are live on this Redis database: each one stamps a heartbeat, and a
new ``run`` is refused (unless ``--join``) while another one's is fresh.

Two runs on one Redis database share its Celery queues (the broker's keys are the database's, not under the
key prefix): their workers take each other's tasks, their beats wait on one lock, and each console counted
the other's work as its own. The pid file in the data dir catches a second run with the same data dir only.

The heartbeats are members of one sorted set (score: the last beat, Unix seconds). It is deliberately
**not** under ``settings.redis_prefix`` (``worker.keys``): two runs with different prefixes on one database
still share the queues, and must see each other.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass

import redis

RUNS_KEY = "newsworker:runs"
HEARTBEAT_EVERY = 10.0  # seconds between a supervisor's heartbeats
STALE_AFTER = 35.0  # a heartbeat older than this is a run that is gone (killed: it never said goodbye)


@dataclass(frozen=True)
class RunInfo:
    host: str
    pid: int
    data_dir: str
    prefix: str
    started: float

    @classmethod
    def here(cls, data_dir: str, prefix: str) -> RunInfo:
        return cls(socket.gethostname(), os.getpid(), data_dir, prefix, round(time.time(), 3))

    def member(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def parse(cls, raw: str | bytes) -> RunInfo | None:
        try:
            d = json.loads(raw)
            return cls(str(d["host"]), int(d["pid"]), str(d["data_dir"]), str(d["prefix"]), float(d["started"]))
        except (ValueError, KeyError, TypeError):
            return None

    def same_process(self, other: RunInfo) -> bool:
        return self.host == other.host and self.pid == other.pid

    def describe(self, now: float | None = None) -> str:
        up = int((now or time.time()) - self.started)
        return (f"pid {self.pid} on {self.host}, data dir {self.data_dir}, key prefix {self.prefix!r}, "
                f"up {up // 60}m{up % 60:02d}s")


def heartbeat(r: redis.Redis, me: RunInfo, now: float | None = None) -> None:
    now = time.time() if now is None else now
    pipe = r.pipeline()
    pipe.zadd(RUNS_KEY, {me.member(): now})
    pipe.zremrangebyscore(RUNS_KEY, "-inf", now - STALE_AFTER)
    pipe.expire(RUNS_KEY, int(STALE_AFTER * 2))  # the set goes away with the last run
    pipe.execute()


def leave(r: redis.Redis, me: RunInfo) -> None:
    r.zrem(RUNS_KEY, me.member())


def _gone_here(info: RunInfo) -> bool:
    """A run on this host whose process is gone (killed before it could leave)."""
    if info.host != socket.gethostname():
        return False
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def others(r: redis.Redis, me: RunInfo, now: float | None = None) -> list[RunInfo]:
    """The other runs with a fresh heartbeat on this database."""
    now = time.time() if now is None else now
    live = []
    for raw in r.zrangebyscore(RUNS_KEY, now - STALE_AFTER, "+inf"):
        info = RunInfo.parse(raw)
        if info is None or info.same_process(me):
            continue
        if _gone_here(info):
            r.zrem(RUNS_KEY, raw)
            continue
        live.append(info)
    return live
