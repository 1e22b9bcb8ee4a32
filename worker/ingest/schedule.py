"""When to poll a feed next: pure functions, no I/O, so the policy can be unit-tested and reasoned about.

* ``adaptive_interval``: starts from the configured interval and moves with what polls observe. The
  observed gap between new items (arrival times recorded by us, not the feeds' pubDates, which lie or
  sit in another time zone) sets a target of about two polls per expected item; polls that find only
  already-seen items stretch the interval, polls whose items are mostly new shrink it (we may be
  missing items that scrolled off). Bounded to [min, max] and never below what the server asked for
  (RSS ``<ttl>``, ``Cache-Control: max-age``).
* ``backoff_delay``: exponential backoff with "equal jitter" after consecutive failures; a server's
  Retry-After is a floor.
* ``jitter``: +-10% so feeds configured alike do not fire together.

Every number read from outside (``<ttl>``, ``Cache-Control: max-age``, ``Retry-After``) goes through a
parser here that answers a finite value in a fixed range or None: ``inf``, ``1e309``, ``nan``, negatives,
``99999999999999`` and 5,000-digit strings are all someone's input.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime

# At most 10 digits: a longer number is garbage, and int() of a 5,000-digit string raises.
_MAX_AGE_RE = re.compile(r"(?:^|[,\s])(?:s-maxage|max-age)\s*=\s*\"?(\d{1,10})(?!\d)", re.IGNORECASE)
MAX_SERVER_SECONDS = 7 * 24 * 3600  # no TTL, max-age or Retry-After is honoured beyond a week
MAX_NUMBER_CHARS = 32


def finite_seconds(value: float, *, high: float = MAX_SERVER_SECONDS) -> float | None:
    """``value`` clamped to [0, high], or None when it is not a finite number."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return None
    return min(max(0.0, float(value)), high)


def parse_ttl_minutes(value: object) -> int | None:
    """RSS ``<ttl>`` (minutes) as seconds, clamped to [0, a week]; None for anything not a number >= 0."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > MAX_NUMBER_CHARS:
        return None
    try:
        minutes = float(text)
    except ValueError:
        return None
    if not math.isfinite(minutes) or minutes < 0:
        return None
    seconds = finite_seconds(minutes * 60)
    return int(seconds) if seconds is not None else None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), clamped to [0, a week];
    None if absent/garbage."""
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > 64:
        return None
    if value.isascii() and value.isdigit():
        return finite_seconds(float(value[:MAX_NUMBER_CHARS]))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return finite_seconds(when.timestamp() - now)
    except (OverflowError, OSError, ValueError):
        return None


def parse_max_age(cache_control: str | None) -> int | None:
    if not cache_control:
        return None
    cache_control = cache_control[:1024]
    if re.search(r"\bno-(?:cache|store)\b", cache_control, re.IGNORECASE):
        return 0
    m = _MAX_AGE_RE.search(cache_control)
    return min(int(m.group(1)), MAX_SERVER_SECONDS) if m else None


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


IDLE_AFTER = 24 * 3600  # a feed with nothing new for this long may drift out to the max interval
STRETCH_LIMIT = 4  # otherwise empty polls stretch the interval to at most this many times the base


def adaptive_interval(
    current: float,
    *,
    new_items: int,
    total_items: int,
    base: float | None = None,
    arrivals: Sequence[float] = (),
    min_interval: float = 60,
    max_interval: float = 6 * 3600,
    server_min: float | None = None,
    idle_seconds: float = 0.0,
) -> float:
    """The next base interval in seconds (before jitter). See module docstring for the reasoning.

    ``base`` is the configured interval: quiet spells stretch the interval to at most
    ``STRETCH_LIMIT`` x base, so a feed that is silent at night is polled at a sane rate in the morning;
    only a feed idle for more than a day (``idle_seconds``) drifts out to ``max_interval``.
    """
    base = base or current
    interval = current
    if total_items > 0:
        share_new = new_items / total_items
        if new_items == 0:
            interval = current * 1.25
        elif share_new >= 0.5:
            interval = current / 2  # the feed window turns over fast: poll sooner or lose items
        elif share_new >= 0.2:
            interval = current / 1.25
    elif new_items == 0:
        interval = current * 1.25  # empty feed: nothing to learn, drift out slowly
    recent = sorted(arrivals)[-20:]
    if len(recent) >= 3 and recent[-1] > recent[0]:
        mean_gap = (recent[-1] - recent[0]) / (len(recent) - 1)
        # Two polls per expected item; blend so one burst does not swing the interval wildly.
        interval = 0.5 * interval + 0.5 * (mean_gap / 2)
    upper = max_interval if idle_seconds > IDLE_AFTER else min(max_interval, base * STRETCH_LIMIT)
    interval = min(interval, upper)
    if server_min:
        interval = max(interval, min(server_min, max_interval))
    return clamp(interval, min_interval, max_interval)


def backoff_delay(
    failures: int,
    *,
    base: float = 60,
    cap: float = 6 * 3600,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Delay after ``failures`` consecutive failures (1 = first failure): base*2^(n-1), capped, with the
    upper half jittered ("equal jitter": never less than half the exponential value)."""
    rng = rng or random
    exp = min(cap, base * (2 ** max(0, failures - 1)))
    delay = exp / 2 + rng.uniform(0, exp / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


def jitter(interval: float, *, fraction: float = 0.1, rng: random.Random | None = None) -> float:
    rng = rng or random
    return interval * (1 + rng.uniform(-fraction, fraction))


def needs_full_fetch(last_full_fetch: float | None, now: float, every: float) -> bool:
    """Whether to drop the validators this time: some servers answer 304 forever once confused."""
    return last_full_fetch is None or now - last_full_fetch >= every


def http_date(ts: float) -> str:
    return email.utils.format_datetime(datetime.fromtimestamp(ts, tz=UTC), usegmt=True)
