"""Issue 15, the API's exposure, on the real app (``create_app()``), with nothing behind it that a
request could reach first: the guard middleware answers before a route runs. Body cap and key-before-
body, rate limit, non-ASCII keys, placeholder keys, the read rule on /docs, /openapi.json and /metrics,
405 with Allow, /ready without the Redis URL, the compose file without a default key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from worker.settings import REPO_ROOT, get_settings

KEY = "a-real-secret-0123456789"


pytestmark = pytest.mark.usefixtures("fresh_settings")


def client(monkeypatch, **env: str) -> TestClient:
    monkeypatch.setenv("NEWSWORKER_API_KEY", KEY)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    from worker.api.app import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


class Exploding:
    """A request body that fails the test if the server reads it."""

    def __init__(self) -> None:
        self.read = False

    def __iter__(self):
        self.read = True
        yield b"{}"


def test_the_key_is_checked_before_the_body_is_read(monkeypatch):
    c = client(monkeypatch)
    body = Exploding()
    r = c.post("/alerts", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 401 and not body.read
    r = c.post("/alerts", content=b"x" * 10_000_000, headers={"content-type": "application/json"})
    assert r.status_code == 401  # not 413, not a parse: nothing was read


def test_bodies_are_capped(monkeypatch):
    c = client(monkeypatch, NEWSWORKER_API_MAX_BODY_BYTES="1000")
    h = {"X-API-Key": KEY, "content-type": "application/json"}
    assert c.post("/alerts", content=b" " * 1001, headers=h).status_code == 413

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(100):
            yield b" " * 100

    assert c.post("/alerts", content=chunks(), headers=h).status_code == 413
    assert c.post("/alerts", content=b"{}", headers={**h, "content-length": "abc"}).status_code in (400, 413)


def test_rate_limit_per_client(monkeypatch):
    c = client(monkeypatch, NEWSWORKER_API_RATE_PER_SECOND="0.001", NEWSWORKER_API_RATE_BURST="5")
    codes = [c.get("/health").status_code for _ in range(8)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3
    r = c.get("/health")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_rate_limiter_table_is_bounded():
    from worker.api.limits import RateLimiter

    rl = RateLimiter(rate=1.0, burst=1, max_clients=100)
    for n in range(1000):
        rl.take(f"10.0.{n // 256}.{n % 256}", now=0.0)
    assert len(rl._buckets) == 100


@pytest.mark.parametrize("key", ["ключ".encode(), "é".encode("latin-1"), b"\xff\xfe", "🔑".encode()])
def test_non_ascii_keys_are_a_401_not_a_500(monkeypatch, key):
    c = client(monkeypatch, NEWSWORKER_API_READ_OPEN="false")
    assert c.post("/alerts", json={}, headers={"X-API-Key": key}).status_code == 401
    assert c.get("/metrics", headers={"X-API-Key": key}).status_code == 401


@pytest.mark.parametrize("placeholder", ["change-me", "CHANGEME", "secret", " change-me "])
def test_a_placeholder_key_disables_writes(monkeypatch, placeholder):
    c = client(monkeypatch, NEWSWORKER_API_KEY=placeholder)
    r = c.post("/alerts", json={}, headers={"X-API-Key": placeholder.strip()})
    assert r.status_code == 403 and "placeholder" in r.json()["detail"]


def test_compose_file_has_no_default_key():
    text = (REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if "NEWSWORKER_API_KEY" in ln)
    assert "change-me" not in text and not re.search(r":-[^}]+}", line), line


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/metrics"])
def test_docs_and_metrics_follow_the_read_rule(monkeypatch, path):
    closed = client(monkeypatch, NEWSWORKER_API_READ_OPEN="false")
    assert closed.get(path).status_code == 401
    assert closed.get(path, headers={"X-API-Key": "wrong"}).status_code == 401
    assert closed.get(path, headers={"X-API-Key": KEY}).status_code == 200


def test_docs_are_open_when_reads_are(monkeypatch):
    c = client(monkeypatch)
    assert c.get("/openapi.json").status_code == 200 and c.get("/docs").status_code == 200


def test_405_carries_allow(monkeypatch):
    c = client(monkeypatch)
    for path, allowed in (("/alerts", "GET, POST"), ("/alerts/x", "DELETE, GET, PATCH, PUT"),
                          ("/alerts/history", "GET"), ("/feeds/x", "DELETE, GET, PATCH"), ("/search", "GET")):
        r = c.request("TRACE", path)
        assert r.status_code == 405 and r.headers["allow"] == allowed, (path, r.headers)


def test_ready_does_not_show_the_redis_url(monkeypatch):
    c = client(monkeypatch, NEWSWORKER_REDIS_URL="redis://:hunter2-secret@127.0.0.1:6379/0")
    from worker.store import clients

    clients.reset_clients()
    try:
        text = c.get("/ready").text
    finally:
        clients.reset_clients()
    assert "hunter2" not in text and "redis://" not in text


def test_every_operation_declares_its_statuses(monkeypatch):
    spec = client(monkeypatch).get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert "429" in codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"401", "403", "413", "422"} <= codes, (method, path, codes)
            if op.get("requestBody"):
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                assert "$ref" in schema, (method, path)  # a model, not a bare object
            assert any(c.startswith("2") for c in codes)
            ok = op["responses"][next(c for c in codes if c.startswith("2"))]
            assert ok.get("content") or method == "delete", (method, path)


def test_pit_budget_for_anonymous_readers():
    from worker.api.limits import PitBudget

    b = PitBudget(limit=2, window=120)
    assert [b.take(now=0), b.take(now=1), b.take(now=2)] == [True, True, False]
    assert b.take(now=121)


def test_no_env_file_with_a_key():
    assert not (Path(REPO_ROOT) / ".env").exists() or "NEWSWORKER_API_KEY=change" not in (
        Path(REPO_ROOT) / ".env").read_text()
