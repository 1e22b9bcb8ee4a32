"""The event model's unit features as vocabulary rows, without building a string per token.

Why: :func:`worker.extract.event_model.unit_features` makes several strings per word (stem, prefixes,
cues, the stem bigram) and the model then looks each one up in its vocabulary; on news text that was
about a fifth of the chain's time. Here a word's known rows are cached per word type and a bigram is
found in a nested dict (previous stem -> stem -> row), so running text costs two dict lookups per word.

Contract: :meth:`RowFeaturizer.unit_rows` lists, per unit, the rows of exactly the features
``unit_features`` lists, in the same order, unknown ones skipped. The model builds the same sets of
rows from either and sums the same weights in the same order, so the scores are bit-identical
(``tests/unit/test_event_rows.py`` compares both paths).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from worker.extract.events import rule_signals
from worker.extract.memo import WORD_TYPES

__all__ = ["WORD_RE", "YEAR_RE", "RowFeaturizer", "UnitRows", "unit_position", "age_features"]

WORD_RE = re.compile(r"[^\W\d_]+|\d+")
YEAR_RE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_MAX_WORDS = WORD_TYPES  # word types whose rows are kept (bounded: a worker runs for days)
_RULE_PREFIXES = ("rule:", "pat:")

WordFeats = Callable[[str], tuple[str, tuple[str, ...]]]
_Word = tuple[str, tuple[int, ...], "dict[str, int] | None"]


def unit_position(k: int, n_title: int) -> str:
    """The position feature's value of unit ``k``."""
    if k < n_title:
        return "title"
    return "s0" if k == n_title else "s1" if k == n_title + 1 else "s2-4" if k < n_title + 5 else "s5+"


def year_feature(year: str, pub_year: int) -> str:
    """The feature of a year written in a unit, relative to the publication year."""
    y = int(year)
    return "year:old" if y < pub_year - 1 else "year:last" if y == pub_year - 1 else "year:now"


def age_features(ages: tuple[str, ...], signals: set[str]) -> list[str]:
    """The features of the dates resolved in a unit (``ages``: their age classes, see
    :func:`worker.extract.dates.date_age`; empty when it has none): each class alone and crossed with every
    type whose full rule fires in the unit. A trigger next to yesterday's date reports news; next to a date
    of years ago it recalls background (5 folds by story, 19,307 articles, session 19: micro-F1 .8318 -> .8322
    and, on salted folds, .8336 -> .8348; about +.001, never negative in six measurements since session 13)."""
    rules = sorted(s[5:] for s in signals if s.startswith("rule:"))
    out: list[str] = []
    for g in ages or ("none",):
        out.append("age:" + g)
        out.extend(f"age:{g}|{t}" for t in rules)
    return out


@dataclass(slots=True)
class UnitRows:
    """One article's units: known feature rows per unit, the rule signals per unit, title units."""

    rows: list[list[int]]
    signals: list[set[str]]
    n_title: int


class RowFeaturizer:
    """Per model: its vocabulary ``index`` (feature -> row) and the word-level featuriser ``word_feats``."""

    def __init__(self, index: dict[str, int], word_feats: WordFeats) -> None:
        self.index = index
        self.word_feats = word_feats
        # "b:<previous stem>_<stem>": stems are letters or digits only (WORD_RE), so the first "_" splits
        self.bigrams: dict[str, dict[str, int]] = {}
        for f, r in index.items():
            if f.startswith("b:"):
                a, _, b = f[2:].partition("_")
                self.bigrams.setdefault(a, {})[b] = r
        self._words: dict[str, _Word] = {}

    def _word(self, w: str) -> _Word:
        """(stem, rows of its known word features, known bigrams after it) of one folded word, cached
        per word type."""
        got = self._words.get(w)
        if got is None:
            s, feats = self.word_feats(w)
            get = self.index.get
            got = (s, tuple(r for r in map(get, feats) if r is not None), self.bigrams.get(s))
            if len(self._words) >= _MAX_WORDS:
                self._words.clear()
            self._words[w] = got
        return got

    def unit_rows(self, units_fold: list[str], n_title: int, pub_year: int | None,
                  ages: Sequence[tuple[str, ...]] | None = None) -> UnitRows:
        """Rows of :func:`~worker.extract.event_model.unit_features` of these units (see module doc)."""
        signals = rule_signals(units_fold)
        get = self.index.get
        cached = self._words.get
        start = self.bigrams.get("<s>")
        out: list[list[int]] = []

        def add(ids: list[int], feat: str) -> None:
            r = get(feat)
            if r is not None:
                ids.append(r)

        for k, (f, sig) in enumerate(zip(units_fold, signals, strict=True)):
            ids: list[int] = []
            add(ids, "bias:unit")
            pos = unit_position(k, n_title)
            add(ids, "pos:" + pos)
            after = start  # the bigrams known after the previous stem ("<s>" first)
            for w in WORD_RE.findall(f):
                s, wr, nxt = cached(w) or self._word(w)
                ids.extend(wr)
                if after is not None:
                    r = after.get(s)
                    if r is not None:
                        ids.append(r)
                after = nxt
            # a year match holds "18", "19" or "20" (YEAR_RE's literals): most units have none, and three
            # substring tests cost a tenth of the regex's scan of the unit
            if pub_year is not None and ("20" in f or "19" in f or "18" in f):
                for y in YEAR_RE.findall(f):
                    add(ids, year_feature(y, pub_year))
            for s in sig:
                add(ids, "sig:" + s)
                if s.startswith(_RULE_PREFIXES):
                    add(ids, f"sig:{s}@{pos}")
            if ages is not None:
                for a in age_features(ages[k], sig):
                    add(ids, a)
            out.append(ids)
        for k, ids in enumerate(out):
            if k > 0:
                for s in signals[k - 1]:
                    add(ids, "prev:" + s)
            if k + 1 < len(out):
                for s in signals[k + 1]:
                    add(ids, "next:" + s)
            if n_title and k >= n_title:
                for s in signals[0]:
                    add(ids, "title:" + s)
        return UnitRows(out, signals, n_title)
