"""One retry mechanism: a policy per stage, and a pure decision from (policy, error class, attempt).

Replaces the five styles that grew per task (two backoff functions, Celery's ``retry_backoff``,
``retries < 20`` inside ``max_retries=300``, and ``deliver`` doing both). The runner asks ``decide`` what
to do with a failed attempt and carries it out; nothing here does I/O or reads the clock, so the
decisions are unit-tested with a seeded random source.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from worker.pipeline.errors import Failure

Action = Literal["retry", "defer", "dead"]


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` attempts in all (the first included); the wait before attempt n+1 is
    ``base * 2**(n-1)`` capped at ``cap``, times a jitter factor in [1 - jitter, 1 + jitter] so a
    recovering service is not hit by every waiting message in the same second."""

    max_attempts: int
    base: float
    cap: float
    jitter: float = 0.2
    rate_limit_spread: float = 10.0  # seconds of extra random wait after a Retry-After

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.cap, self.base * (2 ** min(attempt - 1, 30)))
        return raw * rng.uniform(1 - self.jitter, 1 + self.jitter)


@dataclass(frozen=True)
class Decision:
    action: Action  # retry (uses an attempt) | defer (a wait, not an attempt) | dead (dead letter)
    delay: float = 0.0
    reason: str = ""


def decide(policy: RetryPolicy, failure: Failure, attempt: int, rng: random.Random | None = None) -> Decision:
    """What to do after attempt number ``attempt`` (1-based) failed with ``failure``."""
    rng = rng or random.Random()
    if failure.kind == "permanent":
        return Decision("dead", reason=f"permanent: {failure.message}")
    if failure.kind == "rate_limited":
        wait = max(0.0, failure.retry_after if failure.retry_after is not None else policy.base)
        # a server's Retry-After of days must not outlive the broker's visibility timeout (redelivery)
        spread = policy.rate_limit_spread if failure.spread is None else max(0.0, failure.spread)
        wait = min(wait, policy.cap) + rng.uniform(0, spread)
        if not failure.counts_as_attempt:
            return Decision("defer", wait, "own rate limit")
        if attempt >= policy.max_attempts:
            return Decision("dead", reason=f"gave up after {attempt} attempts: {failure.message}")
        return Decision("retry", wait, "rate limited")
    if attempt >= policy.max_attempts:
        return Decision("dead", reason=f"gave up after {attempt} attempts: {failure.message}")
    return Decision("retry", policy.backoff(attempt, rng), f"transient: {failure.message}")


# The policies, by what the stage talks to. Caps stay below the broker's visibility timeout (1800 s) so a
# message waiting for its retry is not redelivered early.
ONCE = RetryPolicy(max_attempts=1, base=1.0, cap=1.0)  # pure stages: a failure is the input's fault
INFRA = RetryPolicy(max_attempts=5, base=5.0, cap=300.0)  # poll: Redis or the broker away
HTTP = RetryPolicy(max_attempts=7, base=30.0, cap=1740.0)  # fetch: the site slow or down
STORE = RetryPolicy(max_attempts=300, base=2.0, cap=60.0)  # story, index, match: ES or Redis away (~5 h)
CHANNEL = RetryPolicy(max_attempts=49, base=2.0, cap=600.0)  # deliver: a receiver away (~7 h)
PERIODIC = RetryPolicy(max_attempts=4, base=5.0, cap=60.0)  # beat rows: the next tick runs anyway
