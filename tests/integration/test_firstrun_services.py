"""First run from a private folder: ``scripts/services.sh`` keeps Elasticsearch's data and logs where its
unprivileged user can reach them when the checkout (its data dir) is mode 0700, as root's home and
``mktemp -d`` are; and ``install-service`` writes systemd units that ``systemd-analyze verify`` accepts.

Starting a real node from a 0700 folder takes one to three minutes on a loaded two-core machine, so that
test runs on request (``NEWSWORKER_FIRSTRUN_ES=1``, or ``make test-firstrun``); the provisioning it relies on
(where the files go, who owns them, that the user can write there) is checked in every run, in seconds.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import required_missing
from tests.integration.procs import REPO

pytestmark = pytest.mark.integration

SERVICES = REPO / "scripts" / "services.sh"
ES_USER = "newsworker-es"
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the Elasticsearch user exists only for root; "
                             "as anyone else the node runs as the caller and any data dir works")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_checkout() -> Iterator[dict[str, Path]]:
    """A 0700 folder standing for the checkout (``mktemp -d``), and a reachable state root standing for
    /var/lib/newsworker, so the test leaves nothing behind in /var/lib."""
    home = Path(tempfile.mkdtemp(prefix="nw-private-"))
    state = Path(tempfile.mkdtemp(prefix="nw-state-", dir="/tmp"))
    os.chmod(home, 0o700)
    os.chmod(state, 0o755)
    try:
        yield {"data": home / ".data", "state": state}
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)


def _env(paths: dict[str, Path], es_port: int = 9261, transport: int | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NEWSWORKER_DATA_DIR", None)
    env.update(NEWSWORKER_DATA=str(paths["data"]), NEWSWORKER_ES_STATE=str(paths["state"]),
               NEWSWORKER_ES_URL=f"http://127.0.0.1:{es_port}", NEWSWORKER_NO_DOCKER="1",
               NEWSWORKER_REDIS_URL="redis://127.0.0.1:6391/0", NEWSWORKER_ES_HEAP="384m")
    if transport:
        env["NEWSWORKER_ES_TRANSPORT_PORT"] = str(transport)
    return env


def _services(verb: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(SERVICES), verb], env=env, capture_output=True, text=True, timeout=timeout)


def _describe(env: dict[str, str]) -> dict[str, str]:
    from worker.ops.systemd import parse_description

    out = _services("describe", env)
    assert out.returncode == 0, out.stderr
    return parse_description(out.stdout)


def _as_es_user(*cmd: str) -> int:
    return subprocess.run(["runuser", "-u", ES_USER, "--", *cmd], capture_output=True).returncode


def _es_home_or_skip(env: dict[str, str]) -> Path:
    home = Path(_describe(env)["ES_HOME"])
    if not (home / "bin" / "elasticsearch").exists():
        required_missing(f"no Elasticsearch distribution at {home} (scripts/services.sh up downloads it)")
    return home


@as_root
def test_describe_moves_a_private_data_dir_out_of_the_users_way(private_checkout) -> None:
    d = _describe(_env(private_checkout))
    es_data = Path(d["ES_DATA"])
    assert es_data.parent.parent == private_checkout["state"] and es_data.name == "elasticsearch"
    assert f"path.data={es_data}/data" in d["ES_SETTINGS"] and f"path.logs={es_data}/logs" in d["ES_SETTINGS"]
    assert not private_checkout["data"].exists(), "describe must change nothing"
    # the same data dir always maps to the same place (a second `up` finds the node's data again)
    assert _describe(_env(private_checkout))["ES_DATA"] == d["ES_DATA"]


def test_describe_keeps_a_reachable_data_dir_in_place(tmp_path) -> None:
    data = Path(tempfile.mkdtemp(prefix="nw-open-", dir="/tmp"))
    try:
        os.chmod(data, 0o755)
        d = _describe({**os.environ, "NEWSWORKER_DATA": str(data)})
        assert d["ES_DATA"] == f"{data}/elasticsearch"
    finally:
        shutil.rmtree(data, ignore_errors=True)


@as_root
def test_prepare_gives_the_elasticsearch_user_a_data_and_log_dir_it_can_write(private_checkout) -> None:
    env = _env(private_checkout)
    _es_home_or_skip(env)
    data = private_checkout["data"]
    data.mkdir(parents=True)
    # what broke: the user cannot even enter the checkout (ES: "Unable to create logs dir", exit 78)
    assert _as_es_user("test", "-x", str(data)) != 0
    # a start that failed that way left a real, empty folder behind: prepare replaces it
    (data / "elasticsearch" / "logs").mkdir(parents=True)
    out = _services("es-prepare", env)
    assert out.returncode == 0, out.stderr
    es_data = Path(_describe(env)["ES_DATA"])
    link = data / "elasticsearch"
    assert link.is_symlink() and link.resolve() == es_data
    assert f"Elasticsearch data and logs: {es_data}" in out.stderr  # said where, in the script's output
    for sub in ("data", "logs"):
        assert _as_es_user("touch", str(es_data / sub / "probe")) == 0, f"{ES_USER} cannot write {sub}"
    assert (es_data.parent / "data-dir").read_text().strip() == str(data)


@pytest.mark.skipif(not os.environ.get("NEWSWORKER_FIRSTRUN_ES"),
                    reason="starts a real node (1-3 min): NEWSWORKER_FIRSTRUN_ES=1 or make test-firstrun")
def test_a_node_starts_from_a_private_folder_on_private_ports(private_checkout) -> None:
    import httpx

    env = _env(private_checkout, es_port=_free_port(), transport=_free_port())
    _es_home_or_skip(env)
    try:
        out = _services("es-up", env, timeout=400)
        assert out.returncode == 0, out.stderr
        health = httpx.get(env["NEWSWORKER_ES_URL"] + "/_cluster/health", timeout=10).json()
        assert health["status"] in ("green", "yellow")
        es_data = Path(_describe(env)["ES_DATA"])
        assert (es_data / "logs" / "newsworker.log").exists()
    finally:
        _services("es-down", env, timeout=120)


# systemd units ------------------------------------------------------------------------------------

def _fake_executable(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)


def test_install_service_writes_units_that_systemd_analyze_verifies(tmp_path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        required_missing("systemd-analyze is not installed (apt-get install -y systemd)")
    env = _env({"data": tmp_path / "data", "state": tmp_path / "state"}, es_port=9262)
    env["NEWSWORKER_API_PORT"] = "8062"
    env["NEWSWORKER_API_KEY"] = "not-in-a-unit-file"
    # verify insists that every ExecStart binary exists: stand-ins for what this machine lacks
    if not (Path(_describe(env)["ES_HOME"]) / "bin" / "elasticsearch").exists():
        env["NEWSWORKER_CACHE"] = str(tmp_path / "cache")
        _fake_executable(Path(_describe(env)["ES_HOME"]) / "bin" / "elasticsearch")
    if shutil.which("redis-server") is None:
        _fake_executable(tmp_path / "bin" / "redis-server")
        env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    out_dir = tmp_path / "units"
    run = subprocess.run([sys.executable, "-m", "worker.cli.main", "install-service", "--output-dir",
                          str(out_dir), "--no-provision"], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == sorted(["newsworker.target", "newsworker-redis.service", "newsworker-elasticsearch.service",
                            "newsworker-worker.service", "newsworker-deliver.service", "newsworker-beat.service",
                            "newsworker-api.service"])
    # Offline: no running systemd needed; --recursive-errors=yes makes every unit named in Requires/Wants/After
    # resolve (the sibling files are on the search path), --man=no skips the Documentation= lookups.
    verify = subprocess.run([analyze, "verify", "--man=no", "--recursive-errors=yes",
                             *(str(out_dir / n) for n in names)], capture_output=True, text=True, timeout=120,
                            cwd=out_dir)
    assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    text = {n: (out_dir / n).read_text() for n in names}
    assert "http.port=9262" in text["newsworker-elasticsearch.service"]
    assert "--port 6391" in text["newsworker-redis.service"]
    assert "NEWSWORKER_API_PORT=8062" in text["newsworker-api.service"]
    assert all("not-in-a-unit-file" not in t for t in text.values()), "a secret leaked into a unit file"
