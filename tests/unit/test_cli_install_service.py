"""``newsworker install-service`` carries the settings of the installing shell into the units: every
``Settings`` field except a few left out on purpose (a secret, the test harnesses' SSRF switch). The hand-kept
list it replaces had lost the alert and feed index names, SMTP and PRIVATE_HOSTS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.unit.test_ops_systemd import DESCRIPTION
from worker.ops import systemd
from worker.settings import REPO_ROOT, Settings


def _env_of(env: dict[str, str]) -> list[str]:
    plan = systemd.plan_from(systemd.parse_description(DESCRIPTION), env, checkout=Path("/srv/nw"),
                             newsworker=Path("/srv/nw/.venv/bin/newsworker"),
                             env_file=Path("/etc/newsworker/newsworker.env"), user=None)
    api = systemd.units(plan)[systemd.API]
    return [line.split("=", 1)[1] for line in api.splitlines() if line.startswith("Environment=")]


def test_every_setting_is_carried_or_left_out_for_a_reason() -> None:
    fields = set(Settings.model_fields)
    assert set(systemd.NOT_CARRIED) <= fields, "NOT_CARRIED names a setting that no longer exists"
    assert all(reason.strip() for reason in systemd.NOT_CARRIED.values())
    carried = {name.removeprefix("NEWSWORKER_").lower() for name in systemd.CARRIED_SETTINGS}
    assert carried | set(systemd.NOT_CARRIED) == fields and not carried & set(systemd.NOT_CARRIED)


def test_the_settings_the_old_list_dropped_reach_the_units() -> None:
    env = _env_of({"NEWSWORKER_ES_ALERTS_INDEX": "prod-alerts", "NEWSWORKER_ES_ALERT_HISTORY_INDEX": "prod-hist",
                   "NEWSWORKER_ES_FEEDS_INDEX": "prod-feeds", "NEWSWORKER_SMTP_HOST": "mail.internal",
                   "NEWSWORKER_SMTP_PORT": "2525", "NEWSWORKER_PRIVATE_HOSTS": '["10.1.2.3:8099"]'})
    for expected in ("NEWSWORKER_ES_ALERTS_INDEX=prod-alerts", "NEWSWORKER_ES_ALERT_HISTORY_INDEX=prod-hist",
                     "NEWSWORKER_ES_FEEDS_INDEX=prod-feeds", "NEWSWORKER_SMTP_HOST=mail.internal",
                     "NEWSWORKER_SMTP_PORT=2525"):
        assert expected in env, expected
    assert '"NEWSWORKER_PRIVATE_HOSTS=[\\"10.1.2.3:8099\\"]"' in env  # quoted for systemd, JSON intact


def test_secrets_and_the_ssrf_switch_stay_out() -> None:
    env = _env_of({"NEWSWORKER_API_KEY": "s3cret", "NEWSWORKER_ALLOW_PRIVATE_ADDRESSES": "true",
                   "NEWSWORKER_API_PORT": "8060", "OTHER": "x"})
    assert "NEWSWORKER_API_PORT=8060" in env
    assert not [e for e in env if "s3cret" in e or "ALLOW_PRIVATE" in e or "OTHER" in e]


# -- QA5 qa5b-13: a store elsewhere gets no local unit ---------------------------------------------------------

def test_the_host_of_a_store_url() -> None:
    assert systemd.url_host("redis://:pw@10.1.2.3:6400/2") == "10.1.2.3"
    assert systemd.url_host("http://es.internal:9201") == "es.internal"
    assert systemd.url_host("https://user:secret@[fd00::5]:9200/") == "fd00::5"
    assert systemd.url_host("unix:///run/redis/redis.sock?db=2") is None


def test_this_machine_is_loopback_or_an_address_it_has() -> None:
    from worker.cli.service import on_this_machine

    for host in ("127.0.0.1", "localhost", "0.0.0.0", None):
        assert on_this_machine(host), host
    # TEST-NET-2 (no machine has it) and a name that never resolves (RFC 6761)
    assert not on_this_machine("198.51.100.7")
    assert not on_this_machine("es.newsworker.invalid")


def _dry_run(**env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}
    return subprocess.run([sys.executable, "-m", "worker.cli.main", "install-service", "--dry-run"], env=full,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True)


def test_remote_stores_get_no_unit_and_a_note() -> None:
    done = _dry_run(NEWSWORKER_REDIS_URL="redis://198.51.100.7:6400/2",
                    NEWSWORKER_ES_URL="http://es.newsworker.invalid:9201")
    assert systemd.REDIS not in done.stdout and systemd.ES not in done.stdout, done.stdout
    assert "redis-server" not in done.stdout and "_cluster/health" not in done.stdout
    assert "Environment=NEWSWORKER_REDIS_URL=redis://198.51.100.7:6400/2" in done.stdout  # the units use them
    assert "NEWSWORKER_REDIS_URL points at 198.51.100.7, not this machine" in done.stderr
    assert "--no-redis" in done.stderr and "--no-elasticsearch" in done.stderr, done.stderr


def test_a_local_store_keeps_its_unit_next_to_a_remote_one() -> None:
    done = _dry_run(NEWSWORKER_REDIS_URL="redis://127.0.0.1:6379/0",
                    NEWSWORKER_ES_URL="http://es.newsworker.invalid:9201")
    assert systemd.REDIS in done.stdout and systemd.ES not in done.stdout
    assert "NEWSWORKER_REDIS_URL" not in done.stderr and "NEWSWORKER_ES_URL points at" in done.stderr
