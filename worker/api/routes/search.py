"""Search, article and facet endpoints, and the web page at ``/``.

Every client error (a malformed query, a bad date, a page beyond the result window) is a 400 with a
message the page shows as is; Elasticsearch being unreachable is a 503. Nothing here returns a 500 for a
user's input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import FileResponse, JSONResponse

from worker.api.auth import require_read
from worker.settings import get_settings

STATIC_INDEX = FsPath(__file__).resolve().parent.parent / "static" / "index.html"

router = APIRouter(tags=["search"])


@dataclass
class SearchTarget:
    """Which client and alias the endpoints read; tests override the ``search_target`` dependency."""

    es: Elasticsearch
    alias: str


def search_target() -> SearchTarget:
    from worker.store.clients import get_es

    return SearchTarget(get_es(), get_settings().es_index)


Target = Annotated[SearchTarget, Depends(search_target)]


def _syntax_error(err: Exception) -> JSONResponse:
    message = getattr(err, "message", None) or str(err)
    position = getattr(err, "position", None)
    return JSONResponse(
        status_code=400, content={"detail": message, "position": position, "error": "query_syntax"}
    )


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into the store and turn failures into HTTP answers."""
    from worker.query import QuerySyntaxError
    from worker.store.search import SearchError

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
    except TransportError as err:
        raise HTTPException(503, "search backend unavailable") from err


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    """The search web page."""
    return FileResponse(STATIC_INDEX, media_type="text/html; charset=utf-8")


@router.get("/search", dependencies=[Depends(require_read)])
def search_articles(
    target: Target,
    q: str = Query("", description='query language: words, "phrases", AND/OR/NOT, field:value filters'),
    source: str | None = Query(None, description="comma-separated source ids"),
    date_from: str | None = Query(None, alias="from", description="YYYY-MM-DD or ISO 8601, inclusive"),
    date_to: str | None = Query(None, alias="to", description="YYYY-MM-DD or ISO 8601, inclusive"),
    page: int = Query(1, ge=1),
    size: int = Query(20, ge=0, le=100),
    sort: Literal["relevance", "date"] = "relevance",
    cursor: str | None = Query(None, description="next_cursor of the previous page (deep paging)"),
    pit: bool = Query(False, description="pin the walk to a point in time (consistent deep paging)"),
    facets: bool = True,
) -> Any:
    from worker.store.search import search

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
    )
    return res if isinstance(res, JSONResponse) else res.to_dict()


@router.get("/facets", dependencies=[Depends(require_read)])
def facet_counts(
    target: Target,
    q: str = "",
    source: str | None = None,
    date_from: str | None = Query(None, alias="from"),
    date_to: str | None = Query(None, alias="to"),
) -> Any:
    from worker.store.search import facets

    return _run(facets, target.es, q, alias=target.alias, source=source, date_from=date_from, date_to=date_to)


@router.get("/articles/{doc_id}", dependencies=[Depends(require_read)])
def article(
    target: Target,
    doc_id: str = Path(..., min_length=1, max_length=200),
) -> Any:
    from worker.store.elastic import get_document, public_document

    try:
        src = get_document(target.es, doc_id, alias=target.alias)
    except TransportError as err:
        raise HTTPException(503, "search backend unavailable") from err
    if src is None:
        raise HTTPException(404, "no such article")
    return public_document(src)
