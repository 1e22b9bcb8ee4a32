"""Every article matching a search, in pages, for export: the same query language and filters as
``/search`` (``worker.store.search.build_query``), walked with ``search_after`` over a total order
(the search's sort, whose last key is the unique ``id``), so there is no 10,000-hit window and no page is
skipped or repeated.

No point in time is opened: each page is a plain search after the previous page's last sort values. An
article indexed during a long export is included if it sorts after the walk's position, and no article
that existed throughout is missed or exported twice. Only the enriched-document fields are fetched (not
the index's analysed copies).

``export_pages`` runs the first page before returning, so a malformed query or a missing index raises
there (the API answers 400/503 before it starts streaming a 200).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from worker.archive.formats import DOCUMENT_FIELDS, Page
from worker.store.fields import field_map
from worker.store.search import Sort, build_query, sort_clause

PAGE_SIZE = 500


@dataclass(frozen=True)
class ExportQuery:
    q: str = ""
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: Sort = "date"
    limit: int | None = None  # at most this many articles (None: all)


def export_pages(es: Elasticsearch, alias: str, query: ExportQuery, *, page_size: int | None = None) -> Iterator[Page]:
    """Pages of stored sources, in the query's order. Raises ``QuerySyntaxError`` / ``SearchError`` /
    Elasticsearch errors for the first page; later pages raise Elasticsearch errors mid-stream."""
    size = page_size or PAGE_SIZE
    fm = field_map(es, alias)
    es_query, _ = build_query(query.q, fm, source=query.source, date_from=query.date_from, date_to=query.date_to)
    body: dict[str, Any] = {"query": es_query, "sort": sort_clause(query.sort, fm),
                            "source": {"includes": list(DOCUMENT_FIELDS)}, "track_total_hits": False}
    first_size = size if query.limit is None else min(size, query.limit)
    first = es.search(index=alias, size=first_size, **body).body["hits"]["hits"]
    return _walk(es, alias, body, first, size, query.limit)


def _walk(es: Elasticsearch, alias: str, body: dict[str, Any], hits: list[dict[str, Any]], size: int,
          limit: int | None) -> Iterator[Page]:
    sent = 0
    while hits:
        yield [h["_source"] for h in hits]
        sent += len(hits)
        left = None if limit is None else limit - sent
        if (left is not None and left <= 0) or len(hits) < size:
            return
        want = size if left is None else min(size, left)
        hits = es.search(index=alias, size=want, search_after=hits[-1]["sort"], **body).body["hits"]["hits"]
