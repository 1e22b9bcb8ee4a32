"""Fit and cross-validate the event model (:mod:`worker.extract.event_model`).

Sentence labels come from the document labels: the unit holding a type's evidence is a positive of that
type; every unit of an article without the type is a negative; the other units of an article with the
type are left out (they may or may not describe it). Thresholds per type are chosen on out-of-fold
scores of the training articles only, so a test fold never sees its own labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from worker.document import EVENT_TYPES
from worker.extract.dates import parse_published
from worker.extract.event_model import EventModel, split_units, unit_features
from worker.extract.normalize import fold
from worker.training.dataset import Article
from worker.training.folds import kfold

__all__ = ["Prepared", "prepare", "fit", "oof_doc_scores", "best_thresholds", "C"]

C = 0.5  # inverse L2 strength; chosen by cross-validation on the training set (see README)
MIN_COUNT = 2


@dataclass
class Prepared:
    article: Article
    texts: list[str]
    feats: list[list[str]]
    evidence_unit: dict[str, int]  # type -> unit index of its evidence


def _match_unit(evidence: str, folds: list[str]) -> int:
    e = fold(evidence).strip()
    if not e:
        return 0
    for k, f in enumerate(folds):
        if e in f or (len(f) > 20 and f in e):
            return k
    ew = set(e.split())
    overlap = [len(ew & set(f.split())) / (len(ew) or 1) for f in folds]
    return int(np.argmax(overlap)) if overlap else 0


def prepare(a: Article) -> Prepared:
    pub = parse_published(a.published)
    texts, folds, n_title = split_units(a.title, a.body)
    feats = unit_features(folds, n_title, pub.year if pub else None)
    ev = {t: _match_unit(e, folds) for t, e in a.events if texts}
    return Prepared(a, texts, feats, ev)


def _matrix(prepared: Sequence[Prepared], index: dict[str, int]):
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for p in prepared:
        for fs in p.feats:
            indices.extend(sorted({index[f] for f in fs if f in index}))
            indptr.append(len(indices))
    data = np.ones(len(indices), np.float32)
    return csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(index)))


def fit(prepared: Sequence[Prepared], c: float = C, types: Sequence[str] = EVENT_TYPES) -> EventModel:
    """One logistic model per type over the units of ``prepared``; thresholds left at 0.5."""
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for p in prepared:
        for fs in p.feats:
            for f in set(fs):
                counts[f] = counts.get(f, 0) + 1
    vocab = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocab)}
    X = _matrix(prepared, index)
    W = np.zeros((len(vocab), len(types)), np.float32)
    b = np.full(len(types), -8.0, np.float32)
    unit_doc = np.concatenate([[i] * len(p.feats) for i, p in enumerate(prepared)]) if prepared else np.zeros(0, int)
    unit_pos = np.concatenate([np.arange(len(p.feats)) for p in prepared]) if prepared else np.zeros(0, int)
    for j, t in enumerate(types):
        y = np.zeros(X.shape[0], np.int8)
        keep = np.ones(X.shape[0], bool)
        for i, p in enumerate(prepared):
            if t in p.evidence_unit:
                rows = unit_doc == i
                keep[rows] = False
                hit = np.flatnonzero(rows & (unit_pos == p.evidence_unit[t]))
                keep[hit] = True
                y[hit] = 1
        if y.sum() == 0:
            continue
        clf = LogisticRegression(C=c, solver="liblinear", class_weight={0: 1.0, 1: 3.0}, max_iter=200)
        clf.fit(X[keep], y[keep])
        W[:, j] = clf.coef_[0]
        b[j] = clf.intercept_[0]
    return EventModel(list(types), vocab, W, b, np.full(len(types), 0.5, np.float32))


def doc_scores(model: EventModel, prepared: Sequence[Prepared]) -> np.ndarray:
    """Best unit score per (article, type)."""
    out = np.zeros((len(prepared), len(model.types)), np.float32)
    for i, p in enumerate(prepared):
        s = model.unit_scores(p.feats)
        if len(s):
            out[i] = s.max(axis=0)
    return out


def labels(prepared: Sequence[Prepared], types: Sequence[str] = EVENT_TYPES) -> np.ndarray:
    return np.array([[t in p.article.event_types for t in types] for p in prepared], bool)


def oof_doc_scores(prepared: Sequence[Prepared], k: int = 4, c: float = C) -> np.ndarray:
    """Out-of-fold document scores: each article scored by a model fitted without its fold."""
    out = np.zeros((len(prepared), len(EVENT_TYPES)), np.float32)
    pos = {id(p): i for i, p in enumerate(prepared)}
    for train, test in kfold(prepared, k, key=lambda p: p.article.id):
        if not test:
            continue
        m = fit(train, c)
        s = doc_scores(m, test)
        for p, row in zip(test, s, strict=True):
            out[pos[id(p)]] = row
    return out


def best_thresholds(scores: np.ndarray, gold: np.ndarray, floor: float = 0.05) -> np.ndarray:
    """Per type, the threshold maximising F1 on these (out-of-fold) scores; 0.5 with no positives."""
    th = np.full(scores.shape[1], 0.5, np.float32)
    for j in range(scores.shape[1]):
        if not gold[:, j].any():
            continue
        best, best_f = 0.5, -1.0
        for t in np.arange(floor, 0.96, 0.0125):
            pred = scores[:, j] >= t
            tp = (pred & gold[:, j]).sum()
            f = 2 * tp / (pred.sum() + gold[:, j].sum()) if pred.sum() + gold[:, j].sum() else 0.0
            if f > best_f + 1e-9:
                best, best_f = float(t), f
        th[j] = best
    return th


def train(prepared: Sequence[Prepared], c: float = C, inner_k: int = 4) -> EventModel:
    """The model to ship or to test on a held-out fold: fitted on all of ``prepared``, thresholds from its OOF."""
    th = best_thresholds(oof_doc_scores(prepared, inner_k, c), labels(prepared))
    m = fit(prepared, c)
    m.threshold = th
    return m
