"""Leased slots in Redis: at most ``limit`` holders of one key at once, across every worker process and
machine. Shared by the deliveries (a webhook receiver's or the SMTP server's sends in flight,
``worker.alerts.delivery.receivers``, QA5 qa5r2-2) and the page fetches (one site's pages in flight,
``worker.ingest.hosts``, QA6 qa6s-1): in both, a peer that answers slowly must hold a bounded number of our
workers, and what it cannot have must wait in the queue without holding one.

* **A key** is a sorted set, one member per holder scored by the end of its lease (Redis's clock, so
  workers on several machines agree). Taking a slot drops the expired members, counts and adds in one Lua
  script, so two workers never both take the last one.
* **The lease** outlives the longest hold (the caller's total deadline and a margin): a worker killed while
  holding leaves its slot for that long, never for ever. Giving it back is one ``ZREM`` of the holder's own
  token; the key expires with its longest lease, so a peer no longer used leaves nothing behind.

Beside the layer-2 adapters (like ``worker.metrics``): it imports nothing of the package above ``keys``.
"""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass

import httpx
import redis
from redis.client import Pipeline
from redis.commands.core import Script

_DEFAULT_PORTS = {"http": 80, "https": 443}

# KEYS[1]: the sorted set; KEYS[2] (optional): a flag that makes the limit apply. ARGV: limit, token, lease
# (ms), limit_after (ms; 0: the limit always applies). With limit_after, the limit applies only while the flag
# is set or a holder has held its slot that long (its lease began before now - limit_after). Returns 1
# (taken) or 0 (all in use).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local lease = tonumber(ARGV[3])
local after = tonumber(ARGV[4])
local limited = true
if after > 0 then
  limited = KEYS[2] ~= nil and redis.call('EXISTS', KEYS[2]) == 1
  if not limited then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    limited = oldest[2] ~= nil and tonumber(oldest[2]) - lease <= now - after
  end
end
if limited and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
if redis.call('PTTL', KEYS[1]) < lease then
  redis.call('PEXPIRE', KEYS[1], lease)
end
return 1
"""


def host_name(host: str) -> str:
    """``host`` as a slot names it: lower-case, without a trailing dot, an IPv6 address bracketed."""
    host = host.strip().rstrip(".").lower()
    return f"[{host}]" if ":" in host else host


def origin(url: str) -> str | None:
    """``scheme://host:port`` of an http(s) ``url`` (the scheme's port when none is written), or None when
    it has none (a URL that will not parse, another scheme: the request itself refuses those)."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return None
    scheme = parsed.scheme.lower()
    if not host or scheme not in _DEFAULT_PORTS:
        return None
    return f"{scheme}://{host_name(host)}:{port or _DEFAULT_PORTS[scheme]}"


_scripts: weakref.WeakKeyDictionary[redis.Redis, Script] = weakref.WeakKeyDictionary()


def _acquire_script(client: redis.Redis) -> Script:
    """The acquire script registered once per client (a page fetch takes a slot: no SHA1 and object each)."""
    script = _scripts.get(client)
    if script is None:
        script = _scripts[client] = client.register_script(_ACQUIRE)
    return script


@dataclass(frozen=True)
class Slot:
    key: str  # the Redis key of the peer's slots
    token: str  # this holder's member of it ("": an unlimited slot, nothing to give back)


@dataclass(frozen=True)
class LeasedSlots:
    """``limit`` slots per key on ``redis`` (0: no limit)."""

    redis: redis.Redis
    limit: int

    def acquire(self, key: str, lease: float, *, limit_after: float = 0.0, limited_by: str | None = None
                ) -> Slot | None:
        """One of ``key``'s slots for ``lease`` seconds, or None when all of them are in use. With
        ``limit_after`` (seconds; every holder of ``key`` with the same ``lease``) the limit applies only
        while the flag ``limited_by`` is set or a holder has held its slot that long: a peer that answers in
        time is not limited, and one that has started to hang is, from that moment."""
        if self.limit <= 0:
            return Slot(key, "")
        pipe = self.redis.pipeline(transaction=False)
        slot = self.queue_acquire(pipe, key, lease, limit_after=limit_after, limited_by=limited_by)
        return slot if int(pipe.execute()[0]) == 1 else None

    def queue_acquire(self, pipe: Pipeline, key: str, lease: float, *, limit_after: float = 0.0,
                      limited_by: str | None = None) -> Slot:
        """``acquire`` queued on ``pipe``, so that it costs no round trip of its own beside the caller's other
        commands: the pipeline's result for it is 1 when the returned slot was taken, 0 when it was not (then
        there is nothing to give back). With no limit it queues nothing and the slot is unlimited."""
        if self.limit <= 0:
            return Slot(key, "")
        token = uuid.uuid4().hex
        keys = [key] if limited_by is None else [key, limited_by]
        _acquire_script(self.redis)(keys=keys, args=[self.limit, token, max(1, int(lease * 1000)),
                                                     int(limit_after * 1000)], client=pipe)
        return Slot(key, token)

    def release(self, slot: Slot) -> None:
        if slot.token:
            self.redis.zrem(slot.key, slot.token)

    @staticmethod
    def queue_release(pipe: Pipeline, slot: Slot) -> None:
        """``release`` queued on ``pipe`` (beside the caller's other commands, as ``queue_acquire``)."""
        if slot.token:
            pipe.zrem(slot.key, slot.token)

    def in_flight(self, key: str) -> int:
        """The slots of ``key`` taken and not yet expired (tests, status)."""
        now_s, now_us = self.redis.time()
        return int(self.redis.zcount(key, f"({now_s * 1000 + now_us // 1000}", "+inf"))
