"""Which index fields search sorts, filters and facets on, read from the live mapping.

The mapping belongs to the template file (``worker/store/templates/news-articles.json``); reading it back
from Elasticsearch, instead of hard-coding names here, means a facet silently missing from the template
is simply not asked for (an aggregation on an unmapped field would return nothing anyway), and the search
module keeps working across template versions during a reindex.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

ENTITY_TYPES = ("PER", "ORG", "LOC", "FAC")
_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class FieldMap:
    id: str = "id"
    source: str = "source"
    published: str = "published"
    facet_terms: dict[str, str] = field(default_factory=dict)
    # entity facet name -> (nested path or "", filter on the type, keyword field with the canonical name)
    entity_facets: dict[str, tuple[str, dict[str, Any], str]] = field(default_factory=dict)
    heavy_fields: list[str] = field(default_factory=list)
    geo: str = ""


def _flatten(props: dict[str, Any], prefix: str = "", nested: str = "") -> dict[str, tuple[str, str]]:
    """``{dotted.path: (type, nested_path)}`` for every mapped field, including multi-fields."""
    out: dict[str, tuple[str, str]] = {}
    for name, spec in (props or {}).items():
        path = f"{prefix}{name}"
        ftype = spec.get("type", "object")
        out[path] = (ftype, nested)
        inner_nested = path if ftype == "nested" else nested
        if "properties" in spec:
            out.update(_flatten(spec["properties"], f"{path}.", inner_nested))
        for sub, sub_spec in (spec.get("fields") or {}).items():
            out[f"{path}.{sub}"] = (sub_spec.get("type", "object"), nested)
    return out


def _keyword(fields: dict[str, tuple[str, str]], *candidates: str) -> str | None:
    """The first candidate that is a keyword field (or has a ``.keyword`` multi-field) outside nested."""
    for cand in candidates:
        for name in (cand, f"{cand}.keyword"):
            ftype, nested = fields.get(name, ("", ""))
            if ftype in ("keyword", "constant_keyword") and not nested:
                return name
    return None


def from_mapping(properties: dict[str, Any]) -> FieldMap:
    fields = _flatten(properties)
    fm_id = _keyword(fields, "id") or "id"
    source = _keyword(fields, "source") or "source"
    published = "published" if fields.get("published", ("",))[0] in ("date", "date_nanos") else ""
    facet_terms: dict[str, str] = {}
    for facet, candidates in (
        ("source", ("source",)),
        ("event", ("event_types",)),
        ("place", ("place_names",)),
        ("country", ("countries",)),
    ):
        fld = _keyword(fields, *candidates)
        if fld:
            facet_terms[facet] = fld
    entity_facets: dict[str, tuple[str, dict[str, Any], str]] = {}
    # Entities by type need one keyword field per type (``entity_per``...) or a nested list: in a plain
    # object array the type and the name of different entities are flattened apart. Without either,
    # one facet over all canonical names.
    per_type = {
        "PER": ("entity_per", "entities_per"),
        "ORG": ("entity_org", "entities_org"),
        "LOC": ("entity_loc", "entities_loc"),
        "FAC": ("entity_fac", "entities_fac"),
    }
    for etype, candidates in per_type.items():
        fld = _keyword(fields, *candidates)
        if fld:
            entity_facets[etype] = ("", {}, fld)
    if not entity_facets:
        type_f, canon_f = "entities.type", "entities.canonical"
        t_type, t_nested = fields.get(type_f, ("", ""))
        c_type, _ = fields.get(canon_f, ("", ""))
        if t_type == "keyword" and c_type == "keyword" and t_nested:
            for etype in ENTITY_TYPES:
                entity_facets[etype] = (t_nested, {"term": {type_f: etype}}, canon_f)
    if not entity_facets:
        fld = _keyword(fields, "entity_names")
        if fld:
            entity_facets["ALL"] = ("", {}, fld)
    geo = next((n for n, (t, nested) in fields.items() if t == "geo_point" and not nested), "")
    heavy = sorted(
        name
        for name, (ftype, nested) in fields.items()
        if "." not in name and ftype == "text" and name.endswith(("_ar", "_exact"))
    )
    return FieldMap(
        id=fm_id,
        source=source,
        published=published,
        facet_terms=facet_terms,
        entity_facets=entity_facets,
        heavy_fields=heavy,
        geo=geo,
    )


_lock = threading.Lock()
_cache: dict[str, tuple[float, FieldMap]] = {}


def field_map(es: Elasticsearch, alias: str) -> FieldMap:
    """The field map of the index behind ``alias`` (cached for a minute per alias)."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(alias)
        if hit and now - hit[0] < _CACHE_SECONDS:
            return hit[1]
    resp = es.indices.get_mapping(index=alias).body
    props: dict[str, Any] = {}
    for idx in sorted(resp):  # several indices only mid-swap; the union is what queries can hit
        props.update(resp[idx].get("mappings", {}).get("properties", {}))
    fm = from_mapping(props)
    with _lock:
        _cache[alias] = (now, fm)
    return fm


def forget(alias: str | None = None) -> None:
    """Drop cached maps (after a reindex or in tests)."""
    with _lock:
        if alias is None:
            _cache.clear()
        else:
            _cache.pop(alias, None)
