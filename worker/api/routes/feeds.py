"""``/feeds``: the feed registry with each feed's polling state (status, last success/error, next poll).
Reads follow ``api_read_open``; adding, changing (``PATCH``: address, name, source, tags, pause/resume,
interval) and removing feeds, and asking for a poll now, need the API key. A feed's interval follows the CLI's rule (``feed_input``): within
the deployment's polling bounds.

"Poll now" moves the feed to the front of the schedule rather than polling in the API process: the beat
claims it on its next tick (every ``beat_tick_seconds``) and a worker polls it under the feed's lock, as
any other poll, so the API needs no broker and a feed is never polled twice at once."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from worker.api.auth import configured_key, require_read, require_write
from worker.api.models import (
    BACKEND_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    DeletedOut,
    FeedListOut,
    FeedOut,
    PollOut,
    responses,
)
from worker.api.refusal import Refusal, field_errors
from worker.ingest.errors import BlockedURLError, DNSLookupError
from worker.ingest.registry import Feed, FeedExistsError, feed_input, feed_view, interval_bounds, slugify
from worker.ingest.registry import list_feeds as _list
from worker.ingest.ssrf import AddressPolicy, check_url
from worker.pipeline.context import current
from worker.settings import get_settings

router = APIRouter(prefix="/feeds", tags=["feeds"])

FeedId = Annotated[str, Path(min_length=1, max_length=100)]

_INTERVAL = ("base polling interval in seconds, within the deployment's NEWSWORKER_POLL_MIN_INTERVAL.."
             "POLL_MAX_INTERVAL (60-21600 by default)")
# The OpenAPI document states this deployment's bounds; the routes check them again (``feed_input``), as the
# CLI does, against the settings of the moment.
_MIN_INTERVAL, _MAX_INTERVAL = interval_bounds(get_settings())


class FeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    url: str = Field(min_length=8, max_length=2048, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]+")
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    name: str = Field("", max_length=200)
    source: str = Field("", max_length=200, description="the outlet name put on the feed's articles; "
                        '"": the URL\'s host without www. (the id when the host is an IP address)')
    language: str = Field("ar", pattern=r"^[a-z]{2,3}$")
    interval: int | None = Field(None, ge=_MIN_INTERVAL, le=_MAX_INTERVAL, description=_INTERVAL)
    tags: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    enabled: bool = True
    allow_private: bool = Field(False, description="this feed's URL may resolve to a private address")


class FeedPatch(BaseModel):
    """What ``PATCH /feeds/{id}`` changes; what is absent stays. The polling state is kept; a new URL drops
    what was learnt from the old one (validators, failures in a row: ``FeedRegistry._url_changed``) and is
    polled at once. The id cannot change (it keys the feed's state and its articles' ``feed_id``)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    url: str = Field(None, min_length=8, max_length=2048, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]+",  # type: ignore[assignment]
                     description="the feed's new address, checked as at POST (scheme, private addresses)")
    name: str = Field(None, max_length=200, description='"": the id')  # type: ignore[assignment]
    source: str = Field(None, max_length=200, description="the outlet name put on the feed's next articles "  # type: ignore[assignment]
                        '(those indexed already keep theirs); "": from the URL\'s host, as at POST')
    language: str = Field(None, pattern=r"^[a-z]{2,3}$")  # type: ignore[assignment]
    tags: list[Annotated[str, Field(max_length=100)]] = Field(None, max_length=50)  # type: ignore[assignment]
    enabled: bool = Field(None, description="false pauses the feed (not polled), true resumes it (polled "  # type: ignore[assignment]
                          "on the beat's next tick)")
    # not strict: JSON's 900.0 is the integer 900 to the schema (and to a client)
    interval: int | None = Field(None, ge=_MIN_INTERVAL, le=_MAX_INTERVAL, strict=False,
                                 description=_INTERVAL + "; applies from now; null: the settings' default")


def _ctx() -> Any:
    return current()


def _check_address(feed: Feed, settings: Any) -> None:
    """Refuse at the door a URL the fetcher would refuse anyway (a private or metadata address, a name that
    does not resolve), so the caller learns it now: raises ``BlockedURLError`` or ``DNSLookupError``."""
    policy = AddressPolicy.from_entries(settings.private_hosts,
                                        allow_all=settings.allow_private_addresses or feed.allow_private)
    check_url(feed.url, policy=policy)


@router.get("", response_model=FeedListOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS))
def list_feeds(status_: Annotated[Literal["new", "ok", "failing", "dead"] | None,
                                  Query(alias="status")] = None) -> dict[str, Any]:
    ctx = _ctx()
    rows = _list(ctx.redis, ctx.keys)
    if status_:
        rows = [r for r in rows if r["status"] == status_]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    # as GET /alerts: the page says up front that changes are off, not after a form was filled (QA5 qa5c-1)
    return {"total": len(rows), "by_status": counts, "feeds": rows, "writes_enabled": configured_key() is not None}


@router.get("/{feed_id}", response_model=FeedOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS, _404="no such feed"))
def get_feed(feed_id: FeedId) -> dict[str, Any]:
    ctx = _ctx()
    feed = ctx.registry.get(feed_id)
    if feed is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feed {feed_id!r}")
    return feed_view(feed, ctx.registry.state(feed_id), ctx.registry.due_times([feed_id])[feed_id])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FeedOut,
             dependencies=[Depends(require_write)],
             responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _409="a feed with that id exists"))
def add_feed(body: FeedIn) -> dict[str, Any]:
    """Add a feed. An id already registered (given, or derived from the name or URL) is a 409: adding
    never replaces a feed (its polling state would go with the new URL); remove it first."""
    ctx = _ctx()
    try:
        feed = feed_input({**body.model_dump(), "id": body.id or slugify(body.name or body.url)}, ctx.settings)
        _check_address(feed, ctx.settings)
    except ValidationError as err:
        raise HTTPException(422, err.errors(include_url=False, include_context=False, include_input=False)) from None
    except (BlockedURLError, DNSLookupError) as err:  # a name that does not resolve: 422, as it always was
        detail = f"feed URL refused: {err}"
        raise Refusal(422, detail, errors=field_errors([(("url",), detail)])) from None
    try:
        ctx.registry.add(feed)
    except FeedExistsError:
        how = "" if body.id else f" (the id derived from the {'name' if body.name else 'URL'})"
        # the id as data: the page words the advice itself, without this detail's HTTP verb (QA5 qa5c-5)
        raise Refusal(status.HTTP_409_CONFLICT, f"feed {feed.id!r}{how} exists: choose another id, or DELETE "
                      f"/feeds/{feed.id} first to replace it", id=feed.id) from None
    return feed_view(feed, ctx.registry.state(feed.id), ctx.registry.due_times([feed.id])[feed.id])


@router.patch("/{feed_id}", response_model=FeedOut, dependencies=[Depends(require_write)],
              responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _404="no such feed"))
def patch_feed(feed_id: FeedId, body: FeedPatch) -> dict[str, Any]:
    """Change a feed (address, name, source, language, tags, interval; pause or resume), keeping its
    polling state (counts, status, schedule). The whole feed is checked as at POST (``feed_input``, and a
    new URL's address) before anything is stored."""
    ctx = _ctx()
    feed = ctx.registry.get(feed_id)
    if feed is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feed {feed_id!r}")
    changes = body.model_dump(exclude_unset=True)
    try:
        # a name of "" is the id, a source of "" the URL's host, as at POST (the model fills them in). The
        # interval is held to today's bounds only when it is the change: pausing a feed whose interval
        # predates them must work.
        data = {**feed.model_dump(), **changes}
        edited = feed_input(data, ctx.settings) if "interval" in changes else Feed.model_validate(data)
        if "url" in changes and edited.url != feed.url:
            _check_address(edited, ctx.settings)
    except ValidationError as err:
        raise HTTPException(422, err.errors(include_url=False, include_context=False, include_input=False)) from None
    except (BlockedURLError, DNSLookupError) as err:
        # the refused field as data too, as POST gives it: the page puts it under the URL (QA5 re-test qa5r1-1)
        detail = f"feed URL refused: {err}"
        raise Refusal(422, detail, errors=field_errors([(("url",), detail)])) from None
    if changes:
        # the checked values (a URL's spaces trimmed, an empty name or source filled in)
        feed = ctx.registry.edit(feed_id, {k: getattr(edited, k) for k in changes})
    if feed is None:  # removed meanwhile
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feed {feed_id!r}")
    return feed_view(feed, ctx.registry.state(feed_id), ctx.registry.due_times([feed_id])[feed_id])


@router.post("/{feed_id}/poll", status_code=status.HTTP_202_ACCEPTED, response_model=PollOut,
             dependencies=[Depends(require_write)],
             responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _404="no such feed",
                                 _409="the feed is disabled (PATCH it with enabled: true first)"))
def poll_now(feed_id: FeedId) -> dict[str, Any]:
    """Schedule the feed for the beat's next tick (accepted, not yet polled: watch ``last_poll``). A disabled
    feed is not polled: 409."""
    ctx = _ctx()
    feed = ctx.registry.get(feed_id)
    if feed is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feed {feed_id!r}")
    if not feed.enabled:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"feed {feed_id!r} is disabled: PATCH /feeds/{feed_id} with {{\"enabled\": true}} to "
                            "resume it")
    when = time.time()
    ctx.registry.set_due(feed_id, when)
    return {"id": feed_id, "next_poll": when, "within_seconds": ctx.settings.beat_tick_seconds}


@router.delete("/{feed_id}", response_model=DeletedOut, dependencies=[Depends(require_write)],
               responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _404="no such feed"))
def delete_feed(feed_id: FeedId) -> dict[str, Any]:
    if not _ctx().registry.remove(feed_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feed {feed_id!r}")
    return {"deleted": feed_id}
