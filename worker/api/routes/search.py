"""Search, article and facet endpoints, and the web page at ``/``.

Every client error (a malformed query, a bad date, a page beyond the result window) is a 400 with a
message the page shows as is; Elasticsearch being unreachable is a 503. Nothing here returns a 500 for a
user's input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from worker.api.auth import is_writer, require_read
from worker.api.backend import api_es, es_turn, timeout_detail
from worker.api.limits import PitBudget
from worker.api.models import (
    BACKEND_ERRORS,
    READ_ERRORS,
    ArticleOut,
    FacetsOut,
    SearchOut,
    SyntaxErrorOut,
    responses,
)
from worker.query import QuerySyntaxError
from worker.query.dates import FROM_HELP, TO_HELP
from worker.query.parser import MAX_QUERY_CHARS
from worker.settings import get_settings
from worker.store.clients import get_es
from worker.store.elastic import get_document, public_document
from worker.store.search import SearchError, facets, search

STATIC_INDEX = FsPath(__file__).resolve().parent.parent / "static" / "index.html"

router = APIRouter(tags=["search"])
# No max_length on q: the parser's limit (MAX_QUERY_CHARS, the alerts' too) answers a longer query with
# the 400 of any query error (detail, position, error: query_syntax), not a pydantic 422 under another limit.
Q_HELP = (f'query language: words, "phrases", AND/OR/NOT, field:value filters; at most {MAX_QUERY_CHARS} '
          "characters (a longer one is a 400 query_syntax)")
SOURCE_HELP = ("comma-separated sources, any one matching; each read as source: in a query: the whole name, a "
               "word or run of words of it, or the feed id, in any case")


@dataclass
class SearchTarget:
    """Which client and alias the endpoints read; tests override the ``search_target`` dependency."""

    es: Elasticsearch
    alias: str


def search_target(_turn: Annotated[None, Depends(es_turn, scope="function")]) -> SearchTarget:
    """The API's view of the process client (a short timeout, no retry), once the request has its turn."""
    return SearchTarget(api_es(get_es()), get_settings().es_index)


Target = Annotated[SearchTarget, Depends(search_target)]
SEARCH_ERRORS = responses(READ_ERRORS, BACKEND_ERRORS, {400: {
    "model": SyntaxErrorOut,
    "description": "a query that does not parse, a bad or reversed date, a page beyond the result window, "
                   "an expired cursor",
}})


def pit_budget(request: Request) -> PitBudget:
    """The app's anonymous point-in-time budget (``create_app`` puts it in ``app.state``)."""
    budget: PitBudget = request.app.state.pit_budget
    return budget


def pit_allowed(x_api_key: str | None, budget: PitBudget) -> bool:
    """Write-key holders open point-in-time searches freely; everyone else shares a small budget, since
    each open PIT pins a search context on every shard until it expires."""
    return is_writer(x_api_key) or budget.take()


def _syntax_error(err: Exception) -> JSONResponse:
    message = getattr(err, "message", None) or str(err)
    position = getattr(err, "position", None)
    return JSONResponse(
        status_code=400, content={"detail": message, "position": position, "error": "query_syntax"}
    )


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into the store and turn failures into HTTP answers."""
    try:
        return fn(*args, **kwargs)
    except QuerySyntaxError as err:
        return _syntax_error(err)
    except SearchError as err:
        raise HTTPException(400, str(err)) from err
    except NotFoundError as err:
        if err.error == "index_not_found_exception":
            raise HTTPException(
                503, "the articles index does not exist yet: run `newsworker index setup`"
            ) from err
        # e.g. "No search context found": the cursor's point in time has expired
        raise HTTPException(400, "the cursor has expired; run the search again") from err
    except ApiError as err:
        if err.meta.status == 400:  # e.g. a query that compiles but Elasticsearch rejects (too many clauses)
            raise HTTPException(400, f"query rejected by the index: {err.message}") from err
        raise HTTPException(503, f"search backend error ({err.meta.status})") from err
    except ConnectionTimeout as err:
        raise HTTPException(503, timeout_detail("GET")) from err
    except TransportError as err:
        raise HTTPException(503, "search backend unavailable") from err


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    """The search web page."""
    return FileResponse(STATIC_INDEX, media_type="text/html; charset=utf-8")


@router.get("/search", response_model=SearchOut, dependencies=[Depends(require_read)], responses=SEARCH_ERRORS)
def search_articles(
    target: Target,
    budget: Annotated[PitBudget, Depends(pit_budget)],
    q: str = Query("", description=Q_HELP),
    source: str | None = Query(None, max_length=2000, description=SOURCE_HELP),
    date_from: str | None = Query(None, alias="from", max_length=40, description=FROM_HELP),
    date_to: str | None = Query(None, alias="to", max_length=40, description=TO_HELP),
    page: int = Query(1, ge=1, le=10_000),
    size: int = Query(20, ge=0, le=100),
    sort: Literal["relevance", "date"] = "relevance",
    cursor: str | None = Query(None, max_length=8192, description="next_cursor of the previous page (deep paging)"),
    pit: bool = Query(False, description="pin the walk to a point in time (consistent deep paging); without "
                      "the write key, opening one is limited (429 when the shared budget is spent)"),
    facets: bool = True,
    x_api_key: str | None = Header(None, alias="X-API-Key"),
) -> Any:
    if pit and not cursor and not pit_allowed(x_api_key, budget):
        raise HTTPException(429, "too many point-in-time searches open; retry without pit or later",
                            headers={"Retry-After": "60"})

    res = _run(
        search,
        target.es,
        q,
        alias=target.alias,
        source=source,
        date_from=date_from,
        date_to=date_to,
        page=page,
        size=size,
        sort=sort,
        facets=facets,
        cursor=cursor,
        pit=pit,
        stories=True,  # the page's "+N other reports" on a card (qa5c-2)
    )
    return res if isinstance(res, JSONResponse) else res.to_dict()


@router.get("/facets", response_model=FacetsOut, dependencies=[Depends(require_read)], responses=SEARCH_ERRORS)
def facet_counts(
    target: Target,
    q: str = Query("", description=Q_HELP),
    source: str | None = Query(None, max_length=2000, description=SOURCE_HELP),
    date_from: str | None = Query(None, alias="from", max_length=40, description=FROM_HELP),
    date_to: str | None = Query(None, alias="to", max_length=40, description=TO_HELP),
) -> Any:
    return _run(facets, target.es, q, alias=target.alias, source=source, date_from=date_from, date_to=date_to)


@router.get("/articles/{doc_id}", response_model=ArticleOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS, _404="no such article"))
def article(
    target: Target,
    doc_id: str = Path(..., min_length=1, max_length=200),
) -> Any:
    try:
        src = get_document(target.es, doc_id, alias=target.alias)
    except ConnectionTimeout as err:
        raise HTTPException(503, timeout_detail("GET")) from err
    except TransportError as err:
        raise HTTPException(503, "search backend unavailable") from err
    if src is None:
        raise HTTPException(404, "no such article")
    return public_document(src)
