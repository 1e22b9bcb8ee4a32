"""``newsworker install-service``: systemd units for the two workers, beat, API, Redis and Elasticsearch.

The paths, user, ports and server arguments come from ``scripts/services.sh describe``, and the machine is
provisioned by ``scripts/services.sh prepare`` (Elasticsearch downloaded, its user and data dirs made), so a
unit runs what ``make run`` runs; ``worker.ops.systemd`` turns that into unit files.

The Redis and Elasticsearch units run a store on this machine. When the settings point at a store elsewhere
(a managed Redis, an Elasticsearch cluster), such a unit cannot work (a redis-server bound to an address this
machine does not have, a local node "started" when the remote one answers) and the application units must
not depend on it: it is left out, and said (QA5 qa5b-13), as ``--no-redis`` / ``--no-elasticsearch`` do.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import typer

from worker.ops import systemd
from worker.settings import REPO_ROOT, get_settings

SYSTEM_DIR = Path("/etc/systemd/system")
SERVICES_SH = REPO_ROOT / "scripts" / "services.sh"
ENV_FILE = Path("/etc/newsworker/newsworker.env")
# typer reads options from the defaults; Path-valued ones are built once here (ruff B008)
_OUTPUT_DIR = typer.Option(SYSTEM_DIR, "--output-dir", help="where the unit files go")
_ENV_FILE = typer.Option(ENV_FILE, help="optional file of secrets (NEWSWORKER_API_KEY=...), mode 0600")


def _services(verb: str) -> str:
    if not SERVICES_SH.is_file():
        raise typer.BadParameter(f"{SERVICES_SH} not found: install-service works from a checkout")
    return subprocess.run([str(SERVICES_SH), verb], check=True, text=True,
                          stdout=subprocess.PIPE if verb == "describe" else None).stdout or ""


def on_this_machine(host: str | None) -> bool:
    """``host`` (a URL's host; None: a Unix socket) is this machine: a loopback or unspecified address, or
    one of this machine's own addresses (one a socket can bind). A name that does not resolve is not."""
    if host is None:
        return True
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    for family, _, _, _, addr in infos:
        ip = ipaddress.ip_address(str(addr[0]).split("%", 1)[0])
        if ip.is_loopback or ip.is_unspecified:
            return True
        try:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.bind((addr[0], 0))  # binds only an address of one of this machine's interfaces
            return True
        except OSError:
            continue
    return False


def local_store(wanted: bool, store: str, variable: str, url: str, flag: str) -> bool:
    """Whether to write the unit of ``store`` (asked for, and its URL on this machine); says why not when the
    URL is elsewhere, on stderr (``--dry-run`` prints the units on stdout)."""
    if not wanted:
        return False
    host = systemd.url_host(url)
    if on_this_machine(host):
        return True
    print(f"note: {variable} points at {host}, not this machine: no {store} unit is written and the newsworker "
          f"units do not depend on one (they use that server). Pass {flag} to say so.", file=sys.stderr)
    return False


def register(app: typer.Typer) -> None:
    @app.command("install-service")
    def install_service(
        output_dir: Path = _OUTPUT_DIR,
        dry_run: bool = typer.Option(False, "--dry-run", help="print the units; write and provision nothing"),
        provision: bool = typer.Option(True, "--provision/--no-provision",
                                       help="run scripts/services.sh prepare (Redis, Elasticsearch, user, dirs)"),
        redis: bool = typer.Option(True, "--redis/--no-redis", help="a unit for Redis (off: yours is elsewhere)"),
        elasticsearch: bool = typer.Option(True, "--elasticsearch/--no-elasticsearch",
                                           help="a unit for Elasticsearch (off: yours is elsewhere)"),
        env_file: Path = _ENV_FILE,
    ) -> None:
        """Install systemd units (newsworker.target: worker, deliver (the notifications' worker), beat, API, Redis,
        Elasticsearch), restarting on failure and logging to the journal. A store whose URL is not on this
        machine gets no unit."""
        s = get_settings()
        redis = local_store(redis, "Redis", "NEWSWORKER_REDIS_URL", s.redis_url, "--no-redis")
        elasticsearch = local_store(elasticsearch, "Elasticsearch", "NEWSWORKER_ES_URL", s.es_url,
                                    "--no-elasticsearch")
        if provision and not dry_run and (redis or elasticsearch):
            _services("prepare")
        plan = systemd.plan_from(
            systemd.parse_description(_services("describe")), os.environ, checkout=REPO_ROOT,
            newsworker=Path(sys.prefix) / "bin" / "newsworker", env_file=env_file,
            user=None if os.geteuid() == 0 else getpass.getuser(), redis=redis, elasticsearch=elasticsearch,
            curl=Path(shutil.which("curl") or "/usr/bin/curl"))
        files = systemd.units(plan)
        if dry_run:
            for name, text in files.items():
                print(f"# {output_dir / name}\n{text}")
            return
        output_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (output_dir / name).write_text(text, encoding="utf-8")
            print(f"wrote {output_dir / name}")
        if output_dir == SYSTEM_DIR and Path("/run/systemd/system").is_dir():
            subprocess.run(["systemctl", "daemon-reload"], check=False)
        print("\nnext:\n"
              "  scripts/services.sh down               # the copies services.sh started hold the same ports\n"
              f"  systemctl enable --now {systemd.TARGET}\n"
              "  systemctl status 'newsworker-*'; journalctl -u 'newsworker-*' -f")
