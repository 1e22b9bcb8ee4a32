"""Search over the articles alias: one query language (``worker.query``) plus the API's filters.

``search`` builds ``bool(must=[compile(q).es], filter=[source, date range])``, asks for facets as
aggregations, and renders readable highlights in Python (see :mod:`worker.store.highlight`). Pages are
``from``/``size`` up to the index's result window; beyond that, and for stable deep paging, a cursor
carries ``search_after`` sort values (and optionally a point-in-time id). The tie-breaker is the keyword
field ``id`` (sorting on ``_id`` needs fielddata and is deprecated).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from elasticsearch import Elasticsearch

from worker.document import casualty_totals, event_types
from worker.query import compile as compile_query
from worker.query.ast import DateRange
from worker.query.dates import DATE_FORMS, DateSyntaxError, Period, period_of, reversed_range
from worker.query.to_es import source_filter, to_es
from worker.settings import get_settings
from worker.store import highlight
from worker.store.fields import FieldMap, field_map
from worker.store.geohash import located_in_cell

MAX_WINDOW = 10_000  # index.max_result_window default
PIT_KEEP_ALIVE = "2m"
Sort = Literal["relevance", "date"]


class SearchError(ValueError):
    """A request the search cannot serve (bad date, page beyond the window, bad cursor): a 400."""


@dataclass
class SearchHit:
    id: str
    title: str
    title_html: str
    url: str | None
    source: str | None
    published: str | None
    snippet: str
    score: float | None
    events: list[str] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    casualties: dict[str, int] = field(default_factory=dict)
    story_id: str | None = None
    # articles of the hit's story in the whole index (every date and source, not only this search's), when
    # the search was asked for them (``story_sizes``): the page's "+N other reports" (qa5c-2)
    story_articles: int | None = None
    # when newsworker indexed the article (else fetched it): a stable time for an undated article, e.g. the
    # Atom entry's <updated> (qa7b-10)
    indexed: str | None = None


@dataclass
class SearchResult:
    total: int
    took_ms: int
    page: int
    size: int
    hits: list[SearchHit]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    next_cursor: str | None = None
    query: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("query", None)
        return out


# ------------------------------------------------------------------------------------------- filters


def _date_period(value: str | date | datetime | None, name: str) -> Period | None:
    """``from``/``to`` read as ``date:`` reads its values (:mod:`worker.query.dates`), or a ``SearchError``
    naming the accepted forms: nothing the two would read differently reaches Elasticsearch."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        period = period_of(value)
    except DateSyntaxError as err:
        raise SearchError(f"bad date for {name}: {str(value)!r}: use {DATE_FORMS}") from err
    if period is None:  # "*": an open end, as in date:[* TO 2018]
        return None
    return period


def date_filter(
    field: str, date_from: str | date | datetime | None, date_to: str | date | datetime | None
) -> dict[str, Any] | None:
    """The ``range`` filter of ``from``/``to``: from the start of ``from``'s period (a year, month, day or
    instant) through the end of ``to``'s, as ``date:from..to`` reads them; None when both are open."""
    lo, hi = _date_period(date_from, "from"), _date_period(date_to, "to")
    if lo is None and hi is None:
        return None
    if reversed_range(lo, hi):  # 200 with 0 results would be silent; date:A..B is refused the same way
        raise SearchError(f"the date range ends before it starts: from {str(date_from).strip()!r} is after "
                          f"to {str(date_to).strip()!r}")
    return to_es(DateRange(field, lo[0] if lo else None, hi[1] if hi else None))


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [s.strip() for s in items if s and s.strip()]


def build_query(
    q: str,
    fm: FieldMap,
    *,
    source: str | list[str] | None = None,
    date_from: str | date | datetime | None = None,
    date_to: str | date | datetime | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(es_query, text_query)``: the full bool query and the compiled part that highlights read.

    Raises ``worker.query.QuerySyntaxError`` for a malformed ``q``.
    """
    text_query: dict[str, Any] = compile_query(q).es if q and q.strip() else {"match_all": {}}
    filters: list[dict[str, Any]] = []
    sources = _as_list(source)
    if sources:
        # the reading of ``source:`` in the query language (and of an alert's --source): the whole name, a
        # word or run of words of it, or the feed id, in any case; "bbc" finds "BBC Arabic" and the facet's
        # display name "BBC Arabic" still finds itself
        filters.append(source_filter(sources))
    dates = date_filter(fm.published, date_from, date_to)
    if dates is not None:
        filters.append(dates)
    return {"bool": {"must": [text_query], "filter": filters}}, text_query


# The sort value Elasticsearch gives an article without a date when dates sort newest first with
# ``missing: _last`` (as epoch milliseconds, Long.MIN_VALUE). A ``format`` on the sort would turn it into
# ``null``, which ``search_after`` refuses: any walk whose page ended on an undated article died (qa7b-9).
UNDATED_SORT_VALUE = -(2**63)


def sort_clause(sort: Sort, fm: FieldMap) -> list[Any]:
    """Newest first (or by score, then newest first), ties by id: a total order. The date's sort value is
    the epoch-millisecond number, never null, so every page's last values can continue a walk."""
    by_date = {fm.published: {"order": "desc", "missing": "_last"}}
    tiebreak = {fm.id: {"order": "asc"}}
    if sort == "date":
        return [by_date, tiebreak]
    if sort == "relevance":
        return ["_score", by_date, tiebreak]
    raise SearchError(f"sort must be 'relevance' or 'date', not {sort!r}")


# -------------------------------------------------------------------------------------------- facets


def facet_aggs(fm: FieldMap, size: int = 15) -> dict[str, Any]:
    aggs: dict[str, Any] = {}
    for name, fld in fm.facet_terms.items():
        aggs[name] = {"terms": {"field": fld, "size": size}}
    for etype, (path, filt, value_field) in fm.entity_facets.items():
        name = f"entity_{etype}"
        if path:
            aggs[name] = {
                "nested": {"path": path},
                "aggs": {
                    "f": {"filter": filt, "aggs": {"v": {"terms": {"field": value_field, "size": size}}}}
                },
            }
        else:
            aggs[name] = {"terms": {"field": value_field, "size": size}}
    if fm.geo:
        # Dots for the map over *all* matching documents, not only the current page.
        aggs["geo"] = {
            "geohash_grid": {"field": fm.geo, "precision": 4, "size": 200},
            "aggs": {"c": {"geo_centroid": {"field": fm.geo}}},
        }
    if fm.published:
        aggs["date"] = {
            "date_histogram": {
                "field": fm.published,
                "calendar_interval": "day",
                "min_doc_count": 1,
                "format": "yyyy-MM-dd",
            }
        }
    return aggs


def _buckets(agg: dict[str, Any]) -> list[dict[str, Any]]:
    while "buckets" not in agg:
        nxt = agg.get("f") or agg.get("v")
        if nxt is None:
            return []
        agg = nxt
    out = []
    for b in agg["buckets"]:
        item = {"key": b.get("key_as_string", b.get("key")), "count": b.get("doc_count", 0)}
        loc = (b.get("c") or {}).get("location")
        if loc:
            lat, lon = loc["lat"], loc["lon"]
            if isinstance(item["key"], str):  # a geohash cell: keep the dot inside it
                lat, lon = located_in_cell(item["key"], lat, lon)
            item["lat"], item["lon"] = round(lat, 4), round(lon, 4)
        out.append(item)
    return out


def parse_facets(aggs: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {name: _buckets(agg) for name, agg in aggs.items()}


# ---------------------------------------------------------------------------------------------- hits


def _entities(src: dict[str, Any], limit: int = 12) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for ent in src.get("entities") or []:
        key = (ent.get("type", ""), ent.get("canonical") or ent.get("text", ""))
        if key in seen:
            seen[key]["mentions"] += 1
        else:
            seen[key] = {"type": key[0], "canonical": key[1], "mentions": 1}
    return sorted(seen.values(), key=lambda e: -e["mentions"])[:limit]


def _places(src: dict[str, Any]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for ent in src.get("entities") or []:
        place = ent.get("place") or {}
        lat, lon = place.get("lat"), place.get("lon")
        if lat is None or lon is None:
            continue
        name = ent.get("canonical") or ent.get("text") or place.get("name_en") or ""
        out.setdefault(name, {"name": name, "name_en": place.get("name_en"), "lat": lat, "lon": lon})
    return list(out.values())


def make_hit(raw: dict[str, Any], marker: highlight.Marker, snippet_chars: int = 240) -> SearchHit:
    src = raw.get("_source") or {}
    title = src.get("title") or ""
    body = src.get("body") or ""
    text_field = "body"
    if not body:  # offsets of entities point into the body; a summary stand-in has none
        body, text_field = src.get("summary") or "", "summary"
    published = src.get("published")
    entities = src.get("entities") or []
    names = marker.terms.names
    return SearchHit(
        id=str(src.get("id") or raw.get("_id")),
        title=title,
        title_html=highlight.highlight_title(title, marker, highlight.entity_spans(entities, names, "title")),
        url=src.get("url"),
        source=src.get("source"),
        published=str(published) if published else None,
        snippet=highlight.snippet(
            body, marker, snippet_chars, highlight.entity_spans(entities, names, text_field)
        ),
        score=raw.get("_score"),
        events=event_types(src),
        entities=_entities(src),
        places=_places(src),
        casualties=casualty_totals(src),
        story_id=src.get("story_id") or None,
        indexed=str(stamp) if (stamp := src.get("indexed") or src.get("fetched")) else None,
    )


def story_sizes(es: Elasticsearch, alias: str, story_ids: list[str]) -> dict[str, int]:
    """How many articles each of these stories has in the whole index: one ``terms`` aggregation over the
    page's story ids (at most a page's worth), no documents fetched. A story no article carries is absent."""
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    resp = es.search(
        index=alias, size=0, track_total_hits=False,
        query={"bool": {"filter": [{"terms": {"story_id": ids}}]}},
        aggs={"stories": {"terms": {"field": "story_id", "size": len(ids)}}},
    ).body
    return {b["key"]: b["doc_count"] for b in resp.get("aggregations", {}).get("stories", {}).get("buckets", [])}


# -------------------------------------------------------------------------------------------- cursor


def encode_cursor(after: list[Any], pit: str | None = None) -> str:
    raw = json.dumps({"a": after, "p": pit}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[list[Any], str | None]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after = data["a"]
        if not isinstance(after, list):
            raise TypeError("a")
        # A cursor made before the date sort lost its ``format`` carries null for an undated article's
        # date: it means the same place in the order as the number undated articles sort by now.
        after = [UNDATED_SORT_VALUE if v is None else v for v in after]
        return after, data.get("p")
    except Exception as err:  # noqa: BLE001 - any garbage is the client's error
        raise SearchError("bad cursor") from err


# -------------------------------------------------------------------------------------------- search


def search(
    es: Elasticsearch,
    q: str,
    *,
    alias: str | None = None,
    source: str | list[str] | None = None,
    date_from: str | date | datetime | None = None,
    date_to: str | date | datetime | None = None,
    page: int = 1,
    size: int = 20,
    sort: Sort = "relevance",
    facets: bool = True,
    cursor: str | None = None,
    pit: bool = False,
    snippet_chars: int = 240,
    stories: bool = False,
) -> SearchResult:
    """Run a query-language search with filters, facets and highlights.

    ``cursor`` (from a previous result's ``next_cursor``) continues after that page with
    ``search_after`` and ignores ``page``; ``pit=True`` opens a point-in-time on the first page so every
    later page of the walk sees the same snapshot. ``stories=True`` also counts each hit's story
    (``story_articles``, one more request when the page has stories). Raises ``QuerySyntaxError`` or
    ``SearchError``.
    """
    alias = alias or get_settings().es_index
    if size < 0 or size > 500:
        raise SearchError("size must be between 0 and 500")
    if page < 1:
        raise SearchError("page must be >= 1")
    fm = field_map(es, alias)
    query, text_query = build_query(q, fm, source=source, date_from=date_from, date_to=date_to)
    body: dict[str, Any] = {
        "query": query,
        "size": size,
        "sort": sort_clause(sort, fm),
        "track_total_hits": True,
        "_source": {"excludes": fm.heavy_fields},
    }
    pit_id: str | None = None
    if cursor:
        after, pit_id = decode_cursor(cursor)
        body["search_after"] = after
    else:
        if (page - 1) * size + size > MAX_WINDOW:
            raise SearchError(f"page {page} is beyond the first {MAX_WINDOW} results; use next_cursor")
        body["from"] = (page - 1) * size
        if pit:
            pit_id = es.open_point_in_time(index=alias, keep_alive=PIT_KEEP_ALIVE).body["id"]
    if pit_id:
        body["pit"] = {"id": pit_id, "keep_alive": PIT_KEEP_ALIVE}
    if facets:
        body["aggs"] = facet_aggs(fm)
    started = time.perf_counter()
    kwargs = {("from_" if k == "from" else "source" if k == "_source" else k): v for k, v in body.items()}
    resp = es.search(index=None if pit_id else alias, **kwargs).body
    raw_hits = resp["hits"]["hits"]
    marker = highlight.Marker(highlight.query_terms(text_query))
    hits = [make_hit(h, marker, snippet_chars) for h in raw_hits]
    if stories:
        sizes = story_sizes(es, alias, [h.story_id for h in hits if h.story_id])
        for h in hits:
            h.story_articles = sizes.get(h.story_id) if h.story_id else None
    total = resp["hits"]["total"]["value"]
    next_cursor = None
    new_pit = resp.get("pit_id", pit_id)
    if raw_hits and len(raw_hits) == size:
        next_cursor = encode_cursor(raw_hits[-1]["sort"], new_pit)
    elif new_pit:
        # The walk ends here: close its point in time now instead of leaving a search context open on
        # every shard until keep_alive runs out (anyone can open one through the API).
        close_pit(es, new_pit)
    return SearchResult(
        total=total,
        took_ms=int(resp.get("took", (time.perf_counter() - started) * 1000)),
        page=page,
        size=size,
        hits=hits,
        facets=parse_facets(resp.get("aggregations", {})) if facets else {},
        next_cursor=next_cursor,
        query=query,
    )


def facets(
    es: Elasticsearch,
    q: str = "",
    *,
    alias: str | None = None,
    source: str | list[str] | None = None,
    date_from: str | date | datetime | None = None,
    date_to: str | date | datetime | None = None,
) -> dict[str, Any]:
    """Facet counts only (``size=0``): what the web page shows before and beside results."""
    res = search(es, q, alias=alias, source=source, date_from=date_from, date_to=date_to, size=0, facets=True)
    return {"total": res.total, "facets": res.facets}


def close_pit(es: Elasticsearch, pit_id: str | None) -> None:
    """Close a point in time now (its search context held on every shard), if there is one; a failure is
    no error: it expires by itself at the end of its keep-alive."""
    if not pit_id:
        return
    try:
        es.close_point_in_time(id=pit_id)
    except Exception:  # noqa: BLE001 - it expires anyway
        pass


class HitWalk(Iterator[SearchHit]):
    """Every matching hit, in order, through a point-in-time and ``search_after`` (deep paging).

    ``total`` is the number of matches in the walk's own snapshot, read off its first page once iteration
    has started (None before): a count taken by another search, before or after, would include what was
    indexed or deleted meanwhile and disagree with the hits listed (qa7b-5). ``close()`` closes the point
    in time of a walk left unfinished."""

    def __init__(self, es: Elasticsearch, q: str, *, alias: str, sort: Sort, batch: int, stories: bool,
                 filters: dict[str, Any]) -> None:
        self.total: int | None = None
        self._pages = self._walk(es, q, alias=alias, sort=sort, batch=batch, stories=stories, filters=filters)

    def __next__(self) -> SearchHit:
        return next(self._pages)

    def close(self) -> None:
        self._pages.close()

    def _walk(self, es: Elasticsearch, q: str, *, alias: str, sort: Sort, batch: int, stories: bool,
              filters: dict[str, Any]) -> Iterator[SearchHit]:
        res = search(es, q, alias=alias, sort=sort, size=batch, facets=False, pit=True, stories=stories,
                     **filters)
        self.total = res.total
        pit_id: str | None = None
        try:
            while True:
                yield from res.hits
                if not res.next_cursor:
                    break
                pit_id = decode_cursor(res.next_cursor)[1]
                res = search(es, q, alias=alias, sort=sort, size=batch, facets=False, cursor=res.next_cursor,
                             stories=stories, **filters)
        finally:
            if res.next_cursor:
                pit_id = decode_cursor(res.next_cursor)[1] or pit_id
            close_pit(es, pit_id)


def iter_hits(
    es: Elasticsearch,
    q: str,
    *,
    alias: str | None = None,
    sort: Sort = "date",
    batch: int = 200,
    stories: bool = False,
    **filters: Any,
) -> HitWalk:
    """Every matching hit, in order, through a point-in-time and ``search_after`` (deep paging); the walk's
    ``total`` counts its snapshot, ``stories=True`` fills each hit's ``story_articles`` as ``search`` does."""
    return HitWalk(es, q, alias=alias or get_settings().es_index, sort=sort, batch=batch, stories=stories,
                   filters=filters)
