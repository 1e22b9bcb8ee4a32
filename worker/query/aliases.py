"""Gazetteer names for ``entity:`` and ``place:`` values: one name of an entry finds the others.

The index holds, per entity, its canonical name and its surface form (``fields.index_view``), and for a
resolved place also its English name. A mention of "قسد" is indexed under "قسد" and "قوات سوريا
الديمقراطية"; one of "تنظيم الدولة" under its canonical "تنظيم الدولة الإسلامية". So a query value that is
a gazetteer name is widened, in the AST (both backends see the same tree), to the names the entry is indexed
under: its canonical name, its English name and, for curated entries, its hand-listed aliases.

The gazetteer (``worker.extract.gazetteer``, the same core layer) is the single source of the aliases, read
once per process on the first ``entity:``/``place:`` query: no copy of it to keep in step.
"""

from __future__ import annotations

from functools import cache

from worker.extract.gazetteer import GazEntry, get_gazetteer
from worker.extract.normalize import fold

__all__ = ["names_for", "MAX_NAMES"]

# A bound on how far one value widens (the largest curated alias list is 9 names).
MAX_NAMES = 12
_PLACE_TYPES = frozenset({"LOC", "FAC"})


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


def names_for(value: str, *, places_only: bool) -> tuple[str, ...]:
    """Names the gazetteer entry called ``value`` is indexed under (``value`` itself excluded), or ()."""
    by_key, names = _tables()
    entry = by_key.get(_key(value))
    if entry is None or (places_only and entry.type not in _PLACE_TYPES):
        return ()
    own = _key(value)
    return tuple(n for n in names[entry] if _key(n) != own)[:MAX_NAMES]
