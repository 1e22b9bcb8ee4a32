"""``newsworker run``'s supervisor: the child processes, their log files, the banner and the status line.

Each child (worker, beat, API, demo replay server) writes to ``<data dir>/logs/<name>.log`` in the format
``settings.log_format`` chooses (JSON lines by default), so the console keeps only what a person reads: a
banner (URL, where the logs are, how to stop) and one status line (``worker.ops.status_line``).

The children run in their own process group: Ctrl-C on the terminal reaches this process only, which stops
them in order (SIGTERM: Celery finishes the task at hand) and says so, instead of every process getting the
signal at once and printing its own shutdown over the status line.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from worker.ops.status_line import Collector, StatusLine
from worker.settings import Settings

# How often the status line is refreshed on a terminal (seconds); a plain line goes out every status_every.
TTY_REFRESH = 1.0
DEFAULT_DEMO_PORT = 8765  # the port config/feeds.demo.yaml names


def log_dir(settings: Settings) -> Path:
    d = settings.data_dir / "logs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def demo_feeds_file(path: Path, demo_port: int, data_dir: Path) -> Path:
    """A copy of the demo feeds file under ``data_dir`` whose feeds on the replay server carry
    ``allow_private: true`` and name ``demo_port`` (the file names the default port; a second checkout's run uses another).

    ``allow_private`` is the feed's own permission to be on a private address (the replay server is on
    127.0.0.1): kept in the registry, it holds for whoever polls the feed, a worker of ``run --demo`` (whose
    ``NEWSWORKER_PRIVATE_HOSTS`` also lets the article pages through) or a ``newsworker poll replay-bbc``
    typed in another shell, which used to be refused and record the feed as failing."""
    import yaml

    text = path.read_text(encoding="utf-8")
    if demo_port != DEFAULT_DEMO_PORT:
        text = text.replace(f"127.0.0.1:{DEFAULT_DEMO_PORT}/", f"127.0.0.1:{demo_port}/")
    data = yaml.safe_load(text) or {}
    own = f"http://127.0.0.1:{demo_port}/"
    for feed in data.get("feeds") or []:
        if isinstance(feed, dict) and str(feed.get("url", "")).startswith(own):
            feed["allow_private"] = True
    out = data_dir / path.name
    data_dir.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# written by `newsworker run --demo` from {path}\n"
                   + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


class Supervisor:
    """Starts the children, restarts one that dies (with backoff, like a process supervisor), draws the
    status, and stops them all on SIGINT/SIGTERM/SIGHUP."""

    def __init__(self, specs: list[tuple[str, list[str]]], env: dict[str, str], settings: Settings,
                 api: bool = True, status_every: float = 30.0) -> None:
        self.specs = specs
        self.env = env
        self.settings = settings
        self.logs = log_dir(settings)
        self.procs: dict[str, subprocess.Popen] = {}
        self.files: dict[str, IO[bytes]] = {}
        self.api_url = f"http://{settings.api_host}:{settings.api_port}/" if api else None
        self.status = StatusLine(sys.stdout, every=status_every)
        self.stopping = False
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, *_: object) -> None:
        self.stopping = True

    def _spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        out = self.files.get(name)
        if out is None:
            out = self.files[name] = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        return subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                process_group=0)

    def start(self) -> None:
        for name, cmd in self.specs:
            self.procs[name] = self._spawn(name, cmd)

    def load_feeds(self, path: Path, demo_port: int) -> None:
        """Register the demo feeds (from a copy of ``path``, see ``demo_feeds_file``); the command's table goes
        to run.log, its failure to the console."""
        path = demo_feeds_file(path, demo_port, self.settings.data_dir)
        with open(self.logs / "run.log", "ab") as out:
            rc = subprocess.run([sys.executable, "-m", "worker.cli.main", "feeds", "load", str(path)],
                                env=self.env, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
        if rc != 0:
            self.status.message(f"loading {path} failed (exit {rc}); see {self.logs / 'run.log'}")

    def banner(self, demo_port: int | None) -> None:
        fmt = "JSON lines" if self.settings.log_format == "json" else "text"
        names = ",".join(name for name, _ in self.specs)
        lines = ["", "newsworker is running" + (f" (demo: replay feeds on 127.0.0.1:{demo_port})"
                                                if demo_port else "")]
        if self.api_url:
            lines.append(f"  open        {self.api_url}")
        lines += [f"  logs        {self.logs}/{{{names}}}.log ({fmt}; NEWSWORKER_LOG_FORMAT=text for plain)",
                  "  stop        Ctrl-C (Redis and Elasticsearch keep running; `make stop` stops them too)",
                  "  health      newsworker status", ""]
        print("\n".join(lines), flush=True)

    def watch(self) -> None:
        api = (self.settings.api_host, self.settings.api_port) if self.api_url else None
        collector = Collector(api)
        restarts: dict[str, int] = {}
        due: dict[str, float] = {}
        started: dict[str, float] = {}
        last_draw = 0.0
        while not self.stopping:
            now = time.time()
            for name, cmd in self.specs:
                p = self.procs[name]
                if p.poll() is None:
                    if now - started.get(name, now) > 60:
                        restarts[name] = 0  # stable for a minute: forget earlier crashes
                    continue
                if name not in due:
                    due[name] = now + min(30.0, 2.0 ** restarts.get(name, 0))
                    self.status.message(f"{name} exited with {p.returncode}; restarting in {due[name] - now:.0f}s "
                                        f"(see {self.logs / (name + '.log')})")
                elif now >= due[name]:
                    del due[name]
                    self.procs[name] = self._spawn(name, cmd)
                    restarts[name] = restarts.get(name, 0) + 1
                    started[name] = now
            if now - last_draw >= TTY_REFRESH:
                self.status.show(collector.snapshot())
                last_draw = time.time()
            time.sleep(0.25)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM all (Celery finishes the current task: warm shutdown), then SIGKILL stragglers."""
        running = [(n, p) for n, p in self.procs.items() if p.poll() is None]
        self.status.close()  # the last status stays on screen; what follows goes below it
        if running:
            print(f"stopping {', '.join(n for n, _ in running)}...", flush=True)
        for _, p in running:
            p.send_signal(signal.SIGTERM)
        end = time.time() + grace
        for _, p in running:
            try:
                p.wait(max(0.1, end - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in self.files.values():
            f.close()
        if running:
            print("stopped", flush=True)
