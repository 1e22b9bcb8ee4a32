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
    """4xx other than 408/429, bad address, SMTP 5xx: retrying cannot help; dead-letter it."""
