"""Vetoes on story links (``worker.alerts.story_guards``): title figures, event places, names, templates.

Synthetic titles; entities are built the way the chain reports them (``field``, ``start`` in the field's
text, a gazetteer ``place``), so each rule is checked apart from the extraction.
"""

from __future__ import annotations

import json
import time

from worker.alerts.story_guards import (
    MAX_NAMES,
    MAX_PLACES,
    PLACE_KM,
    TEMPLATE_BITS,
    Guards,
    Place,
    body_places,
    copy_veto,
    entity_names,
    event_places,
    figures_conflict,
    guards_of,
    link_veto,
    names_disagree,
    places_conflict,
    title_figures,
    title_veto,
)

# name_en, country, lat, lon, geonameid (as the shipped gazetteer has them)
MOSUL = ("Mosul", "IQ", 36.335, 43.1189, 99072)
KIRKUK = ("Kirkuk", "IQ", 35.4681, 44.3922, 94787)
BAGHDAD = ("Baghdad", "IQ", 33.3406, 44.4009, 98182)
KADHIMIYA = ("Kadhimiya", "IQ", 33.38, 44.34, 1)  # a district of Baghdad, 7 km from its centre
IRAQ = ("Iraq", "IQ", 33.6564, 44.7744, 99237)  # a country: never an event place


def ent(doc: dict, text: str, place: tuple | None, field: str = "title", canonical: str | None = None) -> dict:
    """An entity at the first occurrence of ``text`` in the doc's ``field``."""
    start = doc[field].index(text)
    e = {"text": text, "type": "LOC", "canonical": canonical or text, "start": start, "end": start + len(text),
         "field": field, "place": None}
    if place:
        name, cc, lat, lon, gid = place
        e["place"] = {"name_en": name, "country": cc, "lat": lat, "lon": lon, "geonameid": gid}
    doc.setdefault("entities", []).append(e)
    return doc


def doc(title: str, body: str = "", *places: tuple[str, tuple | None, str]) -> dict:
    d = {"title": title, "body": body}
    for text, place, field in places:
        ent(d, text, place, field)
    return d


def test_title_figures_are_the_numbers_a_headline_states_in_digits_or_words() -> None:
    assert title_figures("مقتل 5 جنود في هجوم انتحاري") == {5}
    assert title_figures("مقتل خمسة جنود بهجوم انتحاري") == {5}
    assert title_figures("مقتل 3 وإصابة 12 في انفجار") == {3, 12}
    assert title_figures("أكثر من 100 قتيل في تحطم طائرة") == {100}  # hedged: still its figure
    assert title_figures("انتخابات 2018 في العراق") == frozenset()  # a year is no toll
    assert title_figures("عشرات القتلى في حريق") == frozenset()


def test_figures_conflict_when_both_state_figures_and_neither_includes_the_other() -> None:
    assert figures_conflict({5}, {7})
    assert figures_conflict({5, 8}, {7, 8})
    assert not figures_conflict({5}, {5, 8})  # a copy may drop a figure, not change one
    assert not figures_conflict({5}, set())
    assert not figures_conflict(set(), set())


def test_event_places_are_towns_the_headline_puts_its_event_in() -> None:
    assert [p.name for p in event_places(doc("انفجار سيارة مفخخة في الموصل", "", ("الموصل", MOSUL, "title")))] \
        == ["mosul"]
    assert [p.name for p in event_places(doc("مقتل 6 في انفجار بكركوك", "", ("كركوك", KIRKUK, "title")))] \
        == ["kirkuk"]
    assert event_places(doc("انفجار وسط بغداد", "", ("بغداد", BAGHDAD, "title")))
    assert event_places(doc("اشتباكات في مدينة كركوك", "", ("كركوك", KIRKUK, "title")))
    # an actor, a dateline, around a place, an area, a country: not where the event happened
    assert not event_places(doc("موسكو تتهم بغداد", "", ("بغداد", BAGHDAD, "title")))
    assert not event_places(doc("بغداد: إعادة فتح المطارات", "", ("بغداد", BAGHDAD, "title")))
    assert not event_places(doc("إعادة فتح المطارات تحت سلطة بغداد", "", ("بغداد", BAGHDAD, "title")))
    assert not event_places(doc("هجوم شمال بغداد", "", ("بغداد", BAGHDAD, "title")))
    assert not event_places(doc("هجوم في محافظة كركوك", "", ("محافظة كركوك", KIRKUK, "title")))
    assert not event_places(doc("هجوم في محافظة كركوك", "", ("كركوك", KIRKUK, "title")))
    assert not event_places(doc("اعتقالات في العراق", "", ("العراق", IRAQ, "title")))
    assert not event_places(doc("هجوم في الموصل", "وقع هجوم في الموصل", ("الموصل", MOSUL, "body")))


def test_body_places_are_every_town_the_article_names() -> None:
    d = doc("هجوم في الموصل", "نقل الجرحى إلى كركوك. العراق", ("الموصل", MOSUL, "title"), ("كركوك", KIRKUK, "body"),
            ("العراق", IRAQ, "body"))
    assert sorted(p.name for p in body_places(d)) == ["kirkuk", "mosul"]


def test_places_conflict_only_between_other_towns_far_apart() -> None:
    mosul, kirkuk, baghdad, kadhimiya = (Place(p[0].casefold(), p[2], p[3]) for p in (MOSUL, KIRKUK, BAGHDAD,
                                                                                         KADHIMIYA))
    assert places_conflict([mosul], [kirkuk])  # 150 km
    assert not places_conflict([baghdad], [kadhimiya])  # a district of the city: it may contain the other
    assert not places_conflict([mosul], [Place("mosul", 36.0, 43.0)])  # one place, two gazetteer entries
    assert not places_conflict([mosul, kirkuk], [kirkuk])
    assert not places_conflict([mosul], [])
    assert PLACE_KM < 150


def test_two_spellings_of_one_place_agree() -> None:
    a = doc("هجوم انتحاري بكابول", "", ("كابول", ("Kābūl", "AF", 34.5, 69.0, 1138957), "title"))
    b = doc("قتلى في هجوم انتحاري في كابل", "", ("كابل", ("Kabul", "AF", 34.53, 69.17, 1138958), "title"))
    assert not places_conflict(event_places(a), event_places(b))


def test_names_disagree_when_no_entity_is_common_to_both() -> None:
    assert names_disagree(["الصومال", "حركه الشباب"], ["افغانستان", "حركه طالبان"])
    assert not names_disagree(["الصومال", "حركه الشباب"], ["الصومال"])
    assert not names_disagree(["ساركوزي"], ["نيكولا ساركوزي"])  # one name within the other
    assert not names_disagree([], ["افغانستان"])  # an article without entities tells nothing


def test_entity_names_are_folded_canonical_names() -> None:
    d = {"entities": [{"canonical": "تنظيم الدولة الإسلامية", "text": "داعش"}, {"canonical": "", "text": "كركوك"}]}
    assert entity_names(d) == ("تنظيم الدوله الاسلاميه", "كركوك")


def test_which_veto_refuses_which_link() -> None:
    mosul, kirkuk = Place("mosul", 36.335, 43.1189), Place("kirkuk", 35.4681, 44.3922)
    five, seven = Guards(figures=(5,), names=("x",)), Guards(figures=(7,), names=("x",))
    # a near-copy with another toll is another happening too (QA round 5: one wire text filled in per city)
    assert title_veto(five, seven, 64) == copy_veto(five, seven, 3) == "figures"
    assert link_veto(five, seven, 64) is None  # two outlets' tolls of one event differ
    a, b = Guards(events=(mosul,), names=("x",)), Guards(events=(kirkuk,), names=("x",))
    assert title_veto(a, b, 64) == copy_veto(a, b, 64) == link_veto(a, b, 64) == "event places"
    a, b = Guards(places=(mosul,), names=("x",)), Guards(places=(kirkuk,), names=("x",))
    assert copy_veto(a, b, TEMPLATE_BITS) == link_veto(a, b, 0) == title_veto(a, b, 2) == "template places"
    assert copy_veto(a, b, TEMPLATE_BITS + 1) is None  # texts farther apart: their places differ for other reasons
    a, b = Guards(names=("الصومال",)), Guards(names=("افغانستان",))
    assert title_veto(a, b, 64) == copy_veto(a, b, 12) == "no name in common"
    assert link_veto(a, b, 64) is None  # two outlets spell one town two ways: the link needs more
    a, b = Guards(names=("الصومال",), countries=("SO",)), Guards(names=("افغانستان",), countries=("AF",))
    assert link_veto(a, b, 64) == "no name or country in common"
    assert link_veto(a, b._replace(countries=("AF", "SO")), 64) is None


def test_guards_round_trip_through_the_log_json() -> None:
    g = Guards((5, 7), (Place("mosul", 36.335, 43.1189),), (Place("kirkuk", 35.4681, 44.3922),), ("كركوك",), ("IQ",))
    assert Guards.from_json(json.loads(json.dumps(g.to_json()))) == g
    for bad in (None, 7, "x", [[1], [], [], []], [["a"], [], [], [], []], [[], [["m", 1]], [], [], []]):
        try:
            Guards.from_json(bad)
        except (ValueError, TypeError, IndexError):
            continue
        raise AssertionError(f"read {bad!r}")


def test_hostile_articles_give_bounded_guards_fast() -> None:
    title = " ".join(["في الموصل"] * 500) + " " + " ".join(str(n) for n in range(1, 400))
    d = {"title": title, "body": "", "entities": []}
    for i in range(5000):
        d["entities"].append({"text": "الموصل", "canonical": f"اسم {i}", "start": 3 + 10 * (i % 500), "field": "title",
                              "place": {"name_en": f"Town {i}", "lat": 30.0 + i / 1000, "lon": 40.0, "geonameid": i + 10}})
    t0 = time.perf_counter()
    g = guards_of(d)
    assert len(g.events) <= MAX_PLACES and len(g.places) <= MAX_PLACES and len(g.names) <= MAX_NAMES
    assert len(g.figures) <= 16
    title_veto(g, g, 0)
    assert time.perf_counter() - t0 < 5.0  # generous: bounded work, not a timing
