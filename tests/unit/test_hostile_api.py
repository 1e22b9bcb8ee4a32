"""Every write endpoint of the real app (``create_app()``) refuses callers without the API key, and the
read endpoints follow ``api_read_open``. The routes are enumerated from the app, so a write endpoint
added later without the guard fails here. Guards run before the handler, so no Redis/ES is touched.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from worker.settings import get_settings

WRITE = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_PATHS = {"/health", "/ready", "/metrics", "/", "/healthz", "/livez", "/readyz"}


def _app(monkeypatch, **env: str):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    from worker.api.app import create_app

    return create_app()


pytestmark = pytest.mark.usefixtures("fresh_settings")


def _routes(app, methods: set[str]) -> list[tuple[str, str]]:
    """(method, path with parameters filled) for every operation the app documents (its OpenAPI schema:
    FastAPI includes routers lazily, so ``app.routes`` does not list them)."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        for m in ops:
            if m.upper() in methods:
                out.append((m.upper(), re.sub(r"\{[^}]+\}", "x", path)))
    return out


def _write_routes(app) -> list[tuple[str, str]]:
    return _routes(app, WRITE)


def test_the_app_has_alert_and_feed_write_endpoints(monkeypatch):
    paths = {p for _, p in _write_routes(_app(monkeypatch))}
    assert any(p.startswith("/alerts") for p in paths) and any(p.startswith("/feeds") for p in paths), paths


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}, {"X-API-Key": "wrong"}, {"X-API-Key": "s3cre"},
                                     {"X-API-Key": "s3cret "}, {"x-api-key": "S3CRET"}])
def test_every_write_endpoint_needs_the_key(monkeypatch, headers):
    app = _app(monkeypatch, NEWSWORKER_API_KEY="s3cret")
    client = TestClient(app, raise_server_exceptions=False)
    routes = _write_routes(app)
    assert routes
    for method, path in routes:
        resp = client.request(method, path, headers=headers, json={"name": "x", "query": "سجن", "url": "http://a/"})
        assert resp.status_code == 401, (method, path, resp.status_code, resp.text[:200])


def test_write_endpoints_are_closed_when_no_key_is_configured(monkeypatch):
    monkeypatch.delenv("NEWSWORKER_API_KEY", raising=False)
    app = _app(monkeypatch)
    client = TestClient(app, raise_server_exceptions=False)
    for method, path in _write_routes(app):
        resp = client.request(method, path, headers={"X-API-Key": "anything"}, json={})
        assert resp.status_code == 403, (method, path, resp.status_code)


def test_reads_can_be_closed(monkeypatch):
    app = _app(monkeypatch, NEWSWORKER_API_KEY="s3cret", NEWSWORKER_API_READ_OPEN="false")
    client = TestClient(app, raise_server_exceptions=False)
    reads = [(m, p) for m, p in _routes(app, {"GET"}) if p.startswith(("/alerts", "/feeds", "/search",
                                                                      "/articles", "/documents"))]
    assert reads
    for method, path in reads:
        assert client.request(method, path).status_code == 401, (method, path)
