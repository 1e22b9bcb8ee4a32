"""An Elasticsearch outage does not flood the worker's log (QA5 qa5b-2): worker.log grew ~35 KB/s with 15
articles waiting, because every attempt of every request logged the client's WARNING with the connection
error's traceback, and the node's "has failed for N times in a row" WARNING, besides the runner's own line.

``worker.logs.install`` (what the worker and beat run when Celery sets up their logging) keeps the first of
a run of those warnings and one a minute with a count; the client's per-request INFO lines are off.
"""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator

import pytest

from worker.logs import JsonFormatter, RepeatLimiter, install

TRANSPORT = ("elastic_transport", "elastic_transport.transport", "elastic_transport.node_pool")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged at INFO and up, as the worker's JSON lines; the loggers put back as they were."""
    root = logging.getLogger()
    saved = [(name, logging.getLogger(name).level, list(logging.getLogger(name).filters)) for name in TRANSPORT]
    level = root.level
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name, lvl, filters in saved:
            log = logging.getLogger(name)
            log.setLevel(lvl)
            log.filters[:] = filters


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _outage(retries: int) -> None:
    """``retries`` article retries of the index stage against an Elasticsearch that refuses connections, with
    the workers' client (worker.store.clients.get_es: 3 retries a call)."""
    from elastic_transport import ConnectionError as TransportConnectionError
    from elasticsearch import Elasticsearch

    es = Elasticsearch(f"http://127.0.0.1:{_closed_port()}", request_timeout=30, retry_on_timeout=True,
                       max_retries=3)
    for _ in range(retries):
        with pytest.raises(TransportConnectionError):
            es.bulk(operations=[{"index": {"_index": "x", "_id": "1"}}, {"title": "t"}])


def _log(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


def test_an_outage_logs_the_clients_warning_once_not_per_attempt(captured: io.StringIO) -> None:
    install(logging.getLogger("test-logs-transport"), "json")  # what Celery's after_setup_logger runs
    _outage(40)
    lines = _log(captured)
    # before: 40 x (4 request lines + 3 "Retrying" with a traceback + 4 "has failed") = 440 lines, ~180 KB
    assert sum("Retrying request after failure" in x for x in lines) == 1, lines
    assert sum("has failed for" in x for x in lines) == 1, lines
    assert sum('"exc"' in x for x in lines) == 1  # the first of the run keeps its traceback
    assert not any("[status:" in x for x in lines)  # the per-request INFO lines
    assert len(captured.getvalue()) < 10_000, len(captured.getvalue())


def test_a_warning_goes_out_once_a_minute_with_the_count_held_back() -> None:
    now = [0.0]
    limiter = RepeatLimiter(every=60.0, clock=lambda: now[0])

    def record(n: int) -> logging.LogRecord:
        try:
            raise OSError("refused")
        except OSError:
            import sys

            exc = sys.exc_info()
        return logging.LogRecord("elastic_transport.transport", logging.WARNING, __file__, 1,
                                 "Retrying request after failure (attempt %d of %d)", (n, 3), exc)

    first = record(0)
    assert limiter.filter(first) and first.exc_info is not None
    for t in range(1, 60):  # one a second for a minute: held back
        now[0] = float(t)
        assert not limiter.filter(record(1))
    now[0] = 60.0
    later = record(2)
    assert limiter.filter(later)
    assert later.getMessage() == ("Retrying request after failure (attempt 2 of 3) (59 more like this in the last "
                                  "60 s not logged)")
    assert later.exc_info is None  # the run's first record had the traceback
    # another kind of record is a run of its own
    other = logging.LogRecord("elastic_transport.node_pool", logging.WARNING, __file__, 1,
                              "Node %r has failed for %i times in a row, putting on %i second timeout",
                              ("n", 5, 30), None)
    assert limiter.filter(other)
    # a minute without one ends the run: the next starts a new one, traceback and all
    now[0] = 200.0
    again = record(0)
    assert limiter.filter(again) and again.exc_info is not None and again.getMessage().endswith("of 3)")
