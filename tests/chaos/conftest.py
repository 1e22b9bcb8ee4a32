"""Chaos fixtures: a private Redis for the whole session (so stopping it harms no one), the shared
Elasticsearch for scenarios that do not stop it, and a report of published-vs-indexed per scenario.

Chaos scenarios take minutes; they run with ``make chaos`` (``pytest -m chaos tests/chaos``) or with
``NEWSWORKER_CHAOS=1``, and are skipped in a plain ``pytest`` run.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.chaos.stack import PrivateRedis, tmpdir
from tests.conftest import ES_URL, service_missing

REPORT: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = "chaos" in (config.getoption("-m") or "") or os.environ.get("NEWSWORKER_CHAOS")
    if selected:
        return
    skip = pytest.mark.skip(reason="chaos scenarios run with `make chaos` (pytest -m chaos tests/chaos)")
    for item in items:
        if item.get_closest_marker("chaos"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001, ARG001
    if REPORT:
        terminalreporter.section("chaos: published by the replay server vs indexed")
        for line in REPORT:
            terminalreporter.write_line(line)


def record(line: str) -> None:
    print("\n" + line, flush=True)
    REPORT.append(line)


@pytest.fixture(scope="session")
def private_redis():
    if not shutil.which("redis-server"):
        service_missing("redis-server binary", FileNotFoundError("redis-server"))
    with tmpdir("nw-chaos-redis-") as d:
        r = PrivateRedis(d).start()
        try:
            yield r
        finally:
            r.stop()


@pytest.fixture(scope="session")
def shared_es_url() -> str:
    from elasticsearch import Elasticsearch

    try:
        Elasticsearch(ES_URL).cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as err:  # noqa: BLE001
        service_missing("Elasticsearch", err)
    return ES_URL


@pytest.fixture
def workdir(tmp_path):
    """Per-test directory for process logs (kept by pytest after a failure, for the post-mortem)."""
    return tmp_path
