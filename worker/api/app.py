"""The FastAPI application. Every module in ``worker.api.routes`` that defines ``router`` is mounted, so
each resource (search, articles, alerts, feeds, health) lives in its own small module.

``GuardMiddleware`` (``worker.api.limits``) runs before any route: rate limit, the key of a write before
its body is read, the body cap, and the read rule on /docs, /openapi.json and /metrics. A backend that
is down is a 503, never a 500 with a traceback.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from pathlib import Path

import redis
from elasticsearch import ApiError, TransportError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

import worker.api.routes as routes_pkg
from worker.api.limits import GuardMiddleware

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


async def _backend_down(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: backend error %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    return JSONResponse({"detail": f"backend unavailable ({type(exc).__name__})"}, status_code=503)


def create_app() -> FastAPI:
    app = FastAPI(
        title="newsworker",
        version="0.1.0",
        description="Search Arabic news, manage feeds and alerts. Query syntax: see README 'Query language'.",
    )
    for info in sorted(pkgutil.iter_modules(routes_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes_pkg.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for exc_type in (ApiError, TransportError, redis.RedisError):
        app.add_exception_handler(exc_type, _backend_down)
    app.add_middleware(GuardMiddleware)
    return app


app = create_app()
