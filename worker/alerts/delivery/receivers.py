"""At most ``settings.deliver_per_receiver`` sends to one receiver in flight at once, across every deliver
worker (QA5 qa5r2-2).

The deliver worker's threads are few (``deliver_concurrency``) and used to be shared by every receiver
alike: one broad rule whose webhook answered after 20 s, with more matching stories than threads, held
every thread, and another rule's notification to a fast receiver waited 20 s in the queue behind it. Now a
send first takes one of its receiver's slots; a send whose receiver has none free does not wait on a
thread: it goes back to the queue for a moment (``RECEIVER_BUSY_WAIT``), which is not an attempt. A slow or
dead receiver thus holds at most ``deliver_per_receiver`` threads, and a fast receiver's send finds one
free at once. The price is the slow receiver's own: its notifications go that many at a time.

* **The receiver** (``receiver_key``) is where the send connects: a webhook's (or Slack's) scheme, host
  and port, whatever the path (every Slack channel is ``https://hooks.slack.com:443``); every email goes
  through the one SMTP server of the settings, so email is one receiver, limited like the others: an SMTP
  server that stops answering would otherwise hold every thread for up to ``smtp_total_deadline`` a mail.
* **The slots** are a sorted set per receiver in Redis, one member per send in flight scored by the end
  of its lease (the server's clock, so workers on several hosts agree). Taking a slot drops the expired
  ones, counts and adds in one Lua script, so two workers never both take the last one. The lease
  (``lease_seconds``) outlives the channel's total deadline: a worker killed mid-send leaves its slot for
  that long, never for ever. Giving the slot back is one ``ZREM`` of the send's own token.

The slot sits inside the per-delivery ``sending`` lock and after the ``delivered`` flag
(``worker.alerts.delivery.attempt``), so it changes when a send happens, never whether: a refused send is
re-queued by the runner (its outbox entry kept) and sent later, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import redis

from worker.keys import Keys
from worker.settings import Settings

# A send refused for its receiver comes back after this many seconds, plus up to RECEIVER_BUSY_SPREAD at
# random (so the waiting sends do not all come back in the same instant): short, because a slot may free
# any moment, and a wait costs one Redis round trip, not a thread.
RECEIVER_BUSY_WAIT = 1.0
RECEIVER_BUSY_SPREAD = 1.0
# How much longer than the channel's total deadline a slot is leased: the time around the send itself
# (the payload, the client) and clocks that differ by a little.
LEASE_MARGIN_SECONDS = 30

_DEFAULT_PORTS = {"http": 80, "https": 443}


def receiver_key(channel: Mapping[str, Any], settings: Settings) -> str | None:
    """The receiver a send on ``channel`` connects to, as ``scheme://host:port`` (host lower-case, IDNA,
    without a trailing dot; the scheme's port when none is written), or None when it has none a slot could
    name (a URL that will not parse: the send itself refuses it as a permanent error)."""
    kind = channel.get("type")
    if kind == "email":
        return f"smtp://{_host(settings.smtp_host)}:{settings.smtp_port}"
    if kind != "webhook":
        return None
    try:
        url = httpx.URL(str(channel.get("url") or ""))
        host = url.raw_host.decode("ascii")
        port = url.port
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return None
    scheme = url.scheme.lower()
    if not host or scheme not in _DEFAULT_PORTS:
        return None
    return f"{scheme}://{_host(host)}:{port or _DEFAULT_PORTS[scheme]}"


def _host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    return f"[{host}]" if ":" in host else host  # an IPv6 address, bracketed as in a URL


def lease_seconds(channel: Mapping[str, Any], settings: Settings) -> int:
    """How long a slot for a send on ``channel`` is held at most: the channel's total deadline (no send
    lasts longer) and a margin."""
    deadline = settings.smtp_total_deadline if channel.get("type") == "email" else settings.webhook_total_deadline
    return int(deadline) + LEASE_MARGIN_SECONDS


# KEYS[1]: the receiver's sorted set. ARGV: limit, token, lease (ms). Returns 1 (taken) or 0 (all in use).
# The key expires with its longest lease, so a receiver no longer sent to leaves nothing behind.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
local lease = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
if redis.call('PTTL', KEYS[1]) < lease then
  redis.call('PEXPIRE', KEYS[1], lease)
end
return 1
"""


@dataclass(frozen=True)
class Slot:
    key: str  # the receiver's Redis key
    token: str  # this send's member of it


@dataclass(frozen=True)
class ReceiverSlots:
    """The slots of every receiver, on ``redis`` under ``keys``; ``limit`` slots each (0: no limit)."""

    redis: redis.Redis
    keys: Keys
    limit: int

    def acquire(self, receiver: str, lease: float) -> Slot | None:
        """One of ``receiver``'s slots for ``lease`` seconds, or None when all of them are in use."""
        key = self.keys.alert_receiver(receiver)
        if self.limit <= 0:
            return Slot(key, "")  # unlimited: nothing to hold or give back
        token = uuid.uuid4().hex
        script = self.redis.register_script(_ACQUIRE)
        taken = script(keys=[key], args=[self.limit, token, max(1, int(lease * 1000))])
        return Slot(key, token) if int(taken) == 1 else None

    def release(self, slot: Slot) -> None:
        if slot.token:
            self.redis.zrem(slot.key, slot.token)

    def in_flight(self, receiver: str) -> int:
        """The slots of ``receiver`` taken and not yet expired (for tests and status)."""
        key = self.keys.alert_receiver(receiver)
        now_s, now_us = self.redis.time()
        return int(self.redis.zcount(key, f"({now_s * 1000 + now_us // 1000}", "+inf"))
