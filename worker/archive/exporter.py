"""Every article matching a search, in pages, for export: the same query language and filters as
``/search`` (``worker.store.search.build_query``), walked with ``search_after`` over a total order
(the search's sort, whose last key is the unique ``id``), so there is no 10,000-hit window and no page is
skipped or repeated.

The walk reads one point in time, opened before the first page: the export is the index as it was when it
started. Without one, articles indexed during a long export changed the relevance scores of those already
stored (BM25's term statistics), the next page's ``search_after`` landed among articles already sent, and
a relevance-sorted export repeated hundreds of them (qa7b-12). Each page renews the point in time for
``PIT_KEEP_ALIVE``; a reader that stalls longer than that between two pages finds it gone, and the walk
goes on after the last article sent in a new point in time (exact for the date sort, whose values do not
move; a relevance sort may then repeat or skip near the seam). Only the enriched-document fields are
fetched (not the index's analysed copies).

``export_pages`` runs the first page before returning, so a malformed query or a missing index raises
there (the API answers 400/503 before it starts streaming a 200).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from worker.archive.formats import DOCUMENT_FIELDS, Page
from worker.store.fields import field_map
from worker.store.search import Sort, build_query, close_pit, sort_clause

PAGE_SIZE = 500
# How long the point in time waits for the next page: a streamed export goes as fast as its reader reads.
PIT_KEEP_ALIVE = "10m"


@dataclass(frozen=True)
class ExportQuery:
    q: str = ""
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: Sort = "date"
    limit: int | None = None  # at most this many articles (None: all)
    # walk one point in time (the API's anonymous exports share the point-in-time budget of /search; one
    # refused walks the live index: exact for the date sort, a relevance sort may then repeat under indexing)
    pinned: bool = True


class _Snapshot:
    """The walk's point in time: the id Elasticsearch last returned, renewed by every page."""

    def __init__(self, es: Elasticsearch, alias: str, pinned: bool = True) -> None:
        self.es, self.alias, self.pinned = es, alias, pinned
        self.pit_id: str | None = None

    def search(self, body: dict[str, Any], size: int, after: list[Any] | None) -> list[dict[str, Any]]:
        if not self.pinned:
            live: dict[str, Any] = dict(body, index=self.alias, size=size)
            if after is not None:
                live["search_after"] = after
            return self.es.search(**live).body["hits"]["hits"]
        if self.pit_id is None:
            self.pit_id = self.es.open_point_in_time(index=self.alias, keep_alive=PIT_KEEP_ALIVE).body["id"]
        kwargs: dict[str, Any] = dict(body, size=size, pit={"id": self.pit_id, "keep_alive": PIT_KEEP_ALIVE})
        if after is not None:
            kwargs["search_after"] = after
        try:
            resp = self.es.search(**kwargs).body
        except NotFoundError as err:
            if after is None or not _context_missing(err):
                raise
            # the point in time expired while the reader stalled: go on in a new one, after the last
            # article sent (its own sort values: the implicit _shard_doc of the old one means nothing now)
            self.pit_id = None
            return self.search(body, size, after[: len(body["sort"])])
        self.pit_id = resp.get("pit_id", self.pit_id)
        return resp["hits"]["hits"]

    def close(self) -> None:
        pit_id, self.pit_id = self.pit_id, None
        close_pit(self.es, pit_id)


def _context_missing(err: NotFoundError) -> bool:
    body = err.body if isinstance(err.body, dict) else {}
    causes = (body.get("error") or {}).get("root_cause") or []
    return any(c.get("type") == "search_context_missing_exception" for c in causes if isinstance(c, dict))


def export_pages(es: Elasticsearch, alias: str, query: ExportQuery, *, page_size: int | None = None) -> Iterator[Page]:
    """Pages of stored sources, in the query's order. Raises ``QuerySyntaxError`` / ``SearchError`` /
    Elasticsearch errors for the first page; later pages raise Elasticsearch errors mid-stream."""
    size = page_size or PAGE_SIZE
    fm = field_map(es, alias)
    es_query, _ = build_query(query.q, fm, source=query.source, date_from=query.date_from, date_to=query.date_to)
    body: dict[str, Any] = {"query": es_query, "sort": sort_clause(query.sort, fm),
                            "source": {"includes": list(DOCUMENT_FIELDS)}, "track_total_hits": False}
    first_size = size if query.limit is None else min(size, query.limit)
    snapshot = _Snapshot(es, alias, query.pinned)
    try:
        first = snapshot.search(body, first_size, None)
    except BaseException:
        snapshot.close()
        raise
    return _walk(snapshot, body, first, size, query.limit)


def _walk(snapshot: _Snapshot, body: dict[str, Any], hits: list[dict[str, Any]], size: int,
          limit: int | None) -> Iterator[Page]:
    sent = 0
    try:
        while hits:
            yield [h["_source"] for h in hits]
            sent += len(hits)
            left = None if limit is None else limit - sent
            if (left is not None and left <= 0) or len(hits) < size:
                return
            want = size if left is None else min(size, left)
            hits = snapshot.search(body, want, hits[-1]["sort"])
    finally:  # the end of the walk, its error, or the reader gone (the generator closed)
        snapshot.close()
