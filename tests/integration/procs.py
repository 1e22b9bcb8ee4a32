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


@contextmanager
def process(cmd: list[str], env: dict[str, str], log_path: Path | None = None) -> Iterator[subprocess.Popen]:
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    p = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
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


def celery_worker_cmd(queues: str = "poll,fetch,extract,index,alert", concurrency: int = 1,
                      name: str = "test") -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "worker.celery_app", "worker", "-Q", queues, "-c",
            str(concurrency), "-n", f"{name}-{os.getpid()}@%h", "--loglevel", "INFO", "--without-gossip",
            "--without-mingle", "-O", "fair"]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):  # noqa: ANN001
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
