"""Structured JSON logs: one object per line, with the task, article and feed ids when known.

Stages log with ``extra={"article_id": ..., "feed_id": ...}``, or run inside ``log_context(feed_id=...)``
(a poll: every line it logs, the fetcher's and the robots.txt cache's included, names its feed); the
formatter lifts those (and the Celery task id and name) into fields so a log pipeline can follow one
article through the stages.

Celery writes what a process prints (``sys.stdout``/``sys.stderr``) to the ``celery.redirected`` logger, one
record per ``write()``: a traceback printed by a library became hundreds of WARNING lines, many of them a
lone space. ``install`` puts a ``TracebackJoiner`` on that logger: a printed traceback is one ERROR record,
and blank fragments are dropped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


_TRACEBACK_STARTS = ("Traceback (most recent call last):", "During handling of the above exception",
                     "The above exception was the direct cause")


class TracebackJoiner(logging.Filter):
    """On Celery's ``celery.redirected`` logger: the fragments of a traceback printed to stdout/stderr (its
    header, one write per frame, then the exception's line) are held back and let through as one ERROR
    record when the exception's line (the first line that is not indented) arrives; whitespace-only
    fragments are dropped. Bounded: a traceback longer than ``MAX_LINES`` or ``MAX_CHARS`` goes out as it is."""

    MAX_LINES = 400
    MAX_CHARS = 64 * 1024

    def __init__(self) -> None:
        super().__init__("celery.redirected")
        self.held: list[str] = []
        self.size = 0

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot format is let through as it is
            return True
        if not text.strip():
            return False
        if not self.held:
            if not text.lstrip("\n").startswith(_TRACEBACK_STARTS):
                return True
        self.held.append(text.strip("\n"))
        self.size += len(text)
        last = text.rstrip().splitlines()[-1] if text.strip() else ""
        ended = bool(last) and not last[0].isspace() and not last.startswith(_TRACEBACK_STARTS)
        if not ended and len(self.held) < self.MAX_LINES and self.size < self.MAX_CHARS:
            return False
        record.msg, record.args = "\n".join(self.held), ()
        record.levelno, record.levelname = logging.ERROR, logging.getLevelName(logging.ERROR)
        self.held, self.size = [], 0
        return True


def _join_tracebacks() -> None:
    redirected = logging.getLogger("celery.redirected")
    if not any(isinstance(f, TracebackJoiner) for f in redirected.filters):
        redirected.addFilter(TracebackJoiner())


def install(logger: logging.Logger | None = None, log_format: str = "json") -> None:
    """Replace the handlers' formatters with JSON (``settings.log_format``; ``text`` leaves them), and join
    the printed tracebacks Celery redirects into the log (``TracebackJoiner``, in either format)."""
    _join_tracebacks()
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


def uvicorn_config(log_format: str = "json") -> dict | None:
    """uvicorn's ``log_config``: its error and access loggers through ``JsonFormatter`` (``None``: uvicorn's own
    text format, for ``log_format: text``). uvicorn configures logging itself at start, after our code had a
    chance to, so the formatter has to be handed to it rather than installed on the root logger."""
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "worker.logs.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
        # the app's own loggers (worker.*) go the same way
        "root": {"handlers": ["default"], "level": "INFO"},
    }
