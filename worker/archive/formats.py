"""Stored documents (``_source``, the enriched-document fields) -> export rows: CSV, JSONL, GeoJSON.

Each ``render_*`` takes pages of sources (what the exporter fetches per request) and yields one text
chunk per page, so a streamed response sends a page as soon as it arrives and holds only one in memory.

* **JSONL**: one enriched document per line (the ``EnrichedDocument`` fields, without the index's
  derived fields). ``newsworker import`` reads it back (url, title, body, published, source, language).
* **CSV**: one flat row per article (``CSV_COLUMNS``), UTF-8 *with a BOM* so Excel opens Arabic right,
  CRLF line ends. Multi-valued cells are joined with ``"; "``. A cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a CR is prefixed with ``'``: spreadsheet programs would run it as a formula (CSV
  injection: a title such as ``=HYPERLINK(...)`` from a hostile feed). The guard is ``worker.archive.formula``,
  which the CSV reader uses to undo it, so an exported CSV imports back unchanged.
* **GeoJSON**: a FeatureCollection with one Point Feature per (article, place): every distinct place of
  the article's LOC/FAC entities that the gazetteer resolved to coordinates. Articles without a resolved
  place give no feature.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from worker.archive.formula import guard
from worker.document import CASUALTY_KINDS, EnrichedDocument

DOCUMENT_FIELDS: tuple[str, ...] = tuple(EnrichedDocument.model_fields)
ENTITY_COLUMNS = {"PER": "persons", "ORG": "organisations", "LOC": "locations", "FAC": "facilities"}
CSV_COLUMNS: tuple[str, ...] = (
    "id", "url", "title", "source", "published", "language", "story_id", "events", "casualties",
    *CASUALTY_KINDS, "places", "countries", *ENTITY_COLUMNS.values(), "keywords", "summary",
)
CSV_BOM = "\ufeff"
JOIN = "; "
Page = list[dict[str, Any]]


# ------------------------------------------------------------------------------------------ summaries


def document_view(src: dict[str, Any]) -> dict[str, Any]:
    """The enriched-document fields of a stored source, in the schema's order."""
    return {k: src[k] for k in DOCUMENT_FIELDS if k in src}


def casualty_maxima(src: dict[str, Any]) -> dict[str, int]:
    """Per kind, the largest count reported: repeated figures in one article are one count, not a sum
    (the index's ``killed``... fields and the search hits do the same)."""
    out: dict[str, int] = {}
    for cas in src.get("casualties") or []:
        kind, count = cas.get("kind"), cas.get("count")
        if kind in CASUALTY_KINDS and isinstance(count, int):
            out[kind] = max(out.get(kind, 0), count)
    return out


def event_types(src: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(e["type"] for e in src.get("events") or [] if e.get("type")))


def entity_names(src: dict[str, Any], etype: str) -> list[str]:
    names = (e.get("canonical") or e.get("text") for e in src.get("entities") or [] if e.get("type") == etype)
    return list(dict.fromkeys(n for n in names if n))


def places(src: dict[str, Any]) -> list[dict[str, Any]]:
    """The article's distinct resolved places (LOC/FAC entities with coordinates), with mention counts."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for ent in src.get("entities") or []:
        place = ent.get("place") or {}
        lat, lon = place.get("lat"), place.get("lon")
        if ent.get("type") not in ("LOC", "FAC") or not _coordinate(lat, 90) or not _coordinate(lon, 180):
            continue
        key = (place.get("geonameid"),) if place.get("geonameid") else (place.get("name_en"), lat, lon)
        if key in out:
            out[key]["mentions"] += 1
            continue
        out[key] = {"name": ent.get("canonical") or ent.get("text"), "name_en": place.get("name_en"),
                    "country": place.get("country"), "geonameid": place.get("geonameid"),
                    "lat": float(lat), "lon": float(lon), "mentions": 1}
    return list(out.values())


def _coordinate(value: Any, bound: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and -bound <= value <= bound


# ---------------------------------------------------------------------------------------------- JSONL


def jsonl_line(src: dict[str, Any]) -> str:
    return json.dumps(document_view(src), ensure_ascii=False, separators=(",", ":")) + "\n"


def render_jsonl(pages: Iterable[Page]) -> Iterator[str]:
    for page in pages:
        yield "".join(jsonl_line(s) for s in page)


# ------------------------------------------------------------------------------------------------ CSV


def csv_safe(value: Any) -> str:
    """A cell as text, defused against formula injection (see the module docstring)."""
    return guard("" if value is None else str(value))


def csv_record(src: dict[str, Any]) -> list[str]:
    maxima = casualty_maxima(src)
    resolved = places(src)
    cells: dict[str, Any] = {k: src.get(k) for k in ("id", "url", "title", "source", "published", "language",
                                                     "story_id", "summary")}
    cells["events"] = JOIN.join(event_types(src))
    cells["casualties"] = JOIN.join(f"{k} {maxima[k]}" for k in CASUALTY_KINDS if k in maxima)
    # None (an empty cell) when the article reports no count of that kind: a reported 0 stays "0", and a
    # spreadsheet's average or "killed = 0" filter does not count the articles that say nothing (qa7b-6)
    cells.update({k: maxima.get(k) for k in CASUALTY_KINDS})
    cells["places"] = JOIN.join(dict.fromkeys(p["name"] for p in resolved if p["name"]))
    cells["countries"] = JOIN.join(dict.fromkeys(p["country"] for p in resolved if p["country"]))
    for etype, column in ENTITY_COLUMNS.items():
        cells[column] = JOIN.join(entity_names(src, etype))
    cells["keywords"] = JOIN.join(src.get("keywords") or [])
    return [csv_safe(cells[c]) for c in CSV_COLUMNS]


def _csv_text(records: Iterable[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows(records)
    return buf.getvalue()


def render_csv(pages: Iterable[Page]) -> Iterator[str]:
    yield CSV_BOM + _csv_text([list(CSV_COLUMNS)])
    for page in pages:
        yield _csv_text(csv_record(s) for s in page)


# -------------------------------------------------------------------------------------------- GeoJSON


def features(src: dict[str, Any]) -> list[dict[str, Any]]:
    """One GeoJSON Feature per resolved place of the article (RFC 7946: coordinates are lon, lat)."""
    props = {"id": src.get("id"), "url": src.get("url"), "title": src.get("title"), "source": src.get("source"),
             "published": src.get("published"), "events": event_types(src), "casualties": casualty_maxima(src)}
    return [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
         "properties": {**props, "place": p["name"], "place_en": p["name_en"], "country": p["country"],
                        "geonameid": p["geonameid"], "mentions": p["mentions"]}}
        for p in places(src)
    ]


def render_geojson(pages: Iterable[Page]) -> Iterator[str]:
    """A FeatureCollection written as it goes: the features of each page, comma-separated."""
    yield '{"type":"FeatureCollection","features":['
    first = True
    for page in pages:
        parts = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for s in page for f in features(s)]
        if parts:
            yield ("" if first else ",") + ",\n".join(parts)
            first = False
    yield "]}\n"


RENDERERS = {"csv": render_csv, "jsonl": render_jsonl, "geojson": render_geojson}
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8",
               "geojson": "application/geo+json; charset=utf-8"}
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "geojson": "geojson"}
