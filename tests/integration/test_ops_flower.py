"""Flower works against the same broker with the command the README gives
(``celery -A worker.celery_app flower``): it lists a running worker and the queue lengths. Skipped when
Flower is not installed (it is an optional tool: ``pip install flower``). Flower's HTTP API needs
``FLOWER_UNAUTHENTICATED_API=true`` (or auth options); its web pages do not."""

from __future__ import annotations

import importlib.util
import sys

import httpx
import pytest

from tests.chaos.stack import PrivateRedis, free_port, tmpdir, wait_until
from tests.conftest import IN_CI
from tests.integration.procs import celery_worker_cmd, env_with, process

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(importlib.util.find_spec("flower") is None and not IN_CI,
                                 reason="flower not installed (a dev dependency)")]


def test_flower_sees_workers_and_queues(tmp_path):
    with tmpdir("nw-flower-") as d:
        r = PrivateRedis(d).start()
        env = env_with(NEWSWORKER_REDIS_URL=r.url(0), FLOWER_UNAUTHENTICATED_API="true")
        port = free_port()
        flower = [sys.executable, "-m", "celery", "-A", "worker.celery_app", "flower", f"--port={port}",
                  "--address=127.0.0.1"]
        try:
            with process(celery_worker_cmd(queues="poll,fetch", concurrency=1, name="flower"), env,
                         tmp_path / "worker.log"), process(flower, env, tmp_path / "flower.log"):
                def workers() -> dict | None:
                    try:
                        resp = httpx.get(f"http://127.0.0.1:{port}/api/workers?refresh=1", timeout=5)
                    except httpx.HTTPError:
                        return None
                    return resp.json() if resp.status_code == 200 and resp.json() else None

                names = wait_until(workers, 60, 1.0, "Flower listing the worker")
                assert any(n.startswith("flower-") for n in names), names
                queues = httpx.get(f"http://127.0.0.1:{port}/api/queues/length", timeout=5).json()
                assert {q["name"] for q in queues["active_queues"]} >= {"poll", "fetch"}
        finally:
            r.stop()
