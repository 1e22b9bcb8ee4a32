"""Batched Viterbi for linear-chain taggers (the CRF and the neural BiLSTM-CRF share it).

Why batched: a document's sentences are decoded together, so the per-step numpy calls are paid once per
time step of the longest sentence, not once per token of every sentence.
"""

from __future__ import annotations

import numpy as np

__all__ = ["viterbi"]


def viterbi(em: np.ndarray, lens: list[int], trans: np.ndarray, start: np.ndarray | float = 0.0,
            end: np.ndarray | float = 0.0) -> list[list[int]]:
    """Best label ids per sentence for emissions ``em`` (B, T, L) of sentences sorted longest first
    (``lens``), transition scores ``trans`` (from, to) and optional start/end scores per label."""
    b, tmax, nl = em.shape
    lens_a = np.array(lens)
    # rows are sorted longest first: step t only advances the first live[t], the sentences still running
    live = (lens_a[None, :] > np.arange(tmax)[:, None]).sum(axis=1).tolist()
    delta = em[:, 0] + start
    back = np.zeros((b, tmax, nl), dtype=np.intp)
    # one scratch array for every step's candidates, and results written in place (out=): the loop
    # runs once per token of the longest sentence and its cost is numpy's per-call overhead, so fewer
    # calls and no allocations matter; the arithmetic is the same, so are the results
    cand = np.empty((b, nl, nl))
    for t in range(1, tmax):
        k = live[t]
        c = cand[:k]
        dk = delta[:k]
        np.add(dk[:, :, None], trans, out=c)  # (live, from, to)
        c.argmax(axis=1, out=back[:k, t])
        c.max(axis=1, out=dk)
        dk += em[:k, t]
    # backtrack all rows at once: each row's last label goes at its own end, then step t fills t-1 for
    # the rows that reach t
    y = np.zeros((b, tmax), dtype=np.intp)
    rows = np.arange(b)
    y[rows, lens_a - 1] = (delta + end).argmax(axis=1)
    for t in range(tmax - 1, 0, -1):
        k = live[t]
        y[:k, t - 1] = back[rows[:k], t, y[:k, t]]
    return [row[:n] for row, n in zip(y.tolist(), lens, strict=True)]
