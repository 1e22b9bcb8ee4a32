"""The one line ``newsworker run`` keeps on the console: feeds polled, articles indexed, alerts sent, errors.

The worker, beat and API log to files (``worker.logs``); a newcomer needs the URL and a sign of life, not a
JSON line per task. The counts come from the cluster-wide counters in Redis (``worker.metrics``), taken as
the difference from when this ``run`` started, so they say what *this* run did even on a Redis that has
counted for weeks; the index size comes from Elasticsearch.

Reading (``collect``) is separate from formatting (``format_line``, pure) and from drawing (``StatusLine``:
one line rewritten in place on a terminal, a plain line every so often otherwise, so a log file or CI
output gets a readable trail instead of carriage returns).
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from worker.metrics import read_counters
from worker.ops import health
from worker.pipeline.context import current
from worker.settings import get_settings
from worker.store.clients import probe_redis, probing

# Poll outcomes that are no poll at all (another worker held the lock, the feed is disabled...).
_NOT_POLLED = frozenset({"deferred", "locked", "unknown", "disabled"})
_POLL_ERRORS = frozenset({"error", "dead"})


@dataclass(frozen=True)
class Counts:
    feeds_polled: int = 0
    articles_indexed: int = 0
    alerts_sent: int = 0
    errors: int = 0

    def __sub__(self, other: Counts) -> Counts:
        return Counts(*(max(0, a - b) for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, int, int, int]:
        return self.feeds_polled, self.articles_indexed, self.alerts_sent, self.errors


@dataclass(frozen=True)
class Snapshot:
    counts: Counts
    uptime: float
    state: str  # "ready", "starting: <what is awaited>", or "DOWN: <what is down>"
    in_index: int | None = None  # documents behind the search alias (None: could not ask)


def _label(raw: str, name: str) -> str:
    try:
        return str(json.loads(raw).get(name, ""))
    except (ValueError, AttributeError):
        return ""


def counts_from(counters: Callable[[str], Mapping[str, float]]) -> Counts:
    """Fold the Redis counters (``label json -> value`` per counter name) into the four figures."""
    polls = counters("feed_polls_total")
    polled = sum(v for k, v in polls.items() if _label(k, "outcome") not in _NOT_POLLED)
    poll_errors = sum(v for k, v in polls.items() if _label(k, "outcome") in _POLL_ERRORS)
    indexed = sum(v for k, v in counters("articles_total").items()
                  if _label(k, "stage") == "index" and _label(k, "outcome") == "ok")
    sent = sum(v for k, v in counters("alert_deliveries_total").items() if _label(k, "outcome") == "delivered")
    # README's "errors": failed polls, documents Elasticsearch refused, dead letters. A transient indexing
    # failure on its last attempt is also a dead letter, so only the refused kind is added here.
    refused = sum(v for k, v in counters("indexing_errors_total").items() if _label(k, "kind") == "rejected")
    errors = poll_errors + refused + sum(counters("dead_letters_total").values())
    return Counts(int(polled), int(indexed), int(sent), int(errors))


def _duration(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def format_line(snap: Snapshot, width: int | None = None) -> str:
    """``ready · feeds polled 14 · articles indexed 120 (1,530 in index) · alerts sent 2 · errors 0 · up 2m05s``.

    Cut to ``width`` so that a narrow terminal never wraps it (a wrapped line cannot be rewritten in place):
    the index size goes first, then the tail."""
    c = snap.counts
    head = [snap.state, f"feeds polled {c.feeds_polled:,}", f"articles indexed {c.articles_indexed:,}"]
    tail = [f"alerts sent {c.alerts_sent:,}", f"errors {c.errors:,}", f"up {_duration(snap.uptime)}"]
    line = " · ".join(head + tail)
    if snap.in_index is not None:
        full = " · ".join([*head[:-1], f"{head[-1]} ({snap.in_index:,} in index)", *tail])
        if width is None or len(full) <= width:
            return full
    if width is not None and len(line) > width:
        line = line[: max(0, width - 1)] + "…"
    return line


class StatusLine:
    """Draws snapshots: rewritten in place on a TTY, one plain line per ``every`` seconds otherwise."""

    def __init__(self, stream: TextIO | None = None, every: float = 30.0, tty: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = every
        self.clock = clock
        self._last_plain: float | None = None
        self._last_state: str | None = None
        self._current = ""

    def _width(self) -> int | None:
        if not self.tty:
            return None

        return shutil.get_terminal_size((100, 24)).columns - 1

    def show(self, snap: Snapshot) -> None:
        line = format_line(snap, self._width())
        if self.tty:
            self._current = line
            self.stream.write("\r\x1b[K" + line)
        else:
            # A plain line when due, and at once when the state changes (starting -> ready, something down).
            now = self.clock()
            due = self._last_plain is None or now - self._last_plain >= self.every
            if due or snap.state != self._last_state:
                self.stream.write(line + "\n")
                self._last_plain = now
        self._last_state = snap.state
        self.stream.flush()

    def message(self, text: str) -> None:
        """A line of its own (a restart, the shutdown) above the status line, which is then redrawn."""
        if self.tty:
            self.stream.write("\r\x1b[K" + text + "\n" + self._current)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Leave the last status on screen and the cursor on a fresh line."""
        if self.tty and self._current:
            self.stream.write("\n")
            self.stream.flush()
        self._current = ""


# How long a run may take to come up (a worker's boot, this run's first canary, a killed beat's lock running
# out) before what it still waits for is reported as DOWN rather than "starting".
STARTUP_GRACE = 180.0
# What the console names when a check of ``newsworker status`` is what a starting run still waits for.
_AWAITED = {"api": "API", "workers": "worker", "consuming": "worker", "beat": "beat", "schedule": "beat",
            "feeds": "an enabled feed"}


def decide_state(stores: Sequence[health.Check], pipeline: Sequence[health.Check], api_listening: bool,
                 children_down: Sequence[str] = (), uptime: float = 0.0, was_ready: bool = False) -> str:
    """The console's state from the checks of ``newsworker status`` (pure).

    - ``DOWN: <store>`` when Redis or Elasticsearch does not answer, ``DOWN: <child> (...)`` when the
      supervisor's own child has exited or is crash-looping: nothing else is worth checking then;
    - ``ready`` when the API listens and every pipeline check passes (workers answer, beat holds and renews
      its lock, this run's worker executed the canary recently, the schedule runs);
    - otherwise ``starting: <what it waits for>`` while the run comes up (never ready yet, within
      ``STARTUP_GRACE``), and ``DOWN: <failing checks>`` after: a frozen or stopped worker is not "ready"."""
    down = [c.name for c in stores if not c.ok] + list(children_down)
    if down:
        return "DOWN: " + ", ".join(down)
    missing = ([] if api_listening else ["api"]) + [c.name for c in pipeline if not c.ok]
    if not missing:
        return "ready"
    if not was_ready and uptime < STARTUP_GRACE:
        return "starting: " + _AWAITED.get(missing[0], missing[0])
    return "DOWN: " + ", ".join(missing)


def api_answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """Our API answers on ``host:port``: ``GET /health`` is a 200 with the body ``{"ok": true}``. Any listener
    answered the old check (a socket connect), so a replay server on the API's port (QA5 qa5b-8) or another
    program made the console say ``ready`` while the API restarted in a loop. ``http.client``, not a client
    that reads ``HTTP_PROXY``: the question is about this host's port, never a proxy's answer."""
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/health", headers={"Accept": "application/json"})
        resp = conn.getresponse()
        body = resp.read(1024)
        return resp.status == 200 and json.loads(body) == {"ok": True}
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        conn.close()


# How long around a Redis outage the console sees a child's exit as caused by it (beat exits when Redis goes
# away, and again at each restart until it is back): the checks run every few seconds, so an outage's start
# and end are known only to within that.
OUTAGE_SLACK = 15.0


class Collector:
    """Reads what the status line shows: the counters (minus their values at start), the index size, and the
    checks behind the state (``decide_state``): Redis, Elasticsearch, the API's port, and the pipeline checks
    of ``newsworker status`` (workers, beat, consuming since ``started``, schedule, feeds), asked in-process so that
    the status line does not fill the API's access log. Consuming is also shown by this run's own figures: a
    poll or an indexed article within ``canary_max_age`` proves it as well as the canary does (whose first
    run comes up to ``canary_interval`` after beat starts).

    The reading is done by ``refresh`` (the counters every call, the checks every ``check_every`` s), in a
    background thread once ``start`` is called: a check may wait seconds (a ping no worker answers) and the
    supervisor's loop must keep restarting children and answering Ctrl-C meanwhile. ``snapshot`` only composes
    what was last read, so a store that stops answering leaves the last known figures on screen."""

    def __init__(self, api: tuple[str, int] | None, check_every: float = 5.0, started: float | None = None,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self.api = api
        self.check_every = check_every
        self.clock = clock
        self.wall = wall
        self.progress_at: float | None = None  # wall time this run's polls or indexed articles last went up
        self.started_at = clock()
        self.started = time.time() if started is None else started  # wall clock, compared with the canary's
        self.base: Counts | None = None  # the counters at start, read once Redis first answers
        self.counts = Counts()
        self.in_index: int | None = None
        self.stores: list[health.Check] = []
        self.pipeline: list[health.Check] = []
        self.api_up = api is None
        self.redis_outages: list[tuple[float, float | None]] = []  # wall times a check saw Redis away, back
        self.checked = False
        self.was_ready = False
        self._last_check: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _read_counts() -> Counts | None:
        try:
            # the probe client: a frozen Redis held this thread (and so the state) for 34 s and more (qa5b-12)
            client = probe_redis(current().redis)
            return counts_from(lambda name: read_counters(name, client))
        except Exception:  # noqa: BLE001 - Redis away: the state says so, the figures keep their last value
            return None

    @staticmethod
    def _in_index() -> int | None:
        ctx = current()
        try:
            # within PROBE_SECONDS, no retry: the patient client held this thread ~2 minutes on a stalled
            # node, and the state stayed "ready" all that time (QA5 qa5b-11)
            with probing(ctx.es) as es:
                return int(es.count(index=ctx.settings.es_index)["count"])
        except Exception:  # noqa: BLE001
            return None

    def _api_listening(self) -> bool:
        return self.api is None or api_answers(*self.api)

    def _checks(self) -> tuple[list[health.Check], list[health.Check], bool]:
        stores = [health.check_redis(), health.check_es()]
        if not all(c.ok for c in stores):
            return stores, self.pipeline, self.api_up  # the rest cannot be told; keep what was known
        consuming = health.check_consuming(since=self.started)
        with self._lock:
            progress = None if self.progress_at is None else max(0.0, self.wall() - self.progress_at)
        if not consuming.ok and progress is not None and progress < get_settings().canary_max_age:
            consuming = health.Check("consuming", True, f"this run's workers polled or indexed {progress:.0f}s ago",
                                     {"progress_age": progress})
        pipeline = health.pipeline_checks(consuming)
        if not all(c.ok for c in pipeline):
            # Redis may have gone away while the pipeline was checked (the checks take seconds): every one of
            # them then fails for that reason alone, and the console blamed workers, beat, schedule and feeds
            # without naming Redis (QA5 qa5b-3)
            again = health.check_redis()
            if not again.ok:
                return [again, stores[1]], self.pipeline, self.api_up
        return stores, pipeline, self._api_listening()

    def _note_redis(self, stores: Sequence[health.Check]) -> None:
        """Keep the outages of Redis as the checks saw them (``redis_away_near``)."""
        ok = next((c.ok for c in stores if c.name == "redis"), True)
        now = self.wall()
        with self._lock:
            open_ = bool(self.redis_outages) and self.redis_outages[-1][1] is None
            if not ok and not open_:
                self.redis_outages.append((now, None))
                del self.redis_outages[:-20]  # the recent ones are all the supervisor asks about
            elif ok and open_:
                self.redis_outages[-1] = (self.redis_outages[-1][0], now)

    def redis_away(self) -> bool:
        """The last check found Redis away."""
        with self._lock:
            return any(c.name == "redis" and not c.ok for c in self.stores)

    def redis_away_near(self, at: float, slack: float = OUTAGE_SLACK) -> bool:
        """Redis was seen away around wall time ``at`` (within ``slack`` s of an outage): a child that depends
        on Redis and exited then did not crash, it lost Redis (beat exits when Redis goes away)."""
        now = self.wall()
        with self._lock:
            return any(start - slack <= at <= (now if end is None else end) + slack
                       for start, end in self.redis_outages)

    def passing(self) -> dict[str, bool]:
        """The supervisor's children whose own check of ``newsworker status`` passes now (by child name)."""
        with self._lock:
            by_name = {c.name: c.ok for c in self.pipeline}
            return {"worker": by_name.get("workers", False), "beat": by_name.get("beat", False),
                    "api": self.checked and self.api_up}

    def refresh(self, force: bool = False) -> None:
        total = self._read_counts()
        in_index = self._in_index()
        with self._lock:
            if total is not None:
                if self.base is None:
                    self.base = total
                counts = total - self.base
                if counts.feeds_polled > self.counts.feeds_polled or \
                        counts.articles_indexed > self.counts.articles_indexed:
                    self.progress_at = self.wall()
                self.counts = counts
            self.in_index = in_index if in_index is not None else self.in_index
        now = self.clock()
        if force or self._last_check is None or now - self._last_check >= self.check_every:
            stores, pipeline, api_up = self._checks()
            with self._lock:
                self.stores, self.pipeline, self.api_up, self.checked = stores, pipeline, api_up, True
            self._note_redis(stores)
            self._last_check = self.clock()

    def state(self, children_down: Sequence[str] = ()) -> str:
        with self._lock:
            if not self.checked and not children_down:
                return "starting: API" if self.api is not None else "starting: worker"
            st = decide_state(self.stores, self.pipeline, self.api_up, children_down,
                              self.clock() - self.started_at, self.was_ready)
            if st == "ready":
                self.was_ready = True
            return st

    def snapshot(self, children_down: Sequence[str] = ()) -> Snapshot:
        """What to draw now; ``children_down`` names the supervisor's children that are not running
        (``worker (restarting)``, ``worker (crash loop)``)."""
        state = self.state(children_down)
        with self._lock:
            return Snapshot(self.counts, self.clock() - self.started_at, state, self.in_index)

    # -- the background reader ----------------------------------------------------------------------------
    def poke(self) -> None:
        """Check again now (a child exited: the state should say why soon, not at the next check)."""
        self._wake.set()

    def start(self, every: float = 1.0) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                force = self._wake.is_set()
                self._wake.clear()
                try:
                    self.refresh(force=force)
                except Exception:  # noqa: BLE001 - the status line must never take the supervisor down
                    pass
                self._wake.wait(every)

        self._thread = threading.Thread(target=loop, name="status-collector", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
