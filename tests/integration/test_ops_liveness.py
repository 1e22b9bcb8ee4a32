"""Liveness that catches "worker alive but not consuming": the pool process of a running worker is
frozen (SIGSTOP), its main process still answers pings, and ``newsworker status`` must still go red
because the canary task (sent by beat, executed by a worker) stops being executed; after SIGCONT it
goes green again.

The canary interval and the maximum canary age are shortened through ``NEWSWORKER_CANARY_INTERVAL``
(beat schedule, worker/celery_app.py) and ``NEWSWORKER_CANARY_MAX_AGE`` (worker/ops/health.py). The
Redis is a private redis-server (the canary and RedBeat keys are global to a Redis DB).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.chaos.stack import PrivateRedis, children_rss_mb, tmpdir, wait_until
from tests.conftest import ES_URL, service_missing
from tests.integration.procs import REPO, celery_worker_cmd, env_with, process

pytestmark = pytest.mark.integration

MAX_AGE = 6


def _status(env: dict[str, str]) -> tuple[int, dict]:
    p = subprocess.run([sys.executable, "-m", "worker.cli.main", "status", "--json"], env=env, cwd=REPO,
                       capture_output=True, text=True, timeout=60)
    try:
        body = json.loads(p.stdout)
    except ValueError:
        body = {"raw": p.stdout + p.stderr}
    return p.returncode, body


def _check(body: dict, name: str) -> dict:
    return next((c for c in body.get("checks", []) if c["name"] == name), {})


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        service_missing("redis-server binary", FileNotFoundError("redis-server"))
    with tmpdir("nw-liveness-") as d:
        r = PrivateRedis(d).start()
        yield r
        r.stop()


def test_frozen_pool_makes_status_fail_and_recovers(private_redis, es_client, tmp_path):
    env = env_with(NEWSWORKER_REDIS_URL=private_redis.url(0), NEWSWORKER_ES_URL=ES_URL,
                   NEWSWORKER_CANARY_INTERVAL="1", NEWSWORKER_CANARY_MAX_AGE=str(MAX_AGE))
    beat = [sys.executable, "-m", "celery", "-A", "worker.celery_app", "beat", "-S", "redbeat.RedBeatScheduler",
            "--loglevel", "INFO"]
    # status is red while nothing is registered to poll (the feeds check); one feed, never reachable, is enough
    subprocess.run([sys.executable, "-m", "worker.cli.main", "feeds", "add", "https://feed.invalid/rss", "--id",
                    "liveness", "--interval", "3600"], env=env, cwd=REPO, check=True, capture_output=True, timeout=60)
    # every queue: status is red while one of the stage table's queues has no worker consuming it
    with process(celery_worker_cmd(concurrency=1, name="liveness"), env,
                 tmp_path / "worker.log") as worker, process(beat, env, tmp_path / "beat.log"):
        try:
            wait_until(lambda: _status(env)[0] == 0, 90, 1.0, "status green with worker and beat running")
        except AssertionError:
            pytest.fail(f"never green: {_status(env)[1]}\n{(tmp_path / 'worker.log').read_text()[-3000:]}")
        pool = list(children_rss_mb(worker.pid))
        assert pool, "no pool process found"
        for pid in pool:
            os.kill(pid, signal.SIGSTOP)
        try:
            code, body = wait_until(lambda: (lambda s: s if s[0] != 0 else None)(_status(env)), 60, 1.0,
                                    "status to go red with the pool frozen")
            consuming, workers = _check(body, "consuming"), _check(body, "workers")
            assert code != 0
            assert consuming.get("ok") is False and "stale" in consuming.get("detail", ""), body
            assert workers.get("ok") is True, "the main process should still answer ping (alive)"
        finally:
            for pid in pool:
                os.kill(pid, signal.SIGCONT)
        time.sleep(1)
        wait_until(lambda: _status(env)[0] == 0, 60, 1.0, "status green again after SIGCONT")
