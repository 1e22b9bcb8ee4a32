"""The FastAPI application. Every module in ``worker.api.routes`` that defines ``router`` is mounted, so
each resource (search, articles, alerts, feeds, health) lives in its own small module.

``HostGuardMiddleware`` (``worker.api.browser_guard``) refuses a ``Host`` that is not this server's and
keeps pages out of other sites' frames; ``ProxyHeadersMiddleware`` reads the client's address from the
proxies of ``api_trusted_proxies`` only. ``GuardMiddleware`` (``worker.api.limits``) runs before any route: rate limit, the key of a write before
its body is read, the body cap, and the read rule on /docs, /openapi.json and /metrics. A backend that
is down is a 503, never a 500 with a traceback; one that does not answer is a 503 within ``api_es_timeout``
(``worker.api.backend``).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import redis
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, TransportError
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import worker.api.routes as routes_pkg
from worker.api.backend import EsTurns, timeout_body
from worker.api.browser_guard import AllowedHosts, HostGuardMiddleware, public_host
from worker.api.limits import GuardMiddleware, PitBudget
from worker.api.refusal import Refusal
from worker.api.validation import validation_error
from worker.settings import get_settings
from worker.store.clients import interactive_redis

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger(__name__)
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


async def _backend_down(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: backend error %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    if isinstance(exc, ConnectionTimeout):  # the request's time for Elasticsearch ran out (worker.api.backend)
        return JSONResponse(timeout_body(request.method), status_code=503)
    return JSONResponse({"detail": f"backend unavailable ({type(exc).__name__})"}, status_code=503)


def _allowed_methods(app: FastAPI, path: str) -> set[str]:
    """The methods the OpenAPI document lists for ``path`` (what clients, and Schemathesis, compare to)."""
    table = getattr(app.state, "allow_table", None)
    if table is None:
        table = []
        for template, ops in app.openapi().get("paths", {}).items():
            regex = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            table.append((regex, "{" not in template, {m.upper() for m in ops if m.lower() in _HTTP_METHODS}))
        app.state.allow_table = table
    matched = [(literal, methods) for regex, literal, methods in table if regex.match(path)]
    # A literal path (/alerts/history) is routed before a template that also matches it (/alerts/{name}).
    literal = [methods for is_literal, methods in matched if is_literal]
    return set().union(*(literal or [methods for _, methods in matched]))


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """A ``Refusal`` answers with its extra fields. A 405 names every method the path has: FastAPI has one route per method, and Starlette's Allow
    lists only the methods of the first route that matched the path."""
    if isinstance(exc, Refusal):  # its body says more than the detail (worker.api.refusal)
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 405:
        allowed = _allowed_methods(request.app, request.url.path)
        if allowed:
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(allowed))}
    return await http_exception_handler(request, exc)


@asynccontextmanager
async def _serving(_: FastAPI) -> AsyncIterator[None]:
    """While the app serves, people wait on its Redis client: a Redis that does not answer is a 503 within
    ``interactive_redis_timeout`` (``worker.store.clients.interactive_redis``), not after the workers' 40 s
    (QA5 qa5r2-3). Also set when it runs under ``newsworker api``; here for any other ASGI server too."""
    with interactive_redis():
        yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="newsworker",
        version="0.1.0",
        description="Search Arabic news, manage feeds and alerts. Query syntax: see README 'Query language'.",
        lifespan=_serving,
    )
    # pages first: a page route matches only a browser's request for HTML and otherwise lets the API route of
    # the same path (GET /alerts, GET /feeds) answer (worker.api.routes.pages)
    for info in sorted(pkgutil.iter_modules(routes_pkg.__path__), key=lambda m: (m.name != "pages", m.name)):
        module = importlib.import_module(f"{routes_pkg.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, validation_error)  # a 422 whatever the input (qa6s-3)
    for exc_type in (ApiError, TransportError, redis.RedisError):
        app.add_exception_handler(exc_type, _backend_down)
    settings = get_settings()
    # Added last = runs first: the proxy's client address (when one is declared) before the Host check, and
    # both before the rate limit keyed on that address.
    app.add_middleware(GuardMiddleware)
    app.add_middleware(HostGuardMiddleware, allowed=AllowedHosts.build(settings.api_host, [*settings.api_allowed_hosts, *public_host(settings.api_public_url)]))
    if settings.api_trusted_proxies:
        # The one place forwarded headers are believed (qa6s-5): `newsworker api` runs uvicorn with its own
        # proxy_headers off, which otherwise trusts X-Forwarded-For from any client on 127.0.0.1.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.api_trusted_proxies)
    # The anonymous point-in-time budget is the app's (worker.api.routes.search.pit_budget), not a module's:
    # two apps in one process (tests) keep their own counts.
    app.state.pit_budget = PitBudget(get_settings().api_anonymous_pits)
    # Turns on Elasticsearch (worker.api.backend.es_turn), the app's own for the same reason.
    app.state.es_turns = EsTurns(get_settings().api_es_concurrency)
    return app


app = create_app()
