"""A pid file or children record left by a killed ``newsworker run`` (SIGKILL, the OOM killer, a power cut)
names a pid that may be any other process's by now (QA5 qa5b-10): ``newsworker stop`` sent SIGTERM to an
unrelated ``sleep`` whose pid the stale file named, and ``run`` refused to start ("already running").

As the tester did: a real stand-in process (``sleep``) whose pid is written where a run would write its own.
The commands run on a Redis and an Elasticsearch port nothing listens on: nothing reaches the shared services,
and a ``run`` that gets past the pid file stops at the storage setup, starting nothing.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.alert_receivers import free_port
from tests.integration.procs import REPO, env_with
from worker.cli.identity import RunPidFile, Stamp, boot_id, start_time

pytestmark = pytest.mark.integration


def _env(data: Path) -> dict[str, str]:
    return env_with(NEWSWORKER_DATA_DIR=str(data), NEWSWORKER_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                    NEWSWORKER_ES_URL=f"http://127.0.0.1:{free_port()}", NEWSWORKER_API_PORT=str(free_port()))


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@contextmanager
def _sleep() -> Iterator[subprocess.Popen]:
    p = subprocess.Popen(["sleep", "300"])
    try:
        yield p
    finally:
        p.kill()
        p.wait()


def _unharmed(p: subprocess.Popen) -> None:
    assert p.poll() is None, f"the unrelated process {p.pid} was signalled: {p.returncode}"


def test_stop_never_signals_the_process_a_stale_bare_pid_names(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with _sleep() as sp:
        (data / "newsworker-run.pid").write_text(f"{sp.pid}\n")  # an older newsworker's pid file
        r = _cli(_env(data), "stop")
        out = r.stdout + r.stderr
        _unharmed(sp)
        assert r.returncode == 0 and "removed a stale" in out and "not a `newsworker run`" in out, out
        assert "not running" in out, out
        assert not (data / "newsworker-run.pid").exists()


def test_stop_never_signals_a_reused_pid_of_a_recorded_run(tmp_path) -> None:
    """The pid file of this version holds the run's start time and boot: the same pid started later is
    another process."""
    data = tmp_path / "data"
    data.mkdir()
    with _sleep() as sp:
        stamp = Stamp(sp.pid, start_time(sp.pid) - 1, boot_id())
        (data / "newsworker-run.pid").write_text(stamp.to_json())
        r = _cli(_env(data), "stop")
        out = r.stdout + r.stderr
        _unharmed(sp)
        assert r.returncode == 0 and "removed a stale" in out and "another process now" in out, out
        # the same from another boot
        (data / "newsworker-run.pid").write_text(Stamp(sp.pid, start_time(sp.pid), "another-boot").to_json())
        r = _cli(_env(data), "stop")
        _unharmed(sp)
        assert "before the last reboot" in r.stdout + r.stderr, r.stdout + r.stderr


def test_run_starts_past_a_stale_pid_file(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with _sleep() as sp:
        (data / "newsworker-run.pid").write_text(str(sp.pid))
        r = _cli(_env(data), "run", "--no-api")
        out = r.stdout + r.stderr
        _unharmed(sp)
        assert "already running" not in out, out
        assert "removed a stale" in out and str(sp.pid) in out, out
        assert "Elasticsearch" in out  # it went on, to the storage setup (unreachable here)


def test_stop_never_signals_children_whose_pids_were_reused(tmp_path) -> None:
    """The children record of a killed run: a recorded child's pid that is another process now (another
    start time, or no start time recorded) is left alone."""
    data = tmp_path / "data"
    data.mkdir()
    with _sleep() as worker, _sleep() as beat, _sleep() as sup:
        body = {"supervisor": sup.pid, "supervisor_started": start_time(sup.pid) - 1, "boot": boot_id(),
                "children": {"worker": {"pid": worker.pid, "started": start_time(worker.pid) - 1},
                             "beat": {"pid": beat.pid, "started": None}}}
        (data / "newsworker-run.children").write_text(json.dumps(body))
        r = _cli(_env(data), "stop")
        out = r.stdout + r.stderr
        for p in (worker, beat, sup):
            _unharmed(p)
        assert r.returncode == 0 and "not running" in out, out
        run = _cli(_env(data), "run", "--no-api")
        assert "left its children running" not in run.stdout + run.stderr, run.stdout + run.stderr


def test_stop_still_stops_the_run_its_pid_file_names(tmp_path) -> None:
    """The check does not get in the way of the ordinary case: a live run (here a stand-in whose command line
    is a run's, recorded as `run` records itself) gets SIGTERM."""
    data = tmp_path / "data"
    data.mkdir()
    code = "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); time.sleep(300)"
    p = subprocess.Popen([sys.executable, "-c", code, "worker.cli.main", "run", "--demo"])
    try:
        RunPidFile(data).write(p.pid)
        env = _env(data)
        r = _cli(env, "run", "--no-api")
        assert r.returncode == 1 and f"already running (pid {p.pid})" in r.stdout, r.stdout + r.stderr
        r = _cli(env, "stop")
        assert r.returncode == 0 and "stopped" in r.stdout, r.stdout + r.stderr
        assert p.wait(10) == 0
        # a bare pid (an older newsworker's pid file) is trusted for a process whose command line is a run
        # and that holds a file of this data dir open (a run's logs)
        q = _run_stand_in(data / "logs")
        try:
            (data / "newsworker-run.pid").write_text(str(q.pid))
            r = _cli(env, "stop")
            assert r.returncode == 0 and "stopped" in r.stdout, r.stdout + r.stderr
            assert q.wait(10) == 0
        finally:
            q.kill()
            q.wait()
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()


def _run_stand_in(logs: Path) -> subprocess.Popen:
    """A process whose command line is a run's and that keeps ``logs/run.log`` open, as a run does."""
    logs.mkdir(parents=True, exist_ok=True)
    code = ("import signal, sys, time; f = open(sys.argv[1], 'ab'); "
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); print('up', flush=True); time.sleep(300)")
    p = subprocess.Popen([sys.executable, "-c", code, str(logs / "run.log"), "worker.cli.main", "run"],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "up"  # its file is open from here on
    return p


def test_stop_never_signals_the_live_run_of_another_data_dir_a_bare_pid_names(tmp_path) -> None:
    """QA5 re-test: an older newsworker's pid file (a bare pid) naming another data dir's live `newsworker run`
    (the pid reused by it) was trusted on its command line alone, and `stop` sent it SIGTERM."""
    data, other = tmp_path / "data", tmp_path / "other"
    data.mkdir()
    q = _run_stand_in(other / "logs")
    try:
        (data / "newsworker-run.pid").write_text(f"{q.pid}\n")
        r = _cli(_env(data), "stop")
        out = r.stdout + r.stderr
        _unharmed(q)
        assert r.returncode == 0 and "removed a stale" in out and "another data dir" in out, out
        r = _cli(_env(data), "run", "--no-api")  # nor does it keep this data dir's run from starting
        assert "already running" not in r.stdout + r.stderr, r.stdout + r.stderr
        _unharmed(q)
    finally:
        q.kill()
        q.wait()
