"""Vetoes on story links: evidence that two articles tell two different happenings, which no similarity
of words may outvote.

A wrong story link hides a real event from a subscriber (the second article is only a follow-up), which is
worse than a second notification. Arabic conflict news is written to templates ("مقتل 5 جنود في هجوم
انتحاري", "انفجار سيارة مفخخة في ..."), so two attacks can share a headline's words, a wire body and even a
toll; what tells them apart is the figure and the place:

* **Title figures** (``title_figures``): the numbers a headline states, exact or hedged ("أكثر من 100"),
  years left out. Two headlines that both state figures and neither's figures include the other's ("مقتل
  5 ..." / "مقتل 7 ...") report two tolls: a re-titled copy keeps its figure or drops it ("مقتل خمسة ..." is
  5), it does not change it.
* **Event places** (``event_places``): the towns and cities a headline puts its event in ("في الموصل",
  "بكركوك", "وسط بغداد"): a gazetteer place below the country (countries, governorates and regions have no
  point: "العراق", "ريف دمشق", "محافظة الحسكة" never count) introduced by a locative word. A place named
  as an actor ("موسكو تتهم", "لندن: ...", "تحت سلطة بغداد"), or around a city ("شمال بغداد", "قرب تدمر",
  "بريف حمص"), is not the event's place and does not count.
* **Names** (``entity_names``): the canonical names of every entity the chain found. Two articles that
  both name entities and share none tell two happenings, whatever their headlines share: "مقتل 5 جنود في هجوم
  انتحاري" over a Somali base and over an Afghan checkpoint. Headlines of that template name nothing, so the
  headline check of entities (``stories.entities_conflict``) cannot see it.
* **Countries** (``countries``): for the learned link, names alone are too strict (spellings differ across
  outlets); there, no name *and* no country in common.
* **Body places** (``body_places``): every such point place of the whole article, for near-identical texts
  (SimHash within ``TEMPLATE_BITS``): a templated wire body where only the town differs is another
  happening. Only there: between texts farther apart the places two articles name differ for other
  reasons (a dateline, a background sentence, a name read as a place), and the veto cut same-event pairs.

Two place sets conflict when both are non-empty and no place of one is the other's: not the same name (the
English name folded, so "Kābūl" and "Kabul" agree) and more than ``PLACE_KM`` apart. The distance stands for
"neither contains the other", which the gazetteer cannot say: a district and its city, a city and the
governorate named after it ("هجوم في إدلب" for a town 35 km away) are within it.

Measured on the 1,500 annotated pairs of ``data/stories`` (``python -m worker.training.story_links``):
see ``data/stories/README.md`` for how many annotated same-event pairs each veto cuts.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from worker.extract.normalize import fold
from worker.extract.numbers import find_numbers
from worker.extract.tokens import tokenize

# Two event places closer than this may be one place named twice (a district and its city, a town and the
# governorate named after its capital): only farther ones conflict. Kirkuk-Mosul is 150 km, Idlib-Maarat
# al-Numan 35 km, Baghdad-Taji 25 km.
PLACE_KM = 50.0
# Two cities of 100,000 people or more are two places beyond this distance, whatever PLACE_KM allows: a
# district lies within a few km of its city's point, while Homs-Hama and Fallujah-Ramadi (45 km) are two
# cities (QA round 5: an attack in each was one story). Gaza-Khan Younis (25 km) stays within it: "غزة" also
# names the Strip.
MAJOR_KM = 30.0
MAJOR_POPULATION = 100_000
# Words before a place name that put the event in it (folded): "في", "وسط", "مدينة"; the clitic "ب"
# ("بكركوك") is handled apart. Not "قرب"/"شمال"/"ريف": around a place is not in it.
_LOCATIVE = frozenset(fold(w) for w in "في وفي بمدينة مدينة ببلدة بلدة وبلدة وسط بوسط ووسط داخل".split())
# A name starting with one of these is an area (the gazetteer maps "محافظة كركوك" to the city's point).
_AREA = frozenset(fold(w) for w in "ريف محافظة ولاية اقليم إقليم منطقة قضاء مديرية ناحية قطاع".split())
_WORD = re.compile(r"\w+")
# SimHash distance up to which two texts are one template (only names and figures swapped): body places
# are compared there only. Over the corpus's 17,503 world articles, 1,114 SimHash links are this close;
# 2 of them name disjoint towns (two CNN articles whose short texts drown in boilerplate).
TEMPLATE_BITS = 8
# Bounds: a headline's figures, an article's places and names (anything from outside is bounded).
MAX_FIGURES = 16
MAX_PLACES = 32
MAX_NAMES = 64


class Place(NamedTuple):
    name: str  # English name, folded: the key two spellings of one place share
    lat: float
    lon: float
    major: bool = False  # a city of MAJOR_POPULATION or more (story log entries of before read as False)


def figures(text: str, *, exact_only: bool = False) -> list[int]:
    """The figures ``text`` states, in order, not years (which any two 2018 stories share); ``exact_only``
    leaves hedged ones ("أكثر من 100") out. The link's title-and-lead figures and the guards' headline ones."""
    return [n.value for n in find_numbers(tokenize(text or ""))
            if n.value is not None and not (exact_only and n.approximate) and not 1900 <= n.value <= 2100]


def title_figures(title: str) -> frozenset[int]:
    """The figures a headline states (exact or hedged, not years): what two headlines of one toll share."""
    return frozenset(figures(title)[:MAX_FIGURES])


def figures_conflict(a: Iterable[int], b: Iterable[int]) -> bool:
    """Both headlines state figures and neither's include the other's: two tolls, two happenings."""
    sa, sb = frozenset(a), frozenset(b)
    return bool(sa and sb and not sa <= sb and not sb <= sa)


@lru_cache(maxsize=1)
def _major_ids() -> frozenset[int]:
    from worker.extract.gazetteer import get_gazetteer

    return frozenset(e.geonameid for e in get_gazetteer().by_form.values()
                     if e.geonameid is not None and e.population >= MAJOR_POPULATION)


@lru_cache(maxsize=1)
def _country_ids() -> frozenset[int]:
    from worker.extract.gazetteer import get_gazetteer

    return frozenset(e.geonameid for e in get_gazetteer().by_form.values()
                     if e.source == "country" and e.geonameid is not None)


def _name_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _point(ent: dict[str, Any]) -> Place | None:
    """The entity's place when it is a point below the country (a town, a city), else None."""
    place = ent.get("place") or {}
    gid, lat, lon = place.get("geonameid"), place.get("lat"), place.get("lon")
    if not isinstance(gid, int) or gid in _country_ids() or not isinstance(lat, int | float) \
            or not isinstance(lon, int | float):
        return None  # curated regions (no GeoNames id), countries, places without coordinates
    words = _WORD.findall(str(ent.get("text") or ""))
    if words and fold(words[0]) in _AREA:
        return None
    name = _name_key(str(place.get("name_en") or ""))
    return Place(name, float(lat), float(lon), gid in _major_ids()) if name else None


def _locative(text: str, start: int) -> bool:
    """Is the name at ``start`` introduced as where something happened ("في X", "بX", "وبX", "وسط X")?"""
    before = text[max(0, start - 40):start]
    if before.endswith(("ب", "وب")):  # the clitic on the name itself: "بكركوك", "وبالموصل"
        word = _WORD.findall(before)
        return bool(word) and word[-1] in ("ب", "وب")
    words = _WORD.findall(before)
    return bool(words) and fold(words[-1]) in _LOCATIVE


def _places(doc: dict[str, Any], title_only: bool) -> tuple[Place, ...]:
    title = str(doc.get("title") or "")
    out: dict[str, Place] = {}
    for ent in doc.get("entities") or []:
        if len(out) >= MAX_PLACES:
            break
        if title_only and ent.get("field") != "title":
            continue
        point = _point(ent)
        start = ent.get("start")
        if point is None or not isinstance(start, int):
            continue
        if title_only and not _locative(title, start):
            continue
        out.setdefault(point.name, point)
    return tuple(sorted(out.values()))


def event_places(doc: dict[str, Any]) -> tuple[Place, ...]:
    """The towns and cities the headline puts its event in (see the module docstring)."""
    return _places(doc, title_only=True)


def body_places(doc: dict[str, Any]) -> tuple[Place, ...]:
    """Every town or city the article names (title and body), as a point: what a near-copy must share."""
    return _places(doc, title_only=False)


def _km(a: Place, b: Place) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def _apart(x: Place, y: Place, km: float) -> bool:
    """Two places, not one named twice: other names, and farther than ``km`` (``MAJOR_KM`` for two cities)."""
    if x.name == y.name:
        return False
    return _km(x, y) > (min(km, MAJOR_KM) if x.major and y.major else km)


def places_conflict(a: Iterable[Place], b: Iterable[Place], km: float = PLACE_KM) -> bool:
    """Both name places and none of one is the other's (``_apart``)."""
    la, lb = list(a), list(b)
    return bool(la and lb) and all(_apart(x, y, km) for x in la for y in lb)


def entity_names(doc: dict[str, Any]) -> tuple[str, ...]:
    """The folded canonical names of the article's entities (each once, at most ``MAX_NAMES``)."""
    names: dict[str, None] = {}
    for ent in doc.get("entities") or []:
        name = fold(str(ent.get("canonical") or ent.get("text") or "")).strip()
        if name:
            names[name] = None
            if len(names) >= MAX_NAMES:
                break
    return tuple(sorted(names))


def names_disagree(a: Iterable[str], b: Iterable[str]) -> bool:
    """Both articles name entities and not one in common: no name of one is a name of the other, or its
    words all within one of the other's ("ساركوزي" / "نيكولا ساركوزي"; but "حركة الشباب" is not "حركة
    طالبان")."""
    sa, sb = frozenset(a), frozenset(b)
    if not sa or not sb:
        return False
    if sa & sb:
        return False
    wa, wb = [frozenset(n.split()) for n in sa], [frozenset(n.split()) for n in sb]
    return not any(x <= y or y <= x for x in wa for y in wb)


def countries(doc: dict[str, Any]) -> tuple[str, ...]:
    """The countries of the places the article names (ISO codes, each once)."""
    found = {str((ent.get("place") or {}).get("country") or "") for ent in doc.get("entities") or []}
    return tuple(sorted(c for c in found if c))[:MAX_NAMES]


class Guards(NamedTuple):
    """What the vetoes compare of one article: kept in its story log entry."""

    figures: tuple[int, ...] = ()
    events: tuple[Place, ...] = ()
    places: tuple[Place, ...] = ()
    names: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    def to_json(self) -> list[Any]:
        return [list(self.figures), [list(p) for p in self.events], [list(p) for p in self.places],
                list(self.names), list(self.countries)]

    @classmethod
    def from_json(cls, value: Any) -> Guards:
        """The inverse of ``to_json``; raises ValueError / TypeError on anything else."""
        figures, events, places, names, ccs = value
        guards = cls(tuple(int(n) for n in figures[:MAX_FIGURES]), _read_places(events), _read_places(places),
                     tuple(sys.intern(str(n)) for n in names[:MAX_NAMES]), _shared_countries(ccs))
        return NO_GUARDS if guards == NO_GUARDS else guards


# One object per town for every log entry naming it (a process keeps up to 40,000 entries, and a Place
# costs ~110 bytes): a few thousand towns recur. Bounded, as anything read from outside.
_PLACES: dict[tuple[str, float, float, bool], Place] = {}
MAX_SHARED_PLACES = 50_000


def _read_places(value: Any) -> tuple[Place, ...]:
    out = []
    for item in value[:MAX_PLACES]:
        name, lat, lon, *rest = item  # three fields in entries written before ``major``
        key = (str(name), float(lat), float(lon), bool(rest and rest[0]))
        place = _PLACES.get(key)
        if place is None:
            place = Place(sys.intern(key[0]), key[1], key[2], key[3])
            if len(_PLACES) < MAX_SHARED_PLACES:
                _PLACES[key] = place
        out.append(place)
    return tuple(out)


# Likewise one tuple per set of countries (a few hundred recur).
_COUNTRY_SETS: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared_countries(value: Any) -> tuple[str, ...]:
    ccs = tuple(sys.intern(str(c)) for c in value[:MAX_NAMES])
    if len(_COUNTRY_SETS) < MAX_SHARED_PLACES:
        return _COUNTRY_SETS.setdefault(ccs, ccs)
    return _COUNTRY_SETS.get(ccs, ccs)


NO_GUARDS = Guards()


def guards_of(doc: dict[str, Any]) -> Guards:
    return Guards(tuple(sorted(title_figures(str(doc.get("title") or "")))), event_places(doc), body_places(doc),
                  entity_names(doc), countries(doc))


# The reasons that locate a story: a candidate refused for one of them refuses its whole story
# (``stories._vetted``).
PLACE_VETOES = frozenset({"template places", "event places"})


def _template(a: Guards, b: Guards, bits: int) -> bool:
    return bits <= TEMPLATE_BITS and places_conflict(a.places, b.places)


def copy_veto(a: Guards, b: Guards, bits: int) -> str | None:
    """Why a near-copy link (SimHash, the texts ``bits`` apart) must not join these two, or None: one text
    filled in for other towns or with other tolls in its headline (QA round 5: "مقتل 27 ... في الخرطوم"
    joined "مقتل 3 ... في حماة" through one wire body), headlines in two towns, or no name in common."""
    if _template(a, b, bits):
        return "template places"
    if figures_conflict(a.figures, b.figures):
        return "figures"
    if places_conflict(a.events, b.events):
        return "event places"
    if names_disagree(a.names, b.names):
        return "no name in common"
    return None


# Why a headline link (title overlap) must not join two articles: since QA round 5 the copy link's reasons,
# figures included; one function under both names, which the story stage and its report use.
title_veto = copy_veto


def link_veto(a: Guards, b: Guards, bits: int) -> str | None:
    """Why the learned cross-outlet link must not join these two, or None: headlines putting the event in
    different towns, one template naming other towns, or nothing in common at all: no entity name and no
    country ("مقتل 5 جنود في هجوم انتحاري" in Somalia and in Afghanistan). Names alone are not enough here:
    two outlets spell one town two ways ("إسكيشهير" / "إسكيشهر"), and the model weighs the entities itself.
    Not the figures: two outlets' reports of one attack often give two tolls, an early and a later one (on
    the annotated pairs the figures would cut 9 same-event links the model makes, the others none)."""
    if _template(a, b, bits):
        return "template places"
    if places_conflict(a.events, b.events):
        return "event places"
    if names_disagree(a.names, b.names) and names_disagree(a.countries, b.countries):
        return "no name or country in common"
    return None
