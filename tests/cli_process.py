"""Running the real CLI entry point (``python -m worker.cli.main``) in a subprocess, for tests of what a
failing command prints: one ``error:`` line and its exit code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, clean: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    """The command with ``env`` on top of this process's environment; ``clean``: without this process's own
    ``NEWSWORKER_*`` variables, Redis and Elasticsearch pointed at closed ports unless ``env`` says otherwise."""
    base = dict(os.environ)
    if clean:
        base = {k: v for k, v in base.items() if not k.startswith("NEWSWORKER_")}
        base.update({"NEWSWORKER_REDIS_URL": f"redis://127.0.0.1:{closed_port()}/5",
                     "NEWSWORKER_ES_URL": f"http://127.0.0.1:{closed_port()}"})
    full = {**base, "PYTHONPATH": str(REPO), **env}
    return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=full, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def one_error_line(r: subprocess.CompletedProcess[str], *, skip_warnings: bool = False) -> str:
    """The one line a failing command printed: ``error: ...`` and no traceback (``skip_warnings``: lines
    ``warning: ...`` before it allowed)."""
    lines = [x for x in r.stderr.strip().splitlines() if not (skip_warnings and x.startswith("warning: "))]
    assert len(lines) == 1, r.stderr[-3000:]
    assert lines[0].startswith("error: ") and "Traceback" not in r.stderr, r.stderr[-3000:]
    return lines[0]
