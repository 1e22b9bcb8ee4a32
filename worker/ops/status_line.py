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
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from worker.metrics import read_counters
from worker.ops import health
from worker.pipeline.context import current
from worker.settings import get_settings

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
    errors = (poll_errors + sum(counters("indexing_errors_total").values())
              + sum(counters("dead_letters_total").values()))
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


class Collector:
    """Reads a snapshot: the counters (minus their values at start), the index size, and whether the service
    answers: the API's port, Redis and Elasticsearch (the checks behind /ready, asked in-process so that the
    status line does not fill the API's access log), and a worker consuming (a poll since start, or a fresh
    canary: beat -> broker -> worker). The checks run every ``check_every`` seconds, the counters each time."""

    def __init__(self, api: tuple[str, int] | None, check_every: float = 5.0) -> None:
        self.api = api
        self.check_every = check_every
        self.started = time.monotonic()
        self.base = self._counts()
        self._state = "starting"
        self._checked: float | None = None

    @staticmethod
    def _counts() -> Counts:
        try:
            return counts_from(read_counters)
        except Exception:  # noqa: BLE001 - Redis away: the state says so, the figures wait
            return Counts()

    @staticmethod
    def _in_index() -> int | None:
        ctx = current()
        try:
            return int(ctx.es.count(index=ctx.settings.es_index)["count"])
        except Exception:  # noqa: BLE001
            return None

    def _api_listening(self) -> bool:
        if self.api is None:
            return True
        try:
            socket.create_connection(self.api, timeout=1.0).close()
            return True
        except OSError:
            return False

    def _check(self, counts: Counts) -> str:
        down = [c.name for c in (health.check_redis(), health.check_es()) if not c.ok]
        if down:
            return "DOWN: " + ", ".join(down)
        if not self._api_listening():
            return "starting: API"
        age = health.canary_age()
        if counts.feeds_polled == 0 and (age is None or age > get_settings().canary_max_age):
            return "starting: worker"
        return "ready"

    def snapshot(self) -> Snapshot:
        counts = self._counts() - self.base
        now = time.monotonic()
        if self._checked is None or now - self._checked >= self.check_every or self._state != "ready":
            self._state = self._check(counts)
            self._checked = now
        return Snapshot(counts, now - self.started, self._state, self._in_index())
