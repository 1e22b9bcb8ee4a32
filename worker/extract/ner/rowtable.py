"""A bounded cache of numpy rows computed once per word type, shared by the CRF and neural taggers.

Why: both taggers' per-token work is a function of the word type alone (the CRF's summed state
weights, the neural model's gate projection), and news text repeats its words, so each row is
computed the first time its word is seen and then gathered by index. A worker runs for days on a
stream of new words: past ``max_rows`` the table is dropped and refilled from what comes next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["RowTable"]

_INITIAL = 4096


class RowTable:
    """Rows of shape ``row_shape`` keyed by word type; ``compute(keys)`` makes rows for new keys."""

    def __init__(self, row_shape: tuple[int, ...], compute: Callable[[list[str]], np.ndarray],
                 max_rows: int, dtype: type = np.float64) -> None:
        self.compute = compute
        self.max_rows = max_rows
        self.rowid: dict[str, int] = {}
        self.table = np.zeros((_INITIAL, *row_shape), dtype=dtype)

    def ids(self, keys: Sequence[str]) -> list[int]:
        """Row indexes of ``keys`` in :attr:`table`, computing rows for the keys not seen yet."""
        if len(self.rowid) > self.max_rows:  # bound memory on endless streams of new words
            self.rowid.clear()
            self.table = self.table[:_INITIAL].copy()
        get = self.rowid.get
        ids = [get(k) for k in keys]
        if None in ids:
            self.add(list(dict.fromkeys(k for k, r in zip(keys, ids, strict=True) if r is None)))
            ids = [get(k) for k in keys]
        return ids  # type: ignore[return-value]

    def add(self, keys: list[str]) -> None:
        """Compute and store the rows of new ``keys`` (growing the table by doubling)."""
        first = len(self.rowid)
        need = first + len(keys)
        if need > self.table.shape[0]:
            size = self.table.shape[0]
            while size < need:
                size *= 2
            grown = np.zeros((size, *self.table.shape[1:]), dtype=self.table.dtype)
            grown[:first] = self.table[:first]
            self.table = grown
        self.table[first:need] = self.compute(keys)
        for n, k in enumerate(keys):
            self.rowid[k] = first + n
