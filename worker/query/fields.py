"""The searchable view of a document and the query-language fields that address it.

``index_view(doc)`` is the Elasticsearch ``_source`` of an article: the enriched document as it is plus
derived fields computed here once (analyzed text, folded entity/place keys, per-kind casualty maxima...).
The Python matcher evaluates queries over exactly this dict, so a saved search (Elasticsearch) and an alert
(Python) see the same data. Every key it produces is declared in ``worker/store/templates/news-articles.json``
(a unit test checks that).

Derived fields:

=================  =========================================================================================
``title_ar``       analyzed title tokens, space-joined (``whitespace`` analyzer, positions for phrases)
``body_ar``        analyzed body tokens (the summary when the body is empty)
``title_exact``    folded surface tokens of the title, nothing stripped (``analyze_exact``; the ``exact:`` field)
``body_exact``     folded surface tokens of the body
``entity_keys``    one analyzed string per distinct entity canonical name and surface form
``entity_names``   canonical entity names as written (keyword, for facets)
``entity_types``   PER/ORG/LOC/FAC present
``place_keys``     analyzed names of LOC/FAC entities: canonical, surface and gazetteer English name
``place_names``    canonical LOC/FAC names as written (keyword, for facets)
``countries``      ISO country codes of resolved places
``locations``      geo_points ``{"lat", "lon"}`` of resolved places
``event_types``    event types present
``killed`` ...     per casualty kind, the largest count reported (0 when none): killed, injured, arrested,
                   kidnapped, missing, escaped; ``casualties_max`` is the largest of them
``keyword_keys``   analyzed extracted keywords
``source_key``     lowercased ``source`` (``source:`` matches it whole or a run of its words, or ``feed_id``;
                   ``sourcename:`` matches ``source`` itself, whole and as written)
``published``      ISO 8601 with milliseconds in the publication's own UTC offset (``Z`` when UTC;
                   Elasticsearch indexes the instant), or absent
=================  =========================================================================================
Derived text/keyword fields are left out when empty, so ``field:*`` (exists) agrees between backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from worker.document import CASUALTY_KINDS, EVENT_TYPES, EnrichedDocument
from worker.query.analysis import analyze_key, analyze_pair

__all__ = [
    "index_view", "to_utc_ms", "FieldSpec", "QUERY_FIELDS", "FIELD_ALIASES", "DEFAULT_TEXT_FIELDS",
    "TOKEN_FIELDS", "EXACT_TEXT_FIELDS", "KEYWORD_FIELDS", "INT_FIELDS", "DATE_FIELDS", "resolve_field",
]

INT_MAX = 2**31 - 1  # Elasticsearch ``integer``

# Index fields by how the matcher reads them.
DEFAULT_TEXT_FIELDS: tuple[str, ...] = ("title_ar", "body_ar")
TOKEN_FIELDS: tuple[str, ...] = (
    "title_ar", "body_ar", "entity_keys", "place_keys", "keyword_keys", "title_exact", "body_exact",
)
EXACT_TEXT_FIELDS: tuple[str, ...] = ("title_exact", "body_exact")
KEYWORD_FIELDS: tuple[str, ...] = (
    "event_types", "entity_types", "source_key", "feed_id", "language", "countries", "story_id", "id",
)
INT_FIELDS: tuple[str, ...] = (*CASUALTY_KINDS, "casualties_max")
DATE_FIELDS: tuple[str, ...] = ("published",)


@dataclass(frozen=True)
class FieldSpec:
    """A query-language field: which index fields it targets and how values are read.

    kind: ``text`` (analyzed words/phrases over token fields), ``keyword`` (exact values, normalised by
    ``case``), ``int`` (numbers and ranges), ``date`` (dates and ranges). ``exact``: a text field whose
    values are only folded (``analyze_exact``), not stemmed.
    """

    name: str
    kind: str
    targets: tuple[str, ...]
    case: str = ""  # "lower" | "upper" | "" for keyword values
    allowed: tuple[str, ...] = ()
    help: str = ""
    exact: bool = False
    # text fields: widen a gazetteer name to the entry's other names (``worker.query.aliases``):
    # "any" entry, or "place" entries (LOC/FAC) only
    aliases: str = ""
    # keyword fields: targets matched as a run of whole words of the value (``ast.KeywordWords``), not whole
    words: tuple[str, ...] = ()
    # keyword fields: a value must match this (re.fullmatch, after ``case``), else ``pattern_error`` is the
    # query error: a value that can never be stored is refused rather than silently matching nothing
    pattern: str = ""
    pattern_error: str = ""
    # what every stored article has in this field ("a title"): ``field:*`` would mean every article, which
    # only the blank query may, so it is refused (``place:*`` stays: some articles have no place)
    everywhere: str = ""


QUERY_FIELDS: dict[str, FieldSpec] = {
    s.name: s
    for s in (
        FieldSpec("title", "text", ("title_ar",), help="words/phrases in the title", everywhere="a title"),
        FieldSpec("body", "text", ("body_ar",), help="words/phrases in the body", everywhere="a body"),
        FieldSpec("entity", "text", ("entity_keys",), aliases="any",
                  help="an entity name or part of one, or a gazetteer alias: entity:قسد"),
        # the exact canonical name, as the entities page and the facets count it (entity: also finds longer
        # names holding it: "الجمعية العامة للأمم المتحدة" for "الأمم المتحدة")
        FieldSpec("name", "keyword", ("entity_names",),
                  help='an entity\'s exact canonical name, as the entities page counts it: name:"الأمم المتحدة"'),
        FieldSpec("place", "text", ("place_keys",), aliases="place",
                  help="a place (Arabic or English name): place:الحسكة"),
        # the exact canonical place name, as the place facet counts it (place: also finds the gazetteer
        # entry's other names and longer names holding it): what a click on a place facet adds (qa7b-11)
        FieldSpec("placename", "keyword", ("place_names",),
                  help='a place\'s exact canonical name, as the place facet counts it: placename:"الولايات المتحدة"'),
        FieldSpec("keyword", "text", ("keyword_keys",), help="an extracted keyword"),
        FieldSpec("exact", "text", EXACT_TEXT_FIELDS, exact=True, everywhere="a title or a body",
                  help='the word as written, no clitic/plural folding: exact:لبنان, exact:"سجون حلب"'),
        FieldSpec("event", "keyword", ("event_types",), "lower", EVENT_TYPES, "event type: event:prison_attack"),
        FieldSpec("type", "keyword", ("entity_types",), "upper", ("PER", "ORG", "LOC", "FAC"),
                  "entity type present: type:ORG"),
        FieldSpec("source", "keyword", ("source_key", "feed_id"), "lower", words=("source_key",),
                  help='source name, a word of it, or a feed id: source:bbc, source:"BBC Arabic"'),
        # the whole source name exactly as stored, as the source facet counts it (source: also takes the
        # names holding it as a run of words: "BBC Arabic" for BBC): what a click on a source facet adds
        FieldSpec("sourcename", "keyword", ("source",),
                  help='a source\'s exact name, as the source facet counts it: sourcename:BBC'),
        FieldSpec("lang", "keyword", ("language",), "lower", help="language code: lang:ar", everywhere="a language"),
        FieldSpec("country", "keyword", ("countries",), "upper", help="ISO country of a place: country:SY",
                  pattern="[A-Z]{2}", pattern_error="country: takes an ISO 3166 alpha-2 code such as SY"),
        FieldSpec("story", "keyword", ("story_id",), "lower", help="near-duplicate story id", everywhere="a story"),
        FieldSpec("id", "keyword", ("id",), "lower", help="document id", everywhere="an id"),
        FieldSpec("date", "date", ("published",),
                  help="publication date: date:2022-01-20, date:2022-01-20..2022-02-01, date:>=2022-01"),
        *(FieldSpec(k, "int", (k,), help=f"largest reported {k} count: {k}:>10") for k in CASUALTY_KINDS),
        FieldSpec("casualties", "int", ("casualties_max",), help="largest count of any casualty kind"),
    )
}
FIELD_ALIASES: dict[str, str] = {
    "entities": "entity", "places": "place", "loc": "place", "location": "place", "keywords": "keyword",
    "kw": "keyword", "events": "event", "etype": "type", "src": "source", "language": "lang",
    "published": "date", "story_id": "story", "countries": "country",
}


def resolve_field(name: str) -> FieldSpec | None:
    """The spec for a query field name (case-insensitive, aliases accepted), or None."""
    key = name.lower()
    return QUERY_FIELDS.get(FIELD_ALIASES.get(key, key))


def to_utc_ms(value: datetime | str | None) -> str | None:
    """ISO 8601 in UTC with millisecond precision (Elasticsearch's resolution); naive means UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    # not strftime: its %Y writes year 1 as "1"; Elasticsearch's strict formats need four digits
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
            f"{value.second:02d}.{value.microsecond // 1000:03d}Z")


def to_ms_in_own_zone(value: datetime | str | None) -> str | None:
    """ISO 8601 with millisecond precision in the value's own UTC offset (``Z`` for UTC; naive means UTC).
    Elasticsearch indexes the same instant as ``to_utc_ms`` gives; the stored ``published`` keeps the
    publication's local time, the calendar day its relative dates ("اليوم الأربعاء") were read in, so an
    exported article imports back with the same dates (QA: "+0400" articles shifted by a week)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    offset = value.utcoffset()
    if not offset or offset.total_seconds() % 60:
        return to_utc_ms(value)  # UTC (or naive), or an offset Elasticsearch's ±HH:MM cannot write
    to_utc_ms(value)  # the same range checks: the instant must be writable in UTC too
    sign = "-" if offset.total_seconds() < 0 else "+"
    hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
    v = value
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}."
            f"{v.microsecond // 1000:03d}{sign}{hours:02d}:{minutes:02d}")


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for it in items:
        if it and it not in seen:
            seen[it] = None
    return list(seen)


def index_view(doc: EnrichedDocument | dict[str, Any]) -> dict[str, Any]:
    """The Elasticsearch ``_source`` for ``doc``: its enriched fields plus the derived fields above."""
    if isinstance(doc, EnrichedDocument):
        view = doc.model_dump(mode="json")
    else:
        view = EnrichedDocument.model_validate(doc).model_dump(mode="json")

    published = to_ms_in_own_zone(view.get("published"))  # set with the derived fields below
    for key in ("fetched", "indexed"):
        view[key] = to_utc_ms(view.get(key))

    title = view.get("title") or ""
    body = view.get("body") or view.get("summary") or ""
    title_toks, title_exact = analyze_pair(title)
    body_toks, body_exact = analyze_pair(body)

    entities = view.get("entities") or []
    entity_keys: list[str] = []
    place_keys: list[str] = []
    for ent in entities:
        forms = [analyze_key(ent.get("canonical") or ""), analyze_key(ent.get("text") or "")]
        entity_keys += forms
        if ent.get("type") in ("LOC", "FAC"):
            place_keys += forms
            if ent.get("place"):
                place_keys.append(analyze_key(ent["place"].get("name_en") or ""))
    places = [e["place"] for e in entities if e.get("type") in ("LOC", "FAC") and e.get("place")]
    locations: list[dict[str, float]] = []
    for p in places:
        if p.get("lat") is not None and p.get("lon") is not None:
            loc = {"lat": float(p["lat"]), "lon": float(p["lon"])}
            if loc not in locations and -90 <= loc["lat"] <= 90 and -180 <= loc["lon"] <= 180:
                locations.append(loc)

    maxima = {k: 0 for k in CASUALTY_KINDS}
    for cas in view.get("casualties") or []:
        kind = cas.get("kind")
        if kind in maxima:
            maxima[kind] = max(maxima[kind], min(max(int(cas.get("count") or 0), 0), INT_MAX))

    derived: dict[str, Any] = {
        "title_ar": " ".join(title_toks),
        "body_ar": " ".join(body_toks),
        "title_exact": " ".join(title_exact),
        "body_exact": " ".join(body_exact),
        "entity_keys": _unique(entity_keys),
        "entity_names": _unique([e.get("canonical") or e.get("text") or "" for e in entities]),
        "entity_types": sorted({e["type"] for e in entities if e.get("type")}),
        # One keyword field per type: in a plain object array a name and its type are flattened apart,
        # so "top organisations" needs a field of its own for the facet.
        **{f"entity_{t.lower()}": _unique([e.get("canonical") or e.get("text") or "" for e in entities
                                           if e.get("type") == t]) for t in ("PER", "ORG", "LOC", "FAC")},
        "place_keys": _unique(place_keys),
        "place_names": _unique(
            [e.get("canonical") or e.get("text") or "" for e in entities if e.get("type") in ("LOC", "FAC")]
        ),
        "countries": sorted({p["country"] for p in places if p.get("country")}),
        "locations": locations,
        "event_types": sorted({e["type"] for e in view.get("events") or [] if e.get("type")}),
        "keyword_keys": _unique([analyze_key(k) for k in view.get("keywords") or []]),
        "source_key": (view.get("source") or "").lower(),
        "published": published,
    }
    for key, value in derived.items():
        if value in ("", [], None):
            view.pop(key, None)
        else:
            view[key] = value
    # Pass-through values that are empty strings would "exist" in ES but not for the matcher.
    for key in ("source", "story_id", "fingerprint", "language", "url", "feed_id"):
        if view.get(key) in ("", None):
            view.pop(key, None)
    view = {k: v for k, v in view.items() if v is not None}
    view.update(maxima)
    view["casualties_max"] = max(maxima.values())
    return view
