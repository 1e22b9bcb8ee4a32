"""The children of ``newsworker run``: started so that they die with it, and recorded so that ``stop`` finds
them if they did not.

A supervisor that is killed (``kill -9``, the OOM killer) runs no ``finally``: its children used to run on
with PPID 1, still polling, indexing and serving, while ``newsworker stop`` said "not running" and a new
``run`` was refused for the ports they held. Two defences:

* **Die with the parent.** Each child is exec'd through a few lines of Python that ask Linux for
  ``PR_SET_PDEATHSIG`` (SIGTERM, so Celery still finishes the task at hand) and then exec the real command;
  the setting survives the exec. (Not ``preexec_fn``: it is unsafe in a process with threads, and the
  supervisor has some.) If the parent is already gone by then, the child exits instead of starting.
* **A record in the data dir** (``newsworker-run.children``, JSON): the supervisor's pid and, per child, its
  pid and start time (``/proc/<pid>/stat``) and the boot's id, so that a pid reused by an unrelated
  process is never signalled (``worker.cli.identity``). ``stop`` reads it when the supervisor is gone and stops what is left: SIGTERM to each child
  (a warm shutdown), then SIGKILL to its process group (the child and, for the worker, its pool).

Elsewhere than Linux the first defence is absent and the second one does the work.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from worker.cli.identity import Stamp, boot_id, start_time

__all__ = ["Child", "ChildRecord", "describe", "die_with_parent", "orphans_hint", "spawn", "start_time",
           "stop_children"]

RECORD_NAME = "newsworker-run.children"

# Run by a fresh interpreter in the child before the real command: argv = [expected parent pid, cmd...].
# PR_SET_PDEATHSIG is 1 in <linux/prctl.h>; prctl is absent from libc elsewhere (AttributeError).
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[1]):\n"  # the parent died before prctl: nobody would stop this child
    "    sys.exit(75)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def die_with_parent(cmd: list[str]) -> list[str]:
    """``cmd`` wrapped so that the process it becomes gets SIGTERM when this process dies."""
    return [sys.executable, "-I", "-S", "-c", _DIE_WITH_PARENT, str(os.getpid()), *cmd]


def spawn(cmd: list[str], env: dict[str, str], out: IO[bytes]) -> subprocess.Popen:
    """Start a child in its own process group (the terminal's Ctrl-C reaches the supervisor only, which stops
    the children in order) that dies with this process.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends: call this from the main thread."""
    return subprocess.Popen(die_with_parent(cmd), env=env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, process_group=0)


@dataclass(frozen=True)
class Child:
    name: str
    pid: int
    started: int | None
    boot: str | None = None

    def alive(self) -> bool:
        """Running, and the very process recorded (``worker.cli.identity``): a pid reused by an unrelated
        process, or recorded without its start time, is never signalled."""
        return Stamp(self.pid, self.started, self.boot).is_live()


class ChildRecord:
    """``<data dir>/newsworker-run.children``: who the supervisor is and which children it started last."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / RECORD_NAME

    def write(self, supervisor: int, children: dict[str, int]) -> None:
        body = {"supervisor": supervisor, "supervisor_started": start_time(supervisor), "boot": boot_id(),
                "children": {n: {"pid": p, "started": start_time(p)} for n, p in children.items()}}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body), encoding="utf-8")
        tmp.replace(self.path)  # a reader never sees half a file

    def read(self) -> tuple[Stamp | None, list[Child]]:
        """The supervisor (None when it is gone, or its pid is another process now) and the recorded
        children."""
        try:
            body = json.loads(self.path.read_text(encoding="utf-8"))
            boot = body.get("boot")
            sup = Stamp(int(body["supervisor"]), body.get("supervisor_started"), boot)
            children = [Child(str(n), int(c["pid"]), c.get("started"), boot) for n, c in body["children"].items()]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None, []
        return (sup if sup.is_live(run=True) else None), children

    def orphans(self) -> list[Child]:
        """Children still running although their supervisor is gone."""
        sup, children = self.read()
        return [] if sup is not None else [c for c in children if c.alive()]

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def stop_children(children: list[Child], grace: float = 20.0,
                  sleep: Callable[[float], None] = time.sleep) -> list[Child]:
    """SIGTERM each child (Celery: warm shutdown), wait up to ``grace`` s, then SIGKILL the process group of
    any still running (the pool of a worker goes with it). Returns the children that had to be killed."""
    running = [c for c in children if c.alive()]
    for c in running:
        try:
            os.kill(c.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    end = time.monotonic() + grace
    while time.monotonic() < end and any(c.alive() for c in running):
        sleep(0.2)
    killed = [c for c in running if c.alive()]
    for c in killed:
        try:
            os.killpg(c.pid, signal.SIGKILL)  # spawned with process_group=0: its group id is its pid
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(c.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    # SIGTERM'd children that exited leave their pool (if any) to exit on its own; a killed group is gone
    return killed


def describe(children: list[Child]) -> str:
    return ", ".join(f"{c.name} (pid {c.pid})" for c in children)


def orphans_hint(record: ChildRecord) -> str | None:
    """One line for ``run`` and ``stop`` when a dead supervisor left children running, else None."""
    left = record.orphans()
    if not left:
        return None
    return (f"a previous `newsworker run` died and left its children running: {describe(left)}; "
            "`newsworker stop` stops them")

