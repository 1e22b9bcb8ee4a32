"""``newsworker run``'s supervisor: the child processes, their log files, the banner and the status line.

Each child (worker, beat, API, demo replay server) writes to ``<data dir>/logs/<name>.log`` in the format
``settings.log_format`` chooses (JSON lines by default), so the console keeps only what a person reads: a
banner (URL, where the logs are, how to stop) and one status line (``worker.ops.status_line``).

The children run in their own process group: Ctrl-C on the terminal reaches this process only, which stops
them in order (SIGTERM: Celery finishes the task at hand) and says so, instead of every process getting the
signal at once and printing its own shutdown over the status line. They die with this process even when it is
killed, and are recorded in the data dir for ``newsworker stop`` (``worker.cli.children``).

The supervisor stamps a heartbeat in Redis (``worker.ops.runs``) so that a second ``run`` on the same Redis
database is refused instead of silently sharing the queues.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from celery.exceptions import DuplicateNodenameWarning

from worker.cli.children import ChildRecord, spawn
from worker.cli.logfiles import LogRotation
from worker.ops import runs
from worker.ops.status_line import Collector, StatusLine
from worker.settings import Settings

# How often the status line is refreshed on a terminal (seconds); a plain line goes out every status_every.
TTY_REFRESH = 1.0
DEFAULT_DEMO_PORT = 8765  # the port config/feeds.demo.yaml names
STABLE_AFTER = 60.0  # a child up this long has stopped crashing: its restart count starts again
CRASH_LOOP = 3  # restarts without a stable minute in between: a crash loop (two can be an operator's kill)


def log_dir(settings: Settings) -> Path:
    d = settings.data_dir / "logs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def demo_feeds_file(path: Path, demo_port: int, data_dir: Path, only: set[str] | None = None) -> Path:
    """A copy of the demo feeds file under ``data_dir`` whose feeds on the replay server carry
    ``allow_private: true`` and name ``demo_port`` (the file names the default port; a second checkout's run uses another).

    ``allow_private`` is the feed's own permission to be on a private address (the replay server is on
    127.0.0.1): kept in the registry, it holds for whoever polls the feed, a worker of ``run --demo`` (whose
    ``NEWSWORKER_PRIVATE_HOSTS`` also lets the article pages through) or a ``newsworker poll replay-bbc``
    typed in another shell, which used to be refused and record the feed as failing.

    ``only``: keep just the feeds of these ids (``demo_feeds_to_load``)."""
    import yaml

    text = path.read_text(encoding="utf-8")
    if demo_port != DEFAULT_DEMO_PORT:
        text = text.replace(f"127.0.0.1:{DEFAULT_DEMO_PORT}/", f"127.0.0.1:{demo_port}/")
    data = yaml.safe_load(text) or {}
    own = f"http://127.0.0.1:{demo_port}/"
    for feed in data.get("feeds") or []:
        if isinstance(feed, dict) and str(feed.get("url", "")).startswith(own):
            feed["allow_private"] = True
    if only is not None:
        data["feeds"] = [f for f in data.get("feeds") or [] if _feed_id(f) in only]
    out = data_dir / path.name
    data_dir.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# written by `newsworker run --demo` from {path}\n"
                   + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def _feed_id(entry: object) -> str:
    """The id ``feeds load`` gives a file's entry (given, or derived from its name or URL)."""
    from worker.ingest.registry import slugify

    if not isinstance(entry, dict):
        return ""
    return str(entry.get("id") or slugify(str(entry.get("name") or entry.get("url") or "")))


def _moved_port(registered: str, wanted: str) -> bool:
    """``registered`` is ``wanted`` on another port of the same host: the replay server moved
    (``NEWSWORKER_DEMO_PORT`` changed), not a URL the operator chose."""
    a, b = urlsplit(registered), urlsplit(wanted)
    return (a.scheme, a.hostname, a.path, a.query) == (b.scheme, b.hostname, b.path, b.query) and a.port != b.port


def demo_feeds_to_load(feeds: list[dict], registered: Mapping[str, str]) -> list[str]:
    """The ids of the demo file's ``feeds`` that ``run --demo`` (re-)loads, given the URLs of those already
    registered (id -> URL).

    The first demo run on these Redis names registers them all. After that the registry is the operator's: an
    interval changed with ``feeds add --replace`` stays, a demo feed removed stays removed (every start used to
    re-load the file and undo both). Only a demo feed left pointing at a replay server on another port is
    re-pointed (its polling state is kept)."""
    ids = [_feed_id(f) for f in feeds]
    if not any(i in registered for i in ids):
        return ids
    return [i for i, f in zip(ids, feeds, strict=True)
            if i in registered and _moved_port(registered[i], str(f.get("url", "")))]


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
        self.started = time.time()
        self.record = ChildRecord(settings.data_dir)
        # the children's log files are their redirected stdout: bounded by copy and truncate (worker.cli.logfiles)
        self.rotation = LogRotation([self.logs / f"{name}.log" for name, _ in specs] + [self.logs / "run.log"],
                                    settings.log_max_mb * 1024 * 1024, settings.log_backups,
                                    report_to=self.logs / "run.log")
        self.run_info = runs.RunInfo.here(str(settings.data_dir), settings.redis_prefix)
        self._beating = threading.Event()
        self._joined: list[runs.RunInfo] = []  # other runs seen on these names (the heartbeat thread's news)
        self.known_runs: set[str] = set()  # other runs the operator was told about at start (`run --join`)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        # The status checks ping every worker on the broker; two joined runs both have a "worker@<host>", and
        # Celery's warning about it would land on the console, over the status line.
        warnings.filterwarnings("ignore", category=DuplicateNodenameWarning)

    def _on_signal(self, *_: object) -> None:
        self.stopping = True

    def _spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        out = self.files.get(name)
        if out is None:
            out = self.files[name] = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        return spawn(cmd, self.env, out)

    def _record(self) -> None:
        try:
            self.record.write(os.getpid(), {n: p.pid for n, p in self.procs.items()})
        except OSError as err:  # the data dir was removed under us: stop loses its fallback, run goes on
            self.status.message(f"cannot record the children in {self.record.path}: {err}")

    def start(self) -> None:
        for name, cmd in self.specs:
            self.procs[name] = self._spawn(name, cmd)
        self._record()
        self._start_heartbeat()
        self.rotation.start()

    def _start_heartbeat(self) -> None:
        """Stamp this run's heartbeat every ``runs.HEARTBEAT_EVERY`` s (off the main loop: Redis may hang),
        and note any other run that appears on these names."""
        from worker.store.clients import get_redis

        def loop() -> None:
            seen = set(self.known_runs)
            while not self._beating.is_set():
                try:
                    r = get_redis()
                    runs.heartbeat(r, self.run_info)
                    for other in runs.others(r, self.run_info):
                        if other.member() not in seen:
                            seen.add(other.member())
                            self._joined.append(other)
                except Exception:  # noqa: BLE001 - Redis away: the status line says so
                    pass
                self._beating.wait(runs.HEARTBEAT_EVERY)

        threading.Thread(target=loop, name="run-heartbeat", daemon=True).start()

    def load_feeds(self, path: Path, demo_port: int) -> None:
        """Register the demo feeds that are not registered yet (``demo_feeds_to_load``; from a copy of
        ``path``, see ``demo_feeds_file``); the command's table goes to run.log, its failure to the console."""
        import yaml

        full = demo_feeds_file(path, demo_port, self.settings.data_dir)
        entries = [f for f in (yaml.safe_load(full.read_text(encoding="utf-8")) or {}).get("feeds") or []
                   if isinstance(f, dict)]
        try:
            from worker.pipeline.context import current

            reg = current().registry
            registered = {i: feed.url for i in (_feed_id(f) for f in entries) if (feed := reg.get(i)) is not None}
        except Exception:  # noqa: BLE001 - Redis away: `feeds load` below says so in run.log
            registered = {}
        todo = demo_feeds_to_load(entries, registered)
        with open(self.logs / "run.log", "ab") as out:
            if not todo:
                out.write(f"demo feeds: {len(registered)} of {len(entries)} registered already, kept as they are "
                          f"(`newsworker feeds load {full}` re-loads the file)\n".encode())
                return
            if len(todo) < len(entries):
                path = demo_feeds_file(path, demo_port, self.settings.data_dir / "demo-reload", only=set(todo))
            else:
                path = full
            out.flush()
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

    def children_down(self, restarts: Mapping[str, int]) -> list[str]:
        """The children to show as down: crash-looping (restarted ``CRASH_LOOP`` times without a stable
        minute), or exited and waiting for their restart."""
        out = []
        for name, p in self.procs.items():
            if restarts.get(name, 0) >= CRASH_LOOP:
                out.append(f"{name} (crash loop)")
            elif p.poll() is not None:
                out.append(f"{name} (restarting)")
        return out

    def watch(self) -> None:
        api = (self.settings.api_host, self.settings.api_port) if self.api_url else None
        collector = Collector(api, started=self.started)
        collector.start()
        restarts: dict[str, int] = {}
        due: dict[str, float] = {}
        started: dict[str, float] = {}
        last_draw = 0.0
        try:
            while not self.stopping:
                now = time.time()
                for name, cmd in self.specs:
                    p = self.procs[name]
                    if p.poll() is None:
                        if now - started.get(name, now) > STABLE_AFTER:
                            restarts[name] = 0  # stable for a minute: forget earlier crashes
                        continue
                    if name not in due:
                        due[name] = now + min(30.0, 2.0 ** restarts.get(name, 0))
                        self.status.message(f"{name} exited with {p.returncode}; restarting in "
                                            f"{due[name] - now:.0f}s (see {self.logs / (name + '.log')})")
                    elif now >= due[name]:
                        del due[name]
                        self.procs[name] = self._spawn(name, cmd)
                        self._record()
                        restarts[name] = restarts.get(name, 0) + 1
                        started[name] = now
                while self._joined:
                    other = self._joined.pop(0)
                    self.status.message(f"another `newsworker run` is live on this Redis database "
                                        f"({other.describe()}): the figures include its work")
                if now - last_draw >= TTY_REFRESH:
                    self.status.show(collector.snapshot(self.children_down(restarts)))
                    last_draw = time.time()
                time.sleep(0.25)
        finally:
            collector.close()

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
        self.rotation.close()
        for f in self.files.values():
            f.close()
        self.record.remove()
        self._beating.set()
        try:
            from worker.store.clients import get_redis

            runs.leave(get_redis(), self.run_info)
        except Exception:  # noqa: BLE001 - Redis away: the heartbeat goes stale by itself
            pass
        if running:
            print("stopped", flush=True)
