"""The FastAPI application. Every module in ``worker.api.routes`` that defines ``router`` is mounted, so
each resource (search, articles, alerts, feeds, health) lives in its own small module."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import worker.api.routes as routes_pkg

STATIC_DIR = Path(__file__).parent / "static"


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
    return app


app = create_app()
