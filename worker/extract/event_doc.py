"""The document stage of the event model: from sentence scores to the article's types.

Why a second stage: the best sentence alone against a threshold cannot tell an article *about* a bombing
(title, lead and several sentences fire) from one that mentions a bombing once in a background paragraph,
nor use that types co-occur or exclude each other (a rocket story scores on shelling and airstrike
alike). Here each type gets a small logistic model over document features of its sentence scores (best,
second best, mean of the top three, title, lead, how many sentences fire, where the best one is), what
its rule and the reported-event gate see, and the best score of every type. It is fitted on
out-of-fold sentence scores (``worker.training.event_stack``), so it learns how sentence scores behave on
articles the sentence model never saw.

numpy only; a handful of multiply-adds per type.
"""

from __future__ import annotations

import numpy as np

__all__ = ["doc_features", "DocStage", "n_features"]

_FLOOR = -11.5  # logit of the clipped probability: "no such unit"


def _logit(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 1e-5, 1 - 1e-5)
    return np.log(x / (1 - x))


_N_OWN = 13  # a type's own features; then every type's best score


def n_features(n_types: int, bow: bool = False) -> int:
    return _N_OWN + bow + n_types


def doc_features(u: np.ndarray, g: np.ndarray, n_title: int, d: np.ndarray | None = None) -> np.ndarray:
    """(types, features) of one article.

    ``u``: unit scores (units, types); ``g``: gate scores of the units where the type's rule fires, -1
    elsewhere; ``n_title``: how many of the first units are the title; ``d``: the whole-article model's
    probability per type (``EventModel.bow_scores``), when the model has one.
    """
    n, t = u.shape
    bow = d is not None
    if n == 0:
        return np.zeros((t, n_features(t, bow)), np.float32)
    srt = -np.sort(-u, axis=0)
    mx = _logit(srt[0])
    second = _logit(srt[1]) if n > 1 else np.full(t, _FLOOR)
    title = _logit(u[0]) if n_title else np.full(t, _FLOOR)
    lead = _logit(u[n_title]) if n > n_title else np.full(t, _FLOOR)
    top3 = _logit(srt[: min(3, n)].mean(axis=0))
    hit = g >= 0
    # written into the float32 result in place (one cast per value, as the stacked float64 copy's final
    # astype did; the stack, hstack and tile temporaries were a third of this function's time)
    out = np.empty((t, n_features(t, bow)), np.float32)
    out[:, :_N_OWN].T[...] = (
        mx, second, title, lead, top3,
        np.log1p((u >= 0.5).sum(axis=0)), np.log1p((u >= 0.2).sum(axis=0)),
        np.maximum(g, 0).max(axis=0), hit.any(axis=0), np.log1p(hit.sum(axis=0)),
        hit[:n_title].any(axis=0) if n_title else np.zeros(t, bool),
        u.argmax(axis=0) <= n_title + 1,  # the best unit is the title or the lead
        np.full(t, np.log(n)),
    )
    if bow:
        out[:, _N_OWN] = _logit(d)
    # every type's best score: types that co-occur or exclude each other inform each other
    out[:, _N_OWN + bow:] = mx
    return out


class DocStage:
    """Standardisation (``mu``, ``sd``), one weight row and bias per type, and the thresholds."""

    def __init__(self, mu: np.ndarray, sd: np.ndarray, weights: np.ndarray, bias: np.ndarray,
                 threshold: np.ndarray) -> None:
        self.mu = mu.astype(np.float32)
        self.sd = sd.astype(np.float32)
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.threshold = threshold.astype(np.float32)

    def probs(self, x: np.ndarray) -> np.ndarray:
        """Probability per type from ``doc_features`` (types, features), or (articles, types, features)."""
        z = (((x - self.mu) / self.sd) * self.weights).sum(axis=-1) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def arrays(self, prefix: str = "doc_") -> dict[str, np.ndarray]:
        return {prefix + k: getattr(self, k) for k in ("mu", "sd", "weights", "bias", "threshold")}
