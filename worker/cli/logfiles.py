"""Size-bounded log files for ``newsworker run``: ``<data dir>/logs/<name>.log`` rotated by copy and truncate.

The children write to their log file through their stdout and stderr: a file descriptor the supervisor
opened in append mode and handed down (``worker.cli.run.Supervisor._spawn``), not a Python logging handler,
so a ``RotatingFileHandler`` cannot bound it and renaming the file would not either (the children keep
writing to the renamed one). Instead, as logrotate's ``copytruncate`` does: once a file passes ``max_bytes``,
its content is copied to ``<name>.log.1`` (older copies shifted to ``.2`` ... ``.<backups>``, the oldest
dropped) and the file is truncated to 0. Every writer opened it with ``O_APPEND``, so its next line goes to the
new end, not to its old offset (no hole, no sparse file). Lines written between the last read of the copy and
the truncation (microseconds) are lost: the price of not owning the children's stdout.

Bounded: at most ``(backups + 1) x max_bytes`` per file, plus what a child writes in one ``every`` interval.
An Elasticsearch outage used to grow worker.log by ~120 MB an hour, unbounded (QA5 qa5b-2).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

CHECK_EVERY_S = 5.0
_CHUNK = 1024 * 1024


def backup(path: Path, n: int) -> Path:
    return path.with_name(f"{path.name}.{n}")


def rotate(path: Path, max_bytes: int, backups: int) -> bool:
    """Copy ``path`` to ``<path>.1`` (shifting older copies) and truncate it, if it holds ``max_bytes`` or
    more; True if it did. ``backups`` 0 truncates without a copy."""
    try:
        if path.stat().st_size < max_bytes:
            return False
    except FileNotFoundError:
        return False
    if backups <= 0:
        os.truncate(path, 0)
        return True
    # copied first: a copy that fails (a full disk) leaves the file and the older copies as they were
    tmp = path.with_name(f"{path.name}.rotating")
    with open(path, "rb") as src, open(tmp, "wb") as dst:
        while chunk := src.read(_CHUNK):  # until the end as it is now, what the children added included
            dst.write(chunk)
        os.truncate(path, 0)  # at once after the last read: the window in which a line is lost
    backup(path, backups).unlink(missing_ok=True)
    for n in range(backups - 1, 0, -1):
        if backup(path, n).exists():
            backup(path, n).replace(backup(path, n + 1))
    tmp.replace(backup(path, 1))
    return True


class LogRotation:
    """Checks ``paths`` every ``every`` seconds in a thread of its own and rotates those past ``max_bytes``
    (``rotate``). ``max_bytes`` 0: off. A failure (a full disk, a folder removed) is written to
    ``report_to`` (run.log) once per distinct message, and the next check tries again."""

    def __init__(self, paths: Iterable[Path], max_bytes: int, backups: int, report_to: Path | None = None,
                 every: float = CHECK_EVERY_S, clock: Callable[[], float] = time.time) -> None:
        self.paths = list(paths)
        self.max_bytes = max_bytes
        self.backups = backups
        self.report_to = report_to
        self.every = every
        self.clock = clock
        self.rotated = 0
        self._said: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        """One round over the files."""
        for path in self.paths:
            try:
                self.rotated += rotate(path, self.max_bytes, self.backups)
            except OSError as err:
                self._report(f"cannot rotate {path}: {err}")

    def _report(self, text: str) -> None:
        if text in self._said or self.report_to is None:
            return
        self._said.add(text)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock()))
        try:
            with open(self.report_to, "a", encoding="utf-8") as out:
                out.write(f"{stamp} {text}\n")
        except OSError:
            pass  # the folder is gone or the disk is full: nowhere left to say it; the next round tries again

    def start(self) -> None:
        if self.max_bytes <= 0 or self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self.every):
                self.check()

        self._thread = threading.Thread(target=loop, name="log-rotation", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
