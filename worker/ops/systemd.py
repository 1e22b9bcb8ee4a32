"""systemd units for newsworker as a background service, without Docker (``newsworker install-service``).

Pure: a ``ServicePlan`` (paths, users, ports: what ``scripts/services.sh describe`` resolves) in, unit files
out. Redis and Elasticsearch run exactly as ``scripts/services.sh`` runs them (same binaries, user, data
dirs, ports, arguments) but in the foreground, so systemd supervises them and the journal gets their output.

Ordering: Elasticsearch's unit is started only once the cluster answers (``ExecStartPost`` waits on its
health), so the worker, which ``Requires`` and comes ``After`` Redis and Elasticsearch, never starts against
a node still booting. Beat needs only Redis; the API needs Redis and merely ``Wants`` Elasticsearch (its
/ready says when the node is away, which is more useful than the API being down too). Every unit restarts on
failure; ``newsworker.target`` pulls them all in and stops them together (``PartOf``).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from worker.settings import Settings

TARGET = "newsworker.target"
REDIS = "newsworker-redis.service"
ES = "newsworker-elasticsearch.service"
WORKER = "newsworker-worker.service"
DELIVER = "newsworker-deliver.service"
BEAT = "newsworker-beat.service"
API = "newsworker-api.service"

# The settings of the installing environment are copied into the units, so the service runs as `newsworker
# run` does in that shell: every ``Settings`` field (a new one is carried without anyone remembering this
# list; the hand-kept list it replaces had lost the alert and feed index names, SMTP and PRIVATE_HOSTS),
# except these, each for its reason:
NOT_CARRIED = {
    "api_key": "a secret: unit files are world-readable; it goes in the 0600 env file (--env-file)",
    "allow_private_addresses": "the test harnesses' switch that opens the SSRF guard for every feed, page and "
                               "webhook: never copied from a shell into a service; set it in the env file on purpose",
    "ner_clusters": "a word-cluster table for training experiments, not for a running service",
}
CARRIED_SETTINGS = tuple(f"NEWSWORKER_{name.upper()}" for name in Settings.model_fields if name not in NOT_CARRIED)


@dataclass(frozen=True)
class ServicePlan:
    checkout: Path  # WorkingDirectory of the application units
    newsworker: Path  # the venv's entry point
    env: Mapping[str, str]  # NEWSWORKER_* settings for the application units
    env_file: Path  # optional, for secrets (EnvironmentFile=-...)
    user: str | None  # runs worker/beat/API/Redis; None: root
    redis_server: Path | None  # None: Redis is not ours (a reused server), no unit
    redis_args: Sequence[str] = ()
    es_home: Path | None = None  # None: Elasticsearch is not ours, no unit
    es_user: str = "newsworker-es"
    es_java_home: str = ""
    es_heap: str = "512m"
    es_settings: Sequence[str] = ()
    es_url: str = "http://127.0.0.1:9200"
    es_version: str = ""
    curl: Path = Path("/usr/bin/curl")


def quote(arg: str) -> str:
    """One ExecStart/Environment word: ``%`` is a specifier and ``$`` a variable to systemd, so both are
    doubled; a word with spaces or quotes is double-quoted with C-style escapes."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and not any(c in arg for c in " \t\"'\\;"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cmd(argv: Sequence[str]) -> str:
    return " ".join(quote(a) for a in argv)


def _unit(description: str, service: Sequence[tuple[str, str]], *, requires: Sequence[str] = (),
          wants: Sequence[str] = (), after: Sequence[str] = ()) -> str:
    lines = ["[Unit]", f"Description={description}"]
    if requires:
        lines.append("Requires=" + " ".join(requires))
    if wants:
        lines.append("Wants=" + " ".join(wants))
    lines += ["After=" + " ".join(["network-online.target", *after]), "Wants=network-online.target",
              f"PartOf={TARGET}", "", "[Service]"]
    lines += [f"{k}={v}" for k, v in service]
    lines += ["Restart=on-failure", "RestartSec=5", ""]
    return "\n".join(lines)


def _app(plan: ServicePlan, name: str, exec_start: Sequence[str], pre: Sequence[str] = (),
         stop_timeout: int = 90, kill_mode: str | None = None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [("Type", "simple")]
    if plan.user:
        out.append(("User", plan.user))
    out.append(("WorkingDirectory", str(plan.checkout)))
    # unbuffered, so that the journal gets each line when it is written
    env = {"PYTHONUNBUFFERED": "1", **plan.env}
    out += [("Environment", quote(f"{k}={v}")) for k, v in sorted(env.items())]
    out.append(("EnvironmentFile", f"-{plan.env_file}"))
    if pre:
        out.append(("ExecStartPre", _cmd(pre)))
    out += [("ExecStart", _cmd(exec_start)), ("SyslogIdentifier", name),
            # SIGTERM: Celery's warm shutdown finishes the task at hand
            ("KillSignal", "SIGTERM"), ("TimeoutStopSec", str(stop_timeout))]
    if kill_mode:
        out.append(("KillMode", kill_mode))
    return out


def units(plan: ServicePlan) -> dict[str, str]:
    """File name -> content of every unit the plan calls for."""
    nw = str(plan.newsworker)
    stores = [u for u, ours in ((REDIS, plan.redis_server), (ES, plan.es_home)) if ours is not None]
    redis_dep = [REDIS] if plan.redis_server is not None else []
    es_dep = [ES] if plan.es_home is not None else []
    out: dict[str, str] = {}
    if plan.redis_server is not None:
        svc: list[tuple[str, str]] = [("Type", "simple")]
        if plan.user:
            svc.append(("User", plan.user))
        svc += [("ExecStart", _cmd([str(plan.redis_server), *plan.redis_args, "--daemonize", "no"])),
                ("SyslogIdentifier", "newsworker-redis")]
        out[REDIS] = _unit("newsworker: Redis (broker, feed state), as scripts/services.sh runs it", svc)
    if plan.es_home is not None:
        health = f"{plan.es_url.rstrip('/')}/_cluster/health?wait_for_status=yellow&timeout=2s"
        svc = [("Type", "simple"), ("User", plan.es_user), ("WorkingDirectory", str(plan.es_home))]
        if plan.es_java_home:
            svc.append(("Environment", quote(f"ES_JAVA_HOME={plan.es_java_home}")))
        svc += [("Environment", quote(f"ES_JAVA_OPTS=-Xms{plan.es_heap} -Xmx{plan.es_heap}")),
                ("ExecStart", _cmd([str(plan.es_home / "bin" / "elasticsearch"),
                                    *[w for s in plan.es_settings for w in ("-E", s)]])),
                # started = answering: units ordered after this one never meet a node still booting
                ("ExecStartPost", _cmd([str(plan.curl), "-fsS", "-o", "/dev/null", "-m", "3", "--retry", "170",
                                        "--retry-delay", "1", "--retry-connrefused", "--retry-all-errors",
                                        health])),
                ("TimeoutStartSec", "300"), ("TimeoutStopSec", "120"),
                ("LimitNOFILE", "65535"), ("LimitNPROC", "4096"),
                # the JVM exits 143 on SIGTERM: a clean stop, not a failure to restart from
                ("SuccessExitStatus", "143"), ("SyslogIdentifier", "newsworker-elasticsearch")]
        out[ES] = _unit(f"newsworker: Elasticsearch {plan.es_version} (single node, 127.0.0.1), "
                        "as scripts/services.sh runs it", svc)
    # Two workers, as `newsworker run` starts them (worker.ops.workers): the pipeline's prefork pool, and the
    # deliveries' thread pool, so that a slow webhook receiver never holds a process ingestion needs.
    out[WORKER] = _unit("newsworker: Celery worker (every queue of the stage table but the deliveries')",
                        # mixed: SIGTERM to Celery's main process only, which lets its pool children finish
                        # the task at hand (a warm shutdown); with the default control-group every child got
                        # SIGTERM too, and prefork children die on it at once (their task is redone). What
                        # is left after TimeoutStopSec gets SIGKILL.
                        _app(plan, "newsworker-worker", [nw, "worker", "--role", "pipeline"], pre=[nw, "setup"],
                             stop_timeout=600, kill_mode="mixed"),
                        requires=stores, after=stores)
    # One process (threads): SIGTERM lets the sends in progress end, each within its total deadline.
    out[DELIVER] = _unit("newsworker: Celery worker sending notifications (the deliver queue, a thread pool)",
                         _app(plan, "newsworker-deliver", [nw, "worker", "--role", "deliver"], stop_timeout=600,
                              kill_mode="mixed"),
                         requires=stores, after=stores)
    out[BEAT] = _unit("newsworker: scheduler (RedBeat)", _app(plan, "newsworker-beat", [nw, "beat"]),
                      requires=redis_dep, after=redis_dep)
    out[API] = _unit("newsworker: HTTP API and web page", _app(plan, "newsworker-api", [nw, "api"]),
                     requires=redis_dep, wants=es_dep, after=stores)
    services = [*stores, WORKER, DELIVER, BEAT, API]
    out[TARGET] = "\n".join(["[Unit]", "Description=newsworker: feeds -> extraction -> Elasticsearch -> alerts",
                             "Wants=" + " ".join(services), "", "[Install]", "WantedBy=multi-user.target", ""])
    return out


def url_host(url: str) -> str | None:
    """The host a store URL names (``redis://:pw@10.1.2.3:6400/2`` -> ``10.1.2.3``); None for a Unix socket
    (``unix:///run/redis.sock``), which is a path on this machine. Ports and credentials are left out."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return None
    return parts.hostname or "localhost"


def parse_description(text: str) -> dict[str, str]:
    """``scripts/services.sh describe``'s ``KEY=value`` lines (shell-quoted) as a dict."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line)
        if len(words) == 1 and "=" in words[0]:
            key, value = words[0].split("=", 1)
            out[key] = value
    return out


def plan_from(desc: Mapping[str, str], env: Mapping[str, str], *, checkout: Path, newsworker: Path,
              env_file: Path, user: str | None, redis: bool = True, elasticsearch: bool = True,
              curl: Path = Path("/usr/bin/curl")) -> ServicePlan:
    """The plan for what ``describe`` resolved; the application units get the carried settings of ``env``
    and the data dir services.sh uses (so ``run``, the units and the script agree on one folder)."""
    app_env = {k: env[k] for k in CARRIED_SETTINGS if env.get(k)}
    app_env.setdefault("NEWSWORKER_DATA_DIR", desc["DATA"])
    app_env.setdefault("NEWSWORKER_REDIS_URL", desc["REDIS_URL"])
    app_env.setdefault("NEWSWORKER_ES_URL", desc["ES_URL"])
    return ServicePlan(
        checkout=checkout, newsworker=newsworker, env=app_env, env_file=env_file, user=user,
        redis_server=Path(desc["REDIS_SERVER"]) if redis else None,
        redis_args=tuple(shlex.split(desc.get("REDIS_ARGS", ""))),
        es_home=Path(desc["ES_HOME"]) if elasticsearch else None,
        es_user=desc.get("ES_USER", "newsworker-es"), es_java_home=desc.get("ES_JAVA_HOME", ""),
        es_heap=desc.get("ES_HEAP", "512m"), es_settings=tuple(shlex.split(desc.get("ES_SETTINGS", ""))),
        es_url=desc["ES_URL"], es_version=desc.get("ES_VERSION", ""), curl=curl)
