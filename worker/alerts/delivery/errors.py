"""Delivery failures, classed so the task knows whether waiting can help."""

from __future__ import annotations

from worker import errors


class DeliveryError(errors.PipelineError):
    """Base class; ``status`` is the HTTP/SMTP code when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientDeliveryError(DeliveryError, errors.TransientError):
    """Connection refused/timeout, 5xx, 408, 429, SMTP 4xx: retry later with backoff."""


class PermanentDeliveryError(DeliveryError, errors.PermanentError):
    """4xx other than 408/429, 3xx (redirects are not followed), bad address, SMTP 5xx: retrying cannot
    help; dead-letter it."""


class RateLimitedDeliveryError(TransientDeliveryError, errors.RateLimitedError):
    """The receiver said when to come back (429/503 with Retry-After), or another attempt of the same
    delivery holds its sending lock: the runner waits ``retry_after`` seconds (bounded by the channel's
    retry policy) instead of its backoff. ``counts_as_attempt=False`` for the lock and for a receiver with
    every slot in use (``worker.alerts.delivery.receivers``): waiting for another attempt is not a failed
    attempt of this one. ``spread``: the random extra wait, when the policy's would be too long."""

    def __init__(self, message: str, status: int | None = None, *, retry_after: float | None,
                 counts_as_attempt: bool = True, spread: float | None = None) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after
        self.counts_as_attempt = counts_as_attempt
        self.spread = spread
