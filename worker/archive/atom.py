"""The newest hits of a search as an Atom feed (RFC 4287), so a saved search can be followed in any
feed reader (``GET /search.atom?q=...``).

Built with ElementTree, which escapes text and attributes; characters XML 1.0 cannot carry at all
(control characters a hostile feed may have put in a title) are removed first, since escaping cannot
make them valid. Entries are newest first. Per entry: ``id`` (``urn:newsworker:article:<doc id>``, stable
across re-imports and reindexing), ``title``, ``link`` to the article, ``updated`` and ``published``
(the publication time; an undated article's ``updated`` is when it was indexed, which stays the same from
one fetch of the feed to the next, unlike the request's time; the feed's ``updated`` is the newest entry's,
or now when there is none),
``author`` (the source), one ``category`` per event type, and ``summary``: the search's highlighted
snippet as ``type="html"`` (its text is escaped by the highlighter; the only markup is the matches, as
``<b>``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from worker.store.search import SearchHit

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str | None) -> str:
    return _XML_INVALID.sub("", value or "")


def _rfc3339(value: str | datetime | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


# An entry's <updated> when the article has no time at all (none of newsworker's own writes lacks
# ``indexed``): a fixed instant, since the request's time would show it as new at every fetch (qa7b-10).
NO_TIME = "1970-01-01T00:00:00Z"


def _updated(hit: SearchHit) -> str:
    """The publication time, else when the article was indexed (or fetched): the same at every fetch."""
    return _rfc3339(hit.published) or _rfc3339(hit.indexed) or NO_TIME


def entry_id(doc_id: str) -> str:
    return f"urn:newsworker:article:{doc_id}"


def build_feed(hits: Sequence[SearchHit], *, query: str, self_url: str, page_url: str,
               article_url: str = "/articles/{id}", now: datetime | None = None) -> bytes:
    """The feed document (UTF-8 bytes with the XML declaration). ``self_url``: this feed's own URL;
    ``page_url``: the same search on the web page; ``article_url``: a template for an article without
    a URL of its own (``{id}``)."""
    ET.register_namespace("", ATOM_NS)
    now_s = _rfc3339(now or datetime.now(UTC))
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    # The feed's id: its own URL (query and filters), hashed, so the same saved search keeps its id.
    _sub(feed, "id", f"urn:newsworker:search:{hashlib.sha1(self_url.encode('utf-8')).hexdigest()}")
    _sub(feed, "title", f"newsworker: {query}" if query.strip() else "newsworker: newest articles")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    _sub(feed, "generator", "newsworker")
    updated = [_updated(h) for h in hits]
    _sub(feed, "updated", max(updated) if updated else now_s)  # never older than an entry
    for hit, hit_updated in zip(hits, updated, strict=True):
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(hit.id))
        _sub(entry, "title", hit.title or hit.id)
        _sub(entry, "link", rel="alternate", href=hit.url or article_url.format(id=hit.id))
        published = _rfc3339(hit.published)
        _sub(entry, "updated", hit_updated)
        if published:
            _sub(entry, "published", published)
        if hit.source:
            _sub(_sub(entry, "author"), "name", hit.source)
        for event in hit.events:
            _sub(entry, "category", term=event)
        if hit.snippet:
            # <mark> is not in feed readers' allowed HTML (feedparser drops it): the matches become <b>.
            _sub(entry, "summary", hit.snippet.replace("<mark>", "<b>").replace("</mark>", "</b>"), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
