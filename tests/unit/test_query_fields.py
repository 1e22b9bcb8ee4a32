"""index_view and the mapping template: every emitted field is declared, derived fields are right."""

from __future__ import annotations

import json
from importlib import resources

from worker.document import Casualty, EnrichedDocument, Entity, Event, Place, Quote
from worker.query.analysis import analyze
from worker.query.fields import INT_FIELDS, KEYWORD_FIELDS, QUERY_FIELDS, TOKEN_FIELDS, index_view


def template() -> dict:
    text = resources.files("worker.store").joinpath("templates/news-articles.json").read_text("utf-8")
    return json.loads(text)


def full_doc() -> EnrichedDocument:
    return EnrichedDocument(
        id="d1", url="https://x.example/1", source="SkyNews", feed_id="sky", title="قتلى في هجوم على سجن",
        body="قُتل 7 أشخاص وأصيب 12 في الحسكة. وقال المتحدث: \"الوضع تحت السيطرة\".", summary="ملخص",
        author="مراسل", image="https://x.example/i.jpg", published="2022-01-20T10:11:12.345678+02:00",
        fetched="2022-01-20T09:00:00Z", indexed="2022-01-20T09:00:01Z", tags=["سوريا"],
        entities=[Entity(text="الحسكة", type="LOC", canonical="الحسكة", start=20, end=26,
                         place=Place(name_en="Al-Hasakah", country="SY", lat=36.5, lon=40.7, geonameid=173811)),
                  Entity(text="المتحدث", type="PER", canonical="المتحدث", start=30, end=37),
                  Entity(text="السجن", type="FAC", canonical="سجن غويران", start=0, end=5)],
        dates=[{"text": "الخميس", "date": "2022-01-20", "start": 0, "end": 6}],
        casualties=[Casualty(kind="killed", count=7, text="قتل 7"), Casualty(kind="injured", count=12, text="أصيب 12"),
                    Casualty(kind="killed", count=3, text="3 قتلى")],
        events=[Event(type="prison_attack", evidence="هجوم على سجن")],
        quotes=[Quote(speaker="المتحدث", text="الوضع تحت السيطرة")],
        keywords=["سجن", "الحسكة"], fingerprint="00ff00ff00ff00ff", story_id="d0",
    )


def declared(props: dict, value, path: str) -> list[str]:
    """Paths in ``value`` not declared in mapping ``props``."""
    missing = []
    for key, sub in value.items():
        spec = props.get(key)
        if spec is None:
            missing.append(f"{path}{key}")
            continue
        items = sub if isinstance(sub, list) else [sub]
        if "properties" in spec:
            for it in items:
                if isinstance(it, dict):
                    missing += declared(spec["properties"], it, f"{path}{key}.")
    return missing


def test_every_view_field_is_declared_in_the_mapping() -> None:
    mapping = template()["template"]["mappings"]
    assert mapping["dynamic"] is False
    view = index_view(full_doc())
    assert declared(mapping["properties"], view, "") == []
    # and every field the query language targets exists with a suitable type
    props = mapping["properties"]
    for f in TOKEN_FIELDS:
        assert props[f]["type"] == "text" and props[f]["analyzer"] == "whitespace"
    for f in KEYWORD_FIELDS:
        assert props[f]["type"] == "keyword"
    for f in INT_FIELDS:
        assert props[f]["type"] == "integer"
    assert props["published"]["type"] == "date" and props["locations"]["type"] == "geo_point"
    for spec in QUERY_FIELDS.values():
        assert all(t in props for t in spec.targets)


def test_derived_fields() -> None:
    view = index_view(full_doc())
    assert view["title_ar"].split() == analyze("قتلى في هجوم على سجن")
    # milliseconds, in the publication's own zone (the instant is 08:11:12.345Z): an export keeps its local day
    assert view["published"] == "2022-01-20T10:11:12.345+02:00"
    assert view["killed"] == 7 and view["injured"] == 12 and view["arrested"] == 0 and view["casualties_max"] == 12
    assert view["event_types"] == ["prison_attack"]
    assert view["entity_types"] == ["FAC", "LOC", "PER"]
    assert "حسكه" in view["place_keys"] and "al hasakah" in view["place_keys"] and " ".join(analyze("سجن غويران")) in view["place_keys"]
    assert "متحدث" in view["entity_keys"] and "متحدث" not in view["place_keys"]
    assert view["place_names"] == ["الحسكة", "سجن غويران"]
    assert view["countries"] == ["SY"] and view["locations"] == [{"lat": 36.5, "lon": 40.7}]
    assert view["source"] == "SkyNews" and view["source_key"] == "skynews"
    assert view["keyword_keys"] == ["سجن", "حسكه"]  # ة is part of the key (QA round 4)
    assert view["entities"][0]["place"]["geonameid"] == 173811  # enriched fields pass through


def test_dict_input_and_empty_fields() -> None:
    view = index_view({"id": "e", "title": "", "body": "", "summary": "خبر عاجل"})
    assert view["body_ar"] == " ".join(analyze("خبر عاجل"))  # summary stands in for a missing body
    for absent in ("title_ar", "entity_keys", "event_types", "published", "source_key", "locations"):
        assert absent not in view
    assert all(view[k] == 0 for k in INT_FIELDS)
    assert index_view(full_doc()) == index_view(full_doc().model_dump(mode="json"))


def test_dates_before_year_1000_keep_four_digits() -> None:
    # QA: date:0001-01-01..9999-12-31 sent "1-01-01" and Elasticsearch refused the whole search
    from worker.query import compile
    from worker.query.fields import to_utc_ms

    rng = compile("date:0001-01-01..9999-12-31").es["range"]["published"]
    assert rng["gte"] == "0001-01-01T00:00:00.000Z" and rng["lt"].startswith("9999-12-31T")
    assert compile("date:<0999-02").es["range"]["published"]["lt"] == "0999-02-01T00:00:00.000Z"
    assert to_utc_ms("0500-02-03T04:05:06.789Z") == "0500-02-03T04:05:06.789Z"
