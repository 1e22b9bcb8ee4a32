"""The event stage: a learned multi-label sentence classifier, aggregated to the document.

Contract: ``detect_events(title, body, sentence_spans, folded_body, published, dates=None) -> list[Event]``; pure.
``detect_events_and_rules`` (same arguments) also returns the types the trigger rules find in the same units,
which the casualty step reads.

Why learned: trigger rules fitted to a few articles fire on sentences, films, threats and history alike.
Here the rules of :mod:`worker.extract.events` are *features* (``rule_signals``), next to the sentence's
word stems, stem bigrams, stem prefixes, context cues (court, film, sport, threat, negation, an older year),
its position and how old the dates it mentions are against the publication day (``unit_ages``; each age
also crossed with the types whose rule fires in the unit, since a trigger beside yesterday's date reports
news and one beside a date of years ago recalls background). One logistic model per type scores every unit
(the title and each body sentence). The document stage (:mod:`worker.extract.event_doc`) then decides each
type from how its units scored (best, second best, title, lead, how many fire, the gate on its rule hits, a
whole-article model's score, every type's best score), with a threshold per type chosen on held-out folds at
training time (``worker.training.events``); a model saved without that stage compares the best unit's score
with the type's threshold instead. The evidence is the best-scoring unit.

Rare types: a type with too few annotated articles to learn from (prison attacks: a handful in the whole
2018 corpus) is decided by its trigger rule *gated* by a type-independent "reported event" model: one
logistic model over every (sentence, type) pair where some type's full rule fires, trained to tell the
rule hits of real reported events from those of sentences, films, threats and history. The gate thus
learns from all types what "reported as having happened" looks like, and the rare type borrows it.

The whole-article model: the sentence model learns from one evidence sentence per type and leaves the
article's other sentences out, so it never sees how an article about a type reads as a whole. One more
logistic model per type over the union of the article's unit features, fitted on the document labels,
gives the document stage that view (cross-validated in ``worker.training.events``, ``BOW``).

The model is a plain ``.npz`` (vocabulary, weights, biases, thresholds): numpy only at run time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import numpy as np

from worker.document import DateRef, Event
from worker.extract import npz_vocab
from worker.extract.dates import date_ages, find_dates
from worker.extract.event_doc import DocStage, doc_features
from worker.extract.event_rows import WORD_RE as _WORD_RE
from worker.extract.event_rows import YEAR_RE as _YEAR_RE
from worker.extract.event_rows import RowFeaturizer, UnitRows, age_features, unit_position, year_feature
from worker.extract.events import rule_signals, rule_types
from worker.extract.memo import WORD_TYPES
from worker.extract.normalize import fold, fold_with_offsets, folded_words
from worker.extract.tokens import sentences, split_proclitics

__all__ = ["detect_events", "detect_events_and_rules", "EventReading", "unit_features", "gate_features", "split_units",
           "unit_ages", "find_unit_dates", "EventModel", "load_model", "from_npz"]

_MAX_EVIDENCE = 300
_MAX_UNITS = 120  # sentences scored per article (bounded work on huge bodies)

# Context cues, as groups of bare stems: the data is small, so a group generalises where single words are rare.
_CUES: dict[str, frozenset[str]] = {
    "court": folded_words("محكمة محاكمة قاض قاضي القضاء قضائي قضائية النيابة الادعاء المدعي المحلفين حكم أحكام بتهمة تهمة جنايات"),
    "film": folded_words("فيلم أفلام مسلسل رواية مسرحية سينما السينما مهرجان ممثل ممثلة مخرج إخراج بطولة دراما وثائقي كتاب لعبة"),
    "sport": folded_words("مباراة مباريات الدوري دوري المنتخب منتخب لاعب لاعبين نادي بطولة كأس مدرب هدف أهداف الملعب"),
    "threat": folded_words("يهدد تهدد هدد هددت تهديد تهديدات يعتزم تعتزم يخطط تخطط خطة مخطط سيشن ستشن قد سوف محتمل احتمال تحذير حذر حذرت يحذر"),
    "negation": folded_words("لم لن لا ليس نفى نفت ينفي تنفي عدم دون"),
    "history": folded_words("ذكرى الذكرى منذ سابق سابقا الماضي قبل عقود سنوات تاريخ تاريخي إحياء"),
    "cyber": folded_words("إلكتروني إلكترونية سيبراني قرصنة قراصنة اختراق الإنترنت فيروس"),
    "verbal": folded_words("انتقد انتقادات انتقاد هاجم لاذع تصريحات تغريدة تويتر إعلامي إعلامية"),
    "death": folded_words("قتل قتلى مقتل قتيل قتيلا أصيب جرحى مصرع ضحايا جثث استشهد"),
}


# word -> its "cue:" features in _CUES' order: a first-seen word then costs one or two lookups here
# instead of two set lookups per cue group
_CUE_FEATS: dict[str, tuple[str, ...]] = {}
for _name, _words in _CUES.items():
    for _w in _words:
        _CUE_FEATS[_w] = (*_CUE_FEATS.get(_w, ()), "cue:" + _name)
_CUE_ORDER = {"cue:" + name: k for k, name in enumerate(_CUES)}


def _stem(word: str) -> str:
    return split_proclitics(word)[1] or word


def _cue_feats(stem: str, word: str) -> tuple[str, ...]:
    """The "cue:" features of a word: each group that holds its stem or the word, in _CUES' order."""
    cues = _CUE_FEATS.get(stem, ())
    if word != stem:
        more = _CUE_FEATS.get(word, ())
        if more:
            cues = tuple(sorted({*cues, *more}, key=_CUE_ORDER.__getitem__)) if cues else more
    return cues


@lru_cache(maxsize=WORD_TYPES)
def _word_feats(word: str) -> tuple[str, tuple[str, ...]]:
    """(bare stem, its features) of one folded word: the stem, its 3/4-letter prefixes, its cues."""
    s = _stem(word)
    n = len(s)
    feats = ("w:" + s, "p4:" + s[:4], "p3:" + s[:3]) if n > 4 else ("w:" + s, "p3:" + s[:3]) if n > 3 else ("w:" + s,)
    return s, feats + _cue_feats(s, word)


def unit_features(units_fold: list[str], n_title: int, pub_year: int | None,
                  ages: Sequence[tuple[str, ...]] | None = None) -> list[list[str]]:
    """Feature names of each folded unit (title units first, then body sentences); ``ages`` (from
    :func:`unit_ages`, None when the publication day is unknown) adds the age features of each unit's dates."""
    signals = rule_signals(units_fold)
    out: list[list[str]] = []
    for k, (f, sig) in enumerate(zip(units_fold, signals, strict=True)):
        feats: list[str] = ["bias:unit"]
        pos = unit_position(k, n_title)
        feats.append("pos:" + pos)
        prev = "<s>"
        for w in _WORD_RE.findall(f):
            s, wf = _word_feats(w)
            feats.extend(wf)
            feats.append(f"b:{prev}_{s}")
            prev = s
        for y in _YEAR_RE.findall(f):
            if pub_year is not None:
                feats.append(year_feature(y, pub_year))
        for s in sig:
            feats.append("sig:" + s)
            if s.startswith("rule:") or s.startswith("pat:"):
                feats.append(f"sig:{s}@{pos}")
        if ages is not None:
            feats.extend(age_features(ages[k], sig))
        out.append(feats)
    # what the rules see next door and in the title: a trigger in a background paragraph reads
    # differently from one that follows the headline's event
    for k, feats in enumerate(out):
        if k > 0:
            feats.extend("prev:" + s for s in signals[k - 1])
        if k + 1 < len(out):
            feats.extend("next:" + s for s in signals[k + 1])
        if n_title and k >= n_title:
            feats.extend("title:" + s for s in signals[0])
    return out


def split_units(title: str, body: str, sentence_spans: list[tuple[int, int]] | None = None,
                folded_body: tuple[str, list[int]] | None = None) -> tuple[list[str], list[str], int]:
    """(unit texts, folded unit texts, number of title units): the title, then each body sentence."""
    texts: list[str] = []
    folds: list[str] = []
    if _has_title_unit(title):
        texts.append(title)
        folds.append(fold(title))
    n_title = len(texts)
    if body:
        fbody, offs = folded_body if folded_body is not None else fold_with_offsets(body)
        for a, b in _body_units(body, sentence_spans):
            texts.append(body[a:b])
            folds.append(fbody[bisect_left(offs, a) : bisect_left(offs, b)])
    return texts, folds, n_title


def _has_title_unit(title: str) -> bool:
    """Whether the title is a unit (blank titles are not), shared by split_units and unit_ages."""
    return bool(title and title.strip())


def _body_units(body: str, sentence_spans: list[tuple[int, int]] | None) -> list[tuple[int, int]]:
    """The spans of the body's units: its sentences, the first ``_MAX_UNITS`` of them."""
    return (sentence_spans if sentence_spans is not None else sentences(body))[:_MAX_UNITS]


UnitDates = tuple[Sequence[DateRef], Sequence[DateRef]]


def find_unit_dates(title: str, body: str, published: datetime | None,
                    folded_body: tuple[str, list[int]] | None = None) -> UnitDates:
    """Every date mention of the title and of the body, as the chain's date stage finds them."""
    return (find_dates(title, published, "title", unique=False),
            find_dates(body, published, "body", folded_body, unique=False))


def unit_ages(title: str, body: str, sentence_spans: list[tuple[int, int]] | None, dates: UnitDates,
              published: datetime | date | None) -> list[tuple[str, ...]] | None:
    """Per unit of :func:`split_units`, the age classes of the dates mentioned in it (sorted; empty when none),
    or None when the publication day is unknown and nothing can be aged."""
    if published is None:
        return None
    pub = published.date() if isinstance(published, datetime) else published
    t_dates, b_dates = dates
    out: list[tuple[str, ...]] = []
    if _has_title_unit(title):
        out.append(date_ages((r.date for r in t_dates), pub))
    if body:
        by_start = sorted(b_dates, key=lambda r: r.start)
        starts = [r.start for r in by_start]
        for a, b in _body_units(body, sentence_spans):
            out.append(date_ages((r.date for r in by_start[bisect_left(starts, a) : bisect_left(starts, b)]), pub))
    return out


def gate_features(feats: list[str], etype: str) -> list[str]:
    """Features of a (unit, type) pair for the reported-event gate: the unit's, plus the type's own cues."""
    own = [f"self:{x}" for x in ("hypo", "title", "prev", "next") if _has_own(feats, x, etype)]
    return feats + own


def _has_own(feats: list[str], what: str, etype: str) -> bool:
    key = {"hypo": f"sig:hypo:{etype}", "title": f"title:rule:{etype}", "prev": f"prev:rule:{etype}",
           "next": f"next:rule:{etype}"}[what]
    return key in feats


def _trial_story(feats: list[list[str]]) -> bool:
    """The headline is a court verdict: a prison break or attack told in its body is the case being tried,
    not news (a rare type has too few articles for the model to learn this; the rulings say so)."""
    title = feats[0] if feats and "pos:title" in feats[0] else ()
    return "sig:courtprison" in title or "sig:rule:sentencing" in title


# Features under this absolute weight everywhere are dropped when the model is saved. Session 12, 422k
# features: 5e-3 drops 23% of them and changes no decision on 4,500 corpus articles (1e-2 drops 38% and
# changes one label); the event model alone loads in 0.40 s instead of 0.99 s. Session 14, fitted on 14,378
# articles: 5e-3 still kept 376k features and the chain's load reached 1.8-2.1 s against its 2 s budget, so
# 1e-2 (304k kept): the types of 2 of 3,123 corpus articles (every tenth) change; the model loads in 0.36 s
# instead of 0.56-0.79 s. Session 15, fitted on 19,307 articles: 1e-2 kept 331k and the chain loaded in 1.88-2.30 s,
# so 2e-2 (235k kept, events.npz 20.3 -> 15.0 MB): no type changes on those 3,123 corpus articles, and the held-out
# checks and gold-dev are identical.
SAVE_PRUNE = 2e-2


class EventModel:
    """Vocabulary -> row of ``weights`` (one column per type, then the gate's), ``bias`` and ``threshold``
    per column; ``rare`` marks the types decided by rule + gate."""

    def __init__(self, types: list[str], vocab: list[str], weights: np.ndarray, bias: np.ndarray,
                 threshold: np.ndarray, rare: np.ndarray | None = None, union: bool = False,
                 doc: DocStage | None = None, rare_gate: bool = True,
                 bow: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.types = types
        # plain str keys: a saved vocabulary loads as numpy str_, and a dict lookup of a str against a
        # str subclass key misses CPython's fast string comparison. ``from_npz`` passes ``tolist()``'s
        # plain strs (making 198k numpy str_ scalars and converting each back was ~0.15 s of the load)
        self.index = dict(zip(map(str, vocab), range(len(vocab)), strict=True))
        self._rule_sig = [f"rule:{t}" for t in types]
        self._hypo_sig = [f"hypo:{t}" for t in types]
        self._rows: RowFeaturizer | None = None  # built on first use (detect_events)
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.threshold = threshold.astype(np.float32)
        self.rare = rare.astype(bool) if rare is not None else np.zeros(len(types), bool)
        # also accept a rule hit the gate passes for the learned types (the learned path alone is the default)
        self.union = bool(union)
        # the document stage (``event_doc``): when present it decides the learned types instead of the
        # best unit's score against ``threshold``
        self.doc = doc
        # a rare type's rule hit must also pass the reported-event gate; without it the rule (with its
        # court, history, plan and negation vetoes, and ``_trial_story``) decides alone
        self.rare_gate = bool(rare_gate)
        # the whole-article model (``bow``: weights (vocab, types), bias per type): one logistic model per
        # type over the union of the article's unit features, read by the document stage
        self.bow_weights, self.bow_bias = (None, None) if bow is None else (
            bow[0].astype(np.float32), bow[1].astype(np.float32))
        if self.weights.shape[1] == len(types):  # no gate column: an always-closed gate
            self.weights = np.hstack([self.weights, np.zeros((len(vocab), 1), np.float32)])
            self.bias = np.append(self.bias, -30.0).astype(np.float32)
            self.threshold = np.append(self.threshold, 1.0).astype(np.float32)

    def gate_scores(self, feats: list[list[str]]) -> np.ndarray:
        """The gate's probability that each (unit, type) feature list is a reported event."""
        return self._gate_of_rows([self._rows_of(fs) for fs in feats])

    def _rows_of(self, fs: list[str]) -> list[int]:
        """Vocabulary rows of a feature list, in its order, unknown features skipped."""
        index = self.index
        return [index[f] for f in fs if f in index]

    def _gate_of_rows(self, rows_lists: list[list[int]]) -> np.ndarray:
        col = len(self.types)
        out = np.empty(len(rows_lists), np.float32)
        for n, ids in enumerate(rows_lists):
            rows = sorted(set(ids))  # a fixed order: see _scores_of_rows
            out[n] = self.bias[col] + (float(self.weights[rows, col].sum()) if rows else 0.0)
        return 1.0 / (1.0 + np.exp(-np.clip(out, -30, 30)))

    def rule_gate_scores(self, feats: list[list[str]]) -> np.ndarray:
        """Gate score of every (unit, type) where the type's rule fires, -1 elsewhere: (units, types)."""
        out = np.full((len(feats), len(self.types)), -1.0, np.float32)
        hits = [(k, j) for k, fs in enumerate(feats) for j, t in enumerate(self.types) if f"sig:rule:{t}" in fs]
        if hits:
            g = self.gate_scores([gate_features(feats[k], self.types[j]) for k, j in hits])
            for (k, j), v in zip(hits, g, strict=True):
                out[k, j] = v
        return out

    def _rule_gate_of_rows(self, u: UnitRows) -> np.ndarray:
        """:meth:`rule_gate_scores` of an article's :class:`UnitRows` (the same tests on its signals)."""
        sig = u.signals
        out = np.full((len(sig), len(self.types)), -1.0, np.float32)
        rule = self._rule_sig
        hits = [(k, j) for k in range(len(sig)) for j in range(len(self.types)) if rule[j] in sig[k]]
        if hits:
            get = self.index.get
            lists = []
            for k, j in hits:
                ids = list(u.rows[k])
                # gate_features' "self:" cues, as they read the unit's feature list
                own = (("hypo", self._hypo_sig[j] in sig[k]),
                       ("title", bool(u.n_title) and k >= u.n_title and rule[j] in sig[0]),
                       ("prev", k > 0 and rule[j] in sig[k - 1]),
                       ("next", k + 1 < len(sig) and rule[j] in sig[k + 1]))
                for x, present in own:
                    r = get(f"self:{x}") if present else None
                    if r is not None:
                        ids.append(r)
                lists.append(ids)
            for (k, j), v in zip(hits, self._gate_of_rows(lists), strict=True):
                out[k, j] = v
        return out

    def bow_scores(self, feats: list[list[str]]) -> np.ndarray | None:
        """The whole-article model's probability per type (None when the model has none)."""
        return self._bow_of_rows([self._rows_of(fs) for fs in feats])

    def _bow_of_rows(self, rows_lists: list[list[int]]) -> np.ndarray | None:
        if self.bow_weights is None or self.bow_bias is None:
            return None
        # each row once, in a fixed order: the float sum is then the same on both paths (decide, decide_rows)
        rows = sorted(set().union(*rows_lists))
        z = self.bow_bias + self.bow_weights[rows].sum(axis=0)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def decide(self, feats: list[list[str]]) -> dict[str, tuple[int, float]]:
        """type -> (best unit, its score) for every type the article reports."""
        n_title = sum(1 for fs in feats[:2] if "pos:title" in fs)
        rows = [self._rows_of(fs) for fs in feats]
        return self._decide(self._scores_of_rows(rows), lambda: self.rule_gate_scores(feats), n_title,
                            _trial_story(feats), lambda: self._bow_of_rows(rows))

    def decide_rows(self, u: UnitRows) -> dict[str, tuple[int, float]]:
        """:meth:`decide` of the :class:`UnitRows` of the same units (same result, no feature strings)."""
        title = u.signals[0] if u.n_title and u.signals else ()
        trial = "courtprison" in title or "rule:sentencing" in title
        return self._decide(self._scores_of_rows(u.rows), lambda: self._rule_gate_of_rows(u),
                            min(u.n_title, 2, len(u.rows)), trial, lambda: self._bow_of_rows(u.rows))

    def _decide(self, unit_scores: np.ndarray, rule_gates, n_title: int, trial: bool,  # noqa: ANN001
                bow) -> dict[str, tuple[int, float]]:  # noqa: ANN001
        n_types = len(self.types)
        scores = unit_scores[:, :n_types]
        out: dict[str, tuple[int, float]] = {}
        if not len(scores):
            return out
        best = scores.argmax(axis=0)
        gates = rule_gates()
        if self.doc is not None:
            learned = self.doc.probs(doc_features(scores, gates, n_title, bow())) >= self.doc.threshold
        else:
            learned = scores[best, np.arange(n_types)] >= self.threshold[:n_types]
        for j, t in enumerate(self.types):
            if not self.rare[j] and learned[j]:
                out[t] = (int(best[j]), float(scores[best[j], j]))
            elif self.rare[j] and trial:
                continue
            elif (self.rare[j] or self.union) and (gates[:, j] >= 0).any():
                k = int(gates[:, j].argmax())
                if (self.rare[j] and not self.rare_gate) or gates[k, j] >= self.threshold[n_types]:
                    out[t] = (k, float(gates[k, j]))
        return out

    def unit_scores(self, feats: list[list[str]]) -> np.ndarray:
        """Probability of each type for each unit, shape (units, types)."""
        return self._scores_of_rows([self._rows_of(fs) for fs in feats])

    def _scores_of_rows(self, rows_lists: list[list[int]]) -> np.ndarray:
        if not rows_lists:
            return np.zeros((0, len(self.types)), np.float32)
        rows: list[int] = []
        starts: list[int] = []
        empty: list[int] = []  # units without rows (their reduceat slot holds a neighbour's row: zeroed)
        for k, ids in enumerate(rows_lists):
            starts.append(len(rows))
            if not ids:
                empty.append(k)
            # each row once, in ascending order: a float32 sum depends on its order, and the order of ``ids``
            # follows the iteration of sets of strings, which changes with each process's hash seed (two runs
            # of the same training differed in the 6th digit of some scores and in 27 of 19,307 articles'
            # out-of-fold types)
            rows.extend(sorted(set(ids)))
        if not rows:
            # no unit has a known feature: every unit scores the bias alone (the gate's column included,
            # as in the other branch)
            logits = np.broadcast_to(self.bias, (len(rows_lists), len(self.bias)))
        else:
            picked = self.weights[np.asarray(rows, np.int64)]
            # a start past the last row only exists after trailing empty units
            sums = np.add.reduceat(picked, np.minimum(starts, len(rows) - 1) if empty else starts, axis=0)
            if empty:
                sums[empty] = 0.0
            logits = sums + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))

    def row_featurizer(self) -> RowFeaturizer:
        """The row featuriser of this model's vocabulary (built once: a nested bigram index)."""
        if self._rows is None:
            # _word_feats without its lru_cache: the row featuriser keeps each word's result itself, so the
            # chain's first-seen words went through a second cache (a miss, then an entry the garbage
            # collector tracks, ~100 bytes a word) that was never read; training's unit_features keeps it
            self._rows = RowFeaturizer(self.index, _word_feats.__wrapped__)
        return self._rows

    def save(self, path: str, prune: float = SAVE_PRUNE) -> None:
        """Write the model as ``.npz``. Features whose every weight (each type, the gate, the whole-article
        model) is under ``prune`` in absolute value are left out: they cannot move a decision, and every
        feature costs load time and memory (see ``SAVE_PRUNE``)."""
        mag = np.abs(self.weights).max(axis=1)
        if self.bow_weights is not None:
            mag = np.maximum(mag, np.abs(self.bow_weights).max(axis=1))
        keep = np.flatnonzero(mag >= prune)  # prune=0 keeps every feature
        by_row = sorted(self.index, key=self.index.get)
        vocab = [by_row[i] for i in keep]
        weights = self.weights[keep]
        bow_weights = self.bow_weights[keep] if self.bow_weights is not None else None
        np.savez_compressed(path, types=np.array(self.types), **npz_vocab.pack(vocab), weights=weights.astype(np.float16),
                            bias=self.bias, threshold=self.threshold, rare=self.rare, union=np.array(self.union),
                            rare_gate=np.array(self.rare_gate),
                            **({"bow_weights": bow_weights.astype(np.float16), "bow_bias": self.bow_bias}
                               if bow_weights is not None and self.bow_bias is not None else {}),
                            **(self.doc.arrays() if self.doc is not None else {}))


@lru_cache(maxsize=1)
def load_model() -> EventModel:
    """The shipped model (``worker/extract/data/events.npz``); built by ``newsworker train events``."""
    with resources.files("worker.extract.data").joinpath("events.npz").open("rb") as f:
        return from_npz(np.load(f, allow_pickle=False))


def from_npz(z) -> EventModel:
    """The model of a loaded ``.npz`` (the document stage only if it was saved with one)."""
    doc = None
    if "doc_weights" in z:
        doc = DocStage(z["doc_mu"], z["doc_sd"], z["doc_weights"], z["doc_bias"], z["doc_threshold"])
    return EventModel(z["types"].tolist(), npz_vocab.unpack(z), z["weights"], z["bias"], z["threshold"], z["rare"],
                      bool(z["union"]), doc, bool(z["rare_gate"]) if "rare_gate" in z else True,
                      (z["bow_weights"], z["bow_bias"]) if "bow_weights" in z else None)


def _evidence(text: str) -> str:
    return text if len(text) <= _MAX_EVIDENCE else text[:_MAX_EVIDENCE].rstrip()


def detect_events(
    title: str,
    body: str,
    sentence_spans: list[tuple[int, int]] | None = None,
    folded_body: tuple[str, list[int]] | None = None,
    published: datetime | None = None,
    model: EventModel | None = None,
    dates: UnitDates | None = None,
) -> list[Event]:
    """Event types the article reports, each with its best-scoring sentence as evidence. ``dates`` may carry
    the title's and the body's date mentions (``find_dates(..., unique=False)``) when the caller has them."""
    return detect_events_and_rules(title, body, sentence_spans, folded_body, published, model, dates).events


class EventReading(NamedTuple):
    """What the event stage reports (``events``), and the types its trigger rules find (``rule_types``, see
    :func:`worker.extract.events.rule_types`), which the casualty step reads beside the reported types."""

    events: list[Event]
    rule_types: frozenset[str]


def detect_events_and_rules(
    title: str,
    body: str,
    sentence_spans: list[tuple[int, int]] | None = None,
    folded_body: tuple[str, list[int]] | None = None,
    published: datetime | None = None,
    model: EventModel | None = None,
    dates: UnitDates | None = None,
) -> EventReading:
    """:func:`detect_events` and the rule types of the same units, from the one pass of the rules the model's
    features already make (the casualty step used to run them again: ~0.4 ms on an article where it runs)."""
    m = model or load_model()
    texts, folds, n_title = split_units(title, body, sentence_spans, folded_body)
    if not texts:
        return EventReading([], frozenset())
    ages = None
    if published is not None:
        if dates is None:
            dates = find_unit_dates(title, body, published, folded_body)
        ages = unit_ages(title, body, sentence_spans, dates, published)
    rows = m.row_featurizer().unit_rows(folds, n_title, published.year if published else None, ages)
    found = m.decide_rows(rows)
    events = [Event(type=t, evidence=_evidence(texts[found[t][0]])) for t in m.types if t in found]  # type: ignore[arg-type]
    return EventReading(events, rule_types(rows.signals))
