"""Fit the document stage of the event model (:mod:`worker.extract.event_doc`) on out-of-fold scores.

The sentence model's scores on its own training articles are overconfident, so the document stage learns
from scores of articles the sentence model did not see: the inner folds of ``worker.training.events``.
Its thresholds come from a further split of those same training articles (by article), never from the
fold being tested.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from worker.extract.event_doc import DocStage
from worker.training.folds import kfold

__all__ = ["fit_doc_stage", "DOC_CS"]

DOC_CS = (0.1, 1.0)  # inverse L2 strengths tried for the per-type document models (chosen per training set)


def _fit_weights(x: np.ndarray, gold: np.ndarray, c: float, skip: np.ndarray, sample_w: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    flat = x.reshape(-1, x.shape[2])
    mu, sd = flat.mean(axis=0), flat.std(axis=0) + 1e-6
    n_types = x.shape[1]
    w = np.zeros((n_types, x.shape[2]), np.float32)
    b = np.full(n_types, -30.0, np.float32)  # a skipped type never passes
    for j in range(n_types):
        y = gold[:, j]
        if skip[j] or y.sum() < 2 or y.all():
            continue
        clf = LogisticRegression(C=c, max_iter=2000).fit((x[:, j] - mu) / sd, y, sample_weight=sample_w)
        w[j], b[j] = clf.coef_[0], clf.intercept_[0]
    return mu, sd, w, b


def _oof_probs(x: np.ndarray, gold: np.ndarray, ids: Sequence[str], c: float, k: int, skip: np.ndarray,
               sample_w: np.ndarray) -> np.ndarray:
    oof = np.zeros(gold.shape, np.float32)
    for train, test in kfold(list(range(len(ids))), k, key=lambda i: ids[i] + "#doc"):
        if train and test:
            stage = DocStage(*_fit_weights(x[train], gold[train], c, skip, sample_w[train]), np.zeros(x.shape[1]))
            oof[test] = stage.probs(x[test])
    return oof


def _micro_f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = (pred & gold).sum()
    return 2 * tp / max(pred.sum() + gold.sum(), 1)


def fit_doc_stage(x: np.ndarray, gold: np.ndarray, ids: Sequence[str], thresholds: Callable[..., np.ndarray],
                  cs: Sequence[float] = DOC_CS, k: int = 5, skip: np.ndarray | None = None,
                  w: np.ndarray | None = None) -> tuple[DocStage, np.ndarray]:
    """``x``: out-of-fold document features (articles, types, features); ``gold``: (articles, types).

    The L2 strength is the one of ``cs`` with the best micro-F1 on the stage's own out-of-fold probabilities
    over these articles, and the thresholds maximise each type's F1 on them: both chosen inside the
    training articles. Also returns those out-of-fold decisions (articles, types), for choices made after.
    ``thresholds(scores, gold, w=w)`` picks the per-type thresholds (``events.best_thresholds``, passed in
    so that this module does not import its caller). ``w``: a weight per article, used in the fits and the
    thresholds' F1 (``events.REFERENCE_WEIGHT``).
    """
    skip = np.zeros(x.shape[1], bool) if skip is None else skip
    best: tuple[float, float, np.ndarray, np.ndarray] | None = None
    w = np.ones(len(ids)) if w is None else w
    for c in cs:
        oof = _oof_probs(x, gold, ids, c, k, skip, w)
        th = thresholds(oof, gold, w=w)
        f = _micro_f1((oof >= th) & ~skip, gold & ~skip)
        if best is None or f > best[0] + 1e-9:
            best = (f, c, th, oof >= th)
    assert best is not None
    return DocStage(*_fit_weights(x, gold, best[1], skip, w), best[2]), best[3]
