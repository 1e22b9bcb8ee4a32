"""Fit and cross-validate the casualty scorer (:mod:`worker.extract.casualty_model`).

A candidate is a positive when its (kind, count) is among the article's annotated casualties. The second
step (:mod:`worker.extract.casualty_keys`) learns from the mention scorer's out-of-fold scores of the training
articles, and every threshold is chosen on out-of-fold scores of the training articles only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from worker.extract.casualty_keys import KEY_FEATURES, KeyRow, key_rows
from worker.extract.casualty_model import (
    SHIPPED,
    Candidate,
    CasualtyModel,
    FeatureSet,
    all_candidates,
    article_rule_types,
    best_mentions,
)
from worker.extract.dates import parse_published
from worker.extract.trees import TreeEnsemble
from worker.training import event_folds
from worker.training.dataset import Article
from worker.training.folds import kfold
from worker.training.metrics import prf

__all__ = ["Prepared", "prepare", "fit", "train", "predict_sets", "C"]

# Inverse L2 strength. Session 16, 15,327 articles, 5 folds by story on three fold assignments (standard, salted
# 's1', 's2'): C 0.5 .8360 / .8323 / .8310, C 0.25 .8374 / .8344 / .8320, C 0.15 .8356, C 1.0 .8337.
C = 0.25
MIN_COUNT = 2
# The second step's boosted trees. Session 24, 15,327 articles, 5 folds by story, micro-F1 of the mention scorer
# alone against with the step: .8435 -> .8542 (standard folds), .8428 -> .8568 ('s1'), .8416 -> .8571 ('s2').
# Other settings (400 trees, learning rate .05, leaves of 25, 500 trees of 15 leaves) came within +-.002.
# No early stopping: its validation split is drawn at random.
KEY_TREES = {"max_iter": 250, "learning_rate": 0.03, "max_leaf_nodes": 31, "min_samples_leaf": 60,
             "l2_regularization": 1.0, "early_stopping": False, "random_state": 0}


@dataclass
class Prepared:
    article: Article
    cands: list[Candidate]
    mentions: list[tuple[str, int, int]]  # per candidate: its field and span (one number, several kinds)

    rule_types: frozenset[str] = frozenset()  # the article's event types by the trigger rules
    event_types: frozenset[str] = frozenset()  # the event model's out-of-fold types for the article

    def keys(self, scores: np.ndarray) -> list[KeyRow]:
        """The second step's rows (:func:`worker.extract.casualty_keys.key_rows`) under mention ``scores``."""
        if not self.cands:
            return []
        return key_rows(self.cands, self.mentions, scores, len(self.article.body), self.rule_types, self.event_types)


def prepare(a: Article, fs: FeatureSet = SHIPPED, event_types: Mapping[str, frozenset[str]] | None = None
            ) -> Prepared:
    """The article's candidates; ``fs`` switches on the experimental feature groups (off when shipped).
    ``event_types``: id -> the event model's out-of-fold types (default: the set's ``event-folds.jsonl``)."""
    cands = all_candidates(a.title, a.body, published=parse_published(a.published), fs=fs)
    if not cands:
        return Prepared(a, [], [])
    folds = _event_folds() if event_types is None else event_types
    if a.id not in folds:
        raise KeyError(f"{a.id}: no out-of-fold event types; rebuild them with `newsworker train event-folds`")
    return Prepared(a, [c for _, c in cands], [(field, c.start, c.end) for field, c in cands],
                    article_rule_types(a.title, a.body), folds[a.id])


@lru_cache(maxsize=1)
def _event_folds() -> dict[str, frozenset[str]]:
    return event_folds.read()


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


def predict_sets(model: CasualtyModel, prepared: Sequence[Prepared]) -> list[set]:
    return [{k for k, _, _ in model.decide(p.cands, p.mentions, len(p.article.body), p.rule_types, p.event_types)}
            for p in prepared]


def _best_threshold(scored: Sequence[Sequence[tuple[tuple[str, int], float]]], gold: Sequence[frozenset],
                    grid: np.ndarray) -> float:
    """The threshold of ``grid`` with the best micro-F1 of the (key, score) lists against ``gold``."""
    best_t, best_f = 0.5, -1.0
    for t in grid:
        f = prf([{k for k, s in d if s >= t} for d in scored], gold).f
        if f > best_f + 1e-9:
            best_t, best_f = float(t), f
    return best_t


def _fit_trees(x: np.ndarray, y: np.ndarray) -> TreeEnsemble | None:
    """The boosted trees of ``KEY_TREES`` on rows ``x``, labels ``y``; None when ``y`` holds one class."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if y.all() or not y.any():
        return None
    return TreeEnsemble.from_sklearn(HistGradientBoostingClassifier(**KEY_TREES).fit(x, y))


def fit_keys(prepared: Sequence[Prepared], oof: Sequence[np.ndarray], inner_k: int = 4,
             ) -> tuple[TreeEnsemble | None, float]:
    """The second step, fitted on the keys of ``prepared`` under their out-of-fold mention scores ``oof``; its
    threshold maximises micro-F1 over its own out-of-fold probabilities (folds by story again). None when the
    keys hold one class only (a tiny sample): the mention scorer's threshold decides then."""
    rows = [p.keys(s) for p, s in zip(prepared, oof, strict=True)]
    gold = [p.article.casualty_set for p in prepared]
    x = np.array([r[2] for rs in rows for r in rs]).reshape(-1, len(KEY_FEATURES))
    y = np.array([r[0] in g for rs, g in zip(rows, gold, strict=True) for r in rs])
    owner = np.repeat(np.arange(len(rows)), [len(r) for r in rows])  # the article of each row
    probs = np.zeros(len(y))
    for tr, te in kfold(list(range(len(prepared))), inner_k, key=lambda n: prepared[n].article.fold_key + "#keys"):
        if tr and te:
            tr_rows, te_rows = np.isin(owner, tr), np.isin(owner, te)
            trees = _fit_trees(x[tr_rows], y[tr_rows])
            probs[te_rows] = trees.proba(x[te_rows]) if trees else float(y[tr_rows].mean() if tr_rows.any() else 0)
    scored, at = [], 0
    for rs in rows:
        scored.append([(r[0], probs[at + j]) for j, r in enumerate(rs)])
        at += len(rs)
    return _fit_trees(x, y), _best_threshold(scored, gold, np.arange(0.05, 0.951, 0.0125))


def train(prepared: Sequence[Prepared], c: float = C, inner_k: int = 4, keys: bool = True) -> CasualtyModel:
    """Fit on all of ``prepared``: the mention scorer, its threshold (the best F1 over its own out-of-fold scores)
    and, with ``keys``, the second step on those same out-of-fold scores."""
    oof: list[np.ndarray] = [np.zeros(0) for _ in prepared]
    pos = {id(p): n for n, p in enumerate(prepared)}
    for tr, te in kfold(prepared, inner_k, key=lambda p: p.article.fold_key):
        if te:
            m = fit(tr, c)
            for p in te:
                if p.cands:
                    oof[pos[id(p)]] = m.scores(p.cands)
    gold = [p.article.casualty_set for p in prepared]
    best = [list(doc_best(p, s).items()) for p, s in zip(prepared, oof, strict=True)]
    m = fit(prepared, c)
    m.threshold = _best_threshold(best, gold, np.arange(0.1, 0.91, 0.025))
    if keys:
        m.keys, m.key_threshold = fit_keys(prepared, oof, inner_k)
    return m


def doc_best(p: Prepared, scores: np.ndarray) -> dict[tuple[str, int], float]:
    """Per (kind, count): its best mention's score (the mention scorer's decision without the second step)."""
    if not p.cands:
        return {}
    return {key: float(scores[i]) for key, i in best_mentions(p.cands, p.mentions, scores).items()}
