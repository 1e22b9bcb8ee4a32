"""The enriched-document schema: one model that the chain fills, the index maps and the API returns.

Offsets (``start``/``end``) are character offsets into the original, un-normalised ``title`` or
``body`` string named by ``field``, so ``getattr(doc, field)[start:end] == text`` always holds.

Text fields hold plain text: no control characters other than tab and newline, no terminal sequences
(``worker.controls.strip_controls``, applied where articles are built and again by the chain before it
takes any offset; never to a finished document, whose offsets would then point elsewhere).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EntityType = Literal["PER", "ORG", "LOC", "FAC"]
CasualtyKind = Literal["killed", "injured", "arrested", "kidnapped", "missing", "escaped"]
EventType = Literal[
    "armed_clash", "airstrike", "shelling", "bombing", "armed_attack", "prison_attack", "kidnapping",
    "arrest", "sentencing", "assassination", "protest", "curfew", "ceasefire", "security_sweep",
    "displacement", "disaster",
]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]
CASUALTY_KINDS: tuple[str, ...] = CasualtyKind.__args__  # type: ignore[attr-defined]
TextField = Literal["title", "body"]


class Place(BaseModel):
    """A gazetteer hit for a LOC/FAC mention."""

    name_en: str
    country: str | None = None  # ISO 3166-1 alpha-2
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None


class Entity(BaseModel):
    text: str
    type: EntityType
    canonical: str
    start: int
    end: int
    field: TextField = "body"
    place: Place | None = None


class DateRef(BaseModel):
    text: str
    date: str  # YYYY-MM-DD, YYYY-MM or YYYY
    start: int = 0
    end: int = 0
    field: TextField = "body"


class Casualty(BaseModel):
    kind: CasualtyKind
    count: int
    text: str
    approximate: bool = False  # "أكثر من 20", "نحو 100"


class Event(BaseModel):
    type: EventType
    evidence: str


class Quote(BaseModel):
    speaker: str | None
    text: str


class ArticleIn(BaseModel):
    """What the extraction chain consumes (the ``--jsonl`` input line)."""

    id: str | None = None
    url: str | None = None
    title: str = ""
    body: str = ""
    published: str | None = None  # ISO 8601 or RFC 822; the anchor for relative dates


class EnrichedDocument(BaseModel):
    """One article after the chain: the record that the story, index and match stages hand on.

    Frozen, so a stage derives a new record (``model_copy(update=...)``) rather than editing the one it
    was given: a retried or replayed stage then sees exactly the input the first attempt saw.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    url: str | None = None
    source: str | None = None
    feed_id: str | None = None
    language: str = "ar"
    title: str = ""
    body: str = ""
    summary: str | None = None
    author: str | None = None
    image: str | None = None
    published: datetime | None = None
    fetched: datetime | None = None
    indexed: datetime | None = None
    tags: list[str] = Field(default_factory=list)

    entities: list[Entity] = Field(default_factory=list)
    dates: list[DateRef] = Field(default_factory=list)
    casualties: list[Casualty] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    fingerprint: str | None = None  # 64-bit SimHash as 16 hex digits
    story_id: str | None = None  # id of the first document of the near-duplicate cluster


def doc_id_for_url(canonical_url: str) -> str:
    """Stable document id: the first 20 bytes of SHA-1 over the canonical URL, hex."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()


# -- an indexed document's source (the JSON of an EnrichedDocument), read by the store and the alerts ----


def event_types(src: dict[str, Any]) -> list[str]:
    """The document's event types, each once, in order of first mention."""
    return list(dict.fromkeys(e.get("type") for e in src.get("events") or [] if e.get("type")))


def casualty_totals(src: dict[str, Any]) -> dict[str, int]:
    """Casualty kind -> count; a figure repeated in the text is one count (the largest), not a sum."""
    totals: dict[str, int] = {}
    for cas in src.get("casualties") or []:
        kind, count = cas.get("kind"), cas.get("count")
        if kind and isinstance(count, int):
            totals[kind] = max(totals.get(kind, 0), count)
    return totals
