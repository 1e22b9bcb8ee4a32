"""How ``newsworker stop`` and ``run`` tell a recorded pid's process from whoever has that pid now (QA5 qa5b-10)."""

from __future__ import annotations

import os

from worker.cli.identity import Stamp, boot_id, is_newsworker_run, start_time


def test_a_run_is_recognised_by_its_command_line() -> None:
    assert is_newsworker_run(["/usr/bin/python3", "/home/u/.venv/bin/newsworker", "run", "--demo"])
    assert is_newsworker_run(["/usr/bin/python3", "-m", "worker.cli.main", "--debug", "run"])
    assert not is_newsworker_run(["sleep", "1000"])
    assert not is_newsworker_run(["/usr/bin/python3", "/venv/bin/newsworker", "stop"])
    assert not is_newsworker_run(["/usr/bin/python3", "/venv/bin/newsworker", "search", "run"])
    assert not is_newsworker_run(["/usr/bin/python3", "-m", "celery", "-A", "worker.celery_app", "worker"])


def test_a_pid_file_reads_both_formats_and_never_names_garbage() -> None:
    assert Stamp.parse("4242\n") == Stamp(4242)  # written by an older newsworker
    assert Stamp.parse('{"pid": 7, "started": 99, "boot": "b"}') == Stamp(7, 99, "b")
    for junk in ("", "x", "[1]", '{"started": 1}', "true"):
        assert Stamp.parse(junk) is None, junk
    assert Stamp(0).mismatch(run=True) == "it names no process"


def test_this_process_is_itself_and_not_with_another_start_or_boot() -> None:
    me = Stamp.of(os.getpid())
    assert me.started == start_time(os.getpid()) is not None and me.boot == boot_id()
    assert me.is_live()
    assert "another process now" in Stamp(me.pid, me.started + 1, me.boot).mismatch()
    assert "reboot" in Stamp(me.pid, me.started, "another-boot").mismatch()
    # no start time recorded: only a `newsworker run` command line is accepted (pytest's is none)
    assert "not a `newsworker run`" in Stamp(me.pid).mismatch(run=True)
    assert not Stamp(me.pid).is_live()  # a child recorded without its start time is never signalled
