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
* **The slots** are ``worker.slots.LeasedSlots`` (shared with the page fetches' per-site limit), one
  sorted set per receiver; the lease (``lease_seconds``) outlives the channel's total deadline: a worker
  killed mid-send leaves its slot for that long, never for ever.

The slot sits inside the per-delivery ``sending`` lock and after the ``delivered`` flag
(``worker.alerts.delivery.attempt``), so it changes when a send happens, never whether: a refused send is
re-queued by the runner (its outbox entry kept) and sent later, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis

from worker.keys import Keys
from worker.settings import Settings
from worker.slots import LeasedSlots, Slot, host_name, origin

# A send refused for its receiver comes back after this many seconds, plus up to RECEIVER_BUSY_SPREAD at
# random (so the waiting sends do not all come back in the same instant): short, because a slot may free
# any moment, and a wait costs one Redis round trip, not a thread.
RECEIVER_BUSY_WAIT = 1.0
RECEIVER_BUSY_SPREAD = 1.0
# How much longer than the channel's total deadline a slot is leased: the time around the send itself
# (the payload, the client) and clocks that differ by a little.
LEASE_MARGIN_SECONDS = 30


def receiver_key(channel: Mapping[str, Any], settings: Settings) -> str | None:
    """The receiver a send on ``channel`` connects to, as ``scheme://host:port`` (host lower-case, IDNA,
    without a trailing dot; the scheme's port when none is written), or None when it has none a slot could
    name (a URL that will not parse: the send itself refuses it as a permanent error)."""
    kind = channel.get("type")
    if kind == "email":
        return f"smtp://{host_name(settings.smtp_host)}:{settings.smtp_port}"
    if kind != "webhook":
        return None
    return origin(str(channel.get("url") or ""))


def lease_seconds(channel: Mapping[str, Any], settings: Settings) -> int:
    """How long a slot for a send on ``channel`` is held at most: the channel's total deadline (no send
    lasts longer) and a margin."""
    deadline = settings.smtp_total_deadline if channel.get("type") == "email" else settings.webhook_total_deadline
    return int(deadline) + LEASE_MARGIN_SECONDS


@dataclass(frozen=True)
class ReceiverSlots:
    """The slots of every receiver, on ``redis`` under ``keys``; ``limit`` slots each (0: no limit)."""

    redis: redis.Redis
    keys: Keys
    limit: int

    @property
    def _slots(self) -> LeasedSlots:
        return LeasedSlots(self.redis, self.limit)

    def acquire(self, receiver: str, lease: float) -> Slot | None:
        """One of ``receiver``'s slots for ``lease`` seconds, or None when all of them are in use."""
        return self._slots.acquire(self.keys.alert_receiver(receiver), lease)

    def release(self, slot: Slot) -> None:
        self._slots.release(slot)

    def in_flight(self, receiver: str) -> int:
        """The slots of ``receiver`` taken and not yet expired (for tests and status)."""
        return self._slots.in_flight(self.keys.alert_receiver(receiver))
