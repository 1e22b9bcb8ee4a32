"""A traceback printed to a redirected stream is one ERROR record, however it was written (QA5 qa5b-1).

Beat's exit on a Redis outage: Python's C-level ``sys.excepthook`` printed the traceback to ``sys.stderr``
(Celery's proxy) an indent, a source line and a ``^`` at a time; each write was a record, and beat.log grew
by 1,000 lines per exit (567 KB a minute under ``run``'s restarts). These tests print through the app's own
proxy (``worker.celery_log.LineProxy``) with the printers Python really uses, and with the same text cut
into every fragmentation, and compare the record with the traceback as a terminal would show it."""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.log_records import KeepRecords
from worker.celery_log import LineProxy, RedirectLogging
from worker.logs import install

REPO = Path(__file__).resolve().parents[2]


class _Writes:
    """A stream that keeps each write as it came (to see how Python's printers cut their text)."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, data: str) -> int:
        self.writes.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    @property
    def text(self) -> str:
        return "".join(self.writes)


@pytest.fixture
def redirected() -> Iterator[tuple[LineProxy, list[logging.LogRecord]]]:
    """``celery.redirected`` as ``install`` leaves it, with a handler keeping its records, and the app's proxy
    for sys.stdout/sys.stderr writing to it."""
    logger = logging.getLogger("celery.redirected")
    saved = (list(logger.filters), logger.propagate, logger.level)
    keep = KeepRecords()
    logger.addHandler(keep)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.filters[:] = []
    install(logging.getLogger("nw-test-root"), "json")
    yield LineProxy(logger, logging.WARNING), keep.records
    logger.removeHandler(keep)
    logger.filters[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]


def _lines(text: str) -> list[str]:
    """What a reader sees: the text's lines without the blank ones (the proxy, like Celery's, drops a write of
    newlines only, so the blank lines around 'During handling ...' may not survive)."""
    return [line for line in text.splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def _redis_error() -> BaseException:
    """A real redis-py ConnectionError (nothing listens on the port): frames with carets, a chained cause."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = redis.Redis(host="127.0.0.1", port=_free_port(), socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
    except redis.exceptions.ConnectionError as err:
        return err
    raise AssertionError("a ping to a closed port succeeded")


def _chained(message: str = "bad value\nsecond line of the message") -> BaseException:
    def inner(d: dict) -> object:
        return d["a"]["b"]["c"]  # a TypeError with ~~~^^^ carets

    try:
        try:
            inner({"a": {"b": None}})
        except TypeError as err:
            raise ValueError(message) from err
    except ValueError:
        try:
            {}["missing"]
        except KeyError as err:
            return err
    raise AssertionError


def _group() -> BaseException:
    try:
        try:
            raise ExceptionGroup("inner", [ValueError(1)])
        except ExceptionGroup as inner:
            try:
                1 / 0  # noqa: B018
            except ZeroDivisionError as cause:
                raise ExceptionGroup("outer", [inner, KeyError(2)]) from cause
    except ExceptionGroup as err:
        return err
    raise AssertionError


def _c_printed(err: BaseException, stream: object) -> None:
    """Python's C-level printer (``sys.__excepthook__``: what prints an exception that ends the process)."""
    saved = sys.stderr
    sys.stderr = stream  # type: ignore[assignment]
    try:
        sys.__excepthook__(type(err), err, err.__traceback__)
    finally:
        sys.stderr = saved


def _py_printed(err: BaseException, stream: object) -> None:
    traceback.print_exception(err, file=stream)  # type: ignore[arg-type]


EXCEPTIONS: dict[str, Callable[[], BaseException]] = {"redis": _redis_error, "chained": _chained, "group": _group}
# A message of several lines is one write for both printers; cut into pieces, its second line cannot be told
# from a line printed after the traceback.
CUT_EXCEPTIONS: dict[str, Callable[[], BaseException]] = {**EXCEPTIONS, "chained": lambda: _chained("bad value")}
PRINTERS = {"c": _c_printed, "python": _py_printed}


def _printed(err: BaseException, printer: str) -> _Writes:
    out = _Writes()
    PRINTERS[printer](err, out)
    return out


def _only_traceback(records: list[logging.LogRecord]) -> logging.LogRecord:
    assert len(records) == 1, [r.getMessage()[:80] for r in records]
    assert records[0].levelno == logging.ERROR
    return records[0]


def test_the_c_printer_writes_fragments() -> None:
    """The mechanism of the defect: a lone indent, the source line, one write per caret, the exception's
    name and message apart, and each newline alone (which Celery's proxy drops)."""
    writes = _printed(_redis_error(), "c").writes
    assert "    " in writes and "^" in writes and "." in writes and ": " in writes and "\n" in writes
    assert writes.count("^") > 20


def test_the_redis_outage_traceback_is_one_error_record(redirected) -> None:  # noqa: ANN001
    """qa5b-1 exactly: a redis ConnectionError with carets, printed by the C printer to the redirected
    stderr, was 1,000 records ('^', 'redis.exceptions', '.', 'ConnectionError', ': ', ...)."""
    proxy, records = redirected
    err = _redis_error()
    expected = _printed(err, "c").text
    proxy.write("beat: Starting...\n")
    _c_printed(err, proxy)
    proxy.write("after\n")
    texts = [r.getMessage() for r in records]
    assert texts[0] == "beat: Starting..." and texts[-1] == "after", texts
    assert len(records) == 3, texts
    joined = records[1]
    assert joined.levelno == logging.ERROR
    assert _lines(joined.getMessage()) == _lines(expected)
    assert "redis.exceptions.ConnectionError: Error " in joined.getMessage()
    assert "During handling of the above exception" in joined.getMessage()


@pytest.mark.parametrize("printer", PRINTERS)
@pytest.mark.parametrize("exc", EXCEPTIONS)
def test_any_printed_traceback_is_one_record(redirected, exc: str, printer: str) -> None:  # noqa: ANN001
    proxy, records = redirected
    err = EXCEPTIONS[exc]()
    expected = _printed(err, printer).text
    PRINTERS[printer](err, proxy)
    proxy.flush()  # the python printer does not flush: the record would otherwise wait LINGER_S
    assert _lines(_only_traceback(records).getMessage()) == _lines(expected)


def _cuts(text: str) -> dict[str, list[str]]:
    return {
        "whole": [text],
        "lines": text.splitlines(keepends=True),
        "chars": list(text),
        "sevens": [text[i:i + 7] for i in range(0, len(text), 7)],
    }


@pytest.mark.parametrize("cut", ["whole", "lines", "chars", "sevens"])
@pytest.mark.parametrize("exc", CUT_EXCEPTIONS)
def test_the_same_traceback_in_any_fragments_is_one_record(redirected, exc: str, cut: str) -> None:  # noqa: ANN001
    proxy, records = redirected
    text = _printed(CUT_EXCEPTIONS[exc](), "python").text
    proxy.write("before\n")
    for piece in _cuts(text)[cut]:
        proxy.write(piece)
    proxy.write("after\n")
    texts = [r.getMessage() for r in records]
    assert len(records) == 3 and texts[0] == "before" and texts[2] == "after", [t[:60] for t in texts]
    assert records[1].levelno == logging.ERROR and _lines(texts[1]) == _lines(text)


def test_a_threads_traceback_is_one_record_with_its_thread(redirected, monkeypatch) -> None:  # noqa: ANN001
    """threading.excepthook (C code) prints 'Exception in thread NAME:' and then the traceback."""
    proxy, records = redirected
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)  # not pytest's

    def fails() -> None:
        raise _chained()

    saved = sys.stderr
    sys.stderr = proxy  # type: ignore[assignment]
    try:
        t = threading.Thread(target=fails, name="poller")
        t.start()
        t.join()
    finally:
        sys.stderr = saved
    record = _only_traceback(records)
    assert record.getMessage().startswith("Exception in thread poller:\nTraceback (most recent call last):")
    assert record.getMessage().rstrip().endswith("KeyError: 'missing'")


def test_a_traceback_nobody_flushes_goes_out_after_a_pause(redirected) -> None:  # noqa: ANN001
    """traceback.print_exc() does not flush, and a chained exception may follow the last line: the record
    waits for the next line, a flush, or LINGER_S seconds of quiet."""
    proxy, records = redirected
    _py_printed(_chained(), proxy)
    assert records == []
    deadline = time.monotonic() + 10
    while not records and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _lines(_only_traceback(records).getMessage())[-1] == "KeyError: 'missing'"


def test_ordinary_output_is_unchanged(redirected) -> None:  # noqa: ANN001
    proxy, records = redirected
    print("polled", 3, "feeds", file=proxy)  # four writes: "polled", " ", "3", ... then "\n"
    print(file=proxy)  # a blank line: dropped, as before
    proxy.write("two\nlines\n")
    proxy.write("no newline yet")
    assert [r.getMessage() for r in records] == ["polled 3 feeds", "two\nlines"]
    proxy.flush()  # held until its newline or a flush (the interpreter flushes at exit)
    assert [r.getMessage() for r in records][-1] == "no newline yet"
    assert all(r.levelno == logging.WARNING for r in records)
    proxy.write("Exception in thread pool: a line that only looks like a thread's header\n")
    proxy.write("next\n")
    assert [r.getMessage() for r in records][-2:] == [
        "Exception in thread pool: a line that only looks like a thread's header", "next"]
    assert records[-2].levelno == logging.WARNING


def test_a_long_partial_line_is_not_held_for_ever(redirected) -> None:  # noqa: ANN001
    proxy, records = redirected
    proxy.write("x" * (LineProxy.MAX_PARTIAL + 1))
    assert len(records) == 1


def test_the_app_redirects_through_the_line_proxy(monkeypatch) -> None:  # noqa: ANN001
    """The worker, its pool children and beat redirect by ``app.log.redirect_stdouts_to_logger``."""
    from worker.celery_app import app

    assert isinstance(app.log, RedirectLogging)
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    proxy = app.log.redirect_stdouts_to_logger(logging.getLogger("celery.redirected"), logging.WARNING)
    assert isinstance(proxy, LineProxy) and sys.stderr is proxy and sys.stdout is proxy


def test_a_process_that_dies_of_a_redis_error_logs_one_error_line(tmp_path) -> None:  # noqa: ANN001
    """End to end, as beat dies when Redis goes away: Celery's logging set up by the app (JSON, stdout and
    stderr redirected), then an exception nobody catches, printed by the interpreter as it exits."""
    code = (
        "import logging, redis\n"
        "from redis.backoff import NoBackoff\n"
        "from redis.retry import Retry\n"
        "from worker.celery_app import app\n"
        "app.log.setup(loglevel=logging.INFO, redirect_stdouts=True, redirect_level='WARNING')\n"
        "print('beat: Starting...')\n"
        f"redis.Redis(host='127.0.0.1', port={_free_port()}, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0)).ping()\n"
    )
    env = {**os.environ, "NEWSWORKER_LOG_FORMAT": "json", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO,
                         env=env)
    assert out.returncode == 1
    records = [json.loads(line) for line in out.stderr.splitlines() + out.stdout.splitlines()]
    redirected = [r for r in records if r["logger"] == "celery.redirected"]
    assert [r["msg"] for r in redirected][0] == "beat: Starting...", redirected
    assert len(redirected) == 2 and redirected[1]["level"] == "ERROR", [r["msg"][:60] for r in redirected]
    msg = redirected[1]["msg"]
    assert msg.startswith("Traceback (most recent call last):") and "^^^^" in msg
    assert _lines(msg)[-1].startswith("redis.exceptions.ConnectionError: Error ")

