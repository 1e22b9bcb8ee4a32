"""Entities: the most mentioned names by type, and one name's mentions over time with the entities named
beside it (issue 17). ``/entities`` itself is the web page; these are its JSON endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from worker.api.auth import require_read
from worker.api.models import BACKEND_ERRORS, READ_ERRORS, responses
from worker.api.models_explore import EntityOut, IsoDatetime, TopEntitiesOut
from worker.api.routes.search import Target, _run
from worker.api.routes.stories import WINDOW_HELP
from worker.store import explore

router = APIRouter(tags=["entities"])
EntityType = Literal["PER", "ORG", "LOC", "FAC"]


@router.get("/entities/top", response_model=TopEntitiesOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS))
def top_entities(
    target: Target,
    type: Annotated[list[EntityType] | None, Query(description="entity types (all four by default)")] = None,  # noqa: A002
    window: Literal["24h", "7d", "30d", "all"] = Query("all", description=WINDOW_HELP),
    anchor: Literal["latest", "now"] = "latest",
    until: Annotated[IsoDatetime | None, Query(description="end of the window (ISO 8601); overrides anchor")] = None,
    size: int = Query(15, ge=1, le=100),
) -> Any:
    types = tuple(dict.fromkeys(type)) if type else tuple(explore.ENTITY_FIELDS)
    return _run(explore.top_entities, target.es, target.alias, types=types, window=window, anchor=anchor, until=until, size=size)


@router.get("/entities/{name:path}", response_model=EntityOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS, _404="no article names this entity"))
def entity(
    target: Target,
    name: str = Path(..., min_length=1, max_length=300, description="canonical name, as in facets and /entities/top"),
    type: Annotated[EntityType | None, Query(description="only where it is tagged with this type")] = None,  # noqa: A002
    size: int = Query(20, ge=0, le=100, description="latest articles to list"),
) -> Any:
    found = _run(explore.entity, target.es, target.alias, name, type, size=size)
    if found is None:
        raise HTTPException(404, "no article names this entity")
    return found
