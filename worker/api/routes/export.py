"""Search results as files and feeds: ``GET /export`` (CSV, JSONL, GeoJSON, streamed) and
``GET /search.atom`` (the newest hits as an Atom feed).

Both take the query language and the filters of ``/search`` (``q``, ``source``, ``from``, ``to``) and the
same read guard (open unless ``NEWSWORKER_API_READ_OPEN=false``). Errors are ``/search``'s: a query that
does not parse is a 400 with its position, the index missing or unreachable a 503; an export checks its
first page before the 200 starts, so these never arrive as a truncated file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from worker.api.auth import require_read
from worker.api.limits import PitBudget
from worker.api.routes.search import Q_HELP, SEARCH_ERRORS, SOURCE_HELP, Target, pit_allowed, pit_budget
from worker.api.routes.search import _run as run_search  # the store's errors -> the same HTTP answers
from worker.archive.atom import MEDIA_TYPE, build_feed
from worker.archive.exporter import ExportQuery, export_pages
from worker.archive.formats import EXTENSIONS, MEDIA_TYPES, RENDERERS
from worker.query.dates import FROM_HELP, TO_HELP
from worker.settings import get_settings
from worker.store.search import search

router = APIRouter(tags=["export"])

_EXPORT_TYPES = {"text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}},
                 "application/geo+json": {"schema": {"type": "object"}}}
ATOM_SIZE = 50


def _q() -> Any:
    return Query("", description=Q_HELP)  # no max_length: the parser's limit, a 400 as for /search


@router.get("/export", dependencies=[Depends(require_read)], response_class=StreamingResponse,
            responses={**SEARCH_ERRORS, 200: {"description": "every matching article, streamed",
                                               "content": _EXPORT_TYPES}})
def export(
    target: Target,
    budget: Annotated[PitBudget, Depends(pit_budget)],
    q: str = _q(),
    source: str | None = Query(None, max_length=2000, description=SOURCE_HELP),
    date_from: str | None = Query(None, alias="from", max_length=40, description=FROM_HELP),
    date_to: str | None = Query(None, alias="to", max_length=40, description=TO_HELP),
    format: Literal["csv", "jsonl", "geojson"] = Query("jsonl", description="csv (UTF-8 with BOM) | jsonl | "
                                                      "geojson (one Feature per article and resolved place)"),
    sort: Literal["date", "relevance"] = "date",
    limit: int | None = Query(None, ge=1, le=10_000_000, description="at most this many articles"),
    x_api_key: str | None = Header(None, alias="X-API-Key"),
) -> Any:
    """Every article matching the search (no 10,000-hit window: walked with search_after), streamed."""
    # The walk holds a point in time while it streams: without the write key it takes one from the budget
    # /search?pit=true shares (a reader can stall a stream for minutes), and walks the live index without.
    pinned = pit_allowed(x_api_key, budget)
    pages = run_search(export_pages, target.es, target.alias,
                       ExportQuery(q, source, date_from, date_to, sort, limit, pinned))
    if isinstance(pages, JSONResponse):
        return pages
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    headers = {"Content-Disposition": f'attachment; filename="newsworker-{stamp}.{EXTENSIONS[format]}"'}
    return StreamingResponse(RENDERERS[format](pages), media_type=MEDIA_TYPES[format], headers=headers)


@router.get("/search.atom", dependencies=[Depends(require_read)], response_class=Response,
            responses={**SEARCH_ERRORS, 200: {"description": "an Atom feed, newest first",
                                               "content": {"application/atom+xml": {"schema": {"type": "string"}}}}})
def search_atom(
    request: Request,
    target: Target,
    q: str = _q(),
    source: str | None = Query(None, max_length=2000, description=SOURCE_HELP),
    date_from: str | None = Query(None, alias="from", max_length=40, description=FROM_HELP),
    date_to: str | None = Query(None, alias="to", max_length=40, description=TO_HELP),
    size: int = Query(ATOM_SIZE, ge=1, le=100, description="entries"),
) -> Any:
    """The newest articles matching a search as an Atom feed: follow a saved search in a feed reader."""
    res = run_search(search, target.es, q, alias=target.alias, source=source, date_from=date_from,
                     date_to=date_to, size=size, sort="date", facets=False)
    if isinstance(res, JSONResponse):
        return res
    params = {k: v for k, v in (("q", q), ("source", source), ("from", date_from), ("to", date_to)) if v}
    base, self_url = _public_urls(request)
    body = build_feed(res.hits, query=q, self_url=self_url,
                      page_url=f"{base}/?{urlencode(params)}" if params else f"{base}/",
                      article_url=f"{base}/#article/{{id}}")
    return Response(body, media_type=MEDIA_TYPE)


def _public_urls(request: Request) -> tuple[str, str]:
    """The API's base URL and this request's, as browsers and feed readers reach them: under
    ``api_public_url`` when one is set (behind a proxy, perhaps under a path of its own), else the request's
    scheme (``X-Forwarded-Proto`` from a trusted proxy) and its checked ``Host``."""
    public = get_settings().api_public_url
    if not public:
        return str(request.base_url).rstrip("/"), str(request.url)
    query = request.url.query
    return public, public + request.url.path + (f"?{query}" if query else "")
