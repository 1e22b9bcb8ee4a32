"""The children of ``newsworker run`` when the supervisor itself is killed (QA3 M1): they go with it, and
``newsworker stop`` stops any that did not; a new ``run`` says what is left instead of "in use: API port".

Real processes throughout. The dummy supervisors run on a Redis and an Elasticsearch port nothing listens on,
so that nothing they do (the heartbeat) reaches the shared services.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from tests.conftest import ES_URL, REDIS_URL
from tests.integration.alert_receivers import free_port
from tests.integration.procs import REPO, env_with, leased_redis_db, wait_for

pytestmark = pytest.mark.integration


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie lasts until init reaps it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d.name))
    return out


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for c in _children(todo.pop()):
            out.append(c)
            todo.append(c)
    return out


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        for kill in (lambda p: os.killpg(p, signal.SIGKILL), lambda p: os.kill(p, signal.SIGKILL)):
            try:
                kill(pid)
            except (ProcessLookupError, PermissionError):
                pass


def _offline_env(data: Path) -> dict[str, str]:
    return env_with(NEWSWORKER_DATA_DIR=str(data), NEWSWORKER_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                    NEWSWORKER_ES_URL=f"http://127.0.0.1:{free_port()}", NEWSWORKER_API_PORT=str(free_port()))


# A supervisor with two children, as `run` has them; the pid file is written the way `run` writes it. A child
# given as "stubborn" ignores SIGTERM until its parent is gone (then it is an orphan `stop` can stop).
HARNESS = """
import json, os, sys, time
from pathlib import Path
from worker.cli.identity import RunPidFile
from worker.cli.run import Supervisor
from worker.settings import get_settings
s = get_settings()
stubborn = ("import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); p = os.getppid()\\n"
            "print('ignoring SIGTERM', flush=True)\\n"
            "while os.getppid() == p: time.sleep(0.05)\\n"
            "time.sleep(0.5); signal.signal(signal.SIGTERM, signal.SIG_DFL); time.sleep(300)")
plain = "import time; time.sleep(300)"
specs = [(name, [sys.executable, "-c", stubborn if name in sys.argv[1:] else plain]) for name in ("worker", "beat")]
sup = Supervisor(specs, dict(os.environ), s, api=False)
RunPidFile(s.data_dir).write(os.getpid())
sup.start()
print(json.dumps({n: p.pid for n, p in sup.procs.items()}), flush=True)
end = time.time() + 300
while not sup.stopping and time.time() < end:  # as `run` does: a signal sets `stopping`
    time.sleep(0.1)
sup.stop()
"""


def _harness(env: dict[str, str], *stubborn: str) -> tuple[subprocess.Popen, dict[str, int]]:
    sup = subprocess.Popen([sys.executable, "-c", HARNESS, *stubborn], env=env, cwd=REPO, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    line = sup.stdout.readline()
    try:
        return sup, json.loads(line)
    except ValueError:
        sup.kill()
        pytest.fail(f"harness: {line}{sup.stdout.read()}")


def test_the_children_of_a_killed_supervisor_exit_with_it(tmp_path) -> None:
    sup, pids = _harness(_offline_env(tmp_path / "data"))
    try:
        assert all(_running(p) for p in pids.values())
        sup.kill()  # SIGKILL: no finally, no handler
        sup.wait(10)
        wait_for(lambda: not any(_running(p) for p in pids.values()), 15, 0.1,
                 f"the children {pids} of the killed supervisor to exit")
    finally:
        _kill_all([sup.pid, *pids.values()])


def test_stop_stops_the_children_a_killed_run_left_and_run_says_so(tmp_path) -> None:
    data = tmp_path / "data"
    env = _offline_env(data)
    sup, pids = _harness(env, "worker")  # the worker survives its parent's death
    try:
        log = data / "logs" / "worker.log"
        wait_for(lambda: log.exists() and "ignoring SIGTERM" in log.read_text(), 30, 0.1, "the stubborn child")
        sup.kill()
        sup.wait(10)
        time.sleep(1.5)  # the stubborn child notices and stops ignoring SIGTERM
        assert _running(pids["worker"]) and not _running(pids["beat"])
        run = subprocess.run([sys.executable, "-m", "worker.cli.main", "run", "--no-api"], env=env, cwd=REPO,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 1, run.stdout + run.stderr
        assert "left its children running" in run.stdout and f"worker (pid {pids['worker']})" in run.stdout, \
            run.stdout + run.stderr
        stop = subprocess.run([sys.executable, "-m", "worker.cli.main", "stop"], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60)
        assert stop.returncode == 0 and "stopped" in stop.stdout, stop.stdout + stop.stderr
        wait_for(lambda: not _running(pids["worker"]), 10, 0.1, "the orphan to exit")
        again = subprocess.run([sys.executable, "-m", "worker.cli.main", "stop"], env=env, cwd=REPO,
                               capture_output=True, text=True, timeout=60)
        assert "not running" in again.stdout
    finally:
        _kill_all([sup.pid, *pids.values()])


def test_stop_finds_a_live_run_by_its_record_when_the_pid_file_is_gone(tmp_path) -> None:
    data = tmp_path / "data"
    env = _offline_env(data)
    sup, pids = _harness(env)
    try:
        (data / "newsworker-run.pid").unlink()
        stop = subprocess.run([sys.executable, "-m", "worker.cli.main", "stop"], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60)
        assert stop.returncode == 0 and "stopped" in stop.stdout, stop.stdout + stop.stderr
        assert sup.wait(10) == 0
        assert not any(_running(p) for p in pids.values())
    finally:
        _kill_all([sup.pid, *pids.values()])


def test_stop_kills_a_child_that_ignores_sigterm() -> None:
    from worker.cli.children import Child, start_time, stop_children

    p = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, "
                          "signal.SIG_IGN); print('ok', flush=True); time.sleep(300)"],
                         stdout=subprocess.PIPE, text=True, process_group=0)
    try:
        assert p.stdout.readline().strip() == "ok"
        killed = stop_children([Child("worker", p.pid, start_time(p.pid))], grace=1.0)
        assert [c.pid for c in killed] == [p.pid]
        assert p.wait(10) == -signal.SIGKILL
    finally:
        _kill_all([p.pid])


def test_a_child_record_never_names_a_reused_pid(tmp_path) -> None:
    from worker.cli.children import ChildRecord, start_time

    record = ChildRecord(tmp_path)
    record.write(os.getpid(), {"worker": os.getpid()})
    sup, children = record.read()
    assert sup is not None and sup.pid == os.getpid() and children[0].alive()
    assert start_time(os.getpid()) is not None
    body = json.loads(record.path.read_text())
    body["children"]["worker"]["started"] -= 1  # the same pid, another process
    record.path.write_text(json.dumps(body))
    assert not record.read()[1][0].alive()


def test_a_killed_run_takes_worker_and_beat_with_it(tmp_path, es_client) -> None:
    """The operator's case: `newsworker run` (worker and beat up), kill -9 of the supervisor; every process
    it started, the worker's pool included, exits within a bound. While it runs, its heartbeat is in Redis."""
    tag = "nw-orphans-" + uuid.uuid4().hex[:8]
    data = tmp_path / "data"
    with leased_redis_db(REDIS_URL) as redis_url:
        env = env_with(NEWSWORKER_REDIS_URL=redis_url, NEWSWORKER_ES_URL=ES_URL, NEWSWORKER_ES_INDEX=tag,
                       NEWSWORKER_ES_ALERTS_INDEX=tag + "-alerts", NEWSWORKER_ES_ALERT_HISTORY_INDEX=tag + "-history",
                       NEWSWORKER_DATA_DIR=str(data), NEWSWORKER_WORKER_CONCURRENCY="1")
        with open(tmp_path / "console.txt", "wb") as out:
            run = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "run", "--no-api", "--status-every", "2"],
                                   env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        family: list[int] = []
        try:
            log = data / "logs" / "worker.log"

            def worker_up() -> bool:
                return log.exists() and re.search(r"ready\.", log.read_text(errors="replace")) is not None

            wait_for(worker_up, 180, 1, "the worker to be ready")
            family = _descendants(run.pid)
            # worker, its pool, the deliveries' worker (threads: no pool process), beat
            assert len(_children(run.pid)) == 3 and len(family) >= 4, family
            runs = redis.Redis.from_url(redis_url, decode_responses=True).zrange("newsworker:runs", 0, -1)
            assert any(json.loads(m)["pid"] == run.pid for m in runs), runs
            run.kill()
            run.wait(10)
            wait_for(lambda: not any(_running(p) for p in family), 60, 0.5,
                     "every process of the killed run to exit")
        finally:
            _kill_all([run.pid, *family])
            es_client.indices.delete(index=tag + "*", ignore_unavailable=True, allow_no_indices=True,
                                     expand_wildcards="all")
            es_client.options(ignore_status=404).indices.delete_index_template(name=tag + "*")
