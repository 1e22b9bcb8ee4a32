"""Run and watch the service: ``run``, ``stop``, ``status``, ``worker``, ``beat``, ``api``, ``setup``."""

from __future__ import annotations

import os
import signal
import sys
import time

import typer
from rich.console import Console
from rich.table import Table

from worker.cli.identity import RunPidFile
from worker.cli.term import CliConsole, cell, dumps
from worker.ops.runs import RunInfo
from worker.ops.workers import ROLES, WorkerRole, role, split
from worker.settings import get_settings

console = CliConsole()


def _run_pidfile() -> RunPidFile:
    d = get_settings().data_dir
    d.mkdir(parents=True, exist_ok=True)
    return RunPidFile(d)


def _stale(pidfile: RunPidFile, why: str) -> None:
    """A pid file left by a run that was killed (SIGKILL, the OOM killer, a power cut): its pid is not that
    run any more, and may be any other process's now. Removed, and said."""
    from rich.markup import escape

    console.print(f"[yellow]{escape(f'removed a stale {pidfile.path} ({why}): the run that wrote it is gone')}"
                  "[/yellow]")
    pidfile.remove()


def _celery(*args: str) -> list[str]:
    # -q: no ASCII banner on stdout, whose lines a JSON log cannot hold; "ready." and beat's start are logged
    quiet = ["-q"] if get_settings().log_format == "json" else []
    return [sys.executable, "-m", "celery", "-A", "worker.celery_app", *quiet, *args]


def worker_cmd(concurrency: int, queues: str, name: str = "worker", pool: str = "prefork") -> list[str]:
    s = get_settings()
    # recycling applies to prefork children; a thread pool (the deliveries', worker.ops.workers) has none
    recycle = [f"--max-tasks-per-child={s.worker_max_tasks_per_child}"] if pool == "prefork" else []
    return _celery("worker", "-Q", queues, "-P", pool, "-c", str(concurrency), "-n", f"{name}@%h",
                   "--loglevel", "INFO", *recycle, "-O", "fair", "--without-gossip", "--without-mingle")


def role_cmd(r: WorkerRole) -> list[str]:
    return worker_cmd(r.concurrency, r.queue_list, r.name, r.pool)


def beat_cmd() -> list[str]:
    return _celery("beat", "--loglevel", "INFO", "-S", "redbeat.RedBeatScheduler")


def api_cmd(host: str, port: int) -> list[str]:
    # Through our own `api` command, not `python -m uvicorn`: it hands uvicorn the log format of the settings.
    return [sys.executable, "-m", "worker.cli.main", "api", "--host", host, "--port", str(port)]


# the largest request head (request line + headers) uvicorn's h11 parser accepts: a query of
# worker.query.parser.MAX_QUERY_CHARS characters percent-encoded is at most 9 bytes each (36 KB)
REQUEST_HEAD_BYTES = 64 * 1024


def serve_api(host: str, port: int) -> None:
    """uvicorn in this process, logging in ``settings.log_format`` (JSON lines by default)."""
    import uvicorn

    from worker.logs import uvicorn_config

    # h11's request head limit (16 KiB by default) is below a GET /search of MAX_QUERY_CHARS Arabic characters
    # (6-9 bytes each, percent-encoded): raised so the parser's limit is the one a user meets
    # The app reads its bind address from the settings (the Host names it answers to by default:
    # worker.api.browser_guard): the one given here is that address.
    settings = get_settings()
    settings.api_host, settings.api_port = host, port
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from any client on 127.0.0.1 (every
    # local client could pick its rate-limit bucket and its address in api.log, qa6s-5); the app believes
    # the proxies of api_trusted_proxies, and only those (worker.api.app).
    uvicorn.run("worker.api.app:app", host=host, port=port, h11_max_incomplete_event_size=REQUEST_HEAD_BYTES,
                log_config=uvicorn_config(settings.log_format), proxy_headers=False)


def setup_storage() -> None:
    """Create index templates and indices, and bring the feed registry and its Elasticsearch copy into step:
    feeds restored into a Redis that has none, or every registered feed copied (re-runnable)."""
    from worker.alerts import store as alert_store
    from worker.pipeline.context import current
    from worker.store.elastic import ensure_index

    ctx = current()
    index = ensure_index(ctx.es)
    if index.analysis_stale:
        # logged too; said on the console because searches quietly miss words until the reindex
        Console(stderr=True, highlight=False).print(f"[yellow]warning: {index.analysis_message()}[/yellow]")
    alert_store.ensure_indices(ctx)
    report = ctx.registry.sync_copy()
    if report.restored:
        # said on the console as well as logged: the operator must know the polling state was lost
        ids = ", ".join(f.id for f in report.restored[:10]) + (" ..." if len(report.restored) > 10 else "")
        Console(stderr=True, highlight=False).print(
            f"[yellow]warning: Redis held no feeds: restored {len(report.restored)} feeds ({ids}) from the registry's "
            f"copy in Elasticsearch ({report.index}). Their polling state (ETag, Last-Modified, schedule, failure "
            "counts) and the record of items already seen were in Redis only: every feed is fetched in full, "
            "recent articles are fetched again (indexed under the same ids, not duplicated) and alerts may "
            "fire again for them.[/yellow]")


# The shipped alert rules post to a local receiver on this port (config/alerts.yaml).
DEMO_RECEIVER = "127.0.0.1:8099"


def demo_env(env: dict[str, str], demo_port: int) -> dict[str, str]:
    """The environment of ``run --demo``: the replay server (and the shipped rules' local receiver) may be
    reached on their exact host:port, nothing else. The SSRF guard stays closed for every other feed,
    page and webhook the same deployment polls or posts to (it used to open it for all of them)."""
    import json

    out = dict(env)
    if out.get("NEWSWORKER_ALLOW_PRIVATE_ADDRESSES", "").lower() in ("1", "true", "yes"):
        return out  # the operator opened it on purpose; keep their choice
    try:
        hosts = list(json.loads(out.get("NEWSWORKER_PRIVATE_HOSTS") or "[]"))
    except ValueError:
        hosts = []
    for entry in (f"127.0.0.1:{demo_port}", DEMO_RECEIVER):
        if entry not in hosts:
            hosts.append(entry)
    out["NEWSWORKER_PRIVATE_HOSTS"] = json.dumps(hosts)
    # Every demo feed and page is on 127.0.0.1: the 1 request/s politeness default for a real
    # outlet would drip the first articles in over minutes.
    out.setdefault("NEWSWORKER_PER_HOST_RATE", "20")
    out.setdefault("NEWSWORKER_PER_HOST_BURST", "20")
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def setup() -> None:
        """Create the Elasticsearch templates and indices (re-runnable); restore the feeds from their copy in
        Elasticsearch if Redis lost them. Feeds are loaded with `feeds load`, alert rules with `alerts load`."""
        setup_storage()
        console.print("[green]storage ready[/green]")

    @app.command("migrate-keys")
    def migrate_keys(dry_run: bool = typer.Option(False, "--dry-run", help="show what would move")) -> None:
        """Move Redis keys written under the older, scattered names into the one key prefix (re-runnable)."""
        from worker.pipeline.context import current
        from worker.pipeline.migrate import migrate

        report = migrate(current(), dry_run=dry_run)
        for line in report.lines():
            console.print(line)

    @app.command()
    def worker(
        concurrency: int = typer.Option(None, "-c", help="pool size (default from settings: "
                                        "NEWSWORKER_WORKER_CONCURRENCY, or NEWSWORKER_DELIVER_CONCURRENCY for "
                                        "--role deliver)"),
        queues: str = typer.Option(None, "-Q", help="queues to consume (default: the role's)"),
        role_name: str = typer.Option("all", "--role", help=f"{' | '.join(ROLES)}: every queue; every queue but "
                                      "the deliveries'; the deliveries' (a thread pool)"),
        pool: str = typer.Option(None, "-P", help="prefork | threads (default: the role's)"),
    ) -> None:
        """Run a Celery worker (start more of these, on any machine, to scale out). Without --role it consumes
        every queue; `--role pipeline` plus `--role deliver` keep slow receivers off ingestion."""
        try:
            r = role(role_name, get_settings(), concurrency)
        except ValueError as err:
            raise typer.BadParameter(str(err), param_hint="--role") from None
        os.execv(sys.executable, worker_cmd(r.concurrency, queues or r.queue_list, r.name, pool or r.pool))

    @app.command()
    def beat() -> None:
        """Run the scheduler (RedBeat: a second beat waits on the lock instead of double-polling)."""
        os.execv(sys.executable, beat_cmd())

    @app.command()
    def api(host: str = typer.Option(None), port: int = typer.Option(None)) -> None:
        """Run the HTTP API and web page."""
        s = get_settings()
        serve_api(host or s.api_host, port or s.api_port)

    @app.command()
    def run(
        concurrency: int = typer.Option(None, "-c", help="worker processes"),
        demo: bool = typer.Option(False, help="also start the replay feed server and poll its feeds"),
        demo_port: int | None = typer.Option(None, help="replay server port in demo mode (default settings.demo_port)"),
        no_api: bool = typer.Option(False, "--no-api"),
        status_every: float = typer.Option(30.0, help="seconds between status lines when not on a terminal"),
        join: bool = typer.Option(False, "--join", help="start even though another `newsworker run` is live on "
                                  "this Redis database (the two share the work, and the figures)"),
    ) -> None:
        """Start worker + beat + API (and the demo replay server) in the foreground; Ctrl-C stops all.

        The processes log to files under the data dir; the console shows a banner and one status line."""
        from worker.cli.children import ChildRecord, orphans_hint
        from worker.cli.errors import CliError
        from worker.cli.run import Supervisor, demo_api_key, registered_demo_urls, shared_replay_port

        pidfile = _run_pidfile()
        recorded = pidfile.read()
        if recorded is not None:
            why = recorded.mismatch(run=True, data_dir=pidfile.path.parent)
            if why is None:
                console.print(f"[red]already running (pid {recorded.pid}); `newsworker stop`[/red]")
                raise typer.Exit(1)
            _stale(pidfile, why)
        s = get_settings()
        hint = orphans_hint(ChildRecord(s.data_dir))
        if hint:  # checked before the ports: their "in use" would send the operator looking for a run
            console.print(f"[red]{hint}[/red]")
            raise typer.Exit(1)
        demo_port = demo_port or s.demo_port
        if demo and not no_api and demo_port == s.api_port:
            # the replay server would take the port first and the API restart in a loop (QA5 qa5b-8)
            raise CliError(f"the API port and the replay server port are both {demo_port} (NEWSWORKER_API_PORT, "
                           "NEWSWORKER_DEMO_PORT / --demo-port): give them different ports")
        others = _refuse_a_second_run(join)
        serve_replay = demo
        if demo and others:
            # The registry is shared with the live run: its demo feeds stay on its replay server. Re-pointing
            # them at one of this run's own indexed every article again under new URLs, and left the live
            # run's feeds failing once this run stopped (QA5 qa5b-6).
            shared = shared_replay_port(registered_demo_urls(s.config_dir / "feeds.demo.yaml"))
            if shared is not None:
                demo_port = shared
                serve_replay = not _serves_replay(shared)  # nobody serves them now: this run does, there
        # A port already taken (another checkout's run) would leave the API restarting in a loop while the
        # status line saw the other process answer: say so before starting anything.
        taken = [f"{what} port {port} ({var})" for what, port, var, wanted in (
            ("API", s.api_port, "NEWSWORKER_API_PORT", not no_api),
            ("replay server", demo_port, "NEWSWORKER_DEMO_PORT", serve_replay)) if wanted and _listening(port)]
        if taken:
            console.print(f"[red]in use: {'; '.join(taken)}. Another `newsworker run`? Stop it, or choose "
                          "other ports with those variables.[/red]")
            raise typer.Exit(1)
        setup_storage()
        env = dict(os.environ)
        specs: list[tuple[str, list[str]]] = []
        made_key = None
        if demo:
            env = demo_env(env, demo_port)
            # the demo's own write key when none is set, for this run's children only (QA5 qa5c-1)
            made_key = demo_api_key(s.api_key) if not no_api else None
            if made_key:
                env["NEWSWORKER_API_KEY"] = made_key
            if serve_replay:
                specs.append(("replay", [sys.executable, "-m", "worker.cli.main", "replay-server",
                                         "--port", str(demo_port)]))
        # the pipeline's worker and the deliveries' own (worker.ops.workers): a slow receiver holds a thread
        # of the second, never a process of the first (QA5 qa5a-1)
        specs += [(r.name, role_cmd(r)) for r in split(s, concurrency)]
        specs.append(("beat", beat_cmd()))
        if not no_api:
            specs.append(("api", api_cmd(s.api_host, s.api_port)))
        sup = Supervisor(specs, env, s, api=not no_api, status_every=status_every)
        sup.known_runs = {o.member() for o in others}
        pidfile.write(os.getpid())
        try:
            sup.start()
            if demo:
                _wait_port("127.0.0.1", demo_port)
                sup.load_feeds(s.config_dir / "feeds.demo.yaml", demo_port, joining=bool(others))
            sup.banner(demo_port if demo else None, made_key, replay_shared=demo and not serve_replay)
            sup.watch()
        finally:
            sup.stop()
            pidfile.remove()

    @app.command()
    def stop() -> None:
        """Stop a `newsworker run` started elsewhere, or the children a killed one left running (services stay
        up: scripts/services.sh down)."""
        from worker.cli.children import ChildRecord, describe, stop_children

        pidfile = _run_pidfile()
        record = ChildRecord(get_settings().data_dir)
        run = pidfile.read()
        if run is not None:
            why = run.mismatch(run=True, data_dir=pidfile.path.parent)
            if why is not None:  # never signal what is not that run: the pid may be anybody's now
                _stale(pidfile, why)
                run = None
        if run is None:
            run = record.read()[0]  # the pid file removed by hand: the record still names a live supervisor
        if run is not None:
            try:
                os.kill(run.pid, signal.SIGTERM)
            except ProcessLookupError:
                run = None
        if run is not None:
            for _ in range(200):
                if not run.is_live(run=True):  # gone (identified before the signal), or a zombie its parent has not reaped yet
                    break
                time.sleep(0.1)
            else:
                console.print("[red]still running after 20 s[/red]")
                raise typer.Exit(1)
        pidfile.remove()
        left = record.orphans()
        if left:
            # the run was killed (no `finally`), or it died just now without stopping them
            console.print(f"the run is gone; stopping the children it left running: {describe(left)}...")
            killed = stop_children(left)
            if killed:
                console.print(f"killed after 20 s: {describe(killed)}")
        record.remove()
        if run is None and not left:
            console.print("not running")
            return
        console.print("stopped")

    @app.command()
    def status(as_json: bool = typer.Option(False, "--json"), services_only: bool = typer.Option(False)) -> None:
        """Health of Redis, Elasticsearch, workers, beat, queues and dead letters; non-zero exit if unhealthy."""
        from worker.ops import health

        checks = health.gather(include_workers=not services_only)
        body = health.as_json(checks)
        up = health.redis_ok(checks)  # a Redis that did not answer is not asked again (each costs seconds)
        try:
            from worker.ingest.registry import list_feeds
            from worker.store.clients import probe_redis

            feeds = list_feeds(probe_redis()) if up else None
            body["failing_feeds"] = None if feeds is None else [f for f in feeds if f["status"] in ("failing", "dead")]
        except Exception:  # noqa: BLE001 - status must work even before any feed state exists
            body["failing_feeds"] = None
        body["runs"] = _live_runs() if up else None
        if as_json:
            print(dumps(body, indent=1, default=str))
        else:
            t = Table(title="newsworker status")
            t.add_column("component")
            t.add_column("state")
            t.add_column("detail")
            for c in checks:
                t.add_row(c.name, "[green]ok[/green]" if c.ok else "[red]DOWN[/red]", cell(c.detail))
            for q in body["queues"]:
                age = f", oldest {q['oldest_age']:.0f}s" if q["oldest_age"] is not None else ""
                t.add_row(cell(f"queue {q['queue']}"), "", f"{q['depth']} waiting{age}")
            if body.get("failing_feeds"):
                for f in body["failing_feeds"]:
                    t.add_row(cell(f"feed {f['id']}"), f"[yellow]{cell(f['status'])}[/yellow]",
                              cell(str(f["last_error"])[:80]))
            for row in body.get("schedule") or []:
                last = "never ran" if row["last_age"] is None else f"ran {row['last_age']:.0f}s ago"
                t.add_row(f"schedule {row['stage']}", "", f"every {row['every']:g}s, {last}")
            for run in body.get("runs") or []:
                t.add_row("newsworker run", "", cell(run))
            if body.get("in_flight") is not None:
                t.add_row("outbox", "", f"{body['in_flight']} handed to a queue, not yet finished")
            if body["dead_letters"] is not None:
                t.add_row("dead letters", "", str(body["dead_letters"]))
            console.print(t)
        raise typer.Exit(0 if body["ok"] else 1)


def _live_runs() -> list[str] | None:
    """The `newsworker run`s with a fresh heartbeat on this Redis database (None: cannot tell)."""
    from worker.ops import runs
    from worker.store.clients import probe_redis

    s = get_settings()
    try:
        # this process is no run: none of the heartbeats is "me"; asked with the probe's bound (status)
        return [o.describe() for o in runs.others(probe_redis(), RunInfo.here(str(s.data_dir), s.redis_prefix))]
    except Exception:  # noqa: BLE001 - Redis away: its own row says so
        return None


def _refuse_a_second_run(join: bool) -> list[RunInfo]:
    """Another run's heartbeat on this Redis database (``worker.ops.runs``): its worker and beat would share
    this run's queues and its work would show on this run's console. Refused unless ``--join``; returns the
    runs joined."""
    from worker.ops import runs
    from worker.store.clients import get_redis

    s = get_settings()
    try:
        live = runs.others(get_redis(), runs.RunInfo.here(str(s.data_dir), s.redis_prefix))
    except Exception:  # noqa: BLE001 - Redis away: the run starts and its status line says DOWN: redis
        return []
    if not live:
        return []
    who = cell("; ".join(o.describe() for o in live))
    if join:
        console.print(f"[yellow]joining another `newsworker run` on this Redis database ({who}): the two share "
                      "the queues, and the figures count both runs' work[/yellow]")
        return live
    console.print(f"[red]another `newsworker run` is live on this Redis database ({who}). Its worker and beat "
                  "would share this run's queues. Stop it (`newsworker stop` with its NEWSWORKER_DATA_DIR), give "
                  "this run its own Redis database (NEWSWORKER_REDIS_URL=.../N) and index names, or pass --join "
                  "to share the work.[/red]")
    raise typer.Exit(1)


def _listening(port: int, host: str = "127.0.0.1") -> bool:
    import socket

    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _serves_replay(port: int, host: str = "127.0.0.1") -> bool:
    """A newsworker replay server answers on ``port`` (its ``GET /`` names itself), not merely a listener."""
    import http.client
    import json

    conn = http.client.HTTPConnection(host, port, timeout=2.0)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        body = json.loads(resp.read(4096))
        return resp.status == 200 and isinstance(body, dict) and body.get("service") == "newsworker replay server"
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _wait_port(host: str, port: int, timeout: float = 20.0) -> None:
    import socket

    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {host}:{port} after {timeout}s")
