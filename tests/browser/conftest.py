"""Shared fixtures of the browser tests: the web app served by uvicorn in a thread over ``create_app``, on the
real Elasticsearch and Redis under throw-away names, and Debian's headless Chromium driven by Playwright (no
browser download).

* ``web`` (per module): the server and what it runs on: ``url``, ``alias`` (the articles alias the search
  page, the alert preview and the stories read), ``ctx`` (the pinned application context: unique Redis key
  prefix, unique alert indices), ``key`` (the API key the server accepts). Modules index what they need
  into ``web.alias``.
* ``server``: ``web.url``; a module may override it to seed documents first (``test_search_page.py``).
* ``browser`` (per module), ``page`` (per test, ``open_page`` without the CSP: 1280x800, records page errors,
  native dialogs and requests leaving the server in ``page.errors`` / ``page.outside``), ``with_key(page)``
  puts the key in the session, ``wrong_key_then_right(page)`` answers the key dialog twice,
  ``screenshot(page, name)`` writes the README's picture.
* ``serve(app)`` and ``open_page(browser, server, bypass_csp=...)`` serve the fixtures of
  ``explore_fixtures.py`` too (the stories, entities and map tests, over their own corpus).

CI needs the Debian package ``chromium`` (``apt-get install -y chromium``); the tests skip locally when
``/usr/bin/chromium`` is missing and fail under ``CI=true``, as they do without Redis or Elasticsearch.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import required_missing

CHROMIUM = Path(os.environ.get("NEWSWORKER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
KEY = "browser-test-key-0123456789"
# The README's pictures. `make screenshots` (NEWSWORKER_SCREENSHOTS=docs/screenshots) refreshes them; a plain
# test run still takes every shot, into a temporary folder, so `make test` leaves the checkout clean.
SCREENSHOTS = Path(os.environ.get("NEWSWORKER_SCREENSHOTS") or Path(tempfile.gettempdir()) / "newsworker-screenshots")
VIEWPORT = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn in a daemon thread of this process (so a context pinned with ``use`` is
    the one its routes see); yields the base URL."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@dataclass
class Web:
    url: str
    alias: str
    name: str  # the unique token of every index and key prefix
    ctx: Any  # worker.pipeline.context.AppContext
    es: Any
    redis: Any
    key: str = KEY


@pytest.fixture(scope="module")
def web(es_client, redis_client) -> Iterator[Web]:
    from tests.app_context import app_context
    from worker.alerts.engine import Engine
    from worker.alerts.store import RuleStore, ensure_indices
    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target
    from worker.pipeline.context import use
    from worker.settings import get_settings
    from worker.store import elastic
    from worker.store.fields import forget

    name = "tweb" + uuid.uuid4().hex[:8]
    alias = f"{name}-articles"
    elastic.ensure_index(es_client, alias)
    ctx = app_context(name, redis_client, es_client, alert_story_window_hours=48)  # alias is <name>-articles
    # as `newsworker setup` does; the first rule saved must not meet a shard still starting on a busy machine
    ensure_indices(ctx)
    es_client.cluster.health(index=f"{name}-*", wait_for_status="green", timeout="60s")
    ctx.engine = Engine(RuleStore(ctx), check_interval=0.0)  # a rule saved in the page matches at once
    app = create_app()
    app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, alias)
    mp = pytest.MonkeyPatch()
    mp.setattr(get_settings(), "api_key", KEY)
    mp.setattr(get_settings(), "api_rate_per_second", 0.0)  # a page makes many calls; the limit has its own test
    try:
        with use(ctx), serve(app) as url:
            yield Web(url, alias, name, ctx, es_client, redis_client)
    finally:
        mp.undo()
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)
        es_client.indices.delete(index=f"{name}-*", ignore_unavailable=True, allow_no_indices=True)
        keys = list(redis_client.scan_iter(match=f"{name}:*", count=1000))
        if keys:
            redis_client.delete(*keys)


@pytest.fixture(scope="module")
def server(web) -> str:
    return web.url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        required_missing(f"{CHROMIUM} missing: apt-get install -y chromium (scripts/install-browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@contextmanager
def open_page(browser: Any, server: str, *, bypass_csp: bool) -> Iterator[Any]:
    """A new context and page at 1280x800, Arabic first, that records page errors and native dialogs in
    ``page.errors`` and requests leaving ``server`` in ``page.outside``."""
    ctx = browser.new_context(locale="ar", bypass_csp=bypass_csp, viewport=VIEWPORT)
    try:
        pg = ctx.new_page()
        pg.set_default_timeout(15_000)
        pg.errors = []  # type: ignore[attr-defined]
        pg.outside = []  # type: ignore[attr-defined]
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.on("dialog", lambda d: (pg.errors.append(f"dialog: {d.message}"), d.dismiss()))
        pg.on("request", lambda r: None if r.url.startswith(server) else pg.outside.append(r.url))
        yield pg
    finally:
        ctx.close()


@pytest.fixture
def page(browser, server):
    # bypass_csp: the XSS test must prove the DOM building is safe on its own, not thanks to the CSP.
    with open_page(browser, server, bypass_csp=True) as pg:
        yield pg


def with_key(page: Any, key: str = KEY) -> None:
    """Every page the test opens from now on starts with the API key in its session storage."""
    page.context.add_init_script(f"sessionStorage.setItem('nw.apikey', {key!r});")


def wrong_key_then_right(page: Any, key: str = KEY) -> None:
    """In the key dialog a 401 opened: a wrong key first (refused: the dialog opens again), then ``key``."""
    page.wait_for_selector("#nw-key-dialog[open]")
    page.fill("#nw-key-input", "wrong-key")
    page.press("#nw-key-input", "Enter")
    page.wait_for_selector("#nw-key-dialog[open]")  # the retry's 401 asks again
    assert page.evaluate("sessionStorage.getItem('nw.apikey')") is None  # the wrong key was forgotten
    page.fill("#nw-key-input", key)
    page.press("#nw-key-input", "Enter")


def away_first(page: Any, pattern: str, times: int = 1) -> list[bool]:
    """The page's data reads (fetch GETs) of ``pattern`` answer 503, as with Elasticsearch or Redis away,
    ``times`` times, then reach the real server. Returns the failures still to come (empty: the service is
    back). Page loads of the same path (the HTML) are not touched."""
    left = [True] * times

    def handle(route: Any) -> Any:
        if route.request.resource_type == "fetch" and route.request.method == "GET" and left:
            left.pop()
            return route.fulfill(status=503, json={"detail": "backend unavailable (ConnectionError)"})
        return route.continue_()

    page.route(pattern, handle)
    return left


def screenshot(page: Any, name: str) -> Path:
    """A picture of a page (the 1280x800 viewport): ``<SCREENSHOTS>/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def rules(web):
    """The alert rule store of the page's deployment, emptied after the test."""
    from worker.alerts.store import RuleStore

    store = RuleStore(web.ctx)
    yield store
    for rule in store.list():
        store.delete(rule.name)


def service_checks(**down: str) -> Any:
    """A stand-in for ``worker.ops.health.service_checks`` (what ``GET /status`` reports): every service up
    but those named, each down with the detail given (``workers="no worker answered ping"``)."""
    from worker.ops.health import Check

    names = ("redis", "elasticsearch", "workers", "beat", "consuming")
    return lambda *a, **k: [Check(n, n not in down, down.get(n, "ok")) for n in names]


@pytest.fixture(autouse=True)
def services_up(monkeypatch):
    """The pages' service notice (``GET /status``) sees every service up, whatever runs on this machine (no
    worker or beat runs for the tests; other runs' workers may answer a ping on the shared broker). A test
    of the notice patches ``worker.ops.health.service_checks`` with ``service_checks(workers=...)``. The
    answer is not kept (``STATUS_CACHE_SECONDS``): the module's server would give the next test this one's."""
    from worker.api.routes import health as route
    from worker.ops import health

    monkeypatch.setattr(health, "service_checks", service_checks())
    monkeypatch.setattr(route, "STATUS_CACHE_SECONDS", 0.0)
