"""Classify any exception into the one taxonomy of ``worker.errors``: permanent, transient, rate-limited.

Adapters raise taxonomy classes themselves; this maps what libraries raise (Redis, Elasticsearch, the
broker, sockets). Anything unrecognised is permanent: a bug or a malformed payload does not get better by
retrying, and the dead letter keeps the input and the error for a replay once it is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from elastic_transport import ConnectionError as ESConnectionError
from elastic_transport import ConnectionTimeout as ESConnectionTimeout
from elasticsearch import ApiError
from kombu.exceptions import OperationalError

from worker import errors


@dataclass(frozen=True)
class Failure:
    kind: str  # permanent | transient | rate_limited
    message: str
    retry_after: float | None = None
    counts_as_attempt: bool = True
    spread: float | None = None  # a rate limit's random extra wait, when the error names its own
    error_code: str | None = None  # the raiser's word for what went wrong (``worker.errors.PipelineError``)


_TRANSIENT_LIBRARY_ERRORS = (redis.ConnectionError, redis.TimeoutError, ESConnectionError, ESConnectionTimeout,
                             OperationalError, ConnectionError, TimeoutError)


def transient_status(status: int | None) -> bool:
    """An HTTP status from one of our stores that is worth retrying (none at all: unreachable)."""
    return status is None or status in (408, 429) or status >= 500


def classify(err: BaseException) -> Failure:
    message = f"{type(err).__name__}: {err}"
    code = err.error_code if isinstance(err, errors.PipelineError) else None
    if isinstance(err, errors.RateLimitedError):
        return Failure("rate_limited", message, err.retry_after, bool(err.counts_as_attempt), err.spread, code)
    if isinstance(err, errors.TransientError):
        return Failure("transient", message, error_code=code)
    if isinstance(err, errors.PermanentError):
        return Failure("permanent", message, error_code=code)
    if isinstance(err, ApiError):
        return Failure("transient" if transient_status(err.status_code) else "permanent", message)
    if isinstance(err, _TRANSIENT_LIBRARY_ERRORS):
        return Failure("transient", message)
    return Failure("permanent", message)
