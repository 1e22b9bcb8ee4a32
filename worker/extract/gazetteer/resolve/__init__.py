"""Which place a LOC/FAC mention names: more names than the tagger's gazetteer, chosen by the article's context.

The parent package's tables (``Gazetteer.by_form``, ``phrases``, ``alternatives``) are the *tagging view*: the
NER features read them, so they stay what the shipped model was trained with
(``worker.extract.ner.train.config_fingerprint`` hashes that folder's files; this sub-folder is not among them,
and no feature reads it). This package is read only after tagging, to resolve the mentions found:

* ``countries.tsv.gz`` (built by ``python -m worker.extract.gazetteer.build``): every country under its
  everyday, common and official Arabic names ("المجر", "المملكة المغربية", "دولة الكويت");
* ``places.tsv`` (hand-written): first-level divisions (US and German states, the UK's nations, Yemen's
  governorates, ...), territories, world regions and a few cities GeoNames names in no Arabic, with
  coordinates; a row named like a curated entry of the tagging view completes it ("قطاع غزة");
* ``context.tsv`` (hand-written): nationality adjectives and organisations that point to a country;
* ``words.tsv`` (built from the ANT corpus): one-word GeoNames names that the corpus uses mostly outside place
  slots ("بعد أن تاهوا", they got lost, is no Tahoua in Niger).

:meth:`PlaceResolver.choose` takes, among same-named places, one in a country the article otherwise points to
(country names, unambiguous places, nationality adjectives, organisations; :meth:`PlaceResolver.country_of`),
prefers a country over its same-named capital unless a city word stands before it ("دولة الكويت" is the
state, "مدينة الكويت" the city), and gives no place to a small GeoNames town abroad when the article points
elsewhere ("برج غرينفيل" in a London story is no Greenville, US).
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from worker.extract.gazetteer import REGION, GazEntry, Gazetteer, _f, get_gazetteer
from worker.extract.memo import WORD_TYPES
from worker.extract.normalize import fold, folded_words

__all__ = ["PlaceResolver", "get_resolver", "PLACE_TYPES", "STATE_WORDS", "CITY_WORDS", "PLACE_CUES"]

HERE = Path(__file__).parent
PLACE_TYPES = frozenset({"LOC", "FAC"})
# Words that make the name after them a state: "دولة الكويت", "جمهورية مصر", "المملكة المغربية".
STATE_WORDS = folded_words("دولة جمهورية الجمهورية مملكة المملكة سلطنة إمارة دوقية")
# Words that make the name after them a city: "مدينة الكويت", "العاصمة تونس".
CITY_WORDS = folded_words("مدينة المدينة بمدينة لمدينة العاصمة عاصمة بالعاصمة")
# What stands before a place name, beside the lexicon's place heads ("مدينة", "ولاية"): prepositions of
# place and the heads of settlements and landforms the lexicon lacks ("مستوطنة آدم", "تلال الريان").
PLACE_CUES = folded_words("في من إلى الى نحو قرب بين داخل حول ضواحي مناطق مدن قرى محيط أطراف عبر "
                          "مستوطنة مستوطنات بلدات أحياء ضاحية تلال تلة جبال هضبة ساحل سواحل شاطئ بحيرة جزر")
KNOWN_CITY = 500_000  # a city this large is a place even where the corpus mostly uses its name as a word
_REGION_DOUBT = 3  # votes for other countries that deny a small town of the news region its place
_NAT_ENDINGS = ("", "ه", "ون", "ين", "ان", "تين")  # as the lexicon's nationality stems


class PlaceResolver:
    """The resolution tables over a :class:`Gazetteer` (see the module docstring)."""

    def __init__(self, gaz: Gazetteer) -> None:
        self.gaz = gaz
        self.more: dict[str, list[GazEntry]] = {}  # folded name -> resolution-only entries
        self.completed: dict[GazEntry, GazEntry] = {}  # tagging-view entry -> the same with coordinates
        self.country_entry: dict[str, GazEntry] = {}  # ISO code -> the country
        self.nationality: dict[str, str] = {}  # folded adjective form, proclitics included -> ISO code
        self.org_country: dict[str, str] = {}  # folded name of an organisation -> ISO code
        self.words: frozenset[str] = frozenset()
        self._cands: dict[str, tuple[GazEntry, ...]] = {}
        self._load_countries()
        self._load_places()
        self._load_context()
        self._load_words()

    # --- loading ----------------------------------------------------------------------------------

    def _index(self, names: list[str], e: GazEntry) -> None:
        for n in names:
            key = fold(n)
            if len(key) >= 2 and e not in self.more.setdefault(key, []):
                self.more[key].append(e)

    def _load_countries(self) -> None:
        with gzip.open(HERE / "countries.tsv.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                kind, names, en, cc, lat, lon, gid, pop = line.rstrip("\n").split("\t")
                forms = names.split("|")
                e = GazEntry("LOC", forms[0], en, cc, _f(lat), _f(lon), int(gid), int(pop), kind)
                self.country_entry[cc] = e
                self._index(forms, e)

    def _load_places(self) -> None:
        for line in (HERE / "places.tsv").read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            typ, canon, aliases, en, cc, lat, lon, source = (line.split("\t") + [""] * 8)[:8]
            e = GazEntry(typ, canon, en, cc or None, _f(lat), _f(lon), None, 0, source or "admin")
            old = self.gaz.by_form.get(fold(canon))
            if old is not None and old.source == "curated" and old.canonical == canon and old.type == typ:
                # complete the tagging view's entry: same canonical and aliases, with what it lacked
                lat, lon = (old.lat, old.lon) if old.lat is not None and old.lon is not None else (e.lat, e.lon)
                e = GazEntry(typ, canon, old.name_en or en, old.country or e.country, lat, lon, old.geonameid,
                             old.population, "curated")
                self.completed[old] = e
            self._index([canon, *[a for a in aliases.split("|") if a]], e)

    def _load_context(self) -> None:
        for line in (HERE / "context.tsv").read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            kind, name, cc = line.split("\t")
            if kind == "org":
                self.org_country[fold(name)] = cc
                continue
            stem = fold(name)
            for form in (stem + end for end in _NAT_ENDINGS):
                # with the proclitics a word may carry ("واليمنية", "للقوات اليمنية" -> "لليمنية", "بيمني")
                for inner in (form, "ال" + form, "لل" + form, *(p + form for p in "بلك"),
                              *(p + "ال" + form for p in "بك")):
                    for outer in ("", "و", "ف"):
                        self.nationality[outer + inner] = cc

    def _load_words(self) -> None:
        lines = (HERE / "words.tsv").read_text(encoding="utf-8").splitlines()
        self.words = frozenset(ln.split("\t")[0] for ln in lines if ln and not ln.startswith("#"))

    # --- lookups ----------------------------------------------------------------------------------

    def _lookup(self, key: str) -> list[GazEntry]:
        gaz = self.gaz
        out: list[GazEntry] = []
        e = gaz.by_form.get(key)
        if e is not None and e.type in PLACE_TYPES:
            out.append(e)
        for a in gaz.alternatives.get(key, ()):
            if a not in out:
                out.append(a)
        out = [self.completed.get(x, x) for x in out]
        for x in self.more.get(key, ()):
            if x not in out:
                out.append(x)
        return out

    def candidates(self, key: str) -> tuple[GazEntry, ...]:
        """Every place called ``key`` (folded): the tagging view's and the resolution tables'; else the same
        name written as one word ("بيونغ يانغ" = "بيونغيانغ"); else, for a state word and a country name or
        nationality adjective ("جمهورية الكونغو", "المملكة المغربية"), that country. Memoised per name
        (bounded like the chain's other word caches)."""
        got = self._cands.get(key)
        if got is None:
            if len(self._cands) >= WORD_TYPES:
                self._cands.clear()
            got = self._cands[key] = tuple(self._candidates(key))
        return got

    def _candidates(self, key: str) -> list[GazEntry]:
        got = self._lookup(key)
        if got or not key:
            return got
        words = key.split()
        if len(words) > 1:
            got = self._lookup("".join(words))
            if got:
                return got
            if words[0] in STATE_WORDS:
                rest = " ".join(words[1:])
                cc = self.nationality.get(rest)
                if cc is not None and cc in self.country_entry:
                    return [self.country_entry[cc]]
                return [e for e in self._lookup(rest) if e.source == "country"]
        return got

    def country_of(self, key: str) -> str | None:
        """The country a word of the article points to: a nationality adjective ("اليمنية", with a و/ف/ب/ل/ك
        proclitic too: one lookup, the table holds those forms), else None."""
        return self.nationality.get(key)

    @staticmethod
    def vote(cands: Sequence[GazEntry]) -> tuple[str, int, bool] | None:
        """What a place mention tells about the article's country: (ISO code, weight, known) when its strongest
        candidates (``known``: countries, curated places and divisions; else cities of 100k people) lie in one
        country: 2 for a country's name, 1 for a place ("لندن" is London, GB, though a London in Canada
        exists). A known name's vote may back its own reading; a GeoNames city's may not (the caller leaves it
        out when resolving that name: "تاهوا" must not vouch for Tahoua)."""
        known = [e for e in cands if e.source in ("country", "curated", "admin")]
        strong = known or [e for e in cands if e.confident]
        ccs = {e.country for e in strong}
        if len(ccs) != 1 or None in ccs:
            return None
        cc: str = next(iter(ccs))  # type: ignore[assignment]
        return cc, 2 if any(e.source == "country" for e in strong) else 1, bool(known)

    def choose(self, key: str, cands: Sequence[GazEntry], votes: Mapping[str, int], prev: str = "") -> GazEntry | None:
        """The place among ``cands`` (same-named places) the mention ``key`` names, after the word ``prev``,
        given the article's country ``votes`` (its own mentions' votes left out); None for a small GeoNames
        place in a country the article does not point to while it points to others."""
        if not cands:
            return None
        groups: dict[str | None, list[GazEntry]] = {}
        for e in cands:
            groups.setdefault(e.country, []).append(e)
        first = key.split(" ", 1)[0]
        state = prev in STATE_WORDS or first in STATE_WORDS or prev not in CITY_WORDS

        def pick_in(cc: str | None) -> GazEntry:
            group = groups[cc]
            country = next((e for e in group if e.source == "country"), None)
            if country is not None and state:
                return country  # "تونس" the state, not the capital; "مدينة الكويت" stays the city
            return max([e for e in group if e.source != "country"] or group, key=GazEntry.score)

        default = pick_in(max(groups, key=lambda c: max(e.score() for e in groups[c])))
        pick = pick_in(max(groups, key=lambda c: (votes.get(c, 0) if c else 0, max(e.score() for e in groups[c]))))
        if pick.source == "city" and default.population >= KNOWN_CITY and pick.population * 10 < default.population:
            pick = default  # a town named like a capital ("موسكو" is no Mesquite, Texas, in a US story)
        if pick.source == "city" and not pick.confident and not votes.get(pick.country or ""):
            # a small town abroad while the article points elsewhere ("برج غرينفيل" in London): no place; in the
            # news region a town needs more telling against it (a Yemen story may name only "the Iranian militia")
            if sum(votes.values()) >= (_REGION_DOUBT if pick.country in REGION else 1):
                return None
        return pick

    def is_word(self, key: str, cands: Sequence[GazEntry], votes: Mapping[str, int], prev: str = "") -> bool:
        """Whether a one-word mention ``key`` is the common word the corpus mostly uses it as, not the
        GeoNames place of that name: listed in ``words.tsv``, without the article (a verb or a given name; a
        definite noun named like a town is more often a place in a list: "والمنشية"), no candidate a curated
        name, a division or a city of ``KNOWN_CITY`` people, none in a country the article points to, and
        not after a place head or a preposition of place (``prev``)."""
        if key not in self.words or not cands or key.startswith("ال"):
            return False
        if any(e.source != "city" or e.population >= KNOWN_CITY or votes.get(e.country or "") for e in cands):
            return False
        return not (prev in PLACE_CUES or prev in self.gaz.lexicon.get("loc_heads", frozenset()))


@lru_cache(maxsize=1)
def get_resolver() -> PlaceResolver:
    return PlaceResolver(get_gazetteer())
