"""The immutable records that travel between pipeline stages (the enriched document itself is
``worker.document.EnrichedDocument``):

    FeedId (str) ─poll─► FeedItem ─fetch─► FetchedArticle ─extract─► EnrichedDocument ─story, index─►
    EnrichedDocument (story_id, indexed) ─match─► Delivery ─deliver─► (delivered | skipped)

Celery messages are JSON, so each record converts to and from its payload (``as_payload`` /
``from_payload``) exactly at the queue boundary; inside a process the records themselves are handed on.
Unknown payload keys are refused: a message from another version fails loudly as a dead letter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

R = TypeVar("R", bound="_Record")


class _Record:
    __slots__ = ()
    _tuples: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_payload(cls: type[R], payload: Mapping[str, Any]) -> R:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = set(payload) - names
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
        values = {k: (tuple(v) if k in cls._tuples and v is not None else v) for k, v in payload.items()}
        return cls(**values)

    def as_payload(self) -> dict[str, Any]:
        out = asdict(self)  # type: ignore[call-overload]
        for k in self._tuples:
            out[k] = list(out[k])
        return out


@dataclass(frozen=True, slots=True)
class FeedItem(_Record):
    """A never-seen item of a polled feed: what the fetch stage consumes."""

    _tuples: ClassVar[tuple[str, ...]] = ("tags",)

    id: str  # hash of the item's canonical link
    url: str  # canonical link
    link: str | None = None  # the link as the feed wrote it
    feed_id: str | None = None
    source: str | None = None
    language: str = "ar"
    tags: tuple[str, ...] = ()
    title: str | None = None
    summary: str | None = None
    content: str | None = None
    author: str | None = None
    published: str | None = None  # ISO 8601
    image: str | None = None
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class FetchedArticle(_Record):
    """The article's text and metadata after the page fetch: what the extraction chain consumes."""

    _tuples: ClassVar[tuple[str, ...]] = ("tags",)

    id: str  # hash of the page's canonical URL
    url: str | None = None
    source: str | None = None
    feed_id: str | None = None
    title: str = ""
    body: str = ""
    summary: str | None = None
    author: str | None = None
    image: str | None = None
    published: str | None = None
    fetched: str | None = None
    tags: tuple[str, ...] = ()
    language: str = "ar"


@dataclass(frozen=True, slots=True)
class Delivery(_Record):
    """One channel of one notification. ``notification`` is the rendered notification (what receivers
    get), read-only; ``channel`` the channel's settings (type, url/to, format)."""

    id: str  # the notification id (also the receivers' Idempotency-Key)
    channel_key: str
    channel: Mapping[str, Any]
    notification: Mapping[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", MappingProxyType(dict(self.channel)))
        object.__setattr__(self, "notification", MappingProxyType(dict(self.notification)))

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Delivery:
        """The delivery message is the notification itself plus ``channel`` and ``channel_key`` (the shape
        the alert history and dead letters have always stored)."""
        body = {k: v for k, v in payload.items() if k not in ("channel", "channel_key")}
        return cls(payload["id"], payload["channel_key"], payload["channel"], body)

    def as_payload(self) -> dict[str, Any]:
        return {**self.notification, "channel": dict(self.channel), "channel_key": self.channel_key}

