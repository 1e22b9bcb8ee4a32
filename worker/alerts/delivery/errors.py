"""Delivery failures, classed so the task knows whether waiting can help, and coded so a reader knows what
went wrong and what to do.

``error_code`` is one of ``ERROR_CODES``, set where the failure is raised (the place that knows whether a
receiver timed out or answered 404). It is recorded beside the message in the alert history
(``last_error_code``) and the dead letter (``error_code``), and the web page words it in its own language;
the message stays the exact detail (a server's words, the setting that bounded the wait). Records written
before the codes existed have none: readers fall back to the message.
"""

from __future__ import annotations

from typing import Literal, get_args

from worker import errors

ErrorCode = Literal[
    "timeout",  # the receiver did not answer in time: too slow, or overloaded
    "unreachable",  # no connection: refused, reset, the host name did not resolve
    "redirect",  # a 3xx: the receiver moved (redirects are not followed)
    "client_error",  # a 4xx: the receiver refused the request (wrong URL, auth, gone)
    "server_error",  # a 5xx (and 408/425): the receiver failed
    "rate_limited",  # 429, or a 503 with Retry-After: the receiver asked us to slow down
    "bad_url",  # the channel's URL is refused by our own checks (private address, invalid, a placeholder)
    "bad_address",  # the e-mail address is not a valid one
    "smtp_refused",  # the mail server refused the message or the recipient for good (5xx)
    "smtp_deferred",  # the mail server refused for now (4xx)
    "other",  # anything else (an unknown channel type)
]
ERROR_CODES: tuple[str, ...] = get_args(ErrorCode)

_RETRY_LATER = {408, 425}  # a 4xx that means "not now": the receiver's fault, like a 5xx


def http_error_code(status: int) -> ErrorCode:
    """The code of a webhook's answer that was not a 2xx."""
    if status == 429:
        return "rate_limited"
    if 300 <= status < 400:
        return "redirect"
    if status >= 500 or status in _RETRY_LATER:
        return "server_error"
    return "client_error"


def smtp_error_code(status: int | None) -> ErrorCode:
    """The code of a mail server's refusal (its reply code)."""
    return "smtp_deferred" if status is not None and 400 <= status < 500 else "smtp_refused"


class DeliveryError(errors.PipelineError):
    """Base class; ``status`` is the HTTP/SMTP code when there was one; ``error_code`` what went wrong (one
    of ``ERROR_CODES``), from the HTTP status when not given."""

    def __init__(self, message: str, status: int | None = None, *, error_code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code: ErrorCode = error_code or (http_error_code(status) if status is not None else "other")


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
                 counts_as_attempt: bool = True, spread: float | None = None,
                 error_code: ErrorCode = "rate_limited") -> None:
        super().__init__(message, status, error_code=error_code)
        self.retry_after = retry_after
        self.counts_as_attempt = counts_as_attempt
        self.spread = spread
