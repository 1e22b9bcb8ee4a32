"""Structured JSON logs: one object per line, with the task, article and feed ids when known.

Stages log with ``extra={"article_id": ..., "feed_id": ...}``, or run inside ``log_context(feed_id=...)``
(a poll: every line it logs, the fetcher's and the robots.txt cache's included, names its feed); the
formatter lifts those (and the Celery task id and name) into fields so a log pipeline can follow one
article through the stages.

Celery writes what a process prints (``sys.stdout``/``sys.stderr``) to the ``celery.redirected`` logger, one
record per ``write()``: a traceback printed by a library became hundreds of WARNING lines, many of them a
lone space or a lone ``^``. The app's ``worker.celery_log.LineProxy`` makes that one record per printed line,
and ``install`` puts a ``TracebackJoiner`` on the logger: a printed traceback is one ERROR record, and blank
lines are dropped.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

_CONTEXT_FIELDS = ("article_id", "feed_id", "url", "stage", "rule")
# Per thread (a poll runs in one of the stage's threads) and per asyncio task.
_context: ContextVar[dict[str, Any]] = ContextVar("newsworker_log_context", default={})  # noqa: B039 - never mutated


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Inside the block, every record logged by this thread carries these fields (unless it sets its own)."""
    _stamp_records()
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


_CONTEXT_ATTR = "_nw_context"  # not a field a caller's ``extra`` could name (that would be a KeyError)


def _stamp_records() -> None:
    """Records remember the context they were made in: a handler may format them later, in another thread."""
    current = logging.getLogRecordFactory()
    if getattr(current, "_nw", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        context = _context.get()
        if context:
            setattr(record, _CONTEXT_ATTR, context)
        return record

    factory._nw = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        context = getattr(record, _CONTEXT_ATTR, None) or {}
        for f in _CONTEXT_FIELDS:
            v = getattr(record, f, None)
            if v is None:
                v = context.get(f)
            if v is not None:
                out[f] = v
        try:
            # Imported here: the API and the CLI log through this formatter without loading Celery.
            from celery import current_task

            if current_task and current_task.request and current_task.request.id:
                out["task_id"] = current_task.request.id
                out["task"] = current_task.name
        except Exception:  # noqa: BLE001
            pass
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def json_record(msg: str, logger: str = "newsworker", level: int = logging.INFO) -> str:
    """One log line as ``JsonFormatter`` writes it, for a process that prints its few lines rather than
    configuring logging (the replay server's start line in ``replay.log``)."""
    return JsonFormatter().format(logging.LogRecord(logger, level, __file__, 0, msg, None, None))


# A traceback's first line; a group's is ``  + Exception Group Traceback ...`` (its indent is remembered: the
# group ends at the ``+---...`` line two columns further in). Chained exceptions are joined by the two
# sentences Python prints between them. A thread's or an unraisable exception's header line comes first.
_TRACEBACK_START = re.compile(r"Traceback \(most recent call last\):")
_GROUP_START = re.compile(r"( *)\+ Exception Group Traceback \(most recent call last\):")
_GROUP_END = re.compile(r"( *)\+-{36}$")
_CHAIN = ("During handling of the above exception", "The above exception was the direct cause")
_PREAMBLE = re.compile(r"Exception in thread .*:$|Exception ignored in: ")
_JOINED = "_nw_joined"  # a record the joiner let out itself: it passes the filter as it is

_IDLE, _PREAMBLE_HELD, _FRAMES, _ENDED = "idle", "preamble", "frames", "ended"


class TracebackJoiner(logging.Filter):
    """On Celery's ``celery.redirected`` logger: a traceback printed to stdout/stderr (its header, its frames,
    the exception's line, the exceptions chained to it and their tracebacks, an exception group) goes out as
    one ERROR record; blank lines outside a traceback are dropped, other printed lines pass as they are.

    It reads whole lines: ``worker.celery_log.LineProxy`` gives them (Celery's own proxy logs each write, and
    the C traceback printer writes an indent, a source line and each caret apart). A traceback ends with the
    exception's line (the first line that is not indented after the frames; a group's closing ``+---``
    line), but a chained exception may follow it, so the record is let out when the next line is not a
    chain's sentence, when the stream is flushed (the C printer flushes when done), or after ``LINGER_S``
    seconds with nothing more (``traceback.print_exception`` does not flush). Bounded: a traceback longer
    than ``MAX_LINES`` or ``MAX_CHARS`` goes out as it is, and what follows as it comes."""

    MAX_LINES = 400
    MAX_CHARS = 64 * 1024
    LINGER_S = 0.5

    def __init__(self) -> None:
        super().__init__("celery.redirected")
        self._lock = threading.RLock()
        self._timer: threading.Timer | None = None
        self._reset()
        # A pool child forked while another thread held the lock would wait on it forever.
        os.register_at_fork(after_in_child=self._after_fork)

    def _reset(self) -> None:
        self.state = _IDLE
        self.first: logging.LogRecord | None = None
        self.held: list[str] = []
        self.lines = 0
        self.size = 0
        self.group: int | None = None  # the indent of the open exception group's first line
        self.last = 0.0

    def _after_fork(self) -> None:
        self._lock = threading.RLock()
        self._timer = None
        self._reset()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _JOINED, False):
            return True
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot format is let through as it is
            return True
        with self._lock:
            out, passes = self._take(record, text)
        for r in out:
            self._emit(r)
        return passes

    def flush(self) -> None:
        """The stream was flushed: what is held is complete (``LineProxy.flush`` calls this)."""
        with self._lock:
            out = self._release()
        for r in out:
            self._emit(r)

    def _take(self, record: logging.LogRecord, text: str) -> tuple[list[logging.LogRecord], bool]:
        """The records to let out before this one, and whether this one passes (it does not if it is held)."""
        lines = text.strip("\n").split("\n")
        head = next((line for line in lines if line.strip()), "")
        out: list[logging.LogRecord] = []
        if self.state == _ENDED and not head.startswith(_CHAIN):
            out = self._release()  # the traceback ended with the line before: this one is not part of it
        elif self.state == _PREAMBLE_HELD and not (_TRACEBACK_START.match(head) or _GROUP_START.match(head)):
            out = self._release()
        if self.state == _IDLE:
            if not head:
                return out, False
            if _TRACEBACK_START.match(head) or _GROUP_START.match(head):
                self.state = _FRAMES
            elif _PREAMBLE.match(head):
                self.state = _PREAMBLE_HELD
            else:
                return out, True
            self.first = record
        self.held.append(text.strip("\n"))
        self.lines += len(lines)
        self.size += len(text)
        self.last = time.monotonic()
        for line in lines:
            self._step(line)
        if self.lines >= self.MAX_LINES or self.size >= self.MAX_CHARS:
            out += self._release()
        else:
            self._arm()
        return out, False

    def _step(self, line: str) -> None:
        """Where one line leaves the traceback: in its frames, or ended (the exception's line was read)."""
        group = _GROUP_START.match(line)
        if group:
            self.group, self.state = len(group.group(1)), _FRAMES
        elif self.group is not None:
            end = _GROUP_END.match(line)
            if (end and len(end.group(1)) == self.group + 2) or (line and not line[0].isspace()):
                self.group, self.state = None, _ENDED
        elif _TRACEBACK_START.match(line) or line.startswith(_CHAIN):
            self.state = _FRAMES
        elif self.state == _FRAMES and line and not line[0].isspace():
            self.state = _ENDED
        elif self.state == _PREAMBLE_HELD and line and not line[0].isspace() and not _PREAMBLE.match(line):
            self.state = _ENDED  # an unraisable exception printed without a traceback

    def _release(self) -> list[logging.LogRecord]:
        """What is held, as one record (ERROR if it is a traceback; a lone preamble goes as it came)."""
        if self.state == _IDLE or self.first is None:
            self._reset()
            return []
        record = self.first
        record.msg, record.args = "\n".join(self.held), ()
        if self.state != _PREAMBLE_HELD:
            record.levelno, record.levelname = logging.ERROR, logging.getLevelName(logging.ERROR)
        setattr(record, _JOINED, True)
        self._reset()
        return [record]

    def _emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(self.name).handle(record)

    def _arm(self) -> None:
        """Let out what is held once nothing more came for ``LINGER_S`` seconds (one timer at a time)."""
        if self._timer is None:
            self._timer = threading.Timer(self.LINGER_S, self._linger_over)
            self._timer.daemon = True
            self._timer.start()

    def _linger_over(self) -> None:
        with self._lock:
            self._timer = None
            if self.state == _IDLE:
                return
            wait = self.last + self.LINGER_S - time.monotonic()
            if wait > 0:
                self._timer = threading.Timer(wait, self._linger_over)
                self._timer.daemon = True
                self._timer.start()
                return
            out = self._release()
        for r in out:
            self._emit(r)


def _join_tracebacks() -> None:
    redirected = logging.getLogger("celery.redirected")
    if not any(isinstance(f, TracebackJoiner) for f in redirected.filters):
        redirected.addFilter(TracebackJoiner())


class RepeatLimiter(logging.Filter):
    """Lets one record of a kind (logger, level, message template) through per ``every`` seconds, with the
    count of those it held back.

    The first record of a run keeps its traceback; the record a minute later says how many like it were not
    logged (its traceback, the same one again, is dropped). A run ends after ``every`` seconds without one:
    the next record starts a new run, traceback and all. Per process (a pool child starts empty)."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every = every
        self.clock = clock
        self._lock = threading.Lock()
        self._runs: dict[tuple[str, int, str], _Run] = {}
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()  # a child forked while another thread held it would wait forever
        self._runs = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            run = self._runs.get(key)
            if run is None or now - run.seen >= self.every:
                self._runs[key] = _Run(out=now, seen=now)
                return True
            run.seen = now
            if now - run.out < self.every:
                run.held += 1
                return False
            held, since = run.held, now - run.out
            run.out, run.held = now, 0
        if held:
            record.msg, record.args = f"{record.getMessage()} ({held} more like this in the last {since:.0f} s " \
                                      "not logged)", ()
        record.exc_info, record.exc_text = None, None  # the run's first record had it
        return True


@dataclass
class _Run:
    out: float  # when a record of the run was last let through
    seen: float  # when one last came
    held: int = 0  # held back since ``out``


# The Elasticsearch client's loggers. Every request is an INFO line ("PUT .../_bulk [status:200 ...]"), and
# during an outage every attempt of every request logs a WARNING with the connection error's traceback
# ("Retrying request after failure (attempt 2 of 3)") and another for the node's timeout ("has failed for
# 320 times in a row"): ~35 KB/s with 15 articles waiting (QA5 qa5b-2). The pipeline's runner logs one line
# per article retry, which says what happens; these keep the first of a run and one a minute with a count.
TRANSPORT_LOGGERS = ("elastic_transport.transport", "elastic_transport.node_pool")
TRANSPORT_EVERY_S = 60.0


def quiet_transport(every: float = TRANSPORT_EVERY_S) -> None:
    """The Elasticsearch client's per-request lines off (WARNING and up), its per-attempt warnings limited
    (``RepeatLimiter``). Idempotent."""
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    for name in TRANSPORT_LOGGERS:
        log = logging.getLogger(name)
        if not any(isinstance(f, RepeatLimiter) for f in log.filters):
            log.addFilter(RepeatLimiter(every))


def install(logger: logging.Logger | None = None, log_format: str = "json") -> None:
    """Replace the handlers' formatters with JSON (``settings.log_format``; ``text`` leaves them), join the
    printed tracebacks Celery redirects into the log (``TracebackJoiner``, in either format), and quieten the
    Elasticsearch client (``quiet_transport``)."""
    _join_tracebacks()
    quiet_transport()
    if log_format != "json":
        return
    logger = logger or logging.getLogger()
    for h in logger.handlers:
        h.setFormatter(JsonFormatter())


def capture_warnings(log_format: str = "json") -> None:
    """Python warnings (Celery's SecurityWarning for a worker run as root, a library's DeprecationWarning) as
    JSON log records. They are printed before Celery sets up its logging, so ``py.warnings`` gets a handler
    of its own rather than waiting for ``install``'s."""
    if log_format != "json":
        return
    logging.captureWarnings(True)
    warnings_log = logging.getLogger("py.warnings")
    if not any(isinstance(h.formatter, JsonFormatter) for h in warnings_log.handlers):
        handler = logging.StreamHandler()  # stderr, like the warning it replaces
        handler.setFormatter(JsonFormatter())
        warnings_log.addHandler(handler)
        warnings_log.propagate = False


# ``log_format: text`` for the API: Celery's own text line shape (the worker's and beat's), with a time: uvicorn's
# default ("INFO:     Shutting down") has none (QA5 qa5b-14)
TEXT_FORMAT = "[%(asctime)s: %(levelname)s/%(name)s] %(message)s"


def uvicorn_config(log_format: str = "json") -> dict:
    """uvicorn's ``log_config``: its error and access loggers, and the app's, through ``JsonFormatter``, or for
    ``log_format: text`` through ``TEXT_FORMAT``. uvicorn configures logging itself at start, after our code
    had a chance to, so the formatter has to be handed to it rather than installed on the root logger."""
    handler = {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}
    line = {"()": "worker.logs.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": line},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
        # the app's own loggers (worker.*) go the same way
        "root": {"handlers": ["default"], "level": "INFO"},
    }
