"""Celery's redirect of ``sys.stdout``/``sys.stderr`` into the log, one record per printed *line*.

Celery's ``LoggingProxy`` logs every ``write()`` as a record of its own, with its trailing newlines cut off.
Python's C-level traceback printing (``sys.excepthook`` for an exception that ends the process, the thread
and unraisable hooks) writes in fragments: the frame's indent, its source line, then each ``^``/``~`` of the
caret line one by one, then the exception's module, ``.``, name, ``: `` and message, each newline a write of
its own. The proxy drops the lone newlines, so once logged nothing tells where a line ended, and beat's exit
on a Redis outage wrote its traceback as 1,000 WARNING lines (QA5 qa5b-1). ``LineProxy`` puts the fragments
back together: a record holds whole lines, so ``worker.logs.TracebackJoiner`` can see a traceback's shape.
"""

from __future__ import annotations

import logging
import sys
import threading

from celery.app.log import Logging
from celery.utils.log import LoggingProxy
from kombu.utils.encoding import safe_str


class LineProxy(LoggingProxy):
    """A ``LoggingProxy`` that logs what was written as one record once a write ends a line, and keeps an
    unfinished line until its newline comes, the stream is flushed (the C traceback printer flushes when
    done, and the interpreter at exit), or it grows past ``MAX_PARTIAL`` characters. A flush also lets the
    logger's filters release what they hold (``flush()`` on a filter: the joiner's held traceback)."""

    MAX_PARTIAL = 16 * 1024

    def __init__(self, logger: logging.Logger, loglevel: int | str | None = None) -> None:
        super().__init__(logger, loglevel)
        self._partial = ""
        # Reentrant: a signal handler that prints runs on the thread that may be inside write().
        self._lock = threading.RLock()

    def write(self, data: str) -> int:
        if not data or self.closed or getattr(self._thread, "recurse_protection", False):
            return super().write(data)  # Celery's own answer: nothing is logged
        text = safe_str(data)
        with self._lock:
            text = self._partial + text
            # Only at a write's end: one write of an exception's message "a\nb" is one record, not two.
            if not text.endswith("\n") and len(text) < self.MAX_PARTIAL:
                self._partial = text
                return len(data)
            self._partial = ""
            # Logged under the lock: two threads' lines reach the log in the order they were completed.
            super().write(text)
        return len(data)

    def flush(self) -> None:
        with self._lock:
            rest, self._partial = self._partial, ""
            if rest:
                super().write(rest)
        for f in self.logger.filters:
            release = getattr(f, "flush", None)
            if callable(release):
                release()

    def close(self) -> None:
        self.flush()
        super().close()


class RedirectLogging(Logging):
    """Celery's ``app.log`` with ``LineProxy`` as the redirect (the worker, its pool children and beat all
    redirect through ``app.log.redirect_stdouts_to_logger``)."""

    def redirect_stdouts_to_logger(self, logger: logging.Logger, loglevel: int | str | None = None,
                                   stdout: bool = True, stderr: bool = True) -> LineProxy:
        proxy = LineProxy(logger, loglevel)
        if stdout:
            sys.stdout = proxy
        if stderr:
            sys.stderr = proxy
        return proxy
