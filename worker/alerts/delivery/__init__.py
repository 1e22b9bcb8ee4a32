"""Delivering one notification on one channel, at least once, never again after a confirmed success.

``attempt`` is the whole protocol, separate from Celery so it can be tested and reused:

1. a ``delivered`` flag in Redis per (notification, channel) is checked first: a retried or duplicated
   task after a confirmed 2xx does nothing;
2. a short ``sending`` lock stops two copies of the task sending at the same moment; a copy that finds it
   is told to come back when it expires (``busy``), which is not an attempt: a worker killed mid-send
   leaves its lock behind, and waiting for it used to burn the channel's retries;
3. the send takes one of its receiver's slots (``worker.alerts.delivery.receivers``: at most
   ``deliver_per_receiver`` sends to one receiver in flight, across every worker); a receiver with none
   free sends it back to the queue for a moment (``receiver_busy``), which is not an attempt either, so a
   slow receiver never holds more threads than that and other receivers' sends find one free;
4. the channel is tried once; a 2xx sets the flag *before* anything else, then the history records it.

``raise_for`` turns an outcome that did not deliver into the classed error the pipeline runner retries
(a receiver's Retry-After, the lock's expiry and a full receiver as rate limits) or dead-letters.

The receiver may still see a duplicate if the process dies between its 2xx and our flag write; it
dedupes by the ``Idempotency-Key`` header (the notification id).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from worker.alerts.context import AlertsDeps
from worker.alerts.delivery.errors import (
    ERROR_CODES,
    DeliveryError,
    ErrorCode,
    PermanentDeliveryError,
    RateLimitedDeliveryError,
    TransientDeliveryError,
)
from worker.alerts.delivery.receivers import (
    RECEIVER_BUSY_SPREAD,
    RECEIVER_BUSY_WAIT,
    ReceiverSlots,
    lease_seconds,
    receiver_key,
)
from worker.alerts.delivery.smtp import send_email
from worker.alerts.delivery.webhook import send_webhook
from worker.alerts.history import History
from worker.alerts.rules import REDACTED

log = logging.getLogger(__name__)

DELIVERED_TTL = 30 * 24 * 3600
# The sending lock must outlive one attempt: a webhook POST is bounded by its total deadline, an SMTP send
# by its per-operation timeouts. A lock left by a killed worker costs a wait this long, not retries.
SENDING_LOCK_MIN_SECONDS = 60


@dataclass(frozen=True)
class Outcome:
    # delivered | skipped | retry | busy (another attempt holds the lock) | receiver_busy (every slot of the
    # receiver is in use) | failed
    status: str
    error: str | None = None
    code: int | None = None
    retry_after: float | None = None  # retry | busy | receiver_busy: seconds to wait before the next attempt
    error_code: ErrorCode | None = None  # retry | failed: what went wrong (``errors.ERROR_CODES``)


def sending_lock_seconds(ctx: AlertsDeps) -> int:
    return max(SENDING_LOCK_MIN_SECONDS, int(ctx.settings.webhook_total_deadline) + 30)


def delivered_key(ctx: AlertsDeps, n: dict[str, Any]) -> str:
    return ctx.keys.alert_delivered(n["id"], n["channel_key"])


def send(n: dict[str, Any], ctx: AlertsDeps) -> int:
    ch = n["channel"]
    # A rule saved before the API refused placeholders may hold a reader's redacted view ("host/…",
    # "…@domain"): sending there would reach the wrong path or nobody, and history would say delivered.
    target = str(ch.get("url") or ch.get("address") or ch.get("to") or "")
    if REDACTED in target:
        raise PermanentDeliveryError(f"channel target {target[:100]!r} is a redacted placeholder; "
                                     "save the rule again with the real target",
                                     error_code="bad_address" if ch.get("type") == "email" else "bad_url")
    if ch["type"] == "webhook":
        return send_webhook(ch, n, settings=ctx.settings)
    if ch["type"] == "email":
        return send_email(ch, n, settings=ctx.settings)
    raise PermanentDeliveryError(f"unknown channel type {ch['type']!r}", error_code="other")


class _ReceiverBusy(Exception):
    """Every slot of the send's receiver is in use: the send was not made (not a ``DeliveryError``)."""


def _send_in_slot(n: dict[str, Any], ctx: AlertsDeps) -> int:
    """``send``, holding one of its receiver's slots until the receiver has answered (or failed to)."""
    receiver = receiver_key(n["channel"], ctx.settings)
    if receiver is None:  # no receiver a slot could name: the send refuses the target itself
        return send(n, ctx)
    slots = ReceiverSlots(ctx.redis, ctx.keys, ctx.settings.deliver_per_receiver)
    slot = slots.acquire(receiver, lease_seconds(n["channel"], ctx.settings))
    if slot is None:
        raise _ReceiverBusy(f"{receiver} has {slots.limit} sends in flight (NEWSWORKER_DELIVER_PER_RECEIVER)")
    try:
        return send(n, ctx)
    finally:
        slots.release(slot)


def attempt(n: dict[str, Any], ctx: AlertsDeps) -> Outcome:
    """Try one delivery of notification ``n`` (which carries ``channel`` and ``channel_key``)."""
    r = ctx.redis
    flag = delivered_key(ctx, n)
    if r.exists(flag):
        return Outcome("skipped")
    lock = ctx.keys.alert_sending(n["id"], n["channel_key"])
    if not r.set(lock, "1", nx=True, ex=sending_lock_seconds(ctx)):
        ttl = r.ttl(lock)  # -2: released meanwhile; -1 cannot happen (set with ex)
        return Outcome("busy", "another attempt is in flight", retry_after=float(max(1, ttl)))
    history = History(ctx)
    try:
        try:
            code = _send_in_slot(n, ctx)
        except _ReceiverBusy as err:
            return Outcome("receiver_busy", str(err), retry_after=RECEIVER_BUSY_WAIT)
        except TransientDeliveryError as err:
            history.mark_attempt(n["id"], n["channel_key"], "pending", str(err), error_code=err.error_code)
            return Outcome("retry", str(err), err.status, getattr(err, "retry_after", None), err.error_code)
        except DeliveryError as err:
            history.mark_attempt(n["id"], n["channel_key"], "failed", str(err), error_code=err.error_code)
            return Outcome("failed", str(err), err.status, error_code=err.error_code)
        r.set(flag, "1", ex=DELIVERED_TTL)
        try:
            history.mark_attempt(n["id"], n["channel_key"], "delivered")
        except Exception as err:  # noqa: BLE001 - delivered is delivered; the record can lag
            log.warning("alert %s delivered but history update failed: %s", n["id"], err)
        return Outcome("delivered", code=code)
    finally:
        r.delete(lock)


def raise_for(outcome: Outcome) -> str:
    """The outcome's label if it ended the delivery (delivered, skipped); otherwise the classed error the
    pipeline runner acts on: a wait for the lock or for a receiver's slot (not an attempt), a retry (after
    the receiver's Retry-After when it gave one), or a dead letter."""
    error = outcome.error or outcome.status
    if outcome.status == "busy":
        raise RateLimitedDeliveryError(error, retry_after=outcome.retry_after, counts_as_attempt=False)
    if outcome.status == "receiver_busy":  # a short wait, as a slot may free any moment
        raise RateLimitedDeliveryError(error, retry_after=outcome.retry_after, counts_as_attempt=False,
                                       spread=RECEIVER_BUSY_SPREAD)
    if outcome.status == "retry":
        if outcome.retry_after is not None:
            raise RateLimitedDeliveryError(error, outcome.code, retry_after=outcome.retry_after,
                                           error_code=outcome.error_code or "rate_limited")
        raise TransientDeliveryError(error, outcome.code, error_code=outcome.error_code)
    if outcome.status == "failed":
        raise PermanentDeliveryError(error, outcome.code, error_code=outcome.error_code)
    return outcome.status


def mark_failed(n: dict[str, Any], error: str, ctx: AlertsDeps, error_code: str | None = None) -> None:
    """The channel failed for good (permanent error, or retries exhausted): say so in the history, with
    the error's code. The dead letter itself is the pipeline runner's (``worker.pipeline.runner``)."""
    # not an attempt of its own: the attempt that failed last was counted when it was made
    History(ctx).mark_attempt(n["id"], n["channel_key"], "failed", error, counted=False, error_code=error_code)


__all__ = ["ERROR_CODES", "Outcome", "attempt", "raise_for", "mark_failed", "delivered_key",
           "TransientDeliveryError", "PermanentDeliveryError", "RateLimitedDeliveryError", "DeliveryError"]
