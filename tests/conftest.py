"""Shared fixtures. Integration fixtures talk to the real Redis and Elasticsearch started by
``scripts/services.sh up``; when one is missing they skip locally but FAIL under ``CI=true``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# The feed registry copies every change to Elasticsearch (``settings.es_feeds_index``): the feeds the tests
# register go to an index of this session's own (deleted at its end), never to a deployment's ``news-feeds``.
# Set before any test reads the settings; a test naming its own index (the stack, the API contract) wins.
SESSION_FEEDS_INDEX = f"nwtest-{uuid.uuid4().hex[:8]}-feeds"
os.environ["NEWSWORKER_ES_FEEDS_INDEX"] = SESSION_FEEDS_INDEX
# Starlette's TestClient sends "Host: testserver": the tests' app answers to it as a deployment answers to
# the names it lists (worker.api.browser_guard). A test of the Host check sets its own list.
os.environ.setdefault("NEWSWORKER_API_ALLOWED_HOSTS", '["testserver"]')
REDIS_URL = os.environ.get("NEWSWORKER_REDIS_URL", "redis://127.0.0.1:6379/0")
ES_URL = os.environ.get("NEWSWORKER_ES_URL", "http://127.0.0.1:9200")


def required_missing(msg: str) -> None:
    """Something the suite needs (a service, the browser) is absent: fail under CI, skip locally."""
    if IN_CI:
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def service_missing(what: str, err: Exception) -> None:
    required_missing(f"{what} is not reachable ({err!r}); start it with scripts/services.sh up")


@pytest.fixture(scope="session")
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        client.ping()
    except Exception as err:  # noqa: BLE001
        service_missing("Redis", err)
    return client


@pytest.fixture(scope="session")
def es_client():
    from elasticsearch import Elasticsearch

    client = Elasticsearch(ES_URL, request_timeout=30)
    try:
        client.cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as err:  # noqa: BLE001
        service_missing("Elasticsearch", err)
    return client


def _service_versions() -> list[str]:
    """What the integration tests talk to, asked once before collection (the fixtures' prints are captured,
    so a run against a reused node used to name no version)."""
    lines = []
    try:
        from elasticsearch import Elasticsearch

        from worker.store.clients import es_version

        with Elasticsearch(ES_URL, request_timeout=5, max_retries=0) as es:
            lines.append(f"Elasticsearch {es_version(es)} at {ES_URL}")
    except Exception as err:  # noqa: BLE001 - a header must never break the run; the fixtures decide
        lines.append(f"Elasticsearch: not reachable at {ES_URL} ({type(err).__name__})")
    try:
        import redis

        info = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5).info("server")
        lines.append(f"Redis {info.get('redis_version', '?')} at {REDIS_URL}")
    except Exception as err:  # noqa: BLE001
        lines.append(f"Redis: not reachable at {REDIS_URL} ({type(err).__name__})")
    return lines


def pytest_report_header(config: pytest.Config) -> list[str]:
    if config.get_verbosity() < 0:
        return []  # -q hides the header: the terminal summary names them instead
    return [f"newsworker services: {'; '.join(_service_versions())}"]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001, ARG001
    if config.get_verbosity() < 0:
        terminalreporter.write_line(f"newsworker services: {'; '.join(_service_versions())}")


@pytest.fixture(scope="session", autouse=True)
def _drop_session_feeds_index() -> Iterator[None]:
    yield
    try:
        from elasticsearch import Elasticsearch

        with Elasticsearch(ES_URL, request_timeout=10, max_retries=0) as es:
            es.indices.delete(index=SESSION_FEEDS_INDEX, ignore_unavailable=True)
    except Exception:  # noqa: BLE001 - no Elasticsearch, no index to drop
        pass


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Settings read afresh from the environment in this test, and the cache left empty after it (a test that
    sets NEWSWORKER_* variables with monkeypatch must not hand its settings to the next one)."""
    from worker.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def unique_name() -> Iterator[str]:
    """A short unique lowercase token for index names and Redis key prefixes in one test."""
    yield "t" + uuid.uuid4().hex[:10]


@pytest.fixture
def local_receivers(monkeypatch):
    """Let webhooks reach 127.0.0.1 (the tests' local receivers, the shipped config's default) through the
    per-host allowance a deployment would use, not the global switch."""
    from worker.pipeline.context import current
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "private_hosts", ["127.0.0.1"])
    # A context installed earlier with its own copy of the settings (a module's web server) allows it too.
    monkeypatch.setattr(current().settings, "private_hosts", ["127.0.0.1"])
    yield
