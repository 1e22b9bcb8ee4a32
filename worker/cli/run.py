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
import secrets
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Mapping
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
NEEDS_REDIS = frozenset({"worker", "beat"})  # the children that exit or idle while Redis is away


def demo_api_key(configured: str | None) -> str | None:
    """The write key ``run --demo`` makes for its own children when none is configured, or None.

    Without a key the API refuses every change, so a newcomer's first ``make run`` could not add a feed or an
    alert from the page (QA5 qa5c-1). The key is random, lives only in the children's environment for this run
    (never written to a file), and the banner prints it once. ``run`` without ``--demo`` never makes one: a
    deployment's key is its operator's choice. A key set in the environment or ``.env`` (a placeholder
    included: its refusal says to set a real one) is kept."""
    if (configured or "").strip():
        return None
    return "demo-" + secrets.token_urlsafe(18)


def key_lines(configured: str | None, made: str | None) -> list[str]:
    """The banner's lines about the API key: the demo's own key (printed once, here), or how to turn changes
    on when no key is set. A configured key is the operator's secret: never printed."""
    if made:
        return [f"  api key     {made}",
                "              (made for this demo run only: paste it into the page's API key button to add "
                "feeds and alerts; set NEWSWORKER_API_KEY to choose your own)"]
    if not (configured or "").strip():
        return ["  changes     off: NEWSWORKER_API_KEY is not set, so the API and the page refuse every change "
                "(set it to a secret and restart)"]
    return []


def crash_counts(exits: Mapping[str, list[float]], lost_redis: Callable[[float], bool]) -> dict[str, int]:
    """Per child, its exits (wall times, since its last stable minute) that were crashes: an exit of a child
    that needs Redis while Redis was away (``lost_redis(at)``) is none, it lost Redis. A beat restarted
    through a Redis outage was reported as a crash loop (QA5 qa5b-3)."""
    return {name: sum(1 for at in times if not (name in NEEDS_REDIS and lost_redis(at)))
            for name, times in exits.items()}


def log_format_note(log_format: str) -> str:
    """What the banner says of the logs' format: how to get plain text only when they are not already
    (it used to say "text; NEWSWORKER_LOG_FORMAT=text for plain" to an operator who had set it, QA5 qa5b-7)."""
    return "JSON lines; NEWSWORKER_LOG_FORMAT=text for plain" if log_format == "json" else "plain text"


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


def demo_feeds_to_load(feeds: list[dict], registered: Mapping[str, str], repoint: bool = True) -> list[str]:
    """The ids of the demo file's ``feeds`` that ``run --demo`` (re-)loads, given the URLs of those already
    registered (id -> URL).

    The first demo run on these Redis names registers them all. After that the registry is the operator's: an
    interval changed with ``feeds add --replace`` stays, a demo feed removed stays removed (every start used to
    re-load the file and undo both). Only a demo feed left pointing at a replay server on another port is
    re-pointed (its polling state is kept), and only when ``repoint``: a run that joins a live one
    (``run --join``) leaves the shared registry's feeds on that run's replay server (``shared_replay_port``)."""
    ids = [_feed_id(f) for f in feeds]
    if not any(i in registered for i in ids):
        return ids
    if not repoint:
        return []
    return [i for i, f in zip(ids, feeds, strict=True)
            if i in registered and _moved_port(registered[i], str(f.get("url", "")))]


def _demo_entries(path: Path) -> list[dict]:
    import yaml

    return [f for f in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("feeds") or []
            if isinstance(f, dict)]


def registered_demo_urls(path: Path) -> dict[str, str]:
    """id -> URL of the demo file's feeds that are registered ({} when the registry cannot be read: the
    ``feeds load`` that follows says why in run.log)."""
    try:
        from worker.pipeline.context import current

        reg = current().registry
        return {i: feed.url for i in (_feed_id(f) for f in _demo_entries(path)) if (feed := reg.get(i)) is not None}
    except Exception:  # noqa: BLE001 - Redis away
        return {}


def shared_replay_port(registered: Mapping[str, str]) -> int | None:
    """The port of the replay server (on this host) that the registered demo feeds name, None when none does.

    A run that joins a live ``run --demo`` uses that one (QA5 qa5b-6): re-pointing the shared registry at a
    replay server of its own made every article new under other URLs (indexed twice), and when the joining run
    stopped, the first run's feeds pointed at a server that was gone, all failing."""
    for url in registered.values():
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            continue
        if parts.hostname == "127.0.0.1" and port:
            return port
    return None


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

    def load_feeds(self, path: Path, demo_port: int, joining: bool = False) -> None:
        """Register the demo feeds that are not registered yet (``demo_feeds_to_load``; from a copy of
        ``path``, see ``demo_feeds_file``); the command's table goes to run.log, its failure to the console.
        ``joining``: another run is live on this database, whose registry is left as it is."""
        full = demo_feeds_file(path, demo_port, self.settings.data_dir)
        entries = _demo_entries(full)
        registered = registered_demo_urls(full)
        todo = demo_feeds_to_load(entries, registered, repoint=not joining)
        with open(self.logs / "run.log", "ab") as out:
            if not todo:
                whose = "by the live run this one joined" if joining else "already"
                out.write(f"demo feeds: {len(registered)} of {len(entries)} registered {whose}, kept as they are "
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

    def banner(self, demo_port: int | None, made_key: str | None = None, replay_shared: bool = False) -> None:
        """``replay_shared``: the replay server on ``demo_port`` is the live run's this one joined."""
        names = ",".join(name for name, _ in self.specs)
        whose = "the live run's " if replay_shared else ""
        lines = ["", "newsworker is running" + (f" (demo: {whose}replay feeds on 127.0.0.1:{demo_port})"
                                                if demo_port else "")]
        if self.api_url:
            lines.append(f"  open        {self.api_url}")
            lines += key_lines(self.settings.api_key, made_key)
        lines += [f"  logs        {self.logs}/{{{names}}}.log ({log_format_note(self.settings.log_format)})",
                  "  stop        Ctrl-C (Redis and Elasticsearch keep running; `make stop` stops them too)",
                  "  health      newsworker status", ""]
        print("\n".join(lines), flush=True)

    def children_down(self, crashes: Mapping[str, int], redis_away: bool = False,
                      passing: Mapping[str, bool] | None = None) -> list[str]:
        """The children to show as down: exited and waiting for their restart, or crash-looping (restarted
        ``CRASH_LOOP`` times without a stable minute, for reasons other than a Redis outage: ``crashes``).

        - While Redis is away (``redis_away``), a child that needs it is not named: it exits or waits because
          of Redis, and ``DOWN: redis`` says so (beat exits when Redis goes away, QA5 qa5b-3).
        - A crash-looping child that runs again and whose own check of ``newsworker status`` passes
          (``passing``: worker, beat, api) is judged by that check, as ``status`` judges it: the console
          said ``beat (crash loop)`` for a minute after beat held its lock again."""
        passing = passing or {}
        out = []
        for name, p in self.procs.items():
            if redis_away and name in NEEDS_REDIS:
                continue
            exited = p.poll() is not None
            if crashes.get(name, 0) >= CRASH_LOOP and (exited or not passing.get(name, False)):
                out.append(f"{name} (crash loop)")
            elif exited:
                out.append(f"{name} (restarting)")
        return out

    def watch(self) -> None:
        api = (self.settings.api_host, self.settings.api_port) if self.api_url else None
        collector = Collector(api, started=self.started)
        collector.start()
        restarts: dict[str, int] = {}
        exits: dict[str, list[float]] = {}  # when each restarted child had exited, since its last stable minute
        exited_at: dict[str, float] = {}
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
                            exits.pop(name, None)
                        continue
                    if name not in due:
                        due[name] = now + min(30.0, 2.0 ** restarts.get(name, 0))
                        exited_at[name] = now
                        collector.poke()  # the state says why (Redis away?) at once, not at the next check
                        self.status.message(f"{name} exited with {p.returncode}; restarting in "
                                            f"{due[name] - now:.0f}s (see {self.logs / (name + '.log')})")
                    elif now >= due[name]:
                        del due[name]
                        self.procs[name] = self._spawn(name, cmd)
                        self._record()
                        restarts[name] = restarts.get(name, 0) + 1
                        exits.setdefault(name, []).append(exited_at.pop(name, now))
                        started[name] = now
                while self._joined:
                    other = self._joined.pop(0)
                    self.status.message(f"another `newsworker run` is live on this Redis database "
                                        f"({other.describe()}): the figures include its work")
                if now - last_draw >= TTY_REFRESH:
                    down = self.children_down(crash_counts(exits, collector.redis_away_near),
                                              collector.redis_away(), collector.passing())
                    self.status.show(collector.snapshot(down))
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
