"""Start real newsworker processes (Celery worker, beat, API) for integration tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def env_with(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    env.setdefault("PYTHONPATH", str(REPO))
    return env


# Runs the command with SIGINT back at its default: a shell starts background jobs (``make test &``, ``nohup``)
# with SIGINT ignored, a child inherits that, and Python then installs no KeyboardInterrupt handler, so a test's
# SIGINT would do nothing. An exec through this one-liner rather than ``preexec_fn``, which is unsafe in a process
# with threads (the test process has some).
_DEFAULT_SIGINT = [sys.executable, "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                   "os.execvp(sys.argv[1], sys.argv[1:])"]


@contextmanager
def process(cmd: list[str], env: dict[str, str], log_path: Path | None = None,
            stdin: int | None = None) -> Iterator[subprocess.Popen]:
    """``cmd`` in its own session, output to ``log_path``; ``stdin=subprocess.PIPE`` lets the test feed it. Ctrl-C
    is the default in the child even when the test run ignores it (``_DEFAULT_SIGINT``)."""
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    p = subprocess.Popen([*_DEFAULT_SIGINT, *cmd], env=env, cwd=REPO, stdin=stdin, stdout=out,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield p
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if log_path:
            out.close()


def all_queues() -> str:
    """Every queue of the stage table (a test worker that does everything, as ``newsworker worker`` does)."""
    from worker.pipeline.table import STAGES

    return ",".join(STAGES.queues)


def celery_worker_cmd(queues: str | None = None, concurrency: int = 1, name: str = "test",
                      pool: str = "prefork") -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "worker.celery_app", "worker", "-Q", queues or all_queues(),
            "-P", pool, "-c", str(concurrency), "-n", f"{name}-{os.getpid()}@%h", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "-O", "fair"]


def listening(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:``port``."""
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):  # noqa: ANN001
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# Set in every DB a test stack leases: such a DB may be flushed and leased again by a later run.
TEST_DB_MARK = "newsworker:test-stack-db"


def _a_test_db(r) -> bool:  # noqa: ANN001 (a redis.Redis)
    return r.dbsize() == 0 or r.exists(TEST_DB_MARK) == 1


@contextmanager
def leased_redis_db(base_url: str, first: int = 2, last: int = 15, ttl: int = 1800) -> Iterator[str]:
    """A Redis DB of our own for a test stack (broker queues, RedBeat lock, feed state), leased through a
    key in DB 0 so concurrent test runs on one Redis never share (and flush) each other's DB. Only a DB that
    is empty or was a test stack's (it holds ``TEST_DB_MARK``) is taken: a user's service running on the
    same Redis in DB 2 lost its feeds to a test run that flushed "the first DB not leased" (QA7 qa7a-14)."""
    import redis

    root = base_url.rsplit("/", 1)[0]
    r0 = redis.Redis.from_url(root + "/0")
    token = f"{os.getpid()}-{time.time()}"
    end = time.time() + 300
    while time.time() < end:
        for db in range(first, last + 1):
            url = f"{root}/{db}"
            r = redis.Redis.from_url(url)
            if not _a_test_db(r):
                continue
            if r0.set(f"newsworker:test-db-lease:{db}", token, nx=True, ex=ttl):
                if not _a_test_db(r):  # taken by someone else between the look and the lease
                    r0.delete(f"newsworker:test-db-lease:{db}")
                    continue
                r.flushdb()
                r.set(TEST_DB_MARK, token)
                try:
                    yield url
                finally:
                    r.flushdb()
                    if r0.get(f"newsworker:test-db-lease:{db}") == token.encode():
                        r0.delete(f"newsworker:test-db-lease:{db}")
                return
        time.sleep(1)
    raise RuntimeError(f"no free Redis DB to lease for the test stack: DBs {first}-{last} are leased or hold "
                       "data that is not a test stack's (never flushed)")


def indexed_titles(es, index: str, size: int = 200) -> list[str]:  # noqa: ANN001 (an Elasticsearch client)
    """The titles indexed in ``index`` after a refresh (``[]`` while the index does not exist yet): what a
    test of a running stack polls for."""
    try:
        es.indices.refresh(index=index)
        hits = es.search(index=index, size=size, source_includes=["title"])["hits"]["hits"]
    except Exception:  # noqa: BLE001 - the index may not exist yet
        return []
    return [h["_source"].get("title") for h in hits]


def live_stack_env(tag: str, redis_url: str, es_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a running stack under test: its own Redis database and indices named after
    ``tag``, beat ticking and feeds polled every second, a replay server's rate allowed, text logs;
    ``extra`` adds or overrides (a test's own deadlines and limits)."""
    return env_with(
        NEWSWORKER_REDIS_URL=redis_url, NEWSWORKER_ES_URL=es_url, NEWSWORKER_ES_INDEX=tag,
        NEWSWORKER_ES_ALERTS_INDEX=tag + "-alerts", NEWSWORKER_ES_ALERT_HISTORY_INDEX=tag + "-alert-history",
        NEWSWORKER_ES_FEEDS_INDEX=tag + "-feeds", NEWSWORKER_DATA_DIR=str(data_dir),
        NEWSWORKER_PER_HOST_RATE="200", NEWSWORKER_PER_HOST_BURST="200", NEWSWORKER_POLL_MIN_INTERVAL="1",
        NEWSWORKER_BEAT_TICK_SECONDS="1", NEWSWORKER_LOG_FORMAT="text", **extra)
