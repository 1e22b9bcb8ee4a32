"""Document-stage experiments on the cached nested-CV unit scores (``events_oof.py``).

Every choice (stage-2 weights, thresholds) is fitted on the training folds' out-of-inner-fold scores only;
the test fold is scored once. Prints micro and per-type P/R/F1 for each variant.

    nice -n 10 .venv/bin/python scripts/experiments/events_stack.py /tmp/ev_cache
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np

from worker.document import EVENT_TYPES
from worker.extract.event_doc import doc_features
from worker.training.event_stack import DOC_CS, fit_doc_stage
from worker.training.events import best_thresholds
from worker.training.folds import kfold

T = len(EVENT_TYPES)


def load_cache(cache: Path):
    prep = pickle.loads((cache / "prep.pkl").read_bytes())
    folds = [pickle.loads((cache / f"fold{f}.pkl").read_bytes()) for f in range(5)]
    return prep, folds


def gold_of(ps) -> np.ndarray:
    return np.array([[t in p.article.event_types for t in EVENT_TYPES] for p in ps], bool)


def prf(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp, npred, ngold = (pred & gold).sum(), pred.sum(), gold.sum()
    return tp / max(npred, 1), tp / max(ngold, 1), 2 * tp / max(npred + ngold, 1)


def report(name: str, pred: np.ndarray, gold: np.ndarray, per_type: bool = False) -> None:
    p, r, f = prf(pred, gold)
    print(f"{name:40s} micro P {p:.3f} R {r:.3f} F1 {f:.3f}", flush=True)
    if per_type:
        for j, t in enumerate(EVENT_TYPES):
            p, r, f = prf(pred[:, j], gold[:, j])
            print(f"    {t:16s} gold {gold[:, j].sum():4d} P {p:.3f} R {r:.3f} F1 {f:.3f}")


# ---- the current decision (max unit vs threshold; rule + gate for rare types, and union) ----

def _max_doc(ps, mats) -> tuple[np.ndarray, np.ndarray]:
    s = np.zeros((len(ps), T), np.float32)
    g = np.zeros((len(ps), T), np.float32)
    for i, p in enumerate(ps):
        u, gt = mats[p.article.id]
        if len(u):
            s[i] = u.max(axis=0)
            g[i] = np.maximum(gt.max(axis=0), 0)
    return s, g


def baseline(prep, folds, union: bool) -> np.ndarray:
    pred = np.zeros((len(prep), T), bool)
    pos = {p.article.id: i for i, p in enumerate(prep)}
    for fd, (train, test) in zip(folds, kfold(prep, 5, key=lambda p: p.article.id), strict=True):
        s, g = _max_doc(train, fd["train"])
        gold = gold_of(train)
        th = best_thresholds(s, gold)
        gth = best_thresholds(g.reshape(-1, 1), gold.reshape(-1, 1))[0]
        rare = fd["rare"]
        st, gtt = _max_doc(test, fd["test"])
        hasrule = np.array([[f"sig:rule:{t}" in fs for t in EVENT_TYPES] for p in test for fs in [set().union(*p.feats) if p.feats else set()]])
        for i, p in enumerate(test):
            learned = (st[i] >= th) & ~rare
            gated = hasrule[i] & (gtt[i] >= gth) & (rare | union)
            pred[pos[p.article.id]] = learned | gated
    return pred


# ---- stage 2: the document stage of worker.extract.event_doc ----

def n_title_of(p) -> int:
    return sum(1 for fs in p.feats if "pos:title" in fs)


def doc_matrix(ps, mats) -> np.ndarray:
    """(articles, types, features)."""
    return np.stack([doc_features(*mats[p.article.id], n_title_of(p)) for p in ps])


def stacked(prep, folds, c: float = 1.0, union: bool = False) -> np.ndarray:
    pred = np.zeros((len(prep), T), bool)
    pos = {p.article.id: i for i, p in enumerate(prep)}
    for fd, (train, test) in zip(folds, kfold(prep, 5, key=lambda p: p.article.id), strict=True):
        gtr = gold_of(train)
        rare = fd["rare"]
        stage, _ = fit_doc_stage(doc_matrix(train, fd["train"]), gtr, [p.article.id for p in train], best_thresholds,
                                 (c,) if c else DOC_CS, skip=rare)
        pt = stage.probs(doc_matrix(test, fd["test"])) >= stage.threshold
        # rare types: the rule + gate decision, its threshold pooled over all types as today
        s, g = _max_doc(train, fd["train"])
        gth = best_thresholds(g.reshape(-1, 1), gtr.reshape(-1, 1))[0]
        _, gtt = _max_doc(test, fd["test"])
        for i, p in enumerate(test):
            gated = (gtt[i] >= gth) & (gtt[i] > 0)
            row = (pt[i] & ~rare) | (gated & (rare | union))
            pred[pos[p.article.id]] = row
    return pred


def main(cache: Path) -> None:
    prep, folds = load_cache(cache)
    gold = gold_of(prep)
    report("baseline union", baseline(prep, folds, True), gold, per_type=True)
    report("baseline no union", baseline(prep, folds, False), gold)
    for c in (0.1, 1.0):
        report(f"stacked LR C={c}", stacked(prep, folds, c), gold, per_type=c == 1.0)
    report("stacked LR C=1 + union", stacked(prep, folds, 1.0, union=True), gold)
    report("stacked LR C chosen inside", stacked(prep, folds, 0), gold)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/ev_cache"))


# ---- a document-level bag classifier, as one more input of the document stage ----

def bag(p) -> list[str]:
    """Every feature of the article's units, once (position features dropped: they say nothing here)."""
    return sorted({f for fs in p.feats for f in fs if not f.startswith(("pos:", "bias:"))})


def fit_bag(ps, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    from worker.training.events import _rows_matrix

    counts: dict[str, int] = {}
    for p in ps:
        for f in bag(p):
            counts[f] = counts.get(f, 0) + 1
    index = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= 2))}
    X = _rows_matrix([bag(p) for p in ps], index)
    X = X.multiply(1 / np.sqrt(np.maximum(X.sum(axis=1), 1))).tocsr()
    gold = gold_of(ps)
    W = np.zeros((len(index), T))
    b = np.full(T, -10.0)
    for j in range(T):
        if gold[:, j].sum() >= 2:
            clf = LogisticRegression(C=c, solver="liblinear").fit(X, gold[:, j])
            W[:, j], b[j] = clf.coef_[0], clf.intercept_[0]
    return index, W, b


def apply_bag(m, ps) -> np.ndarray:
    from worker.training.events import _rows_matrix

    index, W, b = m
    X = _rows_matrix([bag(p) for p in ps], index)
    X = X.multiply(1 / np.sqrt(np.maximum(X.sum(axis=1), 1))).tocsr()
    return 1 / (1 + np.exp(-(X @ W + b)))


def bag_scores(prep, c: float) -> list[dict[str, dict[str, np.ndarray]]]:
    """Per outer fold: inner out-of-fold bag scores of the training articles, and the test articles' scores."""
    out = []
    for train, test in kfold(prep, 5, key=lambda p: p.article.id):
        tr: dict[str, np.ndarray] = {}
        for itrain, itest in kfold(train, 4, key=lambda p: p.article.id):
            for p, s in zip(itest, apply_bag(fit_bag(itrain, c), itest), strict=True):
                tr[p.article.id] = s
        te = dict(zip([p.article.id for p in test], apply_bag(fit_bag(train, c), test), strict=True))
        out.append({"train": tr, "test": te})
    return out


def bag_only(prep, bags) -> np.ndarray:
    pred = np.zeros((len(prep), T), bool)
    pos = {p.article.id: i for i, p in enumerate(prep)}
    for bs, (train, test) in zip(bags, kfold(prep, 5, key=lambda p: p.article.id), strict=True):
        th = best_thresholds(np.array([bs["train"][p.article.id] for p in train]), gold_of(train))
        for p in test:
            pred[pos[p.article.id]] = bs["test"][p.article.id] >= th
    return pred
