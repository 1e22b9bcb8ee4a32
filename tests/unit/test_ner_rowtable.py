"""The per word type row cache shared by the CRF and neural taggers."""

from __future__ import annotations

import numpy as np

from worker.extract.ner.rowtable import RowTable


def _rows(keys: list[str]) -> np.ndarray:
    calls.append(list(keys))
    return np.array([[len(k), ord(k[0])] for k in keys], dtype=np.float64)


calls: list[list[str]] = []


def test_rows_are_computed_once_and_survive_growth() -> None:
    calls.clear()
    table = RowTable((2,), _rows, max_rows=100000)
    keys = [f"w{i}" for i in range(10000)]
    ids = table.ids(keys + keys[:5])
    assert table.table.shape[0] >= 10000
    assert np.array_equal(table.table[ids][:, 0], [len(k) for k in keys + keys[:5]])
    assert calls == [keys]  # each new key once, in first-seen order
    assert table.ids(["w3", "w9999"]) == [3, 9999] and len(calls) == 1


def test_a_batch_past_the_allocated_rows_grows_the_table() -> None:
    calls.clear()
    table = RowTable((2,), _rows, max_rows=10)  # allocated: the bound plus a headroom of 4096 rows
    size = table.table.shape[0]
    keys = [f"w{i}" for i in range(size + 100)]
    ids = table.ids(keys)
    assert table.table.shape[0] > size and ids == list(range(len(keys)))
    assert np.array_equal(table.table[ids][:, 0], [len(k) for k in keys])
    assert calls == [keys]


def test_past_the_bound_the_recently_used_half_is_kept() -> None:
    calls.clear()
    table = RowTable((2,), _rows, max_rows=9)
    table.ids([f"a{i}" for i in range(6)])
    table.ids([f"b{i}" for i in range(4)] + ["a0"])  # a0 used again: recent
    ids = table.ids(["c", "a0", "b3"])  # over the bound: the 5 most recent rows stay
    assert sorted(table.rowid) == ["a0", "b0", "b1", "b2", "b3", "c"]
    assert calls[-1] == ["c"]  # kept rows are not recomputed
    assert table.table[ids][:, 1].tolist() == [ord("c"), ord("a"), ord("b")]
    assert table.table[ids][:, 0].tolist() == [1, 2, 2]
    assert all(table.table[table.rowid[k], 0] == len(k) for k in table.rowid)
