"""``newsworker install-service`` carries the settings of the installing shell into the units: every
``Settings`` field except a few left out on purpose (a secret, the test harnesses' SSRF switch). The hand-kept
list it replaces had lost the alert and feed index names, SMTP and PRIVATE_HOSTS."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_ops_systemd import DESCRIPTION
from worker.ops import systemd
from worker.settings import Settings


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
