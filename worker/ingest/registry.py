"""The feed registry in Redis: what to poll (``Feed``), how it went (``FeedState``) and when next
(a sorted set of due times). ``config/feeds.yaml`` only seeds it; feeds added at run time (CLI, API)
live in Redis alongside.

Layout (prefix ``nw:`` by default, see ``keys.Keys``): ``feeds`` set of ids, ``feed:<id>`` JSON config,
``feedstate:<id>`` JSON state, ``feeds:due`` zset id -> next due unix time (a disabled feed has none).

Every change of a feed's configuration (add, replace, remove, enable/disable, interval, a 301's new URL) is
then written to the registry's copy (``RegistryCopy``: Elasticsearch, ``settings.es_feeds_index``), from
which ``restore_from_copy`` brings the feeds back into a Redis that lost them. Redis is written first and is
the registry: a copy that cannot be written is logged and remembered (``feeds:copy_pending``), and written
again with the next change and at ``newsworker setup`` (``sync_copy``).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import redis
import yaml
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

from worker.ingest.canonical import source_from_url
from worker.keys import Keys
from worker.settings import get_settings
from worker.store.clients import get_redis

log = logging.getLogger(__name__)


class RegistryCopy(Protocol):
    """Where the registry's configuration is copied (``worker.store.feeds_copy.FeedCopy``)."""

    index: str

    def ensure(self) -> bool:
        """Create the copy's index if absent; True if created."""

    def write(self, feeds: Sequence[tuple[str, dict[str, Any] | None]], version: int | None = None) -> None:
        """Each ``(id, configuration)`` (``None``: removed), newer ``version`` wins."""

    def read(self) -> list[dict[str, Any]]:
        """The configuration of every feed the copy holds."""


class FeedFileError(ValueError):
    """A feeds file with invalid feeds (``load_yaml``); nothing was stored. The message names them."""


class FeedExistsError(ValueError):
    """``FeedRegistry.add`` of an id that is already registered. The message is meant for the user."""

    def __init__(self, feed_id: str) -> None:
        super().__init__(f"feed {feed_id!r} exists: remove it first to replace it, or choose another id")
        self.feed_id = feed_id


FeedStatus = Literal["new", "ok", "failing", "dead"]
FAILING_AFTER = 1  # the first failure already shows (with its error); "dead" needs many
DEAD_AFTER = 30  # ... and dead (still polled, rarely: max interval) unless a 410 says so at once


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "feed"


class Feed(BaseModel):
    """A feed's configuration (what an operator writes)."""

    id: str
    url: str
    name: str = ""
    source: str = ""  # outlet name put on documents; defaults to the URL's host (``default_source``)
    language: str = "ar"
    interval: int | None = Field(None, description="base polling interval in seconds; settings default if unset")
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True
    allow_private: bool = Field(
        False, description="this feed's own URL may resolve to loopback/private ranges (an intranet feed); "
        "its article pages still follow the deployment's private_hosts")

    @field_validator("id")
    @classmethod
    def _id_ok(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", v):
            raise ValueError("feed id must be 1-100 of [A-Za-z0-9_.-], starting alphanumeric")
        return v

    @field_validator("interval")
    @classmethod
    def _interval_ok(cls, v: int | None, info: ValidationInfo) -> int | None:
        # Held to the deployment's polling bounds when a person gives it (``feed_input``): CLI and API apply
        # one rule. A feed already stored is read as it is (the rule or the bounds may have changed since).
        bounds = info.context.get("interval_bounds") if isinstance(info.context, dict) else None
        if v is not None and bounds is not None and not bounds[0] <= v <= bounds[1]:
            raise ValueError(f"must be between {bounds[0]} and {bounds[1]} seconds (the deployment's "
                             "NEWSWORKER_POLL_MIN_INTERVAL and NEWSWORKER_POLL_MAX_INTERVAL)")
        return v

    @field_validator("url")
    @classmethod
    def _url_ok(cls, v: str) -> str:
        if not v.lower().startswith(("http://", "https://")):
            raise ValueError("feed URL must be http(s)")
        return v.strip()

    def model_post_init(self, _: Any) -> None:
        if not self.source:
            self.source = default_source(self.url, self.id)
        if not self.name:
            self.name = self.id


def default_source(url: str, feed_id: str) -> str:
    """The source a feed's articles carry when none was given (CLI, API, a feeds file; an edit that empties
    it): its URL's host without ``www.`` (``https://www.bbc.com/arabic/rss`` -> ``bbc.com``), which names the
    outlet; the feed id (which named it before: QA5 re-test) only when the host names nothing, an IP address
    or a single label such as ``localhost``."""
    host = source_from_url(url)
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host if "." in host else feed_id
    return feed_id


def interval_bounds(settings: Any) -> tuple[int, int]:
    """The base intervals a feed may be given: the deployment's polling bounds."""
    return int(settings.poll_min_interval), int(settings.poll_max_interval)


def feed_input(data: Mapping[str, Any], settings: Any) -> Feed:
    """A feed as a person gives it (CLI, API, a feeds file): validated like any feed, and its interval held to
    ``interval_bounds``. Raises pydantic's ``ValidationError``."""
    return Feed.model_validate(dict(data), context={"interval_bounds": interval_bounds(settings)})


class FeedState(BaseModel):
    """What polling has learnt; written only by the poller, under the feed's poll lock."""

    status: FeedStatus = "new"
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_full_fetch: float | None = None
    first_poll: float | None = None
    last_poll: float | None = None
    last_success: float | None = None
    last_new_item: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    last_http_status: int | None = None
    consecutive_failures: int = 0
    interval: float | None = None  # current adaptive base interval (seconds)
    next_due: float | None = None
    arrivals: list[float] = Field(default_factory=list)  # when we first saw recent new items
    polls: int = 0
    not_modified: int = 0
    unchanged_body: int = 0
    items_seen: int = 0
    items_new: int = 0
    bozo_error: str | None = None
    moved_from: str | None = None  # previous URL after a 301


@dataclass
class CopyReport:
    """What ``sync_copy`` did: feeds restored into an empty Redis from the copy, feeds written to the copy."""

    index: str = ""
    restored: list[Feed] = field(default_factory=list)
    copied: int = 0


_M = TypeVar("_M", bound=BaseModel)


def _update_watched(r: redis.Redis, key: str, model: type[_M], update: dict[str, Any],
                    also: Callable[[Any, _M, _M], None] | None = None) -> tuple[_M, _M] | None:
    """Change these fields of the JSON model stored at ``key``, optimistically (WATCH: a concurrent writer
    makes it retry on what that writer stored); ``also`` queues more commands in the same transaction.
    ``None`` when nothing is stored there."""
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                raw = pipe.get(key)
                if not raw:
                    return None
                old = model.model_validate_json(raw)
                new = old.model_copy(update=update)
                pipe.multi()
                pipe.set(key, new.model_dump_json())
                if also is not None:
                    also(pipe, old, new)
                pipe.execute()
                return old, new
            except redis.WatchError:
                continue


class FeedRegistry:
    def __init__(self, client: redis.Redis, keys: Keys | None = None, copy: RegistryCopy | None = None) -> None:
        self.r = client
        self.keys = keys or Keys()
        self.copy = copy
        self._save_state = client.register_script(_SAVE_STATE_LUA)
        self._add_new = client.register_script(_ADD_NEW_LUA)

    # configuration -----------------------------------------------------------------------------------
    def add(self, feed: Feed, *, due_now: bool = True) -> Feed:
        """Register a new feed. Raises ``FeedExistsError`` when the id is taken, leaving that feed's
        configuration and polling state (ETag, status) as they are: a new URL under an old feed's state
        would send the old ETag to the new server. ``put`` replaces a feed on purpose. A disabled feed is
        registered off the schedule."""
        added = self._add_new(keys=[self.keys.feed(feed.id), self.keys.feed_ids, self.keys.due],
                              args=[feed.model_dump_json(), feed.id,
                                    repr(time.time()) if due_now and feed.enabled else ""])
        if not added:
            raise FeedExistsError(feed.id)
        self._copied([feed.id])
        return feed

    def put(self, feed: Feed, *, due_now: bool = True) -> Feed:
        """Register a feed or replace the configuration of the one with its id (``feeds load``: a file
        re-loaded after an edit); its polling state and place on the schedule are kept, except that a new
        URL drops what polling learnt from the old one (``_url_changed``), a new interval takes effect at
        once (``_interval_changed``), and disabling (enabling) takes it off (puts it back on) the schedule."""
        self._put(feed, due_now=due_now)
        self._copied([feed.id])
        return feed

    def _put(self, feed: Feed, *, due_now: bool = True) -> None:
        old = self.get(feed.id)
        pipe = self.r.pipeline()
        pipe.set(self.keys.feed(feed.id), feed.model_dump_json())
        pipe.sadd(self.keys.feed_ids, feed.id)
        if not feed.enabled:
            pipe.zrem(self.keys.due, feed.id)
        elif old is not None and not old.enabled:
            pipe.zadd(self.keys.due, {feed.id: time.time()})  # resumed: polled on the next tick
        elif due_now:
            pipe.zadd(self.keys.due, {feed.id: time.time()}, nx=True)
        pipe.execute()
        if old is not None and old.url != feed.url:
            self._url_changed(feed)
        if old is not None and old.interval != feed.interval:
            self._interval_changed(feed)

    def update(self, feed: Feed) -> None:
        """Write a feed's configuration as it is (the poller after a 301: the new URL)."""
        self.r.set(self.keys.feed(feed.id), feed.model_dump_json())
        self._copied([feed.id])

    def set_enabled(self, feed_id: str, enabled: bool) -> Feed | None:
        """Pause (``False``: off the schedule, nothing polled) or resume (``True``: polled on the next beat
        tick) a feed, keeping its polling state. ``None`` if there is no such feed."""
        return self._change(feed_id, {"enabled": enabled})

    def set_interval(self, feed_id: str, interval: int | None) -> Feed | None:
        """A feed's base interval (``None``: the settings' default), keeping its polling state; the adaptive
        interval restarts from it (``_interval_changed``). Bounds are the caller's (``feed_input``)."""
        return self._change(feed_id, {"interval": interval})

    def edit(self, feed_id: str, update: dict[str, Any]) -> Feed | None:
        """Change these fields of a feed's configuration (url, name, source, language, tags, interval,
        enabled: ``PATCH /feeds/{id}``), keeping its polling state, except what a new URL makes stale
        (``_url_changed``). The values are the caller's to validate (``feed_input``). ``None``: no such feed."""
        return self._change(feed_id, update)

    def _change(self, feed_id: str, update: dict[str, Any]) -> Feed | None:
        def schedule(pipe: Any, old: Feed, new: Feed) -> None:
            if old.enabled and not new.enabled:
                pipe.zrem(self.keys.due, feed_id)
            elif new.enabled and not old.enabled:
                pipe.zadd(self.keys.due, {feed_id: time.time()})

        got = _update_watched(self.r, self.keys.feed(feed_id), Feed, update, schedule)
        if got is None:
            return None
        old, new = got
        if old.url != new.url:
            self._url_changed(new)
        if old.interval != new.interval:
            self._interval_changed(new)
        self._copied([feed_id])
        return new

    def _url_changed(self, feed: Feed) -> None:
        """A feed moved to another URL (edited, or replaced by ``feeds load`` / ``add --replace``): what
        polling learnt from the old URL's answers goes. Its validators (ETag, Last-Modified, body hash: sent
        to the new server they could hide its items behind a 304 or an "unchanged body"), the 301 it
        followed, the adaptive interval (a dead URL's slowest rate), the failures in a row (the new URL
        starts from none, not 29 of 30 to "dead"), the last HTTP status and parse error, and the last error with
        its time (the old URL's 404 beside "ok" read as the new URL failing: QA5 re-test qa5r1-2). The new URL is
        due at once: its first poll sets the status, kept until then (as are the counts, the last success and
        new item, and the arrival times: the outlet's pace)."""
        self._update_state(feed.id, {"etag": None, "last_modified": None, "body_hash": None, "moved_from": None,
                                     "interval": None, "consecutive_failures": 0, "last_http_status": None,
                                     "bozo_error": None, "last_error": None, "last_error_at": None})
        if feed.enabled:
            self.r.zadd(self.keys.due, {feed.id: time.time()}, xx=True)

    def _interval_changed(self, feed: Feed) -> None:
        """A new base interval applies from now: the adaptive interval polling had learnt restarts from it, and
        a feed due later than one new interval from now is brought forward (never pushed back)."""
        self._update_state(feed.id, {"interval": None})
        if feed.enabled and feed.interval is not None:
            self.r.zadd(self.keys.due, {feed.id: time.time() + feed.interval}, xx=True, lt=True)

    def get(self, feed_id: str) -> Feed | None:
        raw = self.r.get(self.keys.feed(feed_id))
        return Feed.model_validate_json(raw) if raw else None

    def remove(self, feed_id: str) -> bool:
        removed = self._remove(feed_id)
        if removed:
            self._copied([feed_id])
        return removed

    def _remove(self, feed_id: str) -> bool:
        pipe = self.r.pipeline()
        pipe.srem(self.keys.feed_ids, feed_id)
        pipe.delete(self.keys.feed(feed_id), self.keys.state(feed_id))
        pipe.zrem(self.keys.due, feed_id)
        removed = pipe.execute()[0]
        return bool(removed)

    def ids(self) -> list[str]:
        return sorted(self.r.smembers(self.keys.feed_ids))

    def list(self) -> list[Feed]:
        ids = self.ids()
        if not ids:
            return []
        raws = self.r.mget([self.keys.feed(i) for i in ids])
        return [Feed.model_validate_json(raw) for raw in raws if raw]

    def load_yaml(self, path: str | Path, *, section: str | None = None, replace: bool = False,
                  settings: Any = None) -> list[Feed]:
        """Register every feed of a YAML file (``feeds:`` list, or ``<section>:`` list). Existing state is
        kept, so re-loading the file after an edit does not reset ETags or schedules. With ``settings``, each
        feed is held to the rules of ``feed_input`` (its interval within the polling bounds); an invalid feed
        raises ``FeedFileError`` naming it, before anything is stored."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        entries = data.get(section or "feeds") if isinstance(data, dict) else data
        if not isinstance(entries, list):
            raise ValueError(f"{path}: expected a list under {section or 'feeds'!r}")
        defaults = data.get("defaults", {}) if isinstance(data, dict) else {}
        feeds, problems = [], []
        for entry in entries:
            merged = {**defaults, **entry}
            merged.setdefault("id", slugify(merged.get("name") or merged["url"]))
            try:
                feeds.append(feed_input(merged, settings) if settings is not None else Feed.model_validate(merged))
            except ValidationError as err:
                problems += [f"feed {merged['id']!r}: {'.'.join(map(str, e['loc'])) or 'value'}: "
                             f"{str(e['msg']).removeprefix('Value error, ')}" for e in err.errors()]
        if problems:
            raise FeedFileError(f"{path}: " + "; ".join(problems) + " (nothing was loaded)")
        gone = sorted(set(self.ids()) - {f.id for f in feeds}) if replace else []
        for old in gone:
            self._remove(old)
        for feed in feeds:
            self._put(feed)
        self._copied([*gone, *(f.id for f in feeds)])  # one write to the copy for the whole file
        return feeds

    # the copy ----------------------------------------------------------------------------------------
    def _copied(self, feed_ids: Iterable[str]) -> bool:
        """Write these feeds, and any whose copy failed before, to the copy as Redis now holds them. A
        failure is logged and remembered for the next change or ``sync_copy``: the change itself is made."""
        if self.copy is None:
            return True
        earlier = set(self.r.smembers(self.keys.feeds_copy_pending))
        todo = sorted(set(feed_ids) | earlier)
        if not todo:
            return True
        version = time.time_ns() // 1000  # taken before Redis is read: a later change gets a later version
        try:
            raws = self.r.mget([self.keys.feed(i) for i in todo])
            self.copy.write([(i, json.loads(raw) if raw else None) for i, raw in zip(todo, raws, strict=True)],
                            version)
        except redis.RedisError:
            raise
        except Exception as err:  # noqa: BLE001 - the copy is a backup: the Redis change stands, retried later
            self.r.sadd(self.keys.feeds_copy_pending, *todo)
            log.warning("the feed registry's copy in Elasticsearch (%s) was not updated for %s: %s: %s; the change "
                        "is made in Redis, and the copy is written again at the next feed change and at "
                        "`newsworker setup`", self.copy.index, ", ".join(todo[:10]) + ("..." if len(todo) > 10 else ""),
                        type(err).__name__, str(err)[:300], extra={"feed_id": todo[0] if len(todo) == 1 else None})
            return False
        if earlier:
            self.r.srem(self.keys.feeds_copy_pending, *earlier)
        return True

    def sync_copy(self) -> CopyReport:
        """At ``newsworker setup`` (and ``run``): create the copy's index, restore the feeds into a Redis that
        has none while the copy has some (``restore_from_copy``), else write every registered feed (and every
        removal not yet copied) to the copy, so a registry that predates the copy, or changes made while
        Elasticsearch was away, are copied. Errors of Elasticsearch propagate (setup needs it anyway)."""
        if self.copy is None:
            return CopyReport()
        self.copy.ensure()
        report = CopyReport(index=self.copy.index, restored=self.restore_from_copy())
        if report.restored:
            return report
        pending = set(self.r.smembers(self.keys.feeds_copy_pending))
        ids = sorted(set(self.ids()) | pending)
        version = time.time_ns() // 1000
        raws = self.r.mget([self.keys.feed(i) for i in ids]) if ids else []
        self.copy.write([(i, json.loads(raw) if raw else None) for i, raw in zip(ids, raws, strict=True)], version)
        if pending:
            self.r.srem(self.keys.feeds_copy_pending, *pending)
        report.copied = len(ids)
        return report

    def restore_from_copy(self) -> list[Feed]:
        """If Redis holds no feed (and no copy write is pending, which would mean they were removed on
        purpose), register every feed of the copy, due now. Only configurations come back: the polling
        state (ETag, Last-Modified, schedule, failure counts) was Redis's alone. Returns the feeds restored."""
        if self.copy is None or self.r.exists(self.keys.feed_ids, self.keys.feeds_copy_pending):
            return []
        feeds = []
        for config in self.copy.read():
            try:
                feeds.append(Feed.model_validate(config))
            except ValidationError as err:
                log.warning("the feed registry's copy holds an unreadable feed %r, not restored: %s",
                            config.get("id"), err)
        for feed in feeds:
            self._put(feed)
        return feeds  # the caller says so, loudly (``newsworker setup``)

    # state -------------------------------------------------------------------------------------------
    def state(self, feed_id: str) -> FeedState:
        raw = self.r.get(self.keys.state(feed_id))
        return FeedState.model_validate_json(raw) if raw else FeedState()

    def _update_state(self, feed_id: str, update: dict[str, Any]) -> None:
        """Change these fields of a feed's stored state (none stored: nothing to change); a poll saving the
        state meanwhile makes this retry on what it wrote."""
        _update_watched(self.r, self.keys.state(feed_id), FeedState, update)

    def states(self, feed_ids: list[str]) -> dict[str, FeedState]:
        if not feed_ids:
            return {}
        raws = self.r.mget([self.keys.state(i) for i in feed_ids])
        return {i: (FeedState.model_validate_json(raw) if raw else FeedState()) for i, raw in zip(feed_ids, raws, strict=True)}

    def feed_and_state(self, feed_id: str) -> tuple[Feed | None, FeedState]:
        """``get`` and ``state`` in one round trip (every poll starts with both)."""
        raw, raw_state = self.r.mget([self.keys.feed(feed_id), self.keys.state(feed_id)])
        feed = Feed.model_validate_json(raw) if raw else None
        return feed, FeedState.model_validate_json(raw_state) if raw_state else FeedState()

    def save_state(self, feed_id: str, state: FeedState, pipe: redis.client.Pipeline | None = None) -> None:
        """Write the state and, if the feed is still registered, its next due time: one round trip (a
        script, so a feed removed meanwhile is not put back on the schedule). With ``pipe`` the write is
        queued on it instead, so the poller sends it with its counters and lock release."""
        self._save_state(keys=[self.keys.state(feed_id), self.keys.feed_ids, self.keys.due],
               args=[state.model_dump_json(), feed_id, "" if state.next_due is None else repr(state.next_due)],
               client=pipe)

    # scheduling --------------------------------------------------------------------------------------
    def due(self, now: float | None = None, limit: int = 1000) -> list[str]:
        now = time.time() if now is None else now
        return list(self.r.zrangebyscore(self.keys.due, "-inf", now, start=0, num=limit))

    def claim_due(self, now: float | None = None, *, hold: float = 300, limit: int = 1000) -> list[str]:
        """Due feeds, each pushed ``hold`` seconds ahead atomically (ZADD XX GT per id, in one pipeline),
        so a second beat tick (or a second beat) does not enqueue the same feed again while its poll
        task is queued. The poll writes the real next due time when it finishes."""
        now = time.time() if now is None else now
        ids = self.due(now, limit)
        if not ids:
            return []
        script = self.r.register_script(
            "local out = {} "
            "for i, id in ipairs(ARGV) do "
            "  if i > 2 then "
            "    local s = redis.call('ZSCORE', KEYS[1], id) "
            "    if s and tonumber(s) <= tonumber(ARGV[1]) then "
            "      redis.call('ZADD', KEYS[1], ARGV[2], id); table.insert(out, id) end end end "
            "return out"
        )
        return list(script(keys=[self.keys.due], args=[now, now + hold, *ids]))

    def set_due(self, feed_id: str, when: float) -> None:
        self.r.zadd(self.keys.due, {feed_id: when})

    def due_times(self, feed_ids: list[str]) -> dict[str, float | None]:
        """When each feed is next due on the schedule (None: not scheduled). This is the time the beat
        acts on; ``FeedState.next_due`` is only what the last poll wrote, and a new feed has none."""
        if not feed_ids:
            return {}
        scores = self.r.zmscore(self.keys.due, feed_ids)
        return {i: (None if s is None else float(s)) for i, s in zip(feed_ids, scores, strict=True)}


# KEYS: feed key, feed ids set, due zset. ARGV: feed JSON, feed id, due time ("" = not scheduled).
# The configuration is written only if the id is free; one script, so a concurrent add cannot slip between.
_ADD_NEW_LUA = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  return 0
end
redis.call('SADD', KEYS[2], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[2])
end
return 1
"""

# KEYS: state key, feed ids set, due zset. ARGV: state JSON, feed id, next due ("" = none).
_SAVE_STATE_LUA = """
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[3] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
end
return 1
"""


# A feed is "silent" when it has brought no new item for SILENT_POLLS of its base intervals, and at least
# SILENT_FLOOR_SECONDS: a feed that answers 200/304 on every poll but has published nothing for that long is
# likely moved or frozen, though its status says "ok". The floor keeps a 5-minute feed from being flagged
# overnight (4 hours of 48 polls); a 6-hour feed is flagged after 12 days.
SILENT_POLLS = 48
SILENT_FLOOR_SECONDS = 12 * 3600


def silent_after(feed: Feed, default_interval: float) -> float:
    """How long without a new item makes ``feed`` silent (seconds)."""
    return max(SILENT_FLOOR_SECONDS, SILENT_POLLS * float(feed.interval or default_interval))


def is_silent(feed: Feed, state: FeedState, default_interval: float, now: float | None = None) -> bool:
    """Polling ``feed`` brought no new item for ``silent_after``, counted from its last new item (from its
    first poll when it never brought one). A paused feed, or one never polled, is not silent."""
    since = state.last_new_item or state.first_poll
    if not feed.enabled or since is None:
        return False
    return (time.time() if now is None else now) - since > silent_after(feed, default_interval)


def feed_view(feed: Feed, state: FeedState, next_poll: float | None = None) -> dict[str, Any]:
    """Configuration and state in one flat dict (CLI, API, metrics, ``newsworker status``); ``next_poll``
    is the feed's time on the schedule when the caller read it (``FeedRegistry.due_times``)."""
    default_interval = get_settings().poll_default_interval
    return {
        **feed.model_dump(),
        "status": state.status, "last_success": state.last_success, "last_poll": state.last_poll,
        "last_error": state.last_error, "last_error_at": state.last_error_at,
        "last_http_status": state.last_http_status, "consecutive_failures": state.consecutive_failures,
        "next_due": state.next_due, "current_interval": state.interval, "last_new_item": state.last_new_item,
        "items_new": state.items_new, "polls": state.polls, "not_modified": state.not_modified,
        "unchanged_body": state.unchanged_body, "bozo_error": state.bozo_error, "etag": state.etag,
        "last_modified": state.last_modified, "moved_from": state.moved_from, "first_poll": state.first_poll,
        "items_seen": state.items_seen, "silent_after": silent_after(feed, default_interval),
        "silent": is_silent(feed, state, default_interval),
        # a paused feed is polled at no time (its last poll's next_due is not a plan)
        "next_poll": None if not feed.enabled else next_poll if next_poll is not None else state.next_due,
    }


def list_feeds(client: redis.Redis | None = None, keys: Keys | None = None) -> list[dict[str, Any]]:
    """Every registered feed with its state, on the process's shared Redis by default."""
    if client is None:
        client = get_redis()
    if keys is None:
        keys = Keys(get_settings().redis_prefix)
    reg = FeedRegistry(client, keys)
    feeds = reg.list()
    ids = [f.id for f in feeds]
    states, due = reg.states(ids), reg.due_times(ids)
    return [feed_view(f, states[f.id], due[f.id]) for f in feeds]
