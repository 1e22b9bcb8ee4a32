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
    delta = em[:, 0] + start  # a new, C-contiguous (B, L) array
    back = np.zeros((tmax, b, nl), dtype=np.intp)  # step-major: each step's pointers are one contiguous block
    # Each step's candidates are laid out (sentence, to, from), so the best "from" is an argmax over the
    # last axis, and the best score is read back at that argmax (a flat take) instead of a max over an
    # inner axis: numpy's small reductions over a non-last axis cost ~5 us a call, and this loop runs
    # once per token of the longest sentence. The sums are the same additions and the value at the
    # argmax is the maximum, so the results are the same. One scratch array, results written in place.
    trans_t = np.ascontiguousarray(trans.T)  # (to, from)
    cand = np.empty((b, nl, nl))
    cand_flat = cand.reshape(-1)
    row_base = np.arange(b * nl, dtype=np.intp) * nl  # flat offset of each (sentence, to) row of cand
    at = np.empty(b * nl, dtype=np.intp)
    # live[t] only falls, a few times per batch: each count's views (slices, reshapes; ~0.2 us each to
    # make) are made once and reused by every step with that count, instead of ~8 per step
    views: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for t in range(1, tmax):
        k = live[t]
        v = views.get(k)
        if v is None:
            m = k * nl
            v = views[k] = (delta[:k, None, :], cand[:k], row_base[:m].reshape(k, nl), at[:m].reshape(k, nl),
                            delta[:k])
        dk3, c, base_k, at_k, dk = v
        np.add(dk3, trans_t, out=c)  # (live, to, from)
        best = back[t, :k]
        c.argmax(axis=2, out=best)
        np.add(best, base_k, out=at_k)
        # at_k's shape, written into the live rows of delta. mode="clip": the indexes are always in range
        # (an argmax plus its row's offset), and the default "raise" buffers the output (~1 us more a step)
        cand_flat.take(at_k, out=dk, mode="clip")
        dk += em[:k, t]
    last = (delta + end).argmax(axis=1)
    if sum(lens) <= _PY_BACKTRACK_TOKENS_PER_STEP * tmax:
        return _backtrack_py(back, lens, last)
    return _backtrack_np(back, lens, last, live)


# The backtrack's two ways cost ~0.1-0.2 us per token (Python, one sentence at a time) and ~3.5 us per
# time step (numpy, all live sentences at once): Python wins while fewer than ~16 sentences are live per
# step on average, the usual document (~11 sentences of <= ~50 tokens: 49 vs 168 us); numpy for big
# batches (200 sentences of <= 100 tokens: 0.5 vs 2 ms). Both give the same paths.
_PY_BACKTRACK_TOKENS_PER_STEP = 16


def _backtrack_py(back: np.ndarray, lens: list[int], last: np.ndarray) -> list[list[int]]:
    """Best paths from the step-major pointers ``back`` (T, B, L), one sentence at a time."""
    item = back.item
    out: list[list[int]] = []
    for r, (n, lab) in enumerate(zip(lens, last.tolist(), strict=True)):
        path = [lab] * n
        for t in range(n - 1, 0, -1):
            lab = item(t, r, lab)
            path[t - 1] = lab
        out.append(path)
    return out


def _backtrack_np(back: np.ndarray, lens: list[int], last: np.ndarray, live: list[int]) -> list[list[int]]:
    """Best paths, all rows at once: each row's last label goes at its own end, then step t fills t-1
    for the rows that reach t."""
    b, tmax = len(lens), back.shape[0]
    y = np.zeros((b, tmax), dtype=np.intp)
    rows = np.arange(b)
    y[rows, np.array(lens) - 1] = last
    for t in range(tmax - 1, 0, -1):
        k = live[t]
        y[:k, t - 1] = back[t, rows[:k], y[:k, t]]
    return [row[:n] for row, n in zip(y.tolist(), lens, strict=True)]
