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
    keys = [f"w{i}" for i in range(10000)]  # more than the initial 4096 rows: the table grows
    ids = table.ids(keys + keys[:5])
    assert table.table.shape[0] >= 10000
    assert np.array_equal(table.table[ids][:, 0], [len(k) for k in keys + keys[:5]])
    assert calls == [keys]  # each new key once, in first-seen order
    assert table.ids(["w3", "w9999"]) == [3, 9999] and len(calls) == 1


def test_past_the_bound_the_table_is_refilled() -> None:
    calls.clear()
    table = RowTable((2,), _rows, max_rows=10)
    table.ids([f"a{i}" for i in range(11)])
    ids = table.ids(["b", "a0"])  # over the bound: dropped, both recomputed
    assert ids == [0, 1] and calls[-1] == ["b", "a0"]
    assert table.table[1, 1] == ord("a")
