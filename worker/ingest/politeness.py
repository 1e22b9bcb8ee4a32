"""Being a good citizen towards news sites, shared by every worker process through Redis.

* ``TokenBucket``: one bucket per host in Redis, updated by a Lua script so the check-and-take is atomic
  across workers (Celery's ``rate_limit`` is per worker process and would multiply with concurrency).
  The script uses Redis's own clock, so workers with skewed clocks still agree.
* ``RobotsPolicy``: robots.txt for article fetches, cached in Redis per origin (a day when fetched, ten
  minutes when the site failed to answer, during which we allow: unreachable robots is not a ban). The
  cache is bounded: every entry expires, and one holds at most ``MAX_ROBOTS_CHARS`` (RFC 9309 asks
  parsers to read at least 500 KiB; the fetch is capped at 512 KiB after decompression).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import redis

from worker.ingest.errors import FetchTimeoutError, RateLimitedError
from worker.keys import Keys

# KEYS[1] bucket hash; ARGV rate (tokens/s), burst, cost. Returns seconds to wait (as a string: Lua
# numbers become integers on the way out) - "0" means the token was taken.
_BUCKET_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = burst; ts = now end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
if tokens >= cost then
  tokens = tokens - cost
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', ts)
  redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
  return '0'
end
return tostring((cost - tokens) / rate)
"""


class TokenBucket:
    def __init__(self, client: redis.Redis, keys: Keys, rate: float, burst: int) -> None:
        self.client = client
        self.keys = keys
        self.rate = float(rate)
        self.burst = max(1, int(burst))
        self._script = client.register_script(_BUCKET_LUA)

    def try_acquire(self, host: str, cost: float = 1.0) -> float:
        """Take a token if one is there; returns 0.0 on success, else seconds until one will be."""
        if self.rate <= 0:
            return 0.0
        return float(self._script(keys=[self.keys.bucket(host.lower())], args=[self.rate, self.burst, cost]))

    def acquire(self, host: str, *, max_wait: float = 10.0, sleep: Callable[[float], None] = time.sleep) -> None:
        """Block until a token is taken; if that would take longer than ``max_wait`` raise
        ``RateLimitedError`` so the task is retried later instead of holding a worker slot."""
        waited = 0.0
        while True:
            wait = self.try_acquire(host)
            if wait <= 0:
                return
            if waited + wait > max_wait:
                raise RateLimitedError(f"per-host budget for {host} exhausted", retry_after=wait)
            sleep(wait)
            waited += wait


MAX_ROBOTS_CHARS = 500 * 1024
# Parsed robots.txt kept per process: at most this much text in all (a hostile site's 500 KiB ones
# included), then the cache starts again.
MAX_PARSED_CHARS = 8 * 1024 * 1024


class RobotsPolicy:
    """``allowed(url)`` with robots.txt fetched through ``fetch_text(url) -> (status, text)``."""

    ok_ttl = 24 * 3600
    fail_ttl = 600

    def __init__(self, client: redis.Redis, keys: Keys, user_agent: str,
                 fetch_text: Callable[[str], tuple[int, str]]) -> None:
        self.client = client
        self.keys = keys
        self.agent = user_agent.split("/", 1)[0].strip() or "*"
        self.fetch_text = fetch_text
        # origin -> (rules text, its parser): the text still comes from the shared Redis cache on every
        # check (its TTLs decide when robots.txt is fetched again), but it is parsed again only when it
        # changed; parsing a site's robots.txt per article cost ~2 ms of CPU for 200 rules.
        self._parsed: dict[str, tuple[str, RobotFileParser]] = {}
        self._parsed_chars = 0
        self._lock = threading.Lock()

    def _rules(self, origin: str) -> str:
        key = self.keys.robots(origin)
        cached = self.client.get(key)
        if cached is not None:
            return cached
        try:
            status, text = self.fetch_text(origin + "/robots.txt")
        except FetchTimeoutError:
            # allowed when asked again, but this page is not fetched now: a site that let robots.txt run out
            # of time is slow, and its page would hold the process for a second deadline (QA6 re-test qa6r-1)
            self.client.set(key, "", ex=self.fail_ttl)
            raise
        except Exception:  # noqa: BLE001 - unreachable robots.txt: allow, re-check soon
            self.client.set(key, "", ex=self.fail_ttl)
            return ""
        if status >= 500:
            self.client.set(key, "", ex=self.fail_ttl)
            return ""
        if status in (401, 403):
            text = "User-agent: *\nDisallow: /\n"  # RFC 9309 leaves this open; be conservative
        elif status >= 400:
            text = ""  # no robots.txt: everything allowed
        text = text[:MAX_ROBOTS_CHARS]
        self.client.set(key, text, ex=self.ok_ttl)
        return text

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        rules = self._rules(origin)
        if not rules.strip():
            return True
        return self._parser(origin, rules).can_fetch(self.agent, url)

    def _parser(self, origin: str, rules: str) -> RobotFileParser:
        with self._lock:
            hit = self._parsed.get(origin)
        if hit is not None and hit[0] == rules:
            return hit[1]
        parser = RobotFileParser()  # only read once parsed, so threads may share it
        parser.parse(rules.splitlines())
        with self._lock:
            if self._parsed_chars + len(rules) > MAX_PARSED_CHARS:
                self._parsed.clear()
                self._parsed_chars = 0
            old = self._parsed.pop(origin, None)
            self._parsed_chars += len(rules) - (len(old[0]) if old else 0)
            self._parsed[origin] = (rules, parser)
        return parser
