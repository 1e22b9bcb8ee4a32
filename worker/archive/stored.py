"""An archive row against the article already stored under its id: an import never replaces a stored
article with a row that carries less.

A row replaces the stored article (the chain rebuilds entities, events, casualties and dates from the
row's title and text), so a row without a text of its own (a CSV export carries none: its ``summary``
would stand in for the body) or without a title would wipe what the stored article has. Such a row is
refused with the reason, and the stored article is kept as it was (QA: a CSV export imported back into
its index left every article title-only, exit 0). A row that has both only fills in, from the stored
article, the metadata it lacks: the feed that delivered the article (``source:<feed id>`` keeps finding
it), the publication date (the anchor of its relative dates), summary, author, image and tags. An import
adds or replaces values; it never deletes one.

One search per micro-batch (the ids of its rows; only small fields are fetched: whether the stored
article has a text or a title is asked of the index's analysed copies, ``title_ar``/``body_ar``, not by
reading bodies of up to 300,000 characters). Near real time: a row of the same archive indexed less than
the refresh interval (1 s) earlier may not be seen, and the later row wins as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from worker.archive.rows import Row

# What a row may lack and the stored article fills in (the same name in FetchedArticle and the index).
FILLED = ("feed_id", "published", "summary", "author", "image", "tags")
_HAS_TEXT, _HAS_TITLE = "has_text", "has_title"


@dataclass(frozen=True)
class Stored:
    """What an import needs to know of a stored article."""

    has_text: bool
    has_title: bool
    meta: Mapping[str, Any]  # the ``FILLED`` fields it has


def stored_articles(es: Elasticsearch, alias: str, ids: Sequence[str]) -> dict[str, Stored]:
    """The stored articles among ``ids``. Elasticsearch errors propagate (the import stops, its checkpoint
    holds)."""
    if not ids:
        return {}
    unique = list(dict.fromkeys(ids))
    query = {"bool": {"filter": [{"ids": {"values": unique}}],
                      "should": [{"exists": {"field": "body_ar", "_name": _HAS_TEXT}},
                                 {"exists": {"field": "title_ar", "_name": _HAS_TITLE}}]}}
    hits = es.search(index=alias, query=query, size=len(unique), source={"includes": ["id", *FILLED]},
                     track_total_hits=False).body["hits"]["hits"]
    out: dict[str, Stored] = {}
    for hit in hits:
        src = hit.get("_source") or {}
        matched = set(hit.get("matched_queries") or ())
        out[hit["_id"]] = Stored(_HAS_TEXT in matched, _HAS_TITLE in matched,
                                 {k: src[k] for k in FILLED if src.get(k) not in (None, "", [])})
    return out


def against_stored(row: Row, stored: Stored | None) -> Row | str:
    """The row to import (its missing metadata filled in from ``stored``), or why it is refused."""
    if stored is None:
        return row
    lacks = [what for what, has, given in (("a text", stored.has_text, row.has_text),
                                           ("a title", stored.has_title, bool(row.article.title)))
             if has and not given]
    if lacks:
        hint = "; a CSV export carries no text: move or restore articles with the JSONL export" \
            if not row.has_text else ""
        return (f"kept the stored article {row.article.id}: it has {' and '.join(lacks)} and this row has none "
                f"(an import never replaces an article with less{hint})")
    fill: dict[str, Any] = {}
    for key, value in stored.meta.items():
        if not getattr(row.article, key):
            fill[key] = tuple(value) if key == "tags" else value
    return dataclasses.replace(row, article=dataclasses.replace(row.article, **fill)) if fill else row
