"""systemd units from a plan: quoting, ordering and dependencies, restart policy, what is left out."""

from __future__ import annotations

from pathlib import Path

from worker.ops import systemd

DESCRIPTION = """DATA=/srv/nw/.data
ES_VERSION=8.19.21
ES_HOME=/var/cache/newsworker/elasticsearch-8.19.21
ES_DATA=/var/lib/newsworker/abc/elasticsearch
ES_USER=newsworker-es
ES_JAVA_HOME=/usr/lib/jvm/java-17
ES_HEAP=512m
ES_URL=http://127.0.0.1:9260
ES_HTTP_PORT=9260
REDIS_URL=redis://127.0.0.1:6390/0
REDIS_DIR=/srv/nw/.data/redis
REDIS_SERVER=/usr/bin/redis-server
ES_SETTINGS=http.port=9260\\ path.data=/var/lib/newsworker/abc/elasticsearch/data
REDIS_ARGS=--port\\ 6390\\ --save\\ 60\\\\\\ 1000
"""


def _plan(**kw) -> systemd.ServicePlan:  # noqa: ANN003
    return systemd.plan_from(systemd.parse_description(DESCRIPTION), {"NEWSWORKER_API_KEY": "secret",
                                                                      "NEWSWORKER_API_PORT": "8060"},
                             checkout=Path("/srv/nw"), newsworker=Path("/srv/nw/.venv/bin/newsworker"),
                             env_file=Path("/etc/newsworker/newsworker.env"), user=None, **kw)


def _directives(text: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(key + "=")]


def test_description_lists_keep_each_item_whole() -> None:
    plan = _plan()
    assert plan.redis_args == ("--port", "6390", "--save", "60 1000")
    assert plan.es_settings == ("http.port=9260", "path.data=/var/lib/newsworker/abc/elasticsearch/data")


def test_quote_escapes_what_systemd_would_expand() -> None:
    assert systemd.quote("plain") == "plain"
    assert systemd.quote("60 1000") == '"60 1000"'
    assert systemd.quote("100%") == "100%%"
    assert systemd.quote("a$HOME") == "a$$HOME"
    assert systemd.quote('say "hi"') == '"say \\"hi\\""'


def test_worker_requires_and_follows_both_stores_and_every_service_restarts_on_failure() -> None:
    u = systemd.units(_plan())
    worker = u[systemd.WORKER]
    for store in (systemd.REDIS, systemd.ES):
        assert store in _directives(worker, "Requires")[0] and store in _directives(worker, "After")[0]
    assert _directives(u[systemd.BEAT], "Requires") == [systemd.REDIS]
    assert systemd.ES in _directives(u[systemd.API], "Wants")[0]  # /ready reports it; the API stays up
    for name, text in u.items():
        if name.endswith(".service"):
            assert _directives(text, "Restart") == ["on-failure"], name
            assert _directives(text, "PartOf") == [systemd.TARGET], name
    assert _directives(worker, "ExecStartPre") == ["/srv/nw/.venv/bin/newsworker setup"]
    assert all(s in u[systemd.TARGET] for s in (systemd.WORKER, systemd.BEAT, systemd.API, systemd.ES))


def test_stores_run_as_services_sh_runs_them() -> None:
    u = systemd.units(_plan())
    es = u[systemd.ES]
    assert _directives(es, "User") == ["newsworker-es"]
    assert "-E http.port=9260 -E path.data=/var/lib/newsworker/abc/elasticsearch/data" in es
    assert "http://127.0.0.1:9260/_cluster/health" in _directives(es, "ExecStartPost")[0]
    assert _directives(u[systemd.REDIS], "ExecStart") == [
        '/usr/bin/redis-server --port 6390 --save "60 1000" --daemonize no']


def test_settings_are_carried_but_secrets_are_not() -> None:
    api = systemd.units(_plan())[systemd.API]
    env = _directives(api, "Environment")
    assert "NEWSWORKER_API_PORT=8060" in env and "NEWSWORKER_REDIS_URL=redis://127.0.0.1:6390/0" in env
    assert "NEWSWORKER_DATA_DIR=/srv/nw/.data" in env
    assert "secret" not in api
    assert _directives(api, "EnvironmentFile") == ["-/etc/newsworker/newsworker.env"]


def test_stores_kept_elsewhere_get_no_unit_and_no_dependency() -> None:
    u = systemd.units(_plan(redis=False, elasticsearch=False))
    assert systemd.REDIS not in u and systemd.ES not in u
    assert "newsworker-redis" not in u[systemd.WORKER] and "elasticsearch" not in u[systemd.TARGET]


def test_stopping_the_worker_is_a_warm_shutdown() -> None:
    """QA3 ops L10: with the default KillMode=control-group, `systemctl stop` sent SIGTERM to the prefork
    children too, which die on it (Celery resets their SIGTERM), so the task at hand was killed and redone."""
    u = systemd.units(_plan())
    worker = u[systemd.WORKER]
    assert _directives(worker, "KillMode") == ["mixed"]
    assert _directives(worker, "KillSignal") == ["SIGTERM"] and _directives(worker, "TimeoutStopSec") == ["600"]
    assert _directives(worker, "ExecStartPre")[0].endswith(" setup")  # restores the feeds of an emptied Redis
    for other in (systemd.BEAT, systemd.API):
        assert _directives(u[other], "KillMode") == []  # single processes: the default is right
