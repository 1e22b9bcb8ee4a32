"""Set-based precision/recall/F1 over articles, with bootstrap confidence intervals by article."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PRF", "prf", "bootstrap"]


@dataclass(frozen=True)
class PRF:
    tp: int
    n_pred: int
    n_gold: int

    @property
    def p(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def r(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f(self) -> float:
        return 2 * self.tp / (self.n_pred + self.n_gold) if self.n_pred + self.n_gold else 0.0


def counts(pred: Sequence[set[Hashable]], gold: Sequence[set[Hashable]]) -> np.ndarray:
    """Per article: (true positives, predicted, gold)."""
    return np.array([(len(p & g), len(p), len(g)) for p, g in zip(pred, gold, strict=True)], np.int64).reshape(-1, 3)


def prf(pred: Sequence[set[Hashable]], gold: Sequence[set[Hashable]]) -> PRF:
    c = counts(pred, gold).sum(axis=0)
    return PRF(int(c[0]), int(c[1]), int(c[2]))


def bootstrap(pred: Sequence[set[Hashable]], gold: Sequence[set[Hashable]], n: int = 1000, seed: int = 0
              ) -> dict[str, tuple[float, float]]:
    """95% intervals of P, R and F1, resampling whole articles."""
    c = counts(pred, gold)
    if len(c) == 0:
        return {k: (0.0, 0.0) for k in "prf"}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(c), size=(n, len(c)))
    s = c[idx].sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(s[:, 1] > 0, s[:, 0] / s[:, 1], 0.0)
        r = np.where(s[:, 2] > 0, s[:, 0] / s[:, 2], 0.0)
        f = np.where(s[:, 1] + s[:, 2] > 0, 2 * s[:, 0] / (s[:, 1] + s[:, 2]), 0.0)
    q = lambda a: (float(np.percentile(a, 2.5)), float(np.percentile(a, 97.5)))  # noqa: E731
    return {"p": q(p), "r": q(r), "f": q(f)}
