"""A second ``newsworker run`` on a Redis database another run is live on (QA3 L12): its worker and beat would
share the first run's queues and its console would count the first run's work. It is refused unless
``--join``; the runs know each other by a heartbeat in Redis (``worker.ops.runs``).

Each test leases a Redis database of its own (the heartbeats are database-wide) and points Elasticsearch at a
port nothing listens on: a run that got past the check stops at the storage setup, starting nothing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import redis

from tests.conftest import REDIS_URL
from tests.integration.alert_receivers import free_port
from tests.integration.procs import REPO, env_with, leased_redis_db

pytestmark = pytest.mark.integration

RUNS_KEY = "newsworker:runs"


def _other_run(client: redis.Redis, pid: int = 4242, host: str = "other-host", at: float | None = None) -> str:
    import json

    member = json.dumps({"host": host, "pid": pid, "data_dir": "/srv/first/.data", "prefix": "nw:",
                         "started": time.time() - 300}, sort_keys=True)
    client.zadd(RUNS_KEY, {member: time.time() if at is None else at})
    return member


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "worker.cli.main", "run", "--no-api", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def _env(tmp_path, redis_url: str) -> dict[str, str]:
    return env_with(NEWSWORKER_REDIS_URL=redis_url, NEWSWORKER_ES_URL=f"http://127.0.0.1:{free_port()}",
                    NEWSWORKER_DATA_DIR=str(tmp_path / "second"))


def test_a_second_run_on_a_live_runs_database_is_refused(tmp_path) -> None:
    with leased_redis_db(REDIS_URL) as url:
        client = redis.Redis.from_url(url, decode_responses=True)
        _other_run(client)
        r = _run(_env(tmp_path, url))
        out = r.stdout + r.stderr
        assert r.returncode == 1 and "another `newsworker run` is live" in out, out
        assert "pid 4242 on other-host" in out and "/srv/first/.data" in out and "--join" in out, out


def test_join_starts_anyway_and_says_what_it_shares(tmp_path) -> None:
    with leased_redis_db(REDIS_URL) as url:
        _other_run(redis.Redis.from_url(url, decode_responses=True))
        r = _run(_env(tmp_path, url), "--join")
        out = r.stdout + r.stderr
        assert "joining another `newsworker run`" in out, out
        assert "Elasticsearch" in out  # it went on, to the storage setup (unreachable here)


def test_only_live_runs_of_other_processes_count(tmp_path) -> None:
    from worker.ops import runs

    with leased_redis_db(REDIS_URL) as url:
        client = redis.Redis.from_url(url, decode_responses=True)
        me = runs.RunInfo.here(str(tmp_path), "nw:")
        runs.heartbeat(client, me)
        _other_run(client, pid=1, at=time.time() - runs.STALE_AFTER - 5)  # killed long ago: stale
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        gone = _other_run(client, pid=dead.pid, host=socket.gethostname())  # on this host, its pid is gone
        live = _other_run(client, pid=4242)
        assert [o.pid for o in runs.others(client, me)] == [4242]
        assert gone not in client.zrange(RUNS_KEY, 0, -1) and live in client.zrange(RUNS_KEY, 0, -1)
        runs.leave(client, me)
        assert me.member() not in client.zrange(RUNS_KEY, 0, -1)
        assert 0 < client.ttl(RUNS_KEY) <= runs.STALE_AFTER * 2
        assert os.getpid() == me.pid


def test_status_lists_the_live_runs(tmp_path) -> None:
    import json

    with leased_redis_db(REDIS_URL) as url:
        _other_run(redis.Redis.from_url(url, decode_responses=True))
        r = subprocess.run([sys.executable, "-m", "worker.cli.main", "status", "--json"], env=_env(tmp_path, url),
                           cwd=REPO, capture_output=True, text=True, timeout=120)
        body = json.loads(r.stdout)
        assert [run for run in body["runs"] if "pid 4242 on other-host" in run], body.get("runs")
