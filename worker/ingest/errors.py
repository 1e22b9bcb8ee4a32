"""Classed fetch errors, in the taxonomy of ``worker.errors``. Backoff, retries and dead letters follow the
class, not the message:

* ``PermanentFetchError``: retrying will not help (404, 410, SSRF refusal, wrong content type, too large).
* ``TransientFetchError``: may work later (timeouts, connection resets, 5xx, a failed DNS lookup).
* ``RateLimitedError``: the server (429/503 + Retry-After) or our own per-host bucket asked us to wait.
"""

from __future__ import annotations

from worker import errors


class FetchError(errors.PipelineError):
    """Base class; ``status`` is the HTTP status when there was a response."""

    kind = "error"

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class PermanentFetchError(FetchError, errors.PermanentError):
    kind = "permanent"


class BlockedURLError(PermanentFetchError):
    """Refused before any request: non-http(s) scheme or an address in a private/reserved range."""

    kind = "blocked"


class GoneError(PermanentFetchError):
    """HTTP 410: the resource is gone for good (a feed answering this is marked dead)."""

    kind = "gone"


class RobotsDisallowedError(PermanentFetchError):
    kind = "robots"


class TransientFetchError(FetchError, errors.TransientError):
    kind = "transient"


class FetchTimeoutError(TransientFetchError):
    """The server did not answer in time: a read, the connection, or the whole fetch's deadline
    (``http_total_deadline``) ran out. Counted per site by ``worker.ingest.hosts`` (QA6 qa6s-1)."""


class HostTimingOutError(TransientFetchError):
    """The site's last pages all ran out of time (``worker.ingest.hosts``): this one is not tried for a while.
    A failed attempt, so the page's retries run their course and the last one uses the feed's text."""


class DNSLookupError(TransientFetchError):
    """The host name did not resolve now (a resolver timeout, SERVFAIL, a name not found). Not a refusal:
    a resolver blip must not turn a page into the feed's summary for good or dead-letter a notification on
    its first attempt, so it is retried like a refused connection. A name not found is retried too: DNS
    says so for a record not published yet or a container's name while it restarts, and a typo shows as
    this error on every attempt until the retries end. A name that resolves to a blocked address is a
    ``BlockedURLError``."""

    kind = "dns"


class RateLimitedError(TransientFetchError, errors.RateLimitedError):
    """``retry_after`` is the number of seconds the server (or our bucket) asked us to wait. Without a
    ``status`` it was our own per-host bucket: a wait, not a failed attempt."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, url: str | None = None,
                 status: int | None = None) -> None:
        FetchError.__init__(self, message, url=url, status=status)
        self.retry_after = retry_after

    @property
    def counts_as_attempt(self) -> bool:  # type: ignore[override]
        return self.status is not None


class HostBusyError(RateLimitedError):
    """Every slot of the page's site is in use (``worker.ingest.hosts``): not fetched now, back in a moment.
    Our own limit, not the site's answer (no ``status``), so the wait is not an attempt."""

    spread = 4.0  # seconds of random extra wait, so the waiting pages do not all come back at once


def classify_status(status: int) -> type[FetchError] | None:
    """The error class for an HTTP status, or None when the response is usable (2xx/304)."""
    if 200 <= status < 300 or status == 304:
        return None
    if status == 410:
        return GoneError
    if status in (429, 503):
        return RateLimitedError
    if status in (408, 425) or status >= 500:
        return TransientFetchError
    return PermanentFetchError
