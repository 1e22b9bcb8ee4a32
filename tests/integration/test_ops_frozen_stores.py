"""A store that is frozen (accepts connections, never answers: SIGSTOP, a stuck host) is reported DOWN
within seconds by every health probe: ``newsworker status`` (QA5 qa5b-12: nothing printed for over 200 s),
/ready (no answer in 60 s), /metrics, the worker ping, and the console of ``run`` (qa5b-11: ``ready`` for
the whole 70 s of an Elasticsearch freeze, since its index count waited on the patient client; qa5b-12: 34
to 110 s to show a frozen Redis). The frozen store is ``tests.silent_server.SilentServer``; the other one is
the real service. The workers' clients stay patient."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.procs import REPO, env_with
from tests.silent_server import SilentServer, silent_server
from worker.store.clients import PROBE_SECONDS

pytestmark = pytest.mark.integration

# PROBE_SECONDS for the frozen store, the other store's real answer and the process's own work: a few
# seconds. Without the bounds each of these took from 40 s to minutes.
BOUND = 4 * PROBE_SECONDS


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    with silent_server() as server:
        yield server


def _point(monkeypatch: pytest.MonkeyPatch, variable: str, url: str) -> None:
    from worker.settings import get_settings
    from worker.store.clients import reset_clients

    monkeypatch.setenv(variable, url)
    get_settings.cache_clear()
    reset_clients()


@pytest.fixture
def frozen_redis(silent: SilentServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SilentServer]:
    """This process's settings and clients on a Redis that accepts connections and never answers."""
    _point(monkeypatch, "NEWSWORKER_REDIS_URL", silent.url("redis"))
    yield silent
    monkeypatch.undo()
    _point(monkeypatch, "NEWSWORKER_REDIS_URL", "")
    monkeypatch.undo()


@pytest.fixture
def frozen_es(silent: SilentServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SilentServer]:
    """This process's settings and clients on an Elasticsearch that accepts connections and never answers."""
    _point(monkeypatch, "NEWSWORKER_ES_URL", silent.url("http"))
    yield silent
    monkeypatch.undo()
    _point(monkeypatch, "NEWSWORKER_ES_URL", "")
    monkeypatch.undo()


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s result, failing the test if it has not returned within ``seconds`` (it is left to finish
    in a daemon thread, which the frozen store's closing ends)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = call()
        except BaseException as err:  # noqa: BLE001 - handed to the test
            out["error"] = err

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"no answer within {seconds:g} s"
    if "error" in out:
        raise out["error"]
    out["elapsed"] = time.monotonic() - started
    return out["value"]


def _status(variable: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = env_with(**{variable: url}, COLUMNS="220", NEWSWORKER_LOG_FORMAT="text")
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "worker.cli.main", "status", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`newsworker status` printed nothing for 60 s with {variable} frozen")
    assert time.monotonic() - started < BOUND + 5, "status took longer than its checks' bounds"  # + start-up
    return done


# -- qa5b-12: Redis frozen ---------------------------------------------------------------------------------

def test_status_says_redis_is_down_within_seconds(silent: SilentServer) -> None:
    done = _status("NEWSWORKER_REDIS_URL", silent.url("redis"))
    assert done.returncode == 1, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.strip("│ ").startswith("redis "))
    assert "DOWN" in row and f"no answer within {PROBE_SECONDS:g} s" in row, done.stdout
    # the checks that need Redis are not asked one by one (each would wait its own 3 s)
    assert "not checked: Redis is down" in done.stdout, done.stdout


def test_status_json_says_redis_is_down_within_seconds(silent: SilentServer) -> None:
    done = _status("NEWSWORKER_REDIS_URL", silent.url("redis"), "--json")
    body = json.loads(done.stdout)
    checks = {c["name"]: c for c in body["checks"]}
    assert done.returncode == 1 and body["ok"] is False
    assert not checks["redis"]["ok"] and "no answer within" in checks["redis"]["detail"]
    assert checks["elasticsearch"]["ok"], checks["elasticsearch"]  # the real one
    assert body["queues"] == [] and body["dead_letters"] is None and body["runs"] is None


def test_ready_answers_503_within_seconds(frozen_redis: SilentServer) -> None:
    from fastapi.testclient import TestClient

    from worker.api.app import create_app

    with TestClient(create_app()) as client:
        for path in ("/ready", "/ready?workers=true"):
            resp = within(BOUND, lambda path=path: client.get(path))
            assert resp.status_code == 503, resp.text
            redis_check = next(c for c in resp.json()["checks"] if c["name"] == "redis")
            assert not redis_check["ok"] and "no answer within" in redis_check["detail"]


def test_metrics_answer_within_seconds_with_redis_down(frozen_redis: SilentServer) -> None:
    from fastapi.testclient import TestClient

    from worker.api.app import create_app

    with TestClient(create_app()) as client:
        resp = within(BOUND, lambda: client.get("/metrics"))
    assert resp.status_code == 200, resp.text
    assert 'newsworker_dependency_up{dependency="redis"} 0.0' in resp.text


def test_the_worker_ping_gives_up_within_seconds(silent: SilentServer) -> None:
    """The ping goes through the broker: Celery's own connection (no socket timeout, reconnecting without
    end) never returned from a Redis that froze between the Redis check and this one. In a process of its
    own: the Celery app takes its broker URL from the settings when it is first imported."""
    code = ("import json; from worker.ops import health; c = health.check_workers(); "
            "print(json.dumps([c.ok, c.detail]))")
    env = env_with(NEWSWORKER_REDIS_URL=silent.url("redis"), NEWSWORKER_LOG_FORMAT="text")
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the worker ping did not return within 60 s from a frozen Redis")
    assert time.monotonic() - started < BOUND + 5
    ok, detail = json.loads(done.stdout.strip().splitlines()[-1])
    assert not ok and "cannot ask workers" in detail, detail


def test_the_console_shows_redis_down_within_seconds(frozen_redis: SilentServer) -> None:
    from worker.ops.status_line import Collector

    collector = Collector(api=None)
    within(BOUND, lambda: collector.refresh(force=True))
    assert collector.state() == "DOWN: redis"


def test_the_probe_is_bounded_and_the_workers_client_stays_patient() -> None:
    from worker.store.clients import get_redis, probe_redis

    patient, probe = get_redis(), probe_redis()
    assert probe is not patient and probe is probe_redis(patient)  # one probe client per client
    slow, quick = patient.connection_pool.make_connection(), probe.connection_pool.make_connection()
    assert (slow.socket_timeout, slow.retry.get_retries()) == (10, 1)  # a command waits, and is tried again
    assert quick.socket_timeout == quick.socket_connect_timeout == PROBE_SECONDS
    assert quick.retry.get_retries() == 0
    assert probe.ping()


# -- qa5r2-3: a person's Redis calls (API routes, CLI commands) are bounded too ----------------------------

# interactive_redis_timeout (4 s) and, for the CLI, its start-up: the patient client took 40 s
PERSON_BOUND = 10.0


@pytest.fixture
def stopped_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A private redis-server, this process's settings and clients on it; frozen (SIGSTOP) by the test as
    a stuck Redis is, and always thawed (SIGCONT) and stopped after it."""
    from tests.chaos.stack import PrivateRedis, tmpdir
    from tests.conftest import service_missing

    if not shutil.which("redis-server"):
        service_missing("redis-server binary", FileNotFoundError("redis-server"))
    with tmpdir("nw-frozen-redis-") as d:
        server = PrivateRedis(d).start()
        try:
            _point(monkeypatch, "NEWSWORKER_REDIS_URL", server.url(0))
            yield server
        finally:
            os.kill(server.proc.pid, signal.SIGCONT)
            server.stop()
            monkeypatch.undo()
            _point(monkeypatch, "NEWSWORKER_REDIS_URL", "")
            monkeypatch.undo()


def _feeds_list(url: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = env_with(NEWSWORKER_REDIS_URL=url, NEWSWORKER_LOG_FORMAT="text", COLUMNS="200")
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "worker.cli.main", "feeds", "list"], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("`newsworker feeds list` printed nothing for 90 s with Redis frozen")
    return done, time.monotonic() - started


def test_feeds_route_and_command_fail_within_seconds_on_a_frozen_redis(stopped_redis: Any) -> None:
    from fastapi.testclient import TestClient

    from worker.api.app import create_app

    pid = stopped_redis.proc.pid
    with TestClient(create_app()) as client:  # its lifespan: the app serves people
        assert client.get("/feeds").status_code == 200
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        resp = within(60, lambda: client.get("/feeds"))
        assert time.monotonic() - started < PERSON_BOUND, "GET /feeds waited like a worker"
        assert resp.status_code == 503 and "TimeoutError" in resp.json()["detail"], resp.text
        done, took = _feeds_list(stopped_redis.url(0))
        assert took < PERSON_BOUND + 3, f"`feeds list` took {took:.1f} s"  # + the command's start-up
        assert done.returncode == 1 and "Redis is unreachable" in done.stderr, done.stderr
        # a Redis that is only slow (a 2 s stall) is waited for: the request answers once it is back
        threading.Timer(2.0, os.kill, (pid, signal.SIGCONT)).start()
        resp = within(60, lambda: client.get("/feeds"))
        assert resp.status_code == 200, resp.text
    assert client.get("/feeds").status_code == 200
    done, _ = _feeds_list(stopped_redis.url(0))
    assert done.returncode == 0, done.stderr


def test_a_person_gets_the_bounded_client_and_the_workers_keep_theirs() -> None:
    import redis

    from worker.settings import get_settings
    from worker.store.clients import get_redis, interactive_redis

    patient = get_redis()
    with interactive_redis():
        quick = get_redis()
        with interactive_redis():  # nested (`newsworker api` runs the app's lifespan): the same client
            assert get_redis() is quick
        assert get_redis() is quick
    assert get_redis() is not quick  # once no person waits, the patient client is back
    conn = quick.connection_pool.make_connection()
    seconds = get_settings().interactive_redis_timeout
    assert conn.socket_timeout == conn.socket_connect_timeout == seconds
    assert conn.health_check_interval == 0  # no PING of its own before a command, waiting as long again
    assert conn.retry.get_retries() == 1 and not issubclass(redis.TimeoutError, conn.retry._supported_errors)
    slow = get_redis().connection_pool.make_connection()
    assert (slow.socket_timeout, slow.retry.get_retries()) == (10, 1)
    assert patient.ping() and quick.ping()



def test_metrics_say_elasticsearch_is_up_while_only_redis_is_frozen(stopped_redis: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A private Redis frozen by SIGSTOP, the shared Elasticsearch up and no index behind the search alias yet
    (before `newsworker setup`): the scrape said ``elasticsearch 0`` next to ``redis 0``, as if both were
    down, because a 404 on the document count was taken for no answer."""
    import uuid

    from fastapi.testclient import TestClient

    from worker.api.app import create_app
    from worker.settings import get_settings

    monkeypatch.setenv("NEWSWORKER_ES_INDEX", f"nw-noindex-{uuid.uuid4().hex[:8]}")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        os.kill(stopped_redis.proc.pid, signal.SIGSTOP)
        resp = within(BOUND, lambda: client.get("/metrics"))
    assert resp.status_code == 200, resp.text
    assert 'newsworker_dependency_up{dependency="redis"} 0.0' in resp.text
    assert 'newsworker_dependency_up{dependency="elasticsearch"} 1.0' in resp.text
    assert "newsworker_index_documents " not in resp.text  # no index: nothing to count, not zero

# -- qa5b-11: Elasticsearch frozen ---------------------------------------------------------------------------

def test_status_says_elasticsearch_is_down_within_seconds(silent: SilentServer) -> None:
    done = _status("NEWSWORKER_ES_URL", silent.url("http"), "--json")
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert done.returncode == 1
    assert not checks["elasticsearch"]["ok"] and "no answer within" in checks["elasticsearch"]["detail"]


def test_the_console_shows_elasticsearch_down_within_seconds(frozen_es: SilentServer) -> None:
    """The console's index count waited on the patient client (30 s x 4 tries) before the checks ran, so the
    state stayed ``ready`` for the whole freeze while ``status`` said DOWN."""
    from worker.ops.status_line import Collector

    collector = Collector(api=None)
    within(BOUND, lambda: collector.refresh(force=True))
    assert collector.state() == "DOWN: elasticsearch"
    assert collector.in_index is None  # not asked of the frozen node for more than PROBE_SECONDS


# -- a person's Elasticsearch calls in the CLI are bounded too (follow-up of qa5r2-3) ------------------------

# api_es_timeout (10 s) a call and the command's start-up: the patient client took 121 s (30 s x 4 tries)
ES_PERSON_BOUND = 20.0


def _cli_on(url: str, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = env_with(NEWSWORKER_ES_URL=url, NEWSWORKER_LOG_FORMAT="text", COLUMNS="200")
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`newsworker {' '.join(args)}` printed nothing for 60 s with Elasticsearch frozen")
    return done, time.monotonic() - started


@pytest.mark.parametrize("args", [("search", "foo"), ("alerts", "list")])
def test_search_and_alerts_fail_within_seconds_on_a_frozen_elasticsearch(silent: SilentServer,
                                                                         args: tuple[str, ...]) -> None:
    done, took = _cli_on(silent.url("http"), *args)
    assert took < ES_PERSON_BOUND, f"`{' '.join(args)}` took {took:.1f} s"
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Elasticsearch is unreachable" in done.stderr and "timed out" in done.stderr, done.stderr
    assert silent.accepted == 1  # asked once: no retry after the timeout
