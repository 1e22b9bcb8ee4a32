"""The event stage's out-of-fold types for every article of the set: what the casualty step reads of the events.

Why out of fold: the casualty step (:mod:`worker.extract.casualty_keys`) reads the event types the event stage
reports for the article. At run time they come from the shipped event model on an article it never saw. On its
own training articles that model is better than it will ever be on new ones, so a casualty step fitted on
those types would trust them too much. Each article's types here come from an event model fitted without the
article's fold: the 5 folds by story of ``newsworker eval`` (``report.cross_validate_events``).

The types are stored in ``data/extraction/event-folds.jsonl`` (one ``{"id", "types"}`` line per event article)
because they take the event model's full cross-validation to compute (about 100 CPU-minutes). Rebuild them with
``newsworker train event-folds`` whenever the event model or the event labels change, then refit the
casualties.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Sequence
from pathlib import Path

from worker.training import events as ev
from worker.training.dataset import Article, data_dir
from worker.training.folds import fold_of

__all__ = ["FILE", "K", "out_of_fold_types", "write", "read"]

FILE = "event-folds.jsonl"
K = 5

_PREPARED: list[ev.Prepared] = []  # set before the pool forks: the workers inherit it instead of unpickling it


def _fold(f: int) -> list[tuple[str, list[str]]]:
    train = [p for p in _PREPARED if fold_of(p.article.fold_key, K) != f]
    test = [p for p in _PREPARED if fold_of(p.article.fold_key, K) == f]
    model = ev.train(train)
    return [(p.article.id, sorted(got)) for p, got in zip(test, ev.predict(model, test), strict=True)]


def out_of_fold_types(arts: Sequence[Article], jobs: int = 1) -> dict[str, list[str]]:
    """id -> the types an event model fitted without the article's fold reports (folds by story, ``K`` of
    them), computed ``jobs`` folds at a time."""
    global _PREPARED
    _PREPARED = [ev.prepare(a) for a in arts]
    try:
        if jobs > 1:
            with multiprocessing.get_context("fork").Pool(min(jobs, K)) as pool:
                parts = pool.map(_fold, range(K))
        else:
            parts = [_fold(f) for f in range(K)]
    finally:
        _PREPARED = []
    return {i: types for part in parts for i, types in part}


def write(path: Path, types: dict[str, list[str]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in sorted(types):
            f.write(json.dumps({"id": i, "types": types[i]}, ensure_ascii=False) + "\n")


def read(root: Path | None = None) -> dict[str, frozenset[str]]:
    """id -> out-of-fold event types, from the set's ``event-folds.jsonl``."""
    path = (root or data_dir()) / FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `newsworker train event-folds` first")
    with path.open(encoding="utf-8") as f:
        return {d["id"]: frozenset(d["types"]) for d in map(json.loads, f)}
