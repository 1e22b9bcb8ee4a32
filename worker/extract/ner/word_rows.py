"""A word type's CRF attribute rows, looked up by feature kind and value instead of by feature string.

Why: the fast decoder (:class:`~worker.extract.ner.tagger.NerTagger`) sums the model's weight rows of a
new word's own features and of its context features seen from offsets -2, -1, +1, +2. Building those
as strings (``"p3=" + key[:3]``, ``"-1:w=" + key``, ...) and then looking each string up was most of
the ~40 µs a first-seen word cost. The model's attributes are few (~50k), so they are split once, at
load, into one table per feature kind: value -> its rows as an own feature and seen from each offset.
A word's features are then a dict lookup per kind with the value it already has (the word, a slice of
it, its cluster ids, its gazetteer tags); only the letter bigrams of rare words are still built as
strings, because their order (a set's) is the summation order (see below).

Contract: :meth:`WordRows.rows` gives, for one folded key, the rows of exactly the attributes that
``Featurizer.local(key)`` and ``Featurizer.context(key)`` list, in the same order, attributes the
model lacks skipped, each list starting with the zero row 0. The decoder sums rows in list order, so
the sums are bit-identical to summing the feature strings' rows (``tests/unit/test_ner_word_rows.py``
compares both on words of every shape). The feature code stays the reference (training and
``config_fingerprint`` use it): a change there must be mirrored here, and the test catches a miss.
"""

from __future__ import annotations

import math

from worker.extract.ner.features import CTX_PREFIXES, Featurizer, _shape

__all__ = ["WordRows", "attribute_table"]

# a value's rows: as a word's own feature, then seen from offsets -2, -1, +1, +2 (0 = the model lacks it)
Rows5 = tuple[int, int, int, int, int]
_ABSENT: Rows5 = (0, 0, 0, 0, 0)
_COLUMN = {prefix[:-1]: col for col, (prefix, _) in enumerate(CTX_PREFIXES, start=1)}  # "-2" -> 1, ...
_SHAPES = ("empty", "ar", "num", "LAT", "Lat", "lat", "punct", "mix")  # every value _shape returns
_RARE_FREQ = 50  # words rarer than this (in the cluster table) get letter-bigram features (Featurizer.local)
_MAX_AFFIXES = 100_000  # prefixes / suffixes whose rows are kept (bounded: a worker runs for days)


def _bigram_slices(n: int) -> tuple[slice, ...]:
    """The slices of a word of ``n`` letters' letter bigrams, in order."""
    return tuple(slice(k, k + 2) for k in range(n - 1))


_BIGRAM_SLICES = tuple(_bigram_slices(n) for n in range(32))


class _NgStrings(dict):
    """bigram -> its feature string "ng=" + bigram, made on first use (a few thousand bigrams)."""

    def __missing__(self, bigram: str) -> str:
        if len(self) >= _MAX_AFFIXES:
            self.clear()
        got = self[bigram] = "ng=" + bigram
        return got


def attribute_table(index: dict[str, int]) -> dict[str, dict[str, Rows5]]:
    """The model's ``kind=value`` attributes as kind -> value -> rows; ``"-1:w=x"`` is column 2 of
    ``w``'s value ``x``. Attributes without ``=`` ("b", "al", "unk", "BOS") are looked up by name."""
    cols: dict[str, dict[str, list[int]]] = {}
    for attr, row in index.items():
        name, eq, value = attr.partition("=")
        if not eq:
            continue
        off, colon, kind = name.partition(":")
        col = _COLUMN.get(off, 0) if colon else 0
        if not col:  # an own feature (or a ":" that is no offset prefix): the name is the kind
            kind = name
        cols.setdefault(kind, {}).setdefault(value, [0, 0, 0, 0, 0])[col] = row
    return {kind: {v: tuple(r) for v, r in values.items()} for kind, values in cols.items()}  # type: ignore[misc]


class WordRows:
    """Attribute rows of a word type's own and context features, for one model (``index``)."""

    def __init__(self, index: dict[str, int], featurizer: Featurizer) -> None:
        self.featurizer = featurizer
        self.index = index
        table = attribute_table(index)
        empty: dict[str, Rows5] = {}
        self._w, self._st, self._s2 = table.get("w", empty), table.get("st", empty), table.get("s2", empty)
        self._c2, self._c3, self._g = table.get("c2", empty), table.get("c3", empty), table.get("g", empty)

        def own(kind: str) -> dict[str, int]:  # the own-feature column of a kind, known values only
            return {v: r[0] for v, r in table.get(kind, empty).items() if r[0]}

        self._p1, self._p2, self._p3 = own("p1"), own("p2"), own("p3")
        self._s1, self._s3, self._s4 = own("s1"), own("s3"), own("s4")
        self._cl, self._nal, self._c1 = own("cl"), own("nal"), own("c1")
        self._fq, self._gs = own("fq"), own("gs")
        get = index.get
        self._b, self._al, self._unk = get("b", 0), get("al", 0), get("unk", 0)
        self._shape = {s: get("sh=" + s, 0) for s in _SHAPES}
        self._len = [get(f"len={n}", 0) for n in range(8)] + [get("len=8+", 0)]
        # Per first-seen word, most of the cost was slicing and looking up its seven prefixes and suffixes
        # and building its letter-bigram strings. Words share them, so for words of 5+ letters (every
        # affix present) the three prefixes' rows are kept per 3-letter prefix and the four suffixes' per
        # 4-letter suffix, and each bigram's "ng=" string (hash computed once) and row per bigram.
        self._prefix_rows: dict[str, tuple[int, int, int]] = {}
        self._suffix_rows: dict[str, tuple[int, Rows5, int, int]] = {}
        self._ng_strings = _NgStrings()
        self._ng_rows = {attr: row for attr, row in index.items() if attr.startswith("ng=")}

    def _prefixes(self, p3: str) -> tuple[int, int, int]:
        """Rows of the prefixes p1, p2, p3 of a 5+ letter word starting with ``p3``."""
        got = (self._p1.get(p3[:1], 0), self._p2.get(p3[:2], 0), self._p3.get(p3, 0))
        if len(self._prefix_rows) >= _MAX_AFFIXES:
            self._prefix_rows.clear()
        self._prefix_rows[p3] = got
        return got

    def _suffixes(self, s4: str) -> tuple[int, Rows5, int, int]:
        """Rows of the suffixes s1, s2 (all columns: also a context feature), s3, s4 of a 5+ letter word
        ending with ``s4``."""
        got = (self._s1.get(s4[-1:], 0), self._s2.get(s4[-2:], _ABSENT), self._s3.get(s4[-3:], 0),
               self._s4.get(s4, 0))
        if len(self._suffix_rows) >= _MAX_AFFIXES:
            self._suffix_rows.clear()
        self._suffix_rows[s4] = got
        return got

    def rows(self, key: str) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
        """Rows of ``local(key)``, then of ``context(key)`` seen from -2, -1, +1, +2 (see module doc);
        the branches follow ``Featurizer.local`` and ``Featurizer.context_parts`` line by line.

        Rows are gathered with 0 for an attribute the model lacks and the zeros dropped once at the
        end (one C-level filter instead of a test per feature: this runs once per first-seen word)."""
        feat = self.featurizer
        cl, rest = feat.stem(key)
        n = len(key)
        w = self._w.get(key, _ABSENT)
        own = [self._b, w[0], self._shape[_shape(key)], self._len[n if n < 8 else 8]]
        # letter prefixes and suffixes: p1 s1 p2 s2 p3 s3 (each while the word is longer), then s4
        if n > 4:
            pre = self._prefix_rows.get(key[:3]) or self._prefixes(key[:3])
            s1, s2, s3, s4 = self._suffix_rows.get(key[-4:]) or self._suffixes(key[-4:])
            own += (pre[0], s1, pre[1], s2[0], pre[2], s3, s4)
        else:
            s2 = self._s2.get(key[-2:], _ABSENT)  # also the context's suffix feature, for every length
            if n > 1:
                own += (self._p1.get(key[:1], 0), self._s1.get(key[-1:], 0))
                if n > 2:
                    own += (self._p2.get(key[:2], 0), s2[0])
                    if n > 3:
                        own += (self._p3.get(key[:3], 0), self._s3.get(key[-3:], 0))
        clusters = feat.clusters
        ck = clusters.get(key)
        if n > 3 and (ck[0] if ck else 0) < _RARE_FREQ:
            # the same set as Featurizer.local builds ({"ng=" + bigram, ...}, the same strings added in the
            # same order, so iterated in the same order: that order is the sum's), made in C
            bigrams = map(key.__getitem__, _BIGRAM_SLICES[n] if n < len(_BIGRAM_SLICES) else _bigram_slices(n))
            own += map(self._ng_rows.get, set(map(self._ng_strings.__getitem__, bigrams)))  # None if unknown
        st = _ABSENT
        if cl:
            st = self._st.get(rest, _ABSENT)
            own += (self._cl.get(cl, 0), st[0])
        if rest.startswith("ال") and len(rest) > 3:
            own += (self._al, self._nal.get(rest[2:], 0))
        c = ck or (clusters.get(rest) if cl else None)
        # context_parts: base = w, [c2, c3 if clustered], [st if clitics], g tags; near = base + s2
        base = [w]
        if c is None:
            own.append(self._unk)
        else:
            c2, c3 = self._c2.get(c[2], _ABSENT), self._c3.get(c[3], _ABSENT)
            own += (self._c1.get(c[1], 0), c2[0], c3[0], self._fq.get(str(int(math.log2(c[0] + 1))), 0))
            base += (c2, c3)
        if cl:
            base.append(st)
        tags = feat._gaz_tags(key)
        if tags:
            g = [self._g.get(t, _ABSENT) for t in tags]
            own += [x[0] for x in g]
            base += g
        if cl:
            own += map(self._gs.get, feat._gaz_tags(rest))
        _, m2, m1, p1, p2 = zip(*base, strict=True)  # columns: each offset's rows, in base's order
        return ([0, *filter(None, own)], [0, *filter(None, m2)], [0, *filter(None, m1), *([s2[2]] if s2[2] else ())],
                [0, *filter(None, p1), *([s2[3]] if s2[3] else ())], [0, *filter(None, p2)])
