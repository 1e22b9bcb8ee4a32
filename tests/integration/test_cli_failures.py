"""CLI commands that fail store nothing, say why, and exit non-zero (real Redis and Elasticsearch, own names):

- ``alerts add`` with Redis down used to save the rule to Elasticsearch, then crash on the version counter;
- ``alerts load`` / ``feeds load`` used to ignore misspelt keys (``chanels:``) and exit 0;
- ``poll ID --once`` used to exit 0 when the poll failed or the feed did not exist, and a demo feed polled
  from another shell was refused (its permission to be on 127.0.0.1 lived only in ``run --demo``'s children);
- an id that names nothing (``feeds show nosuch``, ``deadletter show nosuch``, ``poll nosuch --once``) was a
  message on stdout, where ``feeds show X > x.json`` put it inside the file, and exit 1 (QA5 qa5b-9);
- a Redis database past the server's ``databases`` setting was a traceback (QA5 qa5b-5).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from tests.integration.alert_context import alerts_ctx  # noqa: F401
from tests.integration.alert_receivers import free_port
from tests.integration.procs import REPO
from worker.alerts.store import RuleStore
from worker.cli.main import app
from worker.replay.server import start_replay_server

pytestmark = pytest.mark.integration


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(REPO), **env}
    return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=full, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


# -- alerts: Redis down stores nothing ----------------------------------------------------------------------

def test_alerts_add_with_redis_down_stores_nothing(es_client, unique_name) -> None:
    index = f"{unique_name}-alerts"
    try:
        r = _cli("alerts", "add", "qa-x", "-q", "سجن", NEWSWORKER_ES_ALERTS_INDEX=index,
                 NEWSWORKER_REDIS_URL=f"redis://127.0.0.1:{free_port()}/5")
        if es_client.indices.exists(index=index):
            es_client.indices.refresh(index=index)
            assert es_client.count(index=index)["count"] == 0, "the rule was saved"
        assert r.returncode == 1, r.stderr[-2000:]
        assert len(r.stderr.strip().splitlines()) == 1 and "Redis is unreachable" in r.stderr
    finally:
        es_client.options(ignore_status=404).indices.delete(index=index)


class _BumpFails:
    """Redis that answers until the version counter is bumped (it goes away between the two writes)."""

    def __init__(self, real: redis.Redis) -> None:
        self._real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

    def incr(self, *_a: object, **_k: object) -> int:
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_change_whose_version_bump_fails_is_undone(alerts_ctx, monkeypatch) -> None:  # noqa: F811
    store = RuleStore(alerts_ctx)
    store.upsert({"name": "kept", "query": "سجن"})
    monkeypatch.setattr(alerts_ctx, "redis", _BumpFails(alerts_ctx.redis))
    with pytest.raises(redis.exceptions.ConnectionError):
        store.upsert({"name": "new-one", "query": "نفط"})
    with pytest.raises(redis.exceptions.ConnectionError):
        store.upsert({"name": "kept", "query": "سجن OR سجناء"})
    with pytest.raises(redis.exceptions.ConnectionError):
        store.delete("kept")
    monkeypatch.undo()
    assert store.get("new-one") is None
    assert [(r.name, r.query) for r in store.list()] == [("kept", "سجن")]


def test_alerts_load_saves_a_file_whole_or_not_at_all(alerts_ctx, monkeypatch, tmp_path) -> None:  # noqa: F811
    path = tmp_path / "alerts.yaml"
    path.write_text("alerts:\n  - {name: a1, query: سجن}\n  - {name: a2, query: نفط}\n", encoding="utf-8")
    store = RuleStore(alerts_ctx)
    store.upsert({"name": "a1", "query": "قديم"})
    v0 = store.version()
    monkeypatch.setattr(alerts_ctx, "redis", _BumpFails(alerts_ctx.redis))
    with pytest.raises(redis.exceptions.ConnectionError):
        store.load_file(path)
    monkeypatch.undo()
    assert [(r.name, r.query) for r in store.list()] == [("a1", "قديم")]
    assert [(r.name, c) for r, c in store.load_file(path)] == [("a1", "updated"), ("a2", "created")]
    assert store.version() == v0 + 1  # one bump for the file


# -- unknown keys ---------------------------------------------------------------------------------------------

def test_alerts_load_refuses_unknown_keys_and_stores_nothing(alerts_ctx, tmp_path) -> None:  # noqa: F811
    path = tmp_path / "typo.yaml"
    path.write_text("alerts:\n"
                    "  - {name: qa-fine, query: نفط}\n"
                    "  - name: qa-typo\n"
                    "    query: سجن\n"
                    "    chanels: {webhooks: [{url: 'https://hooks.example.org/x'}]}\n"
                    "    filter: {min_casualties: 10}\n"
                    "    channels: {webhooks: [{url: 'https://hooks.example.org/y', fromat: slack}]}\n",
                    encoding="utf-8")
    r = CliRunner().invoke(app, ["alerts", "load", str(path)])
    assert r.exit_code == 2, r.output
    for part in (str(path), "rule 'qa-typo': unknown key 'chanels'", "rule 'qa-typo': unknown key 'filter'",
                 "unknown key 'channels.webhooks[0].fromat'"):
        assert part in r.output.replace("\n", ""), part
    assert RuleStore(alerts_ctx).list() == []


@pytest.fixture
def feeds_prefix(redis_client, unique_name, monkeypatch):
    """The process's context on a throw-away key prefix; the SSRF guard as shipped (closed); nothing queued."""
    from worker.pipeline.context import current
    from worker.settings import get_settings
    from worker.tasks import CeleryDispatcher

    prefix = f"test:{unique_name}:"
    monkeypatch.setattr(get_settings(), "redis_prefix", prefix)
    monkeypatch.setattr(get_settings(), "allow_private_addresses", False)
    monkeypatch.setattr(get_settings(), "private_hosts", [])
    monkeypatch.setattr(get_settings(), "per_host_rate", 1000.0)
    monkeypatch.setattr(get_settings(), "per_host_burst", 1000)
    monkeypatch.setattr(CeleryDispatcher, "send", lambda *a, **k: None)
    yield prefix
    current().close()
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


def test_feeds_load_refuses_unknown_keys_and_registers_nothing(feeds_prefix, redis_client, tmp_path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("defaults: {languag: ar}\n"
                    "feeds:\n"
                    "  - {id: ok-feed, url: 'https://example.org/a.rss'}\n"
                    "  - {id: typo-feed, url: 'https://example.org/b.rss', intervall: 60}\n"
                    "  - {id: bad-url, url: 'ftp://example.org/c.rss'}\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["feeds", "load", str(path)])
    assert r.exit_code == 2, r.output
    out = r.output.replace("\n", "")
    for part in (str(path), "defaults: unknown key 'languag'", "feed 'typo-feed': unknown key 'intervall'",
                 "feed 'bad-url': url: feed URL must be http(s)"):
        assert part in out, part
    assert not list(redis_client.scan_iter(f"{feeds_prefix}*"))


# -- poll exit codes and the demo's feeds ---------------------------------------------------------------------

def test_poll_exits_2_for_a_missing_feed_and_1_for_a_failed_poll(feeds_prefix) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["poll", "nope", "--once"])
    assert r.exit_code == 2 and r.stderr.strip() == "error: no feed 'nope'" and r.stdout == "", r.output
    with start_replay_server(start_released=5) as (url, _server):
        assert runner.invoke(app, ["feeds", "add", f"{url}/feeds/bbc.rss", "--id", "local"]).exit_code == 0
        r = runner.invoke(app, ["poll", "local", "--once"])
    assert r.exit_code == 1 and "blocked" in r.output, r.output


def test_a_demo_feed_polled_by_hand_is_allowed_on_its_own_host(feeds_prefix, tmp_path) -> None:
    from worker.cli.run import demo_feeds_file

    runner = CliRunner()
    with start_replay_server(start_released=5) as (url, _server):
        port = int(url.rsplit(":", 1)[1])
        copy = demo_feeds_file(REPO / "config" / "feeds.demo.yaml", port, tmp_path)
        r = runner.invoke(app, ["feeds", "load", str(copy)])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["poll", "replay-bbc", "--once"])
        assert r.exit_code == 0 and "replay-bbc" in r.output and "error" not in r.output, r.output
        shown = runner.invoke(app, ["feeds", "show", "replay-bbc"]).output
        assert '"status": "ok"' in shown and '"allow_private": true' in shown


def test_the_demo_copy_allows_only_the_replay_server(tmp_path: Path) -> None:
    from worker.cli.run import demo_feeds_file

    src = tmp_path / "feeds.demo.yaml"
    src.write_text("feeds:\n  - {id: r, url: 'http://127.0.0.1:8765/feeds/bbc.rss'}\n"
                   "  - {id: other, url: 'https://example.org/x.rss'}\n", encoding="utf-8")
    import yaml

    data = yaml.safe_load(demo_feeds_file(src, 8775, tmp_path / "data").read_text(encoding="utf-8"))
    assert data["feeds"] == [{"id": "r", "url": "http://127.0.0.1:8775/feeds/bbc.rss", "allow_private": True},
                             {"id": "other", "url": "https://example.org/x.rss"}]


# -- an id that names nothing is wrong input: one line on stderr, exit 2 (QA5 qa5b-9) -------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["feeds", "show", "nosuch"], "no feed 'nosuch'"),
    (["feeds", "remove", "nosuch"], "no feed 'nosuch'"),
    (["feeds", "disable", "nosuch"], "no feed 'nosuch'"),
    (["feeds", "enable", "nosuch"], "no feed 'nosuch'"),
    (["feeds", "set", "nosuch", "--interval", "100"], "no feed 'nosuch'"),
    (["poll", "nosuch", "--once"], "no feed 'nosuch'"),
    (["deadletter", "show", "nosuch"], "no dead letter 'nosuch'"),
    (["deadletter", "delete", "nosuch"], "no dead letter 'nosuch'"),
    (["deadletter", "replay", "nosuch"], "no dead letter 'nosuch'"),  # used to say so on stdout and exit 0
])
def test_an_unknown_id_is_one_error_line_on_stderr_and_exit_2(feeds_prefix, args: list[str], message: str) -> None:
    r = CliRunner().invoke(app, args)
    assert (r.exit_code, r.stdout, r.stderr.strip()) == (2, "", f"error: {message}"), r.output


@pytest.mark.parametrize("args", [["alerts", "show", "nosuch"], ["alerts", "remove", "nosuch"],
                                  ["alerts", "disable", "nosuch"], ["alerts", "test", "nosuch"]])
def test_an_unknown_rule_is_one_error_line_on_stderr_and_exit_2(alerts_ctx, args: list[str]) -> None:  # noqa: F811
    r = CliRunner().invoke(app, args)
    assert (r.exit_code, r.stdout, r.stderr.strip()) == (2, "", "error: no rule 'nosuch'"), r.output


def test_a_redis_database_the_server_does_not_have_is_one_line_and_exit_2() -> None:
    from tests.conftest import REDIS_URL

    # database 99 is a valid URL (a server may be configured with 100+): only the server can say no
    url = REDIS_URL.rsplit("/", 1)[0] + "/99" if REDIS_URL.count("/") > 2 else REDIS_URL + "/99"
    r = _cli("feeds", "list", NEWSWORKER_REDIS_URL=url)
    lines = [x for x in r.stderr.strip().splitlines() if not x.startswith("warning: ")]
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert lines[0].startswith(f"error: invalid settings: redis_url: Redis at {url} (NEWSWORKER_REDIS_URL) has "
                               "no such database: DB index is out of range"), lines[0]
