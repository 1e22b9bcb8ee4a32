"""The one retry mechanism: backoff per policy and the decision per error class."""

from __future__ import annotations

import random

from worker import errors
from worker.ingest.errors import PermanentFetchError, RateLimitedError, TransientFetchError
from worker.pipeline.errors import classify
from worker.pipeline.retry import CHANNEL, HTTP, STORE, decide


def test_backoff_grows_then_caps_with_jitter() -> None:
    rng = random.Random(1)
    waits = [CHANNEL.backoff(n, rng) for n in range(1, 60)]
    assert waits[0] <= 2.0 * 1.2 and CHANNEL.backoff(4, rng) >= 2.0 * 8 * 0.8
    assert all(w <= CHANNEL.cap * 1.2 for w in waits)
    assert waits[-1] >= CHANNEL.cap * 0.8
    # about 7 hours of retries before a notification is given up
    total = sum(min(CHANNEL.cap, CHANNEL.base * 2 ** (n - 1)) for n in range(1, CHANNEL.max_attempts))
    assert 6 * 3600 < total < 9 * 3600


def test_caps_stay_below_the_visibility_timeout() -> None:
    assert all(p.cap * (1 + p.jitter) <= 1800 * 1.2 for p in (CHANNEL, HTTP, STORE))


def test_classify_maps_adapter_and_library_errors() -> None:
    import redis
    from elastic_transport import ConnectionError as ESConnectionError

    assert classify(PermanentFetchError("404")).kind == "permanent"
    assert classify(TransientFetchError("timeout")).kind == "transient"
    limited = classify(RateLimitedError("429", retry_after=30, status=429))
    assert limited.kind == "rate_limited" and limited.retry_after == 30 and limited.counts_as_attempt
    assert not classify(RateLimitedError("bucket", retry_after=1)).counts_as_attempt  # our own bucket
    assert classify(redis.ConnectionError("down")).kind == "transient"
    assert classify(ESConnectionError("down")).kind == "transient"
    assert classify(ValueError("bug")).kind == "permanent"


def test_decisions_follow_the_class() -> None:
    rng = random.Random(0)
    assert decide(HTTP, classify(errors.PermanentError("x")), 1, rng).action == "dead"
    assert decide(HTTP, classify(errors.TransientError("x")), 1, rng).action == "retry"
    assert decide(HTTP, classify(errors.TransientError("x")), HTTP.max_attempts, rng).action == "dead"
    d = decide(HTTP, classify(errors.RateLimitedError("x", retry_after=100)), 1, rng)
    assert d.action == "retry" and 100 <= d.delay <= 100 + HTTP.rate_limit_spread
