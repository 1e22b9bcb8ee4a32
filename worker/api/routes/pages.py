"""The web pages. Each is one static HTML file with its own script; ``shell.js`` gives them the shared
navigation, the Arabic/English toggle and the API key. Data comes from the JSON API, so a page needs
no server-side rendering and no read guard of its own: the API applies the key rules.

A page shares its path with an API resource (``GET /alerts`` is the rule list, ``/alerts`` in the address
bar is the page), so a page route matches only a request that asks for HTML (a browser navigating sends
``Accept: text/html,...``; the pages' own fetches, curl and generated clients do not). ``create_app``
mounts this router first, so the page is chosen before the API route of the same path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

STATIC = Path(__file__).resolve().parent.parent / "static"
# URL path -> file. The search page "/" is served by worker.api.routes.search.
PAGES = {
    "alerts": "alerts.html",
    "feeds": "feeds.html",
    "stories": "stories.html",
    "entities": "entities.html",
}



def wants_html(scope: Scope) -> bool:
    """A GET whose Accept names text/html: a browser loading the page, not a client of the JSON API."""
    if scope.get("method") != "GET":
        return False
    accept = next((v for k, v in scope.get("headers") or [] if k == b"accept"), b"")
    return b"text/html" in accept.lower()


class PageRoute(APIRoute):
    """A route that matches only requests for HTML; anything else falls through to the API's routes."""

    def matches(self, scope: Scope) -> tuple[Match, dict[str, Any]]:
        match, child = super().matches(scope)
        if match is not Match.FULL or not wants_html(scope):
            return Match.NONE, {}
        return match, child


router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _page(name: str) -> FileResponse:
    path = STATIC / PAGES[name]
    if not path.is_file():
        raise HTTPException(404, f"page {name!r} is not installed")
    # Vary: Accept, or the browser's cache answers the page's own fetch of the same URL with this HTML.
    return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Vary": "Accept"})


def _route(name: str):
    def serve() -> FileResponse:
        return _page(name)

    serve.__name__ = f"page_{name}"
    return serve


for _name in PAGES:
    router.add_api_route(f"/{_name}", _route(_name), methods=["GET"])
