"""Shared fixtures. Integration fixtures talk to the real Redis and Elasticsearch started by
``scripts/services.sh up``; when one is missing they skip locally but FAIL under ``CI=true``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
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

    from worker.store.clients import es_version

    client = Elasticsearch(ES_URL, request_timeout=30)
    try:
        client.cluster.health(wait_for_status="yellow", timeout="10s")
        version = es_version(client)
    except Exception as err:  # noqa: BLE001
        service_missing("Elasticsearch", err)
    print(f"\n[newsworker tests] Elasticsearch {version} at {ES_URL}")
    return client


@pytest.fixture
def unique_name() -> Iterator[str]:
    """A short unique lowercase token for index names and Redis key prefixes in one test."""
    yield "t" + uuid.uuid4().hex[:10]


@pytest.fixture
def local_receivers(monkeypatch):
    """Let webhooks reach 127.0.0.1 (the tests' local receivers, the shipped config's default) through the
    per-host allowance a deployment would use, not the global switch."""
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "private_hosts", ["127.0.0.1"])
    yield
