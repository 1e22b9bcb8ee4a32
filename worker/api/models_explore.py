"""Response models of the stories and entities endpoints (issue 17). Kept apart from ``models.py`` so the
explore pages grow without touching the models every route shares."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from worker.api.models import Open

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_only(value: Any) -> Any:
    """Pydantic reads "0.5" as a Unix time; the schema promises ISO 8601 (format date-time), so say no."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("expected an ISO 8601 date-time, e.g. 2018-03-10T12:00:00Z")
    return value


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]


class WindowOut(BaseModel):
    window: str = Field(description="24h, 7d, 30d or all")
    anchor: str = Field(description='what the window ends at: "latest" (the newest indexed article), "now", '
                                    'or "until" (the until parameter)')
    since: str | None = Field(None, description="start of the window (ISO 8601); null for all")
    until: str = Field(description="end of the window (ISO 8601)")
    newest: str | None = Field(None, description="the newest indexed article's publication time")


class NamedCount(BaseModel):
    name: str
    count: int


class StorySummaryOut(BaseModel):
    story_id: str
    title: str = Field(description="the story's earliest article in the window")
    articles: int = Field(description="articles of the story in the window")
    sources: int = Field(description="distinct sources among them")
    source_names: list[str]
    first: str | None = None
    last: str | None = None
    events: list[str]
    places: list[str]


class TopStoriesOut(WindowOut):
    sort: str
    total_articles: int = Field(description="articles in the window, with or without a story")
    stories: list[StorySummaryOut]


class ArticleItemOut(Open):
    id: str | None = None
    title: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    story_id: str | None = None
    events: list[str]
    places: list[dict[str, Any]]
    casualties: dict[str, int]


class StorySourceOut(BaseModel):
    name: str
    count: int
    first: str | None = None


class StoryOut(BaseModel):
    story_id: str
    title: str
    total: int
    first: str | None = None
    last: str | None = None
    sources: list[StorySourceOut]
    articles: list[ArticleItemOut] = Field(description="oldest first (at most 200)")


class TopEntitiesOut(WindowOut):
    total_articles: int
    types: dict[str, list[NamedCount]] = Field(description="PER, ORG, LOC, FAC -> names by articles")


class BucketOut(BaseModel):
    key: str
    count: int


class EntityOut(BaseModel):
    name: str
    type: str | None = Field(None, description="the type it is most often tagged with")
    types: dict[str, int] = Field(description="articles naming it as each type")
    total: int
    first: str | None = None
    last: str | None = None
    unit: str = Field(description="histogram bar width: day, week or month")
    histogram: list[BucketOut]
    cooccurring: dict[str, list[NamedCount]] = Field(description="entities named in the same articles, by type")
    sources: list[NamedCount]
    events: list[NamedCount]
    articles: list[ArticleItemOut] = Field(description="latest first")
