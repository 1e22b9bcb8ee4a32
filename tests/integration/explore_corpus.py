"""A small hand-made corpus for the stories and entities views (issue 17), shared by the API tests and the
browser tests. Dates are in March 2018, like the replayed ANT archive, so "the last 24 hours" relative to
the wall clock is empty and relative to the newest article is not. Every expectation below is counted by
hand from this list.

=============  ==========================================  =======  ============  ==========================
story          articles (source, published)                sources  in last 24 h  entities
=============  ==========================================  =======  ============  ==========================
s-prison       4: bbc 03-10 08:00, cnn 09:00, skynews       3        4             قسد, الحسكة, سجن غويران,
               10:30, bbc 11:00                                                    + أردوغان in cnn's
s-summit       5: aljazeera 03-09 14:00 .. 03-10 12:00      1        5             الرياض, محمد بن سلمان
s-quake        2: cnn 03-05 06:00, france24 03-05 07:00     2        0 (7 d: 2)    قسد, حلب, إدلب
s-old          1: bbc 2018-02-01 (title with markup)        1        0             دمشق, القاهرة
=============  ==========================================  =======  ============  ==========================

The newest article is s-summit's 2018-03-10T12:00Z, so the 24 h window anchored there starts 03-09 12:00.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from worker.document import EnrichedDocument, Entity, Event, Place
from worker.store import elastic
from worker.store.fields import forget

NEWEST = "2018-03-10T12:00:00.000Z"
# s-old's title: feed text is data, never markup (the pages set it with textContent)
XSS_TITLE = 'طرق دمشق مفتوحة <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
HASAKAH = Place(name_en="Al-Hasakah", country="SY", lat=36.5, lon=40.75)
ALEPPO = Place(name_en="Aleppo", country="SY", lat=36.2, lon=37.16)
IDLIB = Place(name_en="Idlib", country="SY", lat=35.93, lon=36.63)
RIYADH = Place(name_en="Riyadh", country="SA", lat=24.69, lon=46.72)
DAMASCUS = Place(name_en="Damascus", country="SY", lat=33.51, lon=36.29)
CAIRO = Place(name_en="Cairo", country="EG", lat=30.04, lon=31.24)

_PRISON = "شنت قوات سوريا الديمقراطية حملة في الحسكة بعد هجوم على سجن غويران"
_SUMMIT = "استقبل محمد بن سلمان في الرياض وفدا رسميا لبحث ملفات المنطقة"
_QUAKE = "هزة أرضية شعرت بها حلب وإدلب وقالت قوات سوريا الديمقراطية إنها لم تتضرر"


def _ent(body: str, text: str, etype: str, canonical: str, place: Place | None = None) -> Entity:
    start = body.index(text)
    return Entity(text=text, type=etype, canonical=canonical, start=start, end=start + len(text), place=place)


def _doc(doc_id: str, story: str, source: str, published: str, title: str, body: str,
         entities: list[Entity], events: tuple[str, ...] = ()) -> EnrichedDocument:
    return EnrichedDocument(
        id=doc_id, url=f"https://example.test/{doc_id}", source=source, title=title, body=body,
        published=published, entities=entities, story_id=story,
        events=[Event(type=e, evidence=body) for e in events],  # type: ignore[arg-type]
    )


def _prison(doc_id: str, source: str, published: str, title: str, extra: str = "") -> EnrichedDocument:
    body = _PRISON + extra
    ents = [_ent(body, "قوات سوريا الديمقراطية", "ORG", "قسد"), _ent(body, "الحسكة", "LOC", "الحسكة", HASAKAH),
            _ent(body, "سجن غويران", "FAC", "سجن غويران", HASAKAH)]
    if "أردوغان" in extra:
        ents.append(_ent(body, "أردوغان", "PER", "رجب طيب أردوغان"))
    return _doc(doc_id, "s-prison", source, published, title, body, ents, ("prison_attack",))


def explore_documents() -> list[EnrichedDocument]:
    docs = [
        _prison("s-prison", "bbc", "2018-03-10T08:00:00Z", "هجوم على سجن غويران في الحسكة"),
        _prison("p-cnn", "cnn", "2018-03-10T09:00:00Z", "مقتل عناصر في هجوم على سجن بالحسكة",
                " ودان أردوغان الهجوم"),
        _prison("p-sky", "skynews", "2018-03-10T10:30:00Z", "فرار سجناء بعد هجوم على سجن غويران"),
        _prison("p-bbc2", "bbc", "2018-03-10T11:00:00Z", "قسد تستعيد السيطرة على سجن غويران"),
    ]
    for i, (day, hour) in enumerate([(9, 14), (9, 20), (10, 2), (10, 7), (10, 12)]):
        doc_id = "s-summit" if i == 0 else f"m-{i}"
        docs.append(_doc(doc_id, "s-summit", "aljazeera", f"2018-03-{day:02d}T{hour:02d}:00:00Z",
                         f"ولي العهد يستقبل وفدا في الرياض ({i + 1})", _SUMMIT,
                         [_ent(_SUMMIT, "محمد بن سلمان", "PER", "محمد بن سلمان"),
                          _ent(_SUMMIT, "الرياض", "LOC", "الرياض", RIYADH)]))
    quake = [_ent(_QUAKE, "حلب", "LOC", "حلب", ALEPPO), _ent(_QUAKE, "إدلب", "LOC", "إدلب", IDLIB),
             _ent(_QUAKE, "قوات سوريا الديمقراطية", "ORG", "قسد")]
    docs += [
        _doc("s-quake", "s-quake", "cnn", "2018-03-05T06:00:00Z", "هزة أرضية في شمال سوريا", _QUAKE, quake,
             ("disaster",)),
        _doc("q-f24", "s-quake", "france24", "2018-03-05T07:00:00Z", "زلزال يضرب حلب وإدلب", _QUAKE, quake,
             ("disaster",)),
    ]
    old = "قال مسؤول في دمشق إن الطرق إلى القاهرة مفتوحة"
    docs.append(_doc("s-old", "s-old", "bbc", "2018-02-01T10:00:00Z", XSS_TITLE, old,
                     [_ent(old, "دمشق", "LOC", "دمشق", DAMASCUS), _ent(old, "القاهرة", "LOC", "القاهرة", CAIRO)]))
    return docs


@contextmanager
def explore_alias(es_client: Any, prefix: str, extra: Iterable[EnrichedDocument] = ()) -> Iterator[str]:
    """The corpus (and ``extra`` documents) indexed and refreshed under a unique alias ``<prefix><hex>``;
    yields the alias, drops it and its indices afterwards."""
    alias = prefix + uuid.uuid4().hex[:8]
    elastic.ensure_index(es_client, alias)
    try:
        docs = [*explore_documents(), *extra]
        assert elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for").indexed == len(docs)
        yield alias
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


@contextmanager
def explore_app(es_client: Any, prefix: str, extra: Iterable[EnrichedDocument] = ()) -> Iterator[Any]:
    """The API application with its search target on the corpus (``explore_alias``)."""
    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target

    with explore_alias(es_client, prefix, extra) as alias:
        app = create_app()
        app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, alias)
        yield app
