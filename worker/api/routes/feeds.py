"""``/feeds``: the feed registry with each feed's polling state (status, last success/error, next poll).
Reads follow ``api_read_open``; adding and removing feeds needs the API key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field, ValidationError

from worker.api.auth import require_read, require_write

router = APIRouter(prefix="/feeds", tags=["feeds"])


class FeedIn(BaseModel):
    url: str
    id: str | None = None
    name: str = ""
    source: str = ""
    language: str = "ar"
    interval: int | None = Field(None, ge=60, le=6 * 3600)
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True


def _ctx() -> Any:
    from worker.pipeline.context import current

    return current().ingest


@router.get("", dependencies=[Depends(require_read)])
def list_feeds(status_: str | None = None) -> dict[str, Any]:
    from worker.ingest.registry import list_feeds as _list

    ctx = _ctx()
    rows = _list(ctx.redis, ctx.keys)
    if status_:
        rows = [r for r in rows if r["status"] == status_]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {"total": len(rows), "by_status": counts, "feeds": rows}


@router.get("/{feed_id}", dependencies=[Depends(require_read)])
def get_feed(feed_id: str) -> dict[str, Any]:
    from worker.ingest.registry import feed_view

    ctx = _ctx()
    feed = ctx.registry.get(feed_id)
    if feed is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feed {feed_id!r}")
    return feed_view(feed, ctx.registry.state(feed_id))


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require_write)])
def add_feed(body: FeedIn) -> dict[str, Any]:
    from worker.ingest.errors import BlockedURLError
    from worker.ingest.registry import Feed, feed_view, slugify
    from worker.ingest.ssrf import check_url

    ctx = _ctx()
    try:
        feed = Feed(**{**body.model_dump(), "id": body.id or slugify(body.name or body.url)})
        # Refuse at the door what the fetcher would refuse anyway, so the caller learns it now.
        check_url(feed.url, allow_private=ctx.settings.allow_private_addresses)
    except ValidationError as err:
        raise HTTPException(422, err.errors(include_url=False, include_context=False)) from None
    except BlockedURLError as err:
        raise HTTPException(422, f"feed URL refused: {err}") from None
    ctx.registry.add(feed)
    return feed_view(feed, ctx.registry.state(feed.id))


@router.delete("/{feed_id}", dependencies=[Depends(require_write)])
def delete_feed(feed_id: str) -> dict[str, Any]:
    if not _ctx().registry.remove(feed_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feed {feed_id!r}")
    return {"deleted": feed_id}
