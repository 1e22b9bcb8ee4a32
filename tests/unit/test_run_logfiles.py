"""``newsworker run``'s log files are bounded (QA5 qa5b-2): ``<data dir>/logs/<name>.log`` is a child's
redirected stdout and grew without limit (~120 MB an hour of an Elasticsearch outage). Past
``NEWSWORKER_LOG_MAX_MB`` it is copied to ``<name>.log.1`` (older copies shifted, ``NEWSWORKER_LOG_BACKUPS``
kept) and truncated, while the child goes on writing through its append-mode descriptor."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from worker.cli.logfiles import LogRotation, backup, rotate
from worker.settings import Settings

# A child that writes numbered 100-byte lines through the descriptor it was given, as a worker does
WRITER = ("import sys, time\n"
          "end = time.time() + float(sys.argv[1])\n"
          "n = 0\n"
          "while time.time() < end:\n"
          "    sys.stdout.write(f'line {n:08d} ' + 'x' * 85 + '\\n'); sys.stdout.flush(); n += 1\n"
          "    if n % 50 == 0: time.sleep(0.002)\n")
LINE = re.compile(r"line (\d{8}) x{85}")


def _lines(path: Path) -> list[int]:
    data = path.read_bytes()
    assert b"\0" not in data  # the writer appends at the new end: no hole where the old content was
    out = []
    for text in data.decode().splitlines():
        m = LINE.fullmatch(text)
        assert m, text  # no torn line
        out.append(int(m.group(1)))
    return out


def test_a_file_a_child_writes_to_stays_bounded_and_whole(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    max_bytes, backups = 64 * 1024, 3
    rotation = LogRotation([log], max_bytes, backups, every=0.02)
    with open(log, "ab") as out:  # as Supervisor._spawn opens it
        child = subprocess.Popen([sys.executable, "-c", WRITER, "1.5"], stdout=out)
    rotation.start()
    try:
        child.wait(30)
    finally:
        rotation.close()
    assert rotation.rotated > backups  # the oldest copies were dropped
    files = [log] + [backup(log, n) for n in range(1, backups + 1)]
    assert all(f.exists() for f in files) and not backup(log, backups + 1).exists()
    # bounded: each file below the limit plus what a child writes between two checks
    for f in files:
        assert f.stat().st_size < max_bytes * 4, (f, f.stat().st_size)
    # newest last: .3 older than .2 older than .1 older than the file itself; each in order
    numbers = [_lines(f) for f in reversed(files)]
    flat = [n for part in numbers for n in part]
    assert flat == sorted(flat)
    # every copy holds lines; the live file may have just been emptied by the last check
    assert all(part for part in numbers[:-1])


def test_rotate_shifts_the_copies_and_keeps_only_the_newest(tmp_path: Path) -> None:
    log = tmp_path / "beat.log"
    for generation in range(4):
        log.write_text(f"gen {generation}\n" * 100)
        assert rotate(log, 100, backups=2)
        assert log.read_text() == ""
    assert backup(log, 1).read_text().startswith("gen 3")
    assert backup(log, 2).read_text().startswith("gen 2")
    assert not backup(log, 3).exists()
    log.write_text("small\n")
    assert not rotate(log, 100, backups=2)  # below the limit: left alone
    assert not rotate(tmp_path / "absent.log", 100, backups=2)


def test_no_backups_truncates_and_zero_turns_it_off(tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    log.write_text("x" * 500)
    assert rotate(log, 100, backups=0) and log.read_text() == "" and not backup(log, 1).exists()
    off = LogRotation([log], 0, 5)
    off.start()
    assert off._thread is None
    off.close()


def test_a_failure_is_written_to_run_log_once(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    log.write_text("x" * 500)
    backup(log, 1).write_text("older")
    (tmp_path / "worker.log.rotating").mkdir()  # the copy cannot be written (as root too)
    report = tmp_path / "run.log"
    rotation = LogRotation([log], 100, 2, report_to=report)
    rotation.check()
    rotation.check()
    said = report.read_text().splitlines()
    assert rotation.rotated == 0 and len(said) == 1 and f"cannot rotate {log}" in said[0], said
    assert log.stat().st_size == 500  # nothing truncated that was not copied
    assert backup(log, 1).read_text() == "older" and not backup(log, 2).exists()  # the copies not shifted


def test_run_rotates_every_childs_file_with_the_settings(tmp_path: Path, monkeypatch) -> None:
    import signal

    from worker.cli.run import Supervisor

    monkeypatch.setattr(signal, "signal", lambda *_a: None)  # the supervisor's handlers are not for pytest
    settings = Settings(data_dir=tmp_path, log_max_mb=7, log_backups=2)
    sup = Supervisor([("worker", ["true"]), ("beat", ["true"])], {}, settings, api=False)
    logs = tmp_path / "logs"
    assert sup.rotation.paths == [logs / "worker.log", logs / "beat.log", logs / "run.log"]
    assert (sup.rotation.max_bytes, sup.rotation.backups) == (7 * 1024 * 1024, 2)


@pytest.mark.parametrize("values", [{"log_max_mb": -1}, {"log_backups": -1}, {"log_backups": 101}])
def test_the_limits_are_validated(values: dict) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Settings(**values)


def test_the_defaults_are_50_mb_and_5_copies() -> None:
    s = Settings()
    assert (s.log_max_mb, s.log_backups) == (50, 5)
