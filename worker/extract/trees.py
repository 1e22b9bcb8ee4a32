"""A gradient-boosted tree ensemble evaluated with numpy: the run-time half of a model fitted by scikit-learn.

Why: the casualty stage's second step (:mod:`worker.extract.casualty_keys`) is a boosted-tree classifier, and
the worker must not need scikit-learn at run time (numpy only, like every shipped model). The trees are
exported once (:meth:`TreeEnsemble.from_sklearn`, training only) into flat node arrays that a model file
holds; prediction walks every tree of every row at once, one level per step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TreeEnsemble"]

_ARRAYS = ("feature", "threshold", "left", "right", "value", "leaf", "roots", "base")


@dataclass(frozen=True, slots=True)
class TreeEnsemble:
    """Binary classifier: ``sigmoid(base + sum of each tree's leaf value)``.

    Node arrays are indexed across all trees (``roots`` holds each tree's first node); a row goes left at a
    node when its feature is ``<= threshold``, as in scikit-learn's numerical splits (no missing values here).
    """

    feature: np.ndarray  # int32, per node
    threshold: np.ndarray  # float64
    left: np.ndarray  # int32, absolute node index
    right: np.ndarray  # int32
    value: np.ndarray  # float64, the leaf's raw score (0 elsewhere)
    leaf: np.ndarray  # bool
    roots: np.ndarray  # int32, per tree
    base: float
    depth: int = 0  # the deepest leaf's depth (set from the nodes when 0)

    def __post_init__(self) -> None:
        if not self.depth and len(self.leaf):
            object.__setattr__(self, "depth", _depth(self.left, self.right, self.leaf, self.roots))

    @staticmethod
    def from_sklearn(clf: Any) -> TreeEnsemble:
        """The trees of a fitted binary ``HistGradientBoostingClassifier`` (numerical features only).

        Reads its ``_predictors`` and ``_baseline_prediction``: private attributes, pinned by the test that
        compares this ensemble's output with ``clf.decision_function``."""
        feats, ths, lefts, rights, vals, leaves, roots = [], [], [], [], [], [], []
        at = 0
        for (pred,) in clf._predictors:
            nodes = pred.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            roots.append(at)
            feats.append(nodes["feature_idx"].astype(np.int32))
            ths.append(nodes["num_threshold"].astype(np.float64))
            leaf = nodes["is_leaf"].astype(bool)
            own = np.arange(at, at + len(nodes), dtype=np.int32)
            # a leaf is its own child: every row can take the same number of steps (see ``decision``)
            lefts.append(np.where(leaf, own, nodes["left"].astype(np.int32) + at))
            rights.append(np.where(leaf, own, nodes["right"].astype(np.int32) + at))
            leaves.append(leaf)
            vals.append(np.where(leaf, nodes["value"], 0.0).astype(np.float64))
            at += len(nodes)
        return TreeEnsemble(np.concatenate(feats), np.concatenate(ths), np.concatenate(lefts), np.concatenate(rights),
                            np.concatenate(vals), np.concatenate(leaves), np.array(roots, np.int32),
                            float(np.ravel(clf._baseline_prediction)[0]))

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Raw scores (log-odds) of rows ``x`` (n, features)."""
        x = np.asarray(x, np.float64)
        if not len(x):
            return np.zeros(0)
        rows = np.arange(len(x))[:, None]
        node = np.broadcast_to(self.roots, (len(x), len(self.roots)))
        # one level of every tree per step, without asking which rows are done: a leaf's children are
        # itself, so the rows that reached one stay there (fewer numpy calls than tracking them)
        for _ in range(self.depth):
            node = np.where(x[rows, self.feature[node]] <= self.threshold[node], self.left[node], self.right[node])
        return self.base + self.value[node].sum(axis=1)

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of the positive class."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.decision(x), -30, 30)))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays to store in a model file, names prefixed."""
        return {prefix + k: (np.array(self.base) if k == "base" else getattr(self, k)) for k in _ARRAYS}

    @staticmethod
    def from_arrays(z: Mapping[str, np.ndarray], prefix: str) -> TreeEnsemble | None:
        """The ensemble stored by :meth:`arrays`, or None when the file holds none."""
        if prefix + "roots" not in z:
            return None
        a = {k: z[prefix + k] for k in _ARRAYS}
        return TreeEnsemble(a["feature"].astype(np.int32), a["threshold"].astype(np.float64),
                            a["left"].astype(np.int32), a["right"].astype(np.int32), a["value"].astype(np.float64),
                            a["leaf"].astype(bool), a["roots"].astype(np.int32), float(a["base"]))


def _depth(left: np.ndarray, right: np.ndarray, leaf: np.ndarray, roots: np.ndarray) -> int:
    """The number of steps from the roots to the deepest leaf."""
    level, steps = roots, 0
    while not leaf[level].all():
        level = np.concatenate([left[level[~leaf[level]]], right[level[~leaf[level]]], level[leaf[level]]])
        level = np.unique(level)
        steps += 1
    return steps
