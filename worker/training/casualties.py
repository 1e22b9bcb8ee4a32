"""Fit and cross-validate the casualty scorer (:mod:`worker.extract.casualty_model`).

A candidate is a positive when its (kind, count) is among the article's annotated casualties. The
document-level threshold is chosen on out-of-fold scores of the training articles only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from worker.extract.casualty_model import (
    SHIPPED,
    Candidate,
    CasualtyModel,
    FeatureSet,
    all_candidates,
    best_mentions,
)
from worker.extract.dates import parse_published
from worker.training.dataset import Article
from worker.training.folds import kfold
from worker.training.metrics import prf

__all__ = ["Prepared", "prepare", "fit", "train", "predict_sets", "C"]

# Inverse L2 strength. Session 16, 15,327 articles, 5 folds by story on three fold assignments (standard, salted
# 's1', 's2'): C 0.5 .8360 / .8323 / .8310, C 0.25 .8374 / .8344 / .8320, C 0.15 .8356, C 1.0 .8337.
C = 0.25
MIN_COUNT = 2


@dataclass
class Prepared:
    article: Article
    cands: list[Candidate]
    mentions: list[tuple[str, int, int]]  # per candidate: its field and span (one number, several kinds)


def prepare(a: Article, fs: FeatureSet = SHIPPED) -> Prepared:
    """The article's candidates; ``fs`` switches on the experimental feature groups (off when shipped)."""
    cands = all_candidates(a.title, a.body, published=parse_published(a.published), fs=fs)
    return Prepared(a, [c for _, c in cands], [(field, c.start, c.end) for field, c in cands])


def fit(prepared: Sequence[Prepared], c: float = C) -> CasualtyModel:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for p in prepared:
        for cand in p.cands:
            for f in set(cand.feats):
                counts[f] = counts.get(f, 0) + 1
    vocab = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocab)}
    indptr, indices, y = [0], [], []
    for p in prepared:
        gold = p.article.casualty_set
        for cand in p.cands:
            indices.extend(sorted({index[f] for f in cand.feats if f in index}))
            indptr.append(len(indices))
            y.append((cand.kind, cand.count) in gold)
    X = csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(len(y), len(vocab)))
    y_arr = np.array(y, np.int8)
    if y_arr.sum() == 0 or y_arr.sum() == len(y_arr):
        return CasualtyModel(vocab, np.zeros(len(vocab), np.float32), -5.0, 0.5)
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=300)
    clf.fit(X, y_arr)
    return CasualtyModel(vocab, clf.coef_[0].astype(np.float32), float(clf.intercept_[0]), 0.5)


def doc_best(model: CasualtyModel, p: Prepared) -> dict[tuple[str, int], float]:
    if not p.cands:
        return {}
    scores = model.scores(p.cands)
    return {key: float(scores[i]) for key, i in best_mentions(p.cands, p.mentions, scores).items()}


def predict_sets(model: CasualtyModel, prepared: Sequence[Prepared]) -> list[set]:
    return [{k for k, s in doc_best(model, p).items() if s >= model.threshold} for p in prepared]


def train(prepared: Sequence[Prepared], c: float = C, inner_k: int = 4) -> CasualtyModel:
    """Fit on all of ``prepared``; the threshold maximises F1 over its own out-of-fold scores."""
    oof: list[dict] = [dict() for _ in prepared]
    pos = {id(p): n for n, p in enumerate(prepared)}
    for tr, te in kfold(prepared, inner_k, key=lambda p: p.article.fold_key):
        if te:
            m = fit(tr, c)
            for p in te:
                oof[pos[id(p)]] = doc_best(m, p)
    gold = [p.article.casualty_set for p in prepared]
    best_t, best_f = 0.5, -1.0
    for t in np.arange(0.1, 0.91, 0.025):
        f = prf([{k for k, s in d.items() if s >= t} for d in oof], gold).f
        if f > best_f + 1e-9:
            best_t, best_f = float(t), f
    m = fit(prepared, c)
    m.threshold = best_t
    return m
