"""The web pages. Each is one static HTML file with its own script; ``shell.js`` gives them the shared
navigation, the Arabic/English toggle and the API key. Data comes from the JSON API, so a page needs
no server-side rendering and no read guard of its own: the API applies the key rules."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
# URL path -> file. The search page "/" is served by worker.api.routes.search.
PAGES = {
    "alerts": "alerts.html",
    "feeds": "feeds.html",
    "stories": "stories.html",
    "entities": "entities.html",
}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    path = STATIC / PAGES[name]
    if not path.is_file():
        raise HTTPException(404, f"page {name!r} is not installed")
    return FileResponse(path, media_type="text/html; charset=utf-8")


def _route(name: str):
    def serve() -> FileResponse:
        return _page(name)

    serve.__name__ = f"page_{name}"
    return serve


for _name in PAGES:
    router.add_api_route(f"/{_name}", _route(_name), methods=["GET"])
