"""Stories: the top stories of a time window and one story's articles across sources (issue 17).

``/stories`` itself is the web page (``worker.api.routes.pages``); these are its JSON endpoints.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from worker.api.auth import require_read
from worker.api.models import BACKEND_ERRORS, READ_ERRORS, responses
from worker.api.models_explore import IsoDatetime, StoryOut, TopStoriesOut
from worker.api.routes.search import Target, _run
from worker.store import explore

router = APIRouter(tags=["stories"])

WINDOW_HELP = ("the window ends at the newest indexed article (anchor=latest, the default: an archive being "
               "replayed still has a last day), at the current time (anchor=now), or at `until` if given")


@router.get("/stories/top", response_model=TopStoriesOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS))
def top_stories(
    target: Target,
    window: Literal["24h", "7d", "30d", "all"] = Query("24h", description=WINDOW_HELP),
    anchor: Literal["latest", "now"] = "latest",
    until: Annotated[IsoDatetime | None, Query(description="end of the window (ISO 8601); overrides anchor")] = None,
    sort: Literal["sources", "articles"] = Query("sources", description="most sources first, or most articles"),
    size: int = Query(20, ge=1, le=100),
) -> Any:
    return _run(explore.top_stories, target.es, target.alias, window=window, anchor=anchor, until=until, sort=sort, size=size)


@router.get("/stories/{story_id}", response_model=StoryOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS, _404="no article belongs to this story"))
def story(target: Target, story_id: str = Path(..., min_length=1, max_length=200)) -> Any:
    found = _run(explore.story, target.es, target.alias, story_id)
    if found is None:
        raise HTTPException(404, "no article belongs to this story")
    return found
