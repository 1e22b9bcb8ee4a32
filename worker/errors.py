"""The one error taxonomy. Every stage raises (or is classified into) one of three classes, and the
pipeline runner decides retries and dead letters from the class alone, never from the message:

* ``PermanentError``: retrying cannot help (404, a refused document, a malformed payload): dead letter.
* ``TransientError``: may work later (timeouts, 5xx, a store briefly away): retry with backoff.
* ``RateLimitedError``: someone asked us to wait ``retry_after`` seconds: retry after that.

Adapters subclass these (``worker.ingest.errors``, ``worker.alerts.delivery.errors``); errors from
libraries (Redis, Elasticsearch, the broker) are mapped by ``worker.pipeline.errors.classify``.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class; ``kind`` names the class in logs and dead letters. ``error_code``: what went wrong, as a
    short fixed word a reader can be told in their language (``worker.alerts.delivery.errors.ERROR_CODES``),
    kept with the dead letter beside the message; ``None`` where the raiser has none."""

    kind = "error"
    error_code: str | None = None


class PermanentError(PipelineError):
    kind = "permanent"


class TransientError(PipelineError):
    kind = "transient"


class RateLimitedError(TransientError):
    """``retry_after``: seconds to wait. ``counts_as_attempt``: False when the wait is our own budget (a
    per-host token bucket) rather than a failure, so it does not use up the stage's retries."""

    kind = "rate_limited"
    counts_as_attempt = True
    spread: float | None = None  # seconds of random extra wait; None: the stage's retry policy's

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
