"""QA4 web D1: an Elasticsearch that stalls (accepts, never answers) must not hang the API.

The real API process (``newsworker api``, uvicorn and its 40-thread pool) talks to Elasticsearch through
``StallProxy``. Once the proxy stalls: every Elasticsearch-bound read fails with a 503 within
``NEWSWORKER_API_ES_TIMEOUT`` instead of the client's 30 s x 4 tries, and so does an alert rule save;
``/ready`` answers within seconds, saying Elasticsearch is down; more stalled searches than the pool has
threads do not stop ``/health``, the Redis-only feeds list or static files. Before the fix the first stalled
search took 2 minutes and, with 45 of them waiting, /health got no answer at all. Bounds are generous
(several times the expected time): the test asserts "seconds, not minutes"."""

from __future__ import annotations

import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.procs import env_with, process, wait_for
from tests.integration.stall_proxy import StallProxy
from worker.store import elastic

PROXY_PORT, API_PORT = 8841, 8842
STUCK = 45  # stalled searches at once: more than the API's 40 threads
QUICK = 8.0  # what "answers at once" may take on a loaded 2-core machine
KEY = "apistall-test-key-123"


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _timed(client: httpx.Client, method: str, path: str, **kw) -> tuple[httpx.Response, float]:  # noqa: ANN003
    start = time.monotonic()
    resp = client.request(method, path, **kw)
    return resp, time.monotonic() - start


@contextmanager
def api_through_proxy(es_client, name: str, log: Path, timeout: float) -> Iterator[tuple[httpx.Client, StallProxy]]:  # noqa: ANN001
    """(client of a real API process, proxy): the API reads Elasticsearch through ``StallProxy`` (forwarding
    at first), with ``NEWSWORKER_API_ES_TIMEOUT=timeout``, its own index names and Redis prefix."""
    if not (_free(PROXY_PORT) and _free(API_PORT)):
        pytest.skip(f"ports {PROXY_PORT}/{API_PORT} are taken")
    alias = f"{name}-apistall"
    elastic.ensure_index(es_client, alias)
    proxy = StallProxy(PROXY_PORT)
    env = env_with(
        NEWSWORKER_ES_URL=f"http://127.0.0.1:{PROXY_PORT}",
        NEWSWORKER_ES_INDEX=alias,
        NEWSWORKER_ES_ALERTS_INDEX=f"{alias}-alerts",
        NEWSWORKER_ES_ALERT_HISTORY_INDEX=f"{alias}-history",
        NEWSWORKER_REDIS_PREFIX=f"{name}:",
        NEWSWORKER_API_ES_TIMEOUT=str(timeout),
        NEWSWORKER_API_KEY=KEY,
        NEWSWORKER_API_RATE_PER_SECOND="0",
        NEWSWORKER_LOG_FORMAT="text",
    )
    cmd = [sys.executable, "-m", "worker.cli.main", "api", "--host", "127.0.0.1", "--port", str(API_PORT)]
    try:
        with process(cmd, env, log), httpx.Client(base_url=f"http://127.0.0.1:{API_PORT}", timeout=QUICK) as client:
            def up() -> bool:
                try:
                    return client.get("/health").status_code == 200
                except httpx.HTTPError:
                    return False

            try:
                wait_for(up, timeout=60, what="the API to listen")
            except AssertionError:
                pytest.fail("api.log:\n" + log.read_text(errors="replace")[-3000:])
            assert client.get("/search", params={"q": "x"}).status_code == 200  # through the proxy, forwarding
            yield client, proxy
    finally:
        proxy.close()
        elastic.drop_alias_and_indices(es_client, alias)
        es_client.indices.delete(index=f"{alias}-*", ignore_unavailable=True, allow_no_indices=True)


def _stuck_searches(n: int) -> tuple[list[threading.Thread], list[tuple[int | str, float]]]:
    """``n`` searches sent at once, each on its own connection; (threads, [(status, seconds)])."""
    results: list[tuple[int | str, float]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        start = time.monotonic()
        try:
            with httpx.Client(timeout=150) as c:
                status: int | str = c.get(f"http://127.0.0.1:{API_PORT}/search", params={"q": f"y{i}"}).status_code
        except httpx.HTTPError as err:
            status = type(err).__name__
        with lock:
            results.append((status, time.monotonic() - start))

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    return threads, results


def test_stalled_elasticsearch_is_a_quick_503_for_reads_writes_and_ready(es_client, unique_name, tmp_path):
    """The API's reads and writes get no 30 s x 4 tries: a 503 naming Elasticsearch within the timeout's
    order; /ready answers within seconds, saying Elasticsearch is down; recovery needs no restart."""
    timeout = 2.0
    with api_through_proxy(es_client, unique_name, tmp_path / "api.log", timeout) as (client, proxy):
        proxy.stall()

        resp, took = _timed(client, "GET", "/search", params={"q": "stalled"}, timeout=30)
        assert resp.status_code == 503, resp.text
        assert "Elasticsearch" in resp.json()["detail"]
        assert took < 3 * timeout + QUICK, took

        resp, took = _timed(client, "GET", "/ready", timeout=30)
        assert took < QUICK, took
        assert resp.status_code == 503
        checks = {c["name"]: c for c in resp.json()["checks"]}
        assert checks["elasticsearch"]["ok"] is False and checks["redis"]["ok"] is True
        assert "no answer within" in checks["elasticsearch"]["detail"]

        # so does the scrape, with Elasticsearch reported down rather than the whole scrape hanging
        resp, took = _timed(client, "GET", "/metrics", timeout=30)
        assert resp.status_code == 200 and took < QUICK, (resp.status_code, took)
        assert 'newsworker_dependency_up{dependency="elasticsearch"} 0.0' in resp.text

        for path in ("/stories/top", "/entities/top", "/facets", "/alerts", "/alerts/history"):
            resp, took = _timed(client, "GET", path, timeout=30)
            assert resp.status_code == 503, (path, resp.text)
            assert took < 3 * timeout + QUICK, (path, took)

        # a write from the API (an alert rule save) is bounded as well, with a clear error
        resp, took = _timed(client, "POST", "/alerts", json={"name": "stalled-rule", "query": "سجن"},
                            headers={"X-API-Key": KEY}, timeout=30)
        assert resp.status_code == 503, resp.text
        assert "Elasticsearch" in resp.json()["detail"]
        assert took < 3 * timeout + QUICK, took

        threads, results = _stuck_searches(STUCK)
        for t in threads:
            t.join(60)
        assert len(results) == STUCK
        assert {status for status, _ in results} == {503}, results
        assert max(took for _, took in results) < 3 * timeout + QUICK, sorted(results, key=lambda r: -r[1])[:5]

        proxy.resume()  # Elasticsearch answers again: so does the API, with no restart

        def searching() -> bool:
            return client.get("/search", params={"q": f"back-{uuid.uuid4().hex[:4]}"}).status_code == 200

        wait_for(searching, timeout=30, interval=0.5, what="searches to work again")


def test_stalled_searches_leave_health_feeds_and_static_files_answering(es_client, unique_name, tmp_path):
    """More stalled searches than the API has threads: while they wait (up to the timeout, 15 s here), what
    needs no Elasticsearch answers in well under that time. Before the fix every thread was taken and
    /health got no answer at all; with the short timeout alone, the feeds list and static files waited for
    a thread until the stalled searches gave up."""
    timeout = 15.0
    prompt = timeout / 2  # generous for a request served in milliseconds, yet shorter than a stalled search
    with api_through_proxy(es_client, unique_name, tmp_path / "api.log", timeout) as (client, proxy):
        proxy.stall()
        threads, results = _stuck_searches(STUCK)
        time.sleep(2.0)  # all of them sent and waiting
        for path, headers in (("/health", {}), ("/feeds", {"Accept": "application/json"}),
                              ("/static/app.css", {}), ("/feeds", {"Accept": "text/html"}), ("/health", {})):
            resp, took = _timed(client, "GET", path, headers=headers, timeout=30)
            assert resp.status_code == 200, (path, resp.status_code, resp.text[:200])
            assert took < prompt, (path, took)
        resp, took = _timed(client, "GET", "/ready", timeout=30)
        assert resp.status_code == 503 and took < QUICK, (resp.status_code, took)
        for t in threads:
            t.join(60)
        assert len(results) == STUCK
        assert {status for status, _ in results} == {503}, results
        assert max(took for _, took in results) < 2 * timeout + QUICK, sorted(results, key=lambda r: -r[1])[:5]
