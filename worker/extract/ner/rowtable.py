"""A bounded cache of numpy rows computed once per word type, shared by the CRF and neural taggers.

Why: both taggers' per-token work is a function of the word type alone (the CRF's summed state
weights, the neural model's gate projection), and news text repeats its words, so each row is
computed the first time its word is seen and then gathered by index. A worker runs for days on a
stream of new words: past ``max_rows`` the table keeps the half of its rows used most recently
(frequent words stay cached) and refills the rest from what comes next.

Why the memory is never given back: touching fresh pages is expensive (page faults; on the shared
VMs measured at ~8 µs per KB, as much as computing a neural row), so once the table has grown its
pages are reused, and eviction compacts rows in place instead of copying into a new array.

Why the table is allocated at its bound from the start: ``np.zeros`` of a large array is ``calloc``,
whose pages are only faulted in when a row is first written, so the full size costs no memory until
used; growing by doubling instead copied every row into fresh pages at each step (two steps, ~0.08 s
each, in the first 1,300 articles of a worker). Doubling remains for the rows a batch adds past the bound
before the next eviction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["RowTable"]

_HEADROOM = 4096  # rows past ``max_rows`` allocated up front (the batch before an eviction)
_COMPACT_CHUNK = 1024  # rows moved per step of an eviction (bounds the temporary copy)


class RowTable:
    """Rows of shape ``row_shape`` keyed by word type; ``compute(keys)`` makes rows for new keys."""

    def __init__(self, row_shape: tuple[int, ...], compute: Callable[[list[str]], np.ndarray],
                 max_rows: int, dtype: type = np.float64) -> None:
        self.compute = compute
        self.max_rows = max_rows
        self.rowid: dict[str, int] = {}
        self.keys: list[str] = []  # row -> key (for eviction)
        self.table = np.zeros((max_rows + _HEADROOM, *row_shape), dtype=dtype)  # pages untouched until used
        self.last = np.zeros(max_rows + _HEADROOM, dtype=np.int64)  # row -> call count when last used
        self.calls = 0

    def ids(self, keys: Sequence[str]) -> list[int]:
        """Row indexes of ``keys`` in :attr:`table`, computing rows for the keys not seen yet."""
        if len(self.rowid) > self.max_rows:  # bound memory on endless streams of new words
            self.evict()
        get = self.rowid.get
        ids = [get(k) for k in keys]
        if None in ids:
            self.add(list(dict.fromkeys(k for k, r in zip(keys, ids, strict=True) if r is None)))
            # only the new keys are looked up again: adding rows moves no existing row, and a lookup in
            # this large table costs a few cache misses (a document has ~300 keys, ~30 of them new)
            ids = [get(k) if r is None else r for k, r in zip(keys, ids, strict=True)]
        self.calls += 1
        self.last[ids] = self.calls
        return ids  # type: ignore[return-value]

    def evict(self) -> None:
        """Keep the most recently used half of the rows, moved to the front in their old order."""
        n = len(self.keys)
        keep = np.sort(np.argpartition(-self.last[:n], n // 2)[: n // 2])  # ascending: keep[j] >= j
        for a in range(0, len(keep), _COMPACT_CHUNK):
            # rows are only moved towards the front and each chunk's sources are read (copied by the
            # fancy index) before its destinations are written, so no row is overwritten unread
            src = keep[a:a + _COMPACT_CHUNK]
            self.table[a:a + len(src)] = self.table[src]
        self.last[:len(keep)] = self.last[keep]
        self.keys = [self.keys[i] for i in keep.tolist()]
        self.rowid = {k: i for i, k in enumerate(self.keys)}

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
            last = np.zeros(size, dtype=np.int64)
            last[:first] = self.last[:first]
            self.last = last
        self.table[first:need] = self.compute(keys)
        self.keys.extend(keys)
        for n, k in enumerate(keys):
            self.rowid[k] = first + n
