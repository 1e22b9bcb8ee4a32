"""Which process a recorded pid is: ``newsworker stop`` signals a pid only when it provably is the process
that was recorded, and ``run`` is refused only by a pid file whose process is a live ``newsworker run``.

A pid alone names nobody for long: a run killed by SIGKILL, the OOM killer or a power cut leaves its pid
file behind, and after a reboot or a wrap-around that number belongs to another process (QA5 qa5b-10:
``newsworker stop`` sent SIGTERM to an unrelated ``sleep`` and ``run`` refused to start). A process is
identified by its pid **and** its start time (``/proc/<pid>/stat`` field 22, clock ticks since boot) **and**
the boot it started in (``/proc/sys/kernel/random/boot_id``): the same three can never name two processes.

A record without a start time (a pid file of an older newsworker: the pid alone) is trusted only when the
process's command line is a ``newsworker run``. Where there is no ``/proc`` (not Linux) nothing can be
proved and a running pid is taken as it is, as before.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` from field 3 on (state first), or None when the process is gone or unknown."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: count from the last ')'
    fields = stat.rsplit(")", 1)
    return fields[1].split() if len(fields) == 2 else None


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), None when unknown or gone."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19]) if fields is not None else None
    except (IndexError, ValueError):
        return None


def boot_id() -> str | None:
    """This boot's random id (Linux): a start time is counted from a boot, so it names a process only with it."""
    try:
        return (PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip() or None
    except OSError:
        return None


def have_proc() -> bool:
    """Whether processes can be identified here (``/proc`` of Linux)."""
    return (PROC / "self" / "stat").exists()


def running(pid: int) -> bool:
    """``pid`` is a process, and no zombie (a zombie has exited; its parent has not reaped it yet)."""
    if pid <= 0:
        return False  # 0 and negative numbers name process groups for kill(2), never one process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: never one of ours (a run and its children run as us)
    fields = _stat_fields(pid)
    return fields is None or fields[0] != "Z"


def command_line(pid: int) -> list[str] | None:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]


def holds_open_under(pid: int, folder: Path) -> bool | None:
    """Whether ``pid`` has a file under ``folder`` open (a run keeps its log files in its data dir open),
    None when its open files cannot be listed."""
    root = folder.resolve()
    try:
        fds = list((PROC / str(pid) / "fd").iterdir())
    except OSError:
        return None
    for fd in fds:
        try:
            target = Path(os.readlink(fd))
        except OSError:
            continue  # closed between the listing and the read
        if target.is_relative_to(root):
            return True
    return False


def is_newsworker_run(argv: list[str]) -> bool:
    """``argv`` is ``newsworker [--debug] run ...`` or ``python -m worker.cli.main [--debug] run ...``."""
    for i, arg in enumerate(argv):
        if arg == "worker.cli.main" or Path(arg).name == "newsworker":
            rest = [a for a in argv[i + 1:] if not a.startswith("-")]
            return bool(rest) and rest[0] == "run"
    return False


@dataclass(frozen=True)
class Stamp:
    """A process as recorded: its pid, start time and boot (the last two None when they could not be read)."""

    pid: int
    started: int | None = None
    boot: str | None = None

    @classmethod
    def of(cls, pid: int) -> Stamp:
        return cls(pid, start_time(pid), boot_id())

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def parse(cls, text: str) -> Stamp | None:
        """A pid file's text: this class's JSON, or a bare pid (written by an older newsworker)."""
        text = text.strip()
        try:
            body = json.loads(text)
        except ValueError:
            return None
        try:
            if isinstance(body, int) and not isinstance(body, bool):
                return cls(body)
            if isinstance(body, dict):
                started, boot = body.get("started"), body.get("boot")
                return cls(int(body["pid"]), int(started) if started is not None else None,
                           str(boot) if boot is not None else None)
        except (KeyError, TypeError, ValueError):
            return None
        return None

    def mismatch(self, *, run: bool = False, data_dir: Path | None = None) -> str | None:
        """Why the process now behind ``pid`` is not the one recorded (None: it is, and it runs). ``run``:
        a record without a start time is accepted only for a ``newsworker run`` command line, and, with
        ``data_dir``, only for one that holds a file of that data dir open (its logs): a bare pid of an older
        pid file may name the live run of another data dir (QA5 re-test)."""
        if self.pid <= 0:
            return "it names no process"
        if not running(self.pid):
            return f"no process {self.pid} is running"
        if not have_proc():
            return None  # nothing to compare with: a running pid is taken as it is
        boot = boot_id()
        if self.boot is not None and boot is not None and boot != self.boot:
            return f"pid {self.pid} was recorded before the last reboot"
        now = start_time(self.pid)
        if now is None:
            return f"no process {self.pid} is running"  # it exited just now
        if self.started is not None:
            if now != self.started:
                return f"pid {self.pid} is another process now (it started later than the one recorded)"
            return None
        if run:
            argv = command_line(self.pid)
            if argv is not None and is_newsworker_run(argv):
                if data_dir is not None and not holds_open_under(self.pid, data_dir):
                    return f"pid {self.pid} is a `newsworker run` of another data dir"
                return None
            shown = " ".join(argv or [])[:80] or "?"
            return f"pid {self.pid} is not a `newsworker run` ({shown})"
        # recorded without a start time although /proc was there: the process had already exited then
        return f"pid {self.pid} was recorded without its start time"

    def is_live(self, *, run: bool = False, data_dir: Path | None = None) -> bool:
        return self.mismatch(run=run, data_dir=data_dir) is None


class RunPidFile:
    """``<data dir>/newsworker-run.pid``: the supervisor of ``newsworker run``, as a ``Stamp`` (JSON)."""

    NAME = "newsworker-run.pid"

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / self.NAME

    def write(self, pid: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(Stamp.of(pid).to_json() + "\n", encoding="utf-8")
        tmp.replace(self.path)  # a reader never sees half a file

    def read(self) -> Stamp | None:
        """The recorded run, None when there is no pid file; an unreadable one reads as pid 0 (never live)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            return Stamp(0)
        return Stamp.parse(text) or Stamp(0)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
