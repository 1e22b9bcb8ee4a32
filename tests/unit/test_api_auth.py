"""Write endpoints need the API key; reads are open unless configured closed."""

from __future__ import annotations

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from worker.api.auth import require_read, require_write
from worker.settings import get_settings


@pytest.fixture
def client(monkeypatch):
    def make(**env: str) -> TestClient:
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        get_settings.cache_clear()
        app = FastAPI()

        @app.post("/w", dependencies=[Depends(require_write)])
        def w() -> dict:
            return {"ok": True}

        @app.get("/r", dependencies=[Depends(require_read)])
        def r() -> dict:
            return {"ok": True}

        return TestClient(app)

    yield make
    get_settings.cache_clear()


def test_writes_refused_when_no_key_is_configured(client, monkeypatch):
    monkeypatch.delenv("NEWSWORKER_API_KEY", raising=False)
    c = client()
    assert c.post("/w").status_code == 403
    assert c.post("/w", headers={"X-API-Key": "anything"}).status_code == 403


def test_writes_need_the_right_key(client):
    c = client(NEWSWORKER_API_KEY="s3cret")
    assert c.post("/w").status_code == 401
    assert c.post("/w", headers={"X-API-Key": "wrong"}).status_code == 401
    assert c.post("/w", headers={"X-API-Key": "s3cret"}).status_code == 200


def test_reads_open_by_default_and_closable(client):
    assert client(NEWSWORKER_API_KEY="k").get("/r").status_code == 200
    c = client(NEWSWORKER_API_KEY="k", NEWSWORKER_API_READ_OPEN="false")
    assert c.get("/r").status_code == 401
    assert c.get("/r", headers={"X-API-Key": "k"}).status_code == 200
