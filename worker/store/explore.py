"""Aggregations behind the stories and entities pages (issue 17): top stories in a time window, one
story's articles across sources, top entities by type, and one entity's mentions over time with the
entities that co-occur with it.

Time windows are relative to an *anchor*: ``latest`` (the newest indexed article, the default), ``now``,
or an explicit ``until``. A service replaying an archive (the 2018 demo corpus) has nothing in "the last
24 hours" of the wall clock; relative to its newest article it has a day like any other, and on a live
service the newest article is minutes old, so both anchors agree there. Every answer says which window
it used (``since``, ``until``, ``newest``) so the page can print it.

Field names are the template's (``worker/store/templates/news-articles.json``): ``story_id``, ``source``,
``published``, ``entity_names`` and one keyword field per entity type (``entity_per``...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from elasticsearch import Elasticsearch

from worker.document import casualty_totals, event_types
from worker.store.search import _places

Anchor = Literal["latest", "now"]
WINDOWS: dict[str, timedelta | None] = {
    "24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "all": None,
}
ENTITY_FIELDS = {"PER": "entity_per", "ORG": "entity_org", "LOC": "entity_loc", "FAC": "entity_fac"}
_ARTICLE_SOURCE = ["id", "title", "url", "source", "published", "events", "entities", "casualties", "story_id"]


@dataclass(frozen=True)
class Window:
    window: str
    anchor: str  # "latest", "now" or "until" (an explicit end)
    since: str | None  # None: from the beginning (window "all")
    until: str
    newest: str | None  # the newest indexed article, whatever the window

    def filter(self) -> dict[str, Any]:
        if self.window == "all" and self.anchor != "until":
            # all time means every article: also undated ones and a feed's misdated future ones, which a
            # range up to the newest article left out (QA: a story listed with 3 articles showed 5)
            return {"match_all": {}}
        rng: dict[str, Any] = {"lte": self.until}
        if self.since:
            rng["gte"] = self.since
        return {"range": {"published": rng}}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(dt: datetime) -> str:
    """ISO 8601 UTC with milliseconds and a four-digit year (strftime writes year 1 as "1")."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _as_utc(dt: datetime) -> datetime:
    """``dt`` in UTC (naive means UTC); a time at the very edge of the calendar is clamped to it."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before datetime.min in UTC
        return (datetime.min if dt.year < 2 else datetime.max).replace(tzinfo=UTC)


def newest_published(es: Elasticsearch, alias: str) -> datetime | None:
    """The newest publication time not in the future: one feed's misdated item (a year 2030 typo) must
    not move every "latest" window off into empty time."""
    resp = es.search(index=alias, size=0, query={"range": {"published": {"lte": "now"}}},
                     aggs={"newest": {"max": {"field": "published"}}}).body
    value = (resp.get("aggregations") or {}).get("newest", {}).get("value")
    return datetime.fromtimestamp(value / 1000, UTC) if value is not None else None


def resolve_window(es: Elasticsearch, alias: str, window: str = "24h", anchor: Anchor = "latest",
                   until: datetime | None = None) -> Window:
    """The window ``window`` long ending at ``until``, else at the newest article (``latest``) or now."""
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}")
    newest = newest_published(es, alias)
    if until is not None:
        end, used = _as_utc(until), "until"
    elif anchor == "latest" and newest is not None:
        end, used = newest, "latest"
    else:
        end, used = datetime.now(UTC), "now"
    span = WINDOWS[window]
    since: str | None = None
    if span is not None:
        try:
            since = _iso(end - span)
        except OverflowError:  # an ``until`` near year 1: the window simply starts at the beginning
            since = None
    return Window(window, used, since, _iso(end), _iso(newest) if newest else None)


def article_item(src: dict[str, Any]) -> dict[str, Any]:
    """What a story timeline or an entity page lists for one article (no body: pages link to it)."""
    return {
        "id": src.get("id"),
        "title": src.get("title") or "",
        "url": src.get("url"),
        "source": src.get("source"),
        "published": src.get("published"),
        "story_id": src.get("story_id"),
        "events": event_types(src),
        "places": _places(src),
        "casualties": casualty_totals(src),
    }


def _terms(agg: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": b["key"], "count": b["doc_count"]} for b in agg.get("buckets", [])]


# -------------------------------------------------------------------------------------------- stories


def _one_per_outlet(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Source buckets merged by the name's lower case (the query language's ``source_key``): the most
    frequent spelling names the outlet, counts add up and the earliest ``first`` is kept."""
    merged: dict[str, dict[str, Any]] = {}
    for it in items:
        key = str(it["name"]).lower()
        seen = merged.get(key)
        if seen is None:
            merged[key] = dict(it)
            continue
        seen["count"] += it["count"]
        if it.get("first") and (not seen.get("first") or it["first"] < seen["first"]):
            seen["first"] = it["first"]
    return sorted(merged.values(), key=lambda x: -x["count"])


def top_stories(es: Elasticsearch, alias: str, *, window: str = "24h", anchor: Anchor = "latest",
                until: datetime | None = None, sort: Literal["sources", "articles"] = "sources",
                size: int = 20) -> dict[str, Any]:
    """Stories with the most sources (then articles) in the window; counts are of articles in the window.
    Each story comes with its earliest article in the window as representative title."""
    win = resolve_window(es, alias, window, anchor, until)
    order = [{"sources": "desc"}, {"_count": "desc"}] if sort == "sources" else [{"_count": "desc"}, {"sources": "desc"}]
    # Every article of the window is counted (``total_articles``: with or without a story, and past
    # Elasticsearch's default bound of 10,000 hits, QA qa7b-4); the terms aggregation itself only buckets
    # articles that have a story id.
    resp = es.search(
        index=alias, size=0, track_total_hits=True,
        query={"bool": {"filter": [win.filter()]}},
        aggs={"stories": {
            "terms": {"field": "story_id", "size": size, "order": [*order, {"last": "desc"}, {"_key": "asc"}]},
            "aggs": {
                # one outlet whatever the case of its name (a feed's "bbc", an archive's "BBC")
                "sources": {"cardinality": {"field": "source_key"}},
                "first": {"min": {"field": "published"}},
                "last": {"max": {"field": "published"}},
                "source_names": {"terms": {"field": "source", "size": 12}},
                "events": {"terms": {"field": "event_types", "size": 3}},
                "places": {"terms": {"field": "place_names", "size": 3}},
                "rep": {"top_hits": {"size": 1, "sort": [{"published": "asc"}, {"id": "asc"}],
                                     "_source": ["id", "title", "source", "published"]}},
            },
        }},
    ).body
    stories = []
    for b in resp["aggregations"]["stories"]["buckets"]:
        rep_hits = b["rep"]["hits"]["hits"]
        rep = rep_hits[0]["_source"] if rep_hits else {}
        stories.append({
            "story_id": b["key"],
            "title": rep.get("title") or "",
            "articles": b["doc_count"],
            "sources": b["sources"]["value"],
            "source_names": [x["name"] for x in _one_per_outlet(
                {"name": x["name"], "count": x["count"]} for x in _terms(b["source_names"]))],
            "first": b["first"].get("value_as_string"),
            "last": b["last"].get("value_as_string"),
            "events": [x["name"] for x in _terms(b["events"])],
            "places": [x["name"] for x in _terms(b["places"])],
        })
    return {**win.to_dict(), "sort": sort, "total_articles": resp["hits"]["total"]["value"], "stories": stories}


def story(es: Elasticsearch, alias: str, story_id: str, size: int = 200) -> dict[str, Any] | None:
    """One story's articles, oldest first, with its sources; None when no article carries the id."""
    resp = es.search(
        index=alias, size=size, track_total_hits=True,
        query={"bool": {"filter": [{"term": {"story_id": story_id}}]}},
        sort=[{"published": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
        source=_ARTICLE_SOURCE,
        aggs={
            "sources": {"terms": {"field": "source", "size": 50},
                        "aggs": {"first": {"min": {"field": "published"}}}},
            "first": {"min": {"field": "published"}},
            "last": {"max": {"field": "published"}},
        },
    ).body
    total = resp["hits"]["total"]["value"]
    if not total:
        return None
    aggs = resp["aggregations"]
    articles = [article_item(h["_source"]) for h in resp["hits"]["hits"]]
    return {
        "story_id": story_id,
        "title": articles[0]["title"] if articles else "",
        "total": total,
        "first": aggs["first"].get("value_as_string"),
        "last": aggs["last"].get("value_as_string"),
        "sources": _one_per_outlet({"name": b["key"], "count": b["doc_count"], "first": b["first"].get("value_as_string")}
                                   for b in aggs["sources"]["buckets"]),
        "articles": articles,
    }


# ------------------------------------------------------------------------------------------- entities


def top_entities(es: Elasticsearch, alias: str, *, types: tuple[str, ...] = tuple(ENTITY_FIELDS),
                 window: str = "all", anchor: Anchor = "latest", until: datetime | None = None,
                 size: int = 15) -> dict[str, Any]:
    """The most mentioned canonical names of each type (articles mentioning them) in the window."""
    win = resolve_window(es, alias, window, anchor, until)
    resp = es.search(
        index=alias, size=0, track_total_hits=True,  # every article counted, not "10,000 or more"
        query={"bool": {"filter": [win.filter()]}},
        aggs={t: {"terms": {"field": ENTITY_FIELDS[t], "size": size}} for t in types},
    ).body
    aggs = resp.get("aggregations") or {}
    return {**win.to_dict(), "total_articles": resp["hits"]["total"]["value"],
            "types": {t: _terms(aggs.get(t, {})) for t in types}}


def histogram_unit(first: datetime, last: datetime) -> str:
    """Bars a chart can show: days up to three months, weeks up to three years, months beyond."""
    span = last - first
    if span <= timedelta(days=92):
        return "day"
    if span <= timedelta(days=3 * 366):
        return "week"
    return "month"


def entity(es: Elasticsearch, alias: str, name: str, etype: str | None = None, *, size: int = 20,
           related: int = 10) -> dict[str, Any] | None:
    """Mentions of one canonical name over time, the entities named in the same articles (by type), its
    sources and latest articles; None when no article names it."""
    fld = ENTITY_FIELDS[etype] if etype else "entity_names"
    query = {"bool": {"filter": [{"term": {fld: name}}]}}
    resp = es.search(
        index=alias, size=size, track_total_hits=True, query=query,
        sort=[{"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
        source=_ARTICLE_SOURCE,
        aggs={
            "first": {"min": {"field": "published"}},
            "last": {"max": {"field": "published"}},
            "as_type": {"filters": {"filters": {t: {"term": {f: name}} for t, f in ENTITY_FIELDS.items()}}},
            "sources": {"terms": {"field": "source", "size": 10}},
            "events": {"terms": {"field": "event_types", "size": 8}},
            # one more than shown: the entity itself is always its own top co-occurrence
            **{f"co_{t}": {"terms": {"field": f, "size": related + 1}} for t, f in ENTITY_FIELDS.items()},
        },
    ).body
    total = resp["hits"]["total"]["value"]
    if not total:
        return None
    aggs = resp["aggregations"]
    by_type = {t: b["doc_count"] for t, b in aggs["as_type"]["buckets"].items() if b["doc_count"]}
    main_type = etype or (max(by_type, key=lambda t: by_type[t]) if by_type else None)
    cooccurring = {
        t: [x for x in _terms(aggs[f"co_{t}"]) if x["name"] != name][:related] for t in ENTITY_FIELDS
    }
    first_s, last_s = aggs["first"].get("value_as_string"), aggs["last"].get("value_as_string")
    unit, histogram = "day", []
    if first_s and last_s:
        first, last = (datetime.fromisoformat(s.replace("Z", "+00:00")) for s in (first_s, last_s))
        unit = histogram_unit(first, last)
        hist = es.search(index=alias, size=0, query=query, aggs={"h": {"date_histogram": {
            "field": "published", "calendar_interval": unit, "min_doc_count": 1, "format": "yyyy-MM-dd",
        }}}).body
        histogram = [{"key": b["key_as_string"], "count": b["doc_count"]}
                     for b in hist["aggregations"]["h"]["buckets"]]
    return {
        "name": name,
        "type": main_type,
        "types": by_type,
        "total": total,
        "first": first_s,
        "last": last_s,
        "unit": unit,
        "histogram": histogram,
        "cooccurring": cooccurring,
        "sources": _terms(aggs["sources"]),
        "events": _terms(aggs["events"]),
        "articles": [article_item(h["_source"]) for h in resp["hits"]["hits"]],
    }
