"""Gazetteer names for ``entity:`` and ``place:`` values: one name of an entry finds the others.

The index holds, per entity, its canonical name and its surface form (``fields.index_view``), and for a
resolved place also its English name. A mention of "قسد" is indexed under "قسد" and "قوات سوريا
الديمقراطية"; one of "تنظيم الدولة" under its canonical "تنظيم الدولة الإسلامية". So a query value that is
a gazetteer name is widened, in the AST (both backends see the same tree), to the names the entry is indexed
under: its canonical name, its English name and, for curated entries, its hand-listed aliases.

A Latin value that is not a whole name but a word or run of words of the English name of curated entries or
countries ("Trump" of "Donald Trump", "Putin") is widened to those entries' names the same way: ``entity:``
matches a part of a name (``entity:ترامب`` finds "دونالد ترامب"), and the index holds the English names of
people and organisations nowhere, so without this ``entity:Trump`` found nothing while
``entity:"Donald Trump"`` found every article about him. GeoNames' towns are left out (their English names
are full of "City", "Lake", "Al"); ``place:`` reads the English names of resolved places in the index anyway.

The gazetteer (``worker.extract.gazetteer``, the same core layer) is the single source of the aliases, read
once per process on the first ``entity:``/``place:`` query: no copy of it to keep in step.
"""

from __future__ import annotations

import re
from functools import cache

from worker.extract.gazetteer import GazEntry, get_gazetteer
from worker.extract.normalize import fold

__all__ = ["names_for", "MAX_NAMES"]

# A bound on how far one value widens (the largest curated alias list is 9 names).
MAX_NAMES = 12
_PLACE_TYPES = frozenset({"LOC", "FAC"})
# entries whose English names a part of a name is looked up in (not GeoNames' towns)
_PART_SOURCES = frozenset({"curated", "country"})
_LATIN_WORD_RE = re.compile(r"[a-z0-9]+")
# runs made only of these name nothing on their own ("al", "bin", "of the")
_FILLER = frozenset({"al", "el", "bin", "ibn", "of", "the", "and", "for", "de"})


def _key(text: str) -> str:
    key = " ".join(fold(text).split())
    return key.lower() if key.isascii() else key


@cache
def _tables() -> tuple[dict[str, GazEntry], dict[GazEntry, tuple[str, ...]]]:
    """(folded name -> entry, entry -> its names as written, canonical first)."""
    gaz = get_gazetteer()
    by_key = dict(gaz.by_form)
    names: dict[GazEntry, list[str]] = {}
    for entry in by_key.values():
        names.setdefault(entry, [entry.canonical, *([entry.name_en] if entry.name_en else [])])
    # curated aliases: every form that resolves to a curated entry (GeoNames' alternate spellings of a city
    # are left out: many, some odd, and a city mention keeps its own spelling as its canonical anyway)
    for form, entry in gaz.by_form.items():
        if entry.source == "curated" and form not in map(_key, names[entry]):
            names[entry].append(form)
    # English names find their entry too ("Donald Trump"), unless the name is already another entry's form
    for entry in names:
        if entry.name_en:
            k = _key(entry.name_en)
            old = by_key.get(k)
            if old is None or (old is not entry and entry.score() > old.score() and k not in gaz.by_form):
                by_key[k] = entry
    return by_key, {e: tuple(v) for e, v in names.items()}


def _latin_words(text: str) -> tuple[str, ...]:
    return tuple(_LATIN_WORD_RE.findall(fold(text).lower()))


@cache
def _parts() -> dict[tuple[str, ...], tuple[GazEntry, ...]]:
    """Every run of whole words of a curated entry's or a country's English name -> those entries, best
    (``GazEntry.score``) first: ("trump",) -> Donald Trump; ("united",) -> the UN, the US, the UK..."""
    _, names = _tables()
    out: dict[tuple[str, ...], list[GazEntry]] = {}
    for entry in names:
        if entry.source not in _PART_SOURCES or not entry.name_en:
            continue
        words = _latin_words(entry.name_en)
        runs = {words[i:j] for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
        for run in runs:
            if not all(w in _FILLER or len(w) < 3 for w in run):
                out.setdefault(run, []).append(entry)
    return {k: tuple(sorted(v, key=lambda e: e.score(), reverse=True)) for k, v in out.items()}


def names_for(value: str, *, places_only: bool) -> tuple[str, ...]:
    """Names the gazetteer entry called ``value`` is indexed under (``value`` itself excluded), or ().

    A Latin ``value`` that names no entry but is a word or run of words of English names (module docstring)
    gives the names of those entries, best first; at most ``MAX_NAMES`` in all."""
    by_key, names = _tables()
    own = _key(value)
    entry = by_key.get(own)
    if entry is not None:
        if places_only and entry.type not in _PLACE_TYPES:
            return ()
        return tuple(n for n in names[entry] if _key(n) != own)[:MAX_NAMES]
    if not value.isascii():
        return ()
    out: list[str] = []
    for part in _parts().get(_latin_words(value), ()):
        if places_only and part.type not in _PLACE_TYPES:
            continue
        out += [n for n in names[part] if _key(n) != own and n not in out]
    return tuple(out[:MAX_NAMES])
