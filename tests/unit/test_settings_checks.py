"""Settings that cannot work are refused when the settings are read (QA3 ops M3, L1, L2): a value out of range,
a poll interval range upside down, a log format nobody implements, a list that is not JSON, a Redis URL that
is not Redis, a settings.yaml that is a list or broken. Each ends a command in one ``error:`` line, exit 2, as
``NEWSWORKER_API_PORT=abc`` always did. Unknown ``NEWSWORKER_*`` variables are named on stderr with the
closest setting.

The CLI tests run the real entry point (about a second each); Redis and Elasticsearch are never reached.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.cli_process import one_error_line, run_cli
from worker.settings import Settings


def _cli(*args: str, **env: str):
    return run_cli(*args, clean=True, **env)


def _one_error_line(r):
    return one_error_line(r, skip_warnings=True)


BAD = [
    ({"worker_concurrency": -1}, "worker_concurrency"),
    ({"worker_concurrency": 0}, "worker_concurrency"),
    ({"poll_min_interval": 0}, "poll_min_interval"),
    ({"poll_min_interval": 30000, "poll_max_interval": 10}, "poll_min_interval (30000) is above poll_max_interval"),
    ({"http_timeout": -5}, "http_timeout"),
    ({"http_total_deadline": 0}, "http_total_deadline"),
    ({"log_format": "xml"}, "log_format"),
    ({"per_host_rate": 0}, "per_host_rate"),
    ({"beat_tick_seconds": 0}, "beat_tick_seconds"),
    ({"api_port": 70000}, "api_port"),
    ({"redis_url": "http://x"}, "redis_url"),
    ({"es_url": "127.0.0.1:9200"}, "es_url"),
    # QA5 qa5b-4, qa5b-5: what the clients would read wrongly (DB 0 for "6x") or refuse with a traceback
    ({"redis_url": "redis://127.0.0.1:6379/6x"}, "the database (the part after the port) must be a number"),
    ({"redis_url": "redis://127.0.0.1:6379/-1"}, "must be a number from 0"),
    ({"redis_url": "redis://127.0.0.1:6379/1/"}, "must be a number from 0"),
    ({"redis_url": "redis://127.0.0.1:99999/6"}, "port '99999' is not a number from 1 to 65535"),
    ({"redis_url": "redis://127.0.0.1:0/6"}, "port '0' is not a number from 1 to 65535"),
    ({"redis_url": "redis://127.0.0.1:abc/6"}, "port 'abc' is not a number from 1 to 65535"),
    ({"redis_url": "redis://"}, "names no host"),
    ({"redis_url": "redis://:pw@/3"}, "names no host"),
    ({"redis_url": "REDIS://127.0.0.1:6379/0"}, "must start with redis://"),  # redis-py refuses it
    ({"redis_url": "redis://127.0.0.1:6379/0?db=2"}, "names database 2 in ?db= but 0 in its path"),
    ({"redis_url": "redis://127.0.0.1:6379?db=x"}, "the database (?db=) must be a number"),
    ({"redis_url": "unix://"}, "names no socket path"),
    ({"es_url": "http://"}, "names no host"),
    ({"es_url": "http://127.0.0.1:99999"}, "port '99999' is not a number from 1 to 65535"),
    ({"es_url": "http://127.0.0.1"}, "names no port"),
    ({"es_url": "http://127.0.0.1:9200,http://x:abc"}, "must be one URL"),
    ({"es_url": "http://127.0.0.1:9200,http://127.0.0.1:9201"}, "must be one URL"),
    ({"es_url": "http://127.0.0.1:9200 "}, "holds a space"),
]


@pytest.mark.parametrize(("values", "named"), BAD)
def test_an_invalid_value_is_refused(values: dict, named: str) -> None:
    with pytest.raises(ValidationError) as err:
        Settings(**values)
    assert named in str(err.value)


def test_the_defaults_and_the_test_harness_values_still_pass() -> None:
    Settings()
    Settings(poll_min_interval=600)  # the default interval (300) is clamped into the bounds, as polling does
    Settings(poll_min_interval=1, beat_tick_seconds=1, per_host_rate=0.001, per_host_burst=1,
             redis_url="unix:///tmp/redis.sock", es_url="https://es.example:9200", log_format="text")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379", "redis://127.0.0.1:6379/",
                                 "redis://h/15", "redis://:p%40ss@h:6380/99", "rediss://user:pw@h:6379/2",
                                 "redis://[::1]:6379/3", "redis://h:6379/4?db=4", "unix:///run/redis.sock?db=2"])
def test_redis_urls_the_clients_read_alike_pass(url: str) -> None:
    # 99 passes here: how many databases a server has is its own setting, met at the first command
    assert Settings(redis_url=url).redis_url == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:9200", "https://es.example", "http://u:p@h:9200/prefix",
                                 "http://[::1]:9200", "HTTP://h:9200/"])
def test_elasticsearch_urls_the_client_reads_pass(url: str) -> None:
    from elasticsearch import Elasticsearch

    assert Settings(es_url=url).es_url == url
    Elasticsearch(url)  # the client takes it too


@pytest.mark.parametrize(("env", "expect"), [
    ({"NEWSWORKER_WORKER_CONCURRENCY": "-1"}, "invalid settings: worker_concurrency"),
    ({"NEWSWORKER_POLL_MIN_INTERVAL": "30000", "NEWSWORKER_POLL_MAX_INTERVAL": "10"},
     "invalid settings: poll_min_interval (30000) is above poll_max_interval (10)"),
    ({"NEWSWORKER_LOG_FORMAT": "xml"}, "invalid settings: log_format: Input should be 'json' or 'text'"),
    ({"NEWSWORKER_PRIVATE_HOSTS": "127.0.0.1"}, "invalid settings: private_hosts: NEWSWORKER_PRIVATE_HOSTS is "
                                               "not valid JSON"),
    ({"NEWSWORKER_REDIS_URL": "http://x"}, "invalid settings: redis_url: must start with redis://"),
    ({"NEWSWORKER_PRIVATE_HOSTS": '["::1:8099"]'}, "invalid settings: private_hosts: '::1:8099' is ambiguous: "
                                                 "write [::1]:8099 for ::1 port 8099"),
    # QA5 qa5b-4: used to read database 0 (another installation's) and exit 0
    ({"NEWSWORKER_REDIS_URL": "redis://127.0.0.1:6379/6x"}, "invalid settings: redis_url: the database (the part "
                                                           "after the port) must be a number from 0"),
    # QA5 qa5b-5: used to be a traceback (ValueError) at the first command
    ({"NEWSWORKER_REDIS_URL": "redis://127.0.0.1:99999/6"}, "invalid settings: redis_url: port '99999' is not a "
                                                           "number from 1 to 65535"),
    ({"NEWSWORKER_ES_URL": "http://127.0.0.1:99999"}, "invalid settings: es_url: port '99999' is not a number"),
    ({"NEWSWORKER_ES_URL": "http://"}, "invalid settings: es_url: names no host"),
    ({"NEWSWORKER_ES_URL": "http://127.0.0.1:9200,http://x:abc"}, "invalid settings: es_url: must be one URL"),
])
def test_the_cli_says_so_in_one_line_and_exits_2(env: dict[str, str], expect: str) -> None:
    r = _cli("feeds", "list", **env)
    line = _one_error_line(r)
    assert r.returncode == 2 and expect in line, line


def test_a_settings_yaml_that_is_a_list_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text("- a\n", encoding="utf-8")
    r = _cli("status", NEWSWORKER_CONFIG_DIR=str(tmp_path))
    line = _one_error_line(r)
    assert r.returncode == 2 and str(tmp_path / "settings.yaml") in line and "expected a mapping" in line


def test_a_broken_settings_yaml_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text("api_port: 8000\n: [\n", encoding="utf-8")
    r = _cli("feeds", "list", NEWSWORKER_CONFIG_DIR=str(tmp_path))
    line = _one_error_line(r)
    assert r.returncode == 2 and f"invalid YAML in {tmp_path / 'settings.yaml'} at line 2" in line


def test_unknown_variables_are_named_with_the_closest_setting() -> None:
    from worker.settings import unknown_variables

    env = {"NEWSWORKER_API_PROT": "8000", "NEWSWORKER_ALLOW_PRIVATE_ADRESSES": "true", "NEWSWORKER_API_PORT": "1",
           "NEWSWORKER_DATA": "/x", "NEWSWORKER_ZZZ": "1", "PATH": "/bin"}
    lines = unknown_variables(env)
    assert lines == [
        "warning: NEWSWORKER_ALLOW_PRIVATE_ADRESSES is not a newsworker setting and is ignored "
        "(did you mean NEWSWORKER_ALLOW_PRIVATE_ADDRESSES?)",
        "warning: NEWSWORKER_API_PROT is not a newsworker setting and is ignored (did you mean NEWSWORKER_API_PORT?)",
        "warning: NEWSWORKER_ZZZ is not a newsworker setting and is ignored",
    ]


def test_the_cli_warns_about_an_unknown_variable_on_stderr() -> None:
    r = _cli("feeds", "list", NEWSWORKER_API_PROT="8000")
    assert "warning: NEWSWORKER_API_PROT is not a newsworker setting and is ignored (did you mean " \
           "NEWSWORKER_API_PORT?)" in r.stderr
