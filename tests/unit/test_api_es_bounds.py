"""QA4 web D1, the parts of the fix that need no Elasticsearch: the API's view of the client against a local
socket that accepts and never answers (one connection, no retry, given up within the deadline), the turns
on Elasticsearch (a full count answers 503 with Retry-After while /health answers), the deadline seen by a
sync route's thread and gone when a streamed body is sent, the settings, and the workers' client left
patient. Integration: ``tests/integration/test_api_es_stall.py`` (a real stall, the real API process)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from elastic_transport import ConnectionTimeout
from fastapi import Depends
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.silent_server import SilentServer, silent_server
from worker.settings import Settings, get_settings
from worker.store import clients

KEY = "a-real-secret-0123456789"

pytestmark = pytest.mark.usefixtures("fresh_settings")


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    with silent_server() as server:
        yield server


def _client(port: int) -> clients.DeadlineElasticsearch:
    # what get_es builds, on the silent port
    return clients.DeadlineElasticsearch(f"http://127.0.0.1:{port}", request_timeout=30, retry_on_timeout=True,
                                         max_retries=3)


def test_the_interactive_view_asks_once_and_gives_up_at_the_deadline(silent):
    es = clients.interactive(_client(silent.port), timeout=30)
    start = time.monotonic()
    with clients.es_deadline(0.5), pytest.raises(ConnectionTimeout):
        es.search(index="x", size=0)
    assert time.monotonic() - start < 10  # the deadline (0.5 s), not the view's 30 s nor 30 s x 4
    assert silent.accepted == 1  # no retry


def test_calls_after_the_deadline_fail_without_asking(silent):
    es = clients.interactive(_client(silent.port), timeout=30)
    with clients.es_deadline(0.3), pytest.raises(ConnectionTimeout):
        es.indices.get_mapping(index="x")  # a namespaced call takes the same path
    accepted = silent.accepted
    with clients.es_deadline(0.0), pytest.raises(ConnectionTimeout):
        es.search(index="x")
    assert silent.accepted == accepted


def test_an_inner_deadline_never_extends_the_outer_one():
    with clients.es_deadline(1.0) as outer, clients.es_deadline(60.0) as inner:
        assert inner == outer
    assert clients._deadline.get() is None


def test_the_workers_client_stays_patient():
    """Indexing rides out outages: get_es keeps 30 s, 3 retries, retry on timeout, and no deadline applies
    outside one (the API's views are copies)."""
    saved, clients._clients.es = clients._clients.es, None  # a client built now, from the settings
    try:
        es = clients.get_es()
        assert isinstance(es, clients.DeadlineElasticsearch)
        assert (es._request_timeout, es._max_retries, es._retry_on_timeout) == (30, 3, True)
        view = clients.interactive(es, 2.0)
        assert (view._request_timeout, view._max_retries, view._retry_on_timeout) == (2.0, 0, False)
        assert (es._request_timeout, es._max_retries, es._retry_on_timeout) == (30, 3, True)
    finally:
        clients._clients.es = saved


def test_settings_have_bounded_defaults_and_refuse_nonsense(monkeypatch):
    s = Settings()
    assert s.api_es_timeout == 10.0 and s.api_es_concurrency == 8
    monkeypatch.setenv("NEWSWORKER_API_ES_TIMEOUT", "2.5")
    monkeypatch.setenv("NEWSWORKER_API_ES_CONCURRENCY", "3")
    s = Settings()
    assert (s.api_es_timeout, s.api_es_concurrency) == (2.5, 3)
    for field, value in (("api_es_timeout", 0), ("api_es_timeout", -1), ("api_es_timeout", 301),
                         ("api_es_concurrency", 0), ("api_es_concurrency", 31)):
        with pytest.raises(ValidationError, match=field):
            Settings(**{field: value})


def test_turns_are_counted_and_given_back():
    from worker.api.backend import EsTurns

    async def scenario() -> list[bool]:
        turns = EsTurns(2)
        first, second, third = await turns.take(1.0), await turns.take(1.0), await turns.take(0.05)
        assert first is not None and third is None
        first.release()
        return [t is not None for t in (first, second, third, await turns.take(0.05))]

    assert asyncio.run(scenario()) == [True, True, False, True]


def _app(monkeypatch, **env: str):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    from worker.api.app import create_app
    from worker.api.backend import es_turn

    app = create_app()
    release = threading.Event()
    seen: dict[str, float | None] = {}

    @app.get("/_held", dependencies=[Depends(es_turn, scope="function")])
    def held() -> dict:
        seen["route"] = clients._deadline.get()  # the request's deadline reached the route's thread
        release.wait(20)
        return {"ok": True}

    @app.get("/_stream", dependencies=[Depends(es_turn, scope="function")])
    def stream() -> StreamingResponse:
        seen["route"] = clients._deadline.get()

        def body() -> Iterator[bytes]:
            seen["stream"] = clients._deadline.get()
            yield b"x"

        return StreamingResponse(body())

    @app.api_route("/_timeout", methods=["GET", "POST"])
    def timeout() -> None:
        raise ConnectionTimeout("stalled")  # what a call past the request's deadline raises

    return app, release, seen


def test_a_full_count_answers_503_quickly_and_health_still_answers(monkeypatch):
    app, release, seen = _app(monkeypatch, NEWSWORKER_API_ES_CONCURRENCY="1", NEWSWORKER_API_ES_TIMEOUT="0.5",
                              NEWSWORKER_API_RATE_PER_SECOND="0")
    with TestClient(app, raise_server_exceptions=False) as c:
        first: dict[str, int] = {}
        t = threading.Thread(target=lambda: first.update(status=c.get("/_held").status_code))
        t.start()
        try:
            deadline = time.monotonic() + 10
            while "route" not in seen and time.monotonic() < deadline:
                time.sleep(0.01)
            assert seen["route"] is not None
            start = time.monotonic()
            r = c.get("/_held")
            assert r.status_code == 503 and time.monotonic() - start < 10
            assert "NEWSWORKER_API_ES_CONCURRENCY" in r.json()["detail"] and r.headers["Retry-After"] == "1"
            assert c.get("/health").json() == {"ok": True}
        finally:
            release.set()
            t.join(20)
        assert first["status"] == 200
        assert c.get("/_held").status_code == 200  # the turn was given back


def test_the_deadline_ends_with_the_route_not_with_the_streamed_body(monkeypatch):
    app, _, seen = _app(monkeypatch)
    with TestClient(app) as c:
        assert c.get("/_stream").content == b"x"
    assert seen["route"] is not None and seen["stream"] is None


def test_a_timeout_is_a_503_naming_the_setting_and_a_write_says_it_may_have_landed(monkeypatch):
    app, _, _ = _app(monkeypatch, NEWSWORKER_API_ES_TIMEOUT="4", NEWSWORKER_API_KEY=KEY)
    with TestClient(app, raise_server_exceptions=False) as c:
        read = c.get("/_timeout")
        write = c.post("/_timeout", headers={"X-API-Key": KEY})
    assert read.status_code == write.status_code == 503
    assert read.json()["detail"] == "Elasticsearch did not answer within 4 s (NEWSWORKER_API_ES_TIMEOUT)"
    assert write.json()["detail"].startswith(read.json()["detail"] + "; the change may have been saved")
    # the same in data, for clients (the page) that must not match words
    assert write.json()["write_unconfirmed"] is True and read.json()["write_unconfirmed"] is False
