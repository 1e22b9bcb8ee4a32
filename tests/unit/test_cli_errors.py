"""A CLI command that fails for a known reason ends in one line on stderr and its exit code (1: a service
down, 2: bad input), from one place: the dispatcher of ``worker.cli.main``. Unknown exceptions keep their
traceback, and ``--debug`` shows it for the known ones too.

The first tests run the real entry point (``python -m worker.cli.main``) against closed ports: no service is
needed, each run takes about a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli_process import closed_port, one_error_line, run_cli
from worker.cli import errors
from worker.cli.main import app


def _cli(*args: str, **env: str):
    return run_cli(*args, **env)


def _one_error_line(r):
    return one_error_line(r)


ES_DOWN = ("Elasticsearch", "NEWSWORKER_ES_URL", "http://127.0.0.1:{port}")
REDIS_DOWN = ("Redis", "NEWSWORKER_REDIS_URL", "redis://127.0.0.1:{port}/5")


@pytest.mark.parametrize(("args", "down"), [
    *((a, ES_DOWN) for a in (["search", "سجن"], ["alerts", "list"], ["index", "stats"], ["setup"])),
    *((a, REDIS_DOWN) for a in (["feeds", "list"], ["deadletter", "list"], ["migrate-keys"], ["poll", "--once"])),
])
def test_a_store_down_is_one_line_and_exit_1(args: list[str], down: tuple[str, str, str]) -> None:
    store, variable, url = down
    url = url.format(port=closed_port())
    r = _cli(*args, **{variable: url})
    line = _one_error_line(r)
    assert r.returncode == 1
    assert f"{store} is unreachable at {url}" in line and variable in line


def test_credentials_in_a_service_url_are_not_printed() -> None:
    r = _cli("alerts", "list", NEWSWORKER_ES_URL=f"http://elastic:s3cret@127.0.0.1:{closed_port()}")
    assert r.returncode == 1 and "s3cret" not in r.stderr


@pytest.mark.parametrize("args", [["feeds", "load", "/nonexistent/feeds.yaml"],
                                  ["alerts", "load", "/nonexistent/alerts.yaml"],  # was typer's boxed error
                                  ["extract", "/nonexistent/article.json"],
                                  ["export", "", "--out", "/nonexistent/dir/x.csv"]])
def test_a_missing_file_is_one_line_and_exit_2(args: list[str]) -> None:
    # Redis and Elasticsearch closed too: the path is checked before either is needed
    r = _cli(*args, NEWSWORKER_ES_URL=f"http://127.0.0.1:{closed_port()}",
             NEWSWORKER_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/5")
    line = _one_error_line(r)
    assert r.returncode == 2 and "/nonexistent/" in line and "No such file or directory" in line


@pytest.mark.parametrize("url", ["notaurl", "ftp://example.org/feed.xml"])
def test_an_invalid_feed_is_one_line_and_exit_2(url: str) -> None:
    r = _cli("feeds", "add", url, NEWSWORKER_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/5")
    line = _one_error_line(r)
    assert r.returncode == 2 and "feed URL must be http(s)" in line


@pytest.mark.parametrize("command", ["alerts", "feeds"])
def test_broken_yaml_names_the_file_and_exits_2(tmp_path: Path, command: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - {id: a, url: [\n", encoding="utf-8")
    r = _cli(command, "load", str(bad), NEWSWORKER_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/5",
             NEWSWORKER_ES_URL=f"http://127.0.0.1:{closed_port()}")
    line = _one_error_line(r)
    assert r.returncode == 2 and str(bad) in line and "invalid YAML at line 3" in line


# -- in-process: what is mapped, what is not ---------------------------------------------------------------

def test_debug_shows_the_traceback_of_a_known_failure(monkeypatch) -> None:
    import redis

    def down(*_a: object, **_k: object) -> None:
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr("worker.cli.feeds._ctx", down)
    r = CliRunner().invoke(app, ["feeds", "show", "x"])
    assert r.exit_code == 1 and "Redis is unreachable" in r.output
    r = CliRunner().invoke(app, ["--debug", "feeds", "show", "x"])
    assert isinstance(r.exception, redis.exceptions.ConnectionError)


def test_an_unknown_exception_is_not_swallowed(monkeypatch) -> None:
    def bug(*_a: object, **_k: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("worker.cli.feeds._ctx", bug)
    r = CliRunner().invoke(app, ["feeds", "show", "x"])
    assert isinstance(r.exception, ZeroDivisionError)


def test_describe_maps_known_classes_and_leaves_the_rest() -> None:
    import redis
    import yaml
    from elastic_transport import ApiResponseMeta, ConnectionTimeout, HttpHeaders, NodeConfig
    from elasticsearch import ApiError, NotFoundError
    from pydantic import BaseModel, ValidationError

    def meta(status: int) -> ApiResponseMeta:
        return ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                               node=NodeConfig("http", "127.0.0.1", 9200))

    class M(BaseModel):
        n: int

    try:
        M(n="x")  # type: ignore[arg-type]
    except ValidationError as err:
        invalid = err
    try:
        yaml.safe_load("a: [")
    except yaml.YAMLError as err:
        broken = err
    not_found = NotFoundError("index_not_found_exception", meta(404),
                              {"error": {"type": "index_not_found_exception", "index": "nope"}, "status": 404})
    cases = {
        redis.exceptions.TimeoutError("Timeout reading from socket"): 1,
        ConnectionTimeout("timed out"): 1,
        not_found: 2,
        ApiError("unavailable", meta(503), {"error": {"type": "x", "reason": "busy"}}): 1,
        FileNotFoundError(2, "No such file or directory", "/x.yaml"): 2,
        invalid: 2,
        broken: 2,
        errors.CliError("bad", 2): 2,
    }
    for err, code in cases.items():
        failure = errors.describe(err)
        assert failure is not None and failure.code == code, err
        assert "\n" not in failure.message
    assert "'nope'" in errors.describe(not_found).message  # type: ignore[union-attr]
    for err in (ValueError("x"), KeyError("x"), ApiError("bad request", meta(400), {}), OSError("no file name")):
        assert errors.describe(err) is None, err
