"""Do two reports from different outlets tell the same event? A small learned decision over what the chain
found in each.

SimHash and title overlap (``stories``) link copies of one wire story. Two outlets writing one event up
independently share neither sentences nor titles ("عشرات القتلى في حريق بمركز تجاري في سيبيريا" / "53 قتيلاً
بحريق في مركز تسوق بروسيا"), yet a subscriber wants that event once. This module compares two articles'
``LinkView`` (vocabulary signature, entities, places, towns, event types, casualty figures, time) and a logistic
model, fitted on annotated cross-outlet pairs (``data/stories``, ``worker.training.story_links``), gives the
probability that they report the same happening; a pair is linked at the shipped ``threshold`` or more,
chosen on cross-validated pairs for a precision of .95: a wrong link hides a real event from a subscriber,
while a missed one only sends a second notification.

Two headlines that put their events in two different towns are never linked, however probable the model
finds them (``story_guards.link_veto``, applied by the story stage): a car bomb in Kirkuk and one in Mosul
minutes apart share toll, words and country. The model's own ``town_conflict`` feature compares the towns
and cities each article names (``story_guards.body_places``; countries left out, so two Iraqi cities are not
"the same place" by the country both name).
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from worker.alerts.story_guards import Place, body_places, figures, places_conflict
from worker.alerts.story_vectors import EMPTY, Signature, article_signatures, cosine, from_json, pack, unpack
from worker.document import event_types

FEATURES = ("cosine", "cosine_sq", "title_overlap", "title_cosine", "lead_cosine", "numbers_shared", "log_hours",
            "entity_overlap", "place_shared", "town_conflict", "event_shared", "event_conflict", "casualty_shared",
            "bias")
LEAD_CHARS = 400  # about the first paragraph: where an outlet states its main news
_DATA = "worker.alerts.data"


@dataclass(frozen=True, slots=True)
class LinkView:
    """What the link decision reads of one article."""

    ts: float  # seconds since the epoch: the article's time
    source: str
    title_tokens: frozenset[str]
    entity_tokens: frozenset[str]
    places: frozenset[str]
    events: frozenset[str]
    casualties: frozenset[tuple[str, int]]
    sig: Signature = EMPTY
    title_sig: Signature = EMPTY
    lead_sig: Signature = EMPTY
    numbers: frozenset[int] = frozenset()
    towns: tuple[Place, ...] = ()  # the towns and cities the article names (``story_guards.body_places``)


def view_of(doc: dict[str, Any], ts: float, title_toks: frozenset[str],
            entity_toks: frozenset[str], towns: tuple[Place, ...] | None = None) -> LinkView:
    """The view of an enriched document (its JSON form); tokens (and towns) come from the story stage,
    which has them."""
    places = set()
    for ent in doc.get("entities") or []:
        place = ent.get("place") or {}
        if place.get("geonameid") or place.get("name_en"):
            places.add(str(place.get("geonameid") or place.get("name_en")))
    events = frozenset(event_types(doc))
    cas = frozenset((str(c.get("kind")), int(c["count"])) for c in doc.get("casualties") or []
                    if c.get("kind") and isinstance(c.get("count"), int))
    title, body = doc.get("title") or "", doc.get("body") or ""
    whole, title_sig, lead_sig = article_signatures(title, body, LEAD_CHARS)
    # the outlet as a key: "BBC" from an archive and "bbc" from a feed are one outlet
    return LinkView(ts, str(doc.get("source") or "").strip().casefold(), title_toks, entity_toks, frozenset(places), events, cas,
                    whole, title_sig, lead_sig, _numbers(f"{title} {body[:LEAD_CHARS]}"),
                    body_places(doc) if towns is None else towns)


def view_to_json(v: LinkView) -> dict[str, Any]:
    """The part of a view the story log carries (tokens and towns travel in the entry's own fields)."""
    return {"src": v.source, "ts": round(v.ts, 1), "sigs": [s.to_json() for s in (v.sig, v.title_sig, v.lead_sig)],
            "places": sorted(v.places), "events": sorted(v.events), "cas": sorted([k, n] for k, n in v.casualties),
            "nums": sorted(v.numbers)}


@dataclass(frozen=True, slots=True)
class PackedView:
    """A log entry's view as the in-memory copy keeps it: signatures packed into bytes, small sets as
    tuples; ``view`` rebuilds the ``LinkView`` for the few candidates actually compared."""

    source: str
    ts: float
    blob: bytes
    places: tuple[str, ...]
    events: tuple[str, ...]
    casualties: tuple[tuple[str, int], ...]
    numbers: tuple[int, ...]

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PackedView:
        sigs = [from_json(x) for x in d["sigs"]]
        if len(sigs) != 3:
            raise ValueError(f"{len(sigs)} signatures")
        # Interned: sources, places and types recur across entries (a copy per entry was a third of its size).
        return cls(sys.intern(str(d["src"])), float(d["ts"]), pack(sigs),
                   tuple(sys.intern(str(p)) for p in d["places"]), tuple(sys.intern(str(e)) for e in d["events"]),
                   tuple((sys.intern(str(k)), int(n)) for k, n in d["cas"]), tuple(int(n) for n in d["nums"]))

    def top_sig(self) -> Signature:
        return unpack(self.blob)[0]

    def view(self, title_toks: frozenset[str], entity_toks: frozenset[str], towns: tuple[Place, ...] = ()) -> LinkView:
        sig, title_sig, lead_sig = unpack(self.blob)
        return LinkView(self.ts, self.source, title_toks, entity_toks, frozenset(self.places), frozenset(self.events),
                        frozenset(self.casualties), sig, title_sig, lead_sig, frozenset(self.numbers), towns)


def _numbers(text: str) -> frozenset[int]:
    """Exact figures of the title and lead."""
    return frozenset(figures(text, exact_only=True))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap of two token sets (0 when either is empty): titles and entity names here, titles in the
    story stage's copy link."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def features(a: LinkView, b: LinkView) -> list[float]:
    """The feature vector of a pair, in ``FEATURES`` order."""
    c = cosine(a.sig, b.sig)
    return [
        c,
        c * c,
        jaccard(a.title_tokens, b.title_tokens),
        cosine(a.title_sig, b.title_sig),
        cosine(a.lead_sig, b.lead_sig),
        float(bool(a.numbers & b.numbers)),
        # log: the first hours matter most (a report an hour later against one the next morning; a day or two
        # apart, a second attack is as likely as a late report of the first). Linear hours: .930 / .146, log:
        # .952 / .169 (precision / recall, 1,500 pairs, nested cross-validation).
        math.log1p(min(abs(a.ts - b.ts) / 3600.0, 96.0)),
        jaccard(a.entity_tokens, b.entity_tokens),
        float(bool(a.places & b.places)),
        # towns, not every place: with countries in, "both name Iraq" made Kirkuk and Mosul agree (QA), and
        # a report naming only the country "disagreed" with one naming its capital. Towns: .951 / .200 against
        # .951 / .169 (1,500 pairs, nested cross-validation, the veto applied to both).
        float(places_conflict(a.towns, b.towns)),
        float(bool(a.events & b.events)),
        float(bool(a.events and b.events and not a.events & b.events)),
        float(bool(a.casualties & b.casualties)),
        1.0,
    ]


@dataclass(frozen=True, slots=True)
class LinkModel:
    weights: tuple[float, ...]
    threshold: float

    def probability(self, a: LinkView, b: LinkView) -> float:
        z = sum(w * x for w, x in zip(self.weights, features(a, b), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_json(self) -> str:
        return json.dumps({"features": FEATURES, "weights": list(self.weights), "threshold": self.threshold}, indent=1)


@lru_cache(maxsize=1)
def load_model() -> LinkModel | None:
    """The shipped model, or None when the package has none (then only copies are linked)."""
    try:
        raw = json.loads(resources.files(_DATA).joinpath("story_link.json").read_text("utf-8"))
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    if tuple(raw["features"]) != FEATURES:
        raise ValueError("story_link.json was fitted on other features; rebuild it (worker.training.story_links)")
    return LinkModel(tuple(float(w) for w in raw["weights"]), float(raw["threshold"]))
