"""JSON log lines (QA3 ops L9): a poll's every line names its feed (``feed_id``), and a traceback a library
prints to stderr, which Celery redirects into the log one ``write()`` at a time (530 WARNING lines for one
LockNotOwnedError, many a lone space), is one ERROR record."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from celery.utils.log import LoggingProxy

from tests.log_records import KeepRecords
from worker.logs import JsonFormatter, TracebackJoiner, install, log_context

REPO = Path(__file__).resolve().parents[2]


def _line(logger: logging.Logger, msg: str, **extra: object) -> dict:
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, msg, (), None, extra=extra or None)
    return json.loads(JsonFormatter().format(record))


def test_a_log_context_puts_the_feed_id_on_every_line() -> None:
    log = logging.getLogger("worker.test")
    assert "feed_id" not in _line(log, "outside")
    with log_context(feed_id="bbc"):
        assert _line(log, "poll bbc failed")["feed_id"] == "bbc"
        with log_context(article_id="a1"):
            line = _line(log, "page")
            assert (line["feed_id"], line["article_id"]) == ("bbc", "a1")
        assert _line(log, "own", feed_id="cnn")["feed_id"] == "cnn"  # a record's own field wins
    assert "feed_id" not in _line(log, "after")


def test_a_record_formatted_later_elsewhere_keeps_its_context() -> None:
    import threading

    log = logging.getLogger("worker.test")
    with log_context(feed_id="bbc"):
        record = log.makeRecord(log.name, logging.INFO, __file__, 1, "x", (), None)
    out: list[dict] = []
    t = threading.Thread(target=lambda: out.append(json.loads(JsonFormatter().format(record))))
    t.start()
    t.join()
    assert out[0]["feed_id"] == "bbc"


@pytest.fixture
def redirected():  # noqa: ANN201
    """``celery.redirected`` as ``install`` leaves it, with a handler keeping its records, and Celery's own
    proxy for sys.stderr writing to it."""
    logger = logging.getLogger("celery.redirected")
    saved = (list(logger.filters), logger.propagate, logger.level)
    keep = KeepRecords()
    logger.addHandler(keep)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    install(logging.getLogger("nw-test-root"), "json")
    yield LoggingProxy(logger, logging.WARNING), keep.records
    logger.removeHandler(keep)
    logger.filters[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]


def _raise_chain() -> None:
    try:
        {}["missing"]
    except KeyError as err:
        raise RuntimeError("LockNotOwnedError: Cannot release a lock that's no longer owned") from err


def test_a_printed_traceback_is_one_error_record(redirected) -> None:  # noqa: ANN001
    proxy, records = redirected
    proxy.write("beat: Starting...\n")
    proxy.write(" ")
    proxy.write("\n")
    try:
        _raise_chain()
    except RuntimeError:
        traceback.print_exc(file=proxy)
    proxy.write("after\n")
    texts = [r.getMessage() for r in records]
    assert texts[0] == "beat: Starting..." and texts[-1] == "after"
    # the cause and the exception it caused: one record (not one per frame and fragment, nor one for each;
    # QA5 qa5b-1). Celery's own proxy here: python's printer writes a frame's lines at once.
    assert len(records) == 3 and records[1].levelno == logging.ERROR, texts
    joined = records[1].getMessage()
    assert "KeyError: 'missing'" in joined and "_raise_chain" in joined
    assert "The above exception was the direct cause" in joined
    assert joined.rstrip().endswith("no longer owned")


def test_a_traceback_that_never_ends_is_let_out_bounded(redirected) -> None:  # noqa: ANN001
    proxy, records = redirected
    proxy.write("Traceback (most recent call last):\n")
    for i in range(TracebackJoiner.MAX_LINES + 5):
        proxy.write(f'  File "x.py", line {i}, in f\n')
    # held up to the bound, then let out as one record; what follows goes out as it comes
    assert len(records[0].getMessage().splitlines()) == TracebackJoiner.MAX_LINES
    assert len(records) == 7 and records[0].levelno == logging.ERROR  # header + 399 frames, then 6 alone


def test_install_adds_the_joiner_once() -> None:
    install(logging.getLogger("nw-test-root"), "text")
    install(logging.getLogger("nw-test-root"), "json")
    joiners = [f for f in logging.getLogger("celery.redirected").filters if isinstance(f, TracebackJoiner)]
    assert len(joiners) == 1



def test_a_python_warning_is_a_json_record() -> None:
    """Celery's SecurityWarning (a worker run as root) was printed as six plain lines in a JSON log."""
    code = ("import warnings; from worker.logs import capture_warnings; capture_warnings('json'); "
            "warnings.warn('run me as another user\\nsecond line', UserWarning)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    rec = json.loads(lines[0])
    assert rec["level"] == "WARNING" and "run me as another user" in rec["msg"], rec


def test_celery_processes_print_no_banner_in_json_format(monkeypatch) -> None:  # noqa: ANN001
    from worker.cli import ops
    from worker.settings import Settings

    monkeypatch.setattr(ops, "get_settings", lambda: Settings(log_format="json"))
    assert "-q" in ops.worker_cmd(1, "poll") and "-q" in ops.beat_cmd()
    monkeypatch.setattr(ops, "get_settings", lambda: Settings(log_format="text"))
    assert "-q" not in ops.worker_cmd(1, "poll")  # a person reading text logs keeps Celery's banner


def test_the_replay_servers_start_line_is_json_in_a_log_file(tmp_path) -> None:
    """run's replay.log held the replay server's start line as plain text among JSON logs (QA4 re-test)."""
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "replay.log"
    with open(out, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "replay-server", "--port", str(port)],
                                stdout=f, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not out.read_text():
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(10)
    rec = json.loads(out.read_text().splitlines()[0])
    assert rec["logger"] == "newsworker.replay" and rec["msg"].startswith("replay server on http://127.0.0.1:")


def test_the_api_text_log_lines_carry_their_time() -> None:
    """QA5 qa5b-14: with NEWSWORKER_LOG_FORMAT=text uvicorn's own format gave "INFO:     Shutting down", no time."""
    import re

    from worker.logs import uvicorn_config

    config = uvicorn_config("text")
    assert config["handlers"]["default"]["formatter"] == "line"
    formatter = logging.Formatter(config["formatters"]["line"]["format"])
    line = formatter.format(logging.LogRecord("uvicorn.error", logging.INFO, __file__, 0, "Shutting down", None, None))
    assert re.match(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: INFO/uvicorn\.error\] Shutting down$", line), line
    assert uvicorn_config("json")["formatters"]["line"] == {"()": "worker.logs.JsonFormatter"}


def test_services_down_names_a_service_it_did_not_start(tmp_path) -> None:
    """QA5 qa5b-14: `make stop` in a checkout that reused running services printed nothing and stopped nothing."""
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"
    env = {"PATH": "/usr/bin:/bin", "NEWSWORKER_DATA": str(tmp_path), "NEWSWORKER_NO_DOCKER": "1",
           "NEWSWORKER_REDIS_URL": "redis://127.0.0.1:1/0", "NEWSWORKER_ES_URL": "http://127.0.0.1:1"}
    out = subprocess.run(["bash", str(script), "down"], env=env, capture_output=True, text=True, timeout=60)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "Redis at redis://127.0.0.1:1/0 was not started by this checkout" in text, text
    assert "Elasticsearch at http://127.0.0.1:1 was not started by this checkout" in text, text


def test_beat_starts_without_redbeats_fallback_warning() -> None:
    """QA5 qa5b-14: every beat start logged "RedBeat will stop falling back to broker_transport_options"."""
    import warnings

    from redbeat.schedulers import RedBeatConfig

    from worker.celery_app import app

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        conf = RedBeatConfig(app)
    assert conf.redbeat_redis_options == {}
