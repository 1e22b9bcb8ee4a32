"""The event stage's out-of-fold types for every article of the set: what the casualty step reads of the events.

Why out of fold: the casualty step (:mod:`worker.extract.casualty_keys`) reads the event types the event stage
reports for the article. At run time they come from the shipped event model on an article it never saw. On its
own training articles that model is better than it will ever be on new ones, so a casualty step fitted on
those types would trust them too much. Each article's types here come from an event model fitted without the
article's fold: the 5 folds by story of ``newsworker eval`` (``report.cross_validate_events``).

The types are stored in ``data/extraction/event-folds.jsonl`` (one ``{"id", "types"}`` line per event article)
because they take the event model's full cross-validation to compute (about 45 CPU-minutes; 22 minutes with
``--jobs 2``). Rebuild them with ``newsworker train event-folds`` whenever the event model's training or the event
labels change, then refit the casualties.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import tempfile
from collections.abc import Sequence
from pathlib import Path

from worker.training import events as ev
from worker.training.dataset import Article, data_dir
from worker.training.folds import kfold

__all__ = ["FILE", "K", "out_of_fold_types", "write", "read"]

FILE = "event-folds.jsonl"
K = 5


def _fold(prepared: Sequence[ev.Prepared], f: int) -> dict[str, list[str]]:
    """The types that an event model fitted on every fold but ``f`` reports for the articles of fold ``f``."""
    train, test = kfold(prepared, K, key=lambda p: p.article.fold_key)[f]
    model = ev.train(train)
    return {p.article.id: sorted(got) for p, got in zip(test, ev.predict(model, test), strict=True)}


def _forked(prepared: Sequence[ev.Prepared], jobs: int) -> list[dict[str, list[str]]]:
    """:func:`_fold` of every fold in forked processes, ``jobs`` at a time. A fork inherits ``prepared`` (hundreds
    of MB) instead of pickling it; each process leaves its result in a file, read once it has exited cleanly."""
    ctx = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="event-folds-") as tmp:
        def run(f: int) -> None:
            Path(tmp, f"{f}.json").write_text(json.dumps(_fold(prepared, f)), encoding="utf-8")

        pending, running = list(range(K)), []
        while pending or running:
            while pending and len(running) < jobs:
                proc = ctx.Process(target=run, args=(pending.pop(0),))
                proc.start()
                running.append(proc)
            multiprocessing.connection.wait([p.sentinel for p in running])
            for proc in [p for p in running if not p.is_alive()]:
                running.remove(proc)
                if proc.exitcode != 0:
                    for other in running:
                        other.terminate()
                    raise RuntimeError(f"an event fold's process exited with {proc.exitcode}")
        return [json.loads(Path(tmp, f"{f}.json").read_text(encoding="utf-8")) for f in range(K)]


def out_of_fold_types(arts: Sequence[Article], jobs: int = 1) -> dict[str, list[str]]:
    """id -> the types an event model fitted without the article's fold reports (folds by story, ``K`` of
    them), computed ``jobs`` folds at a time."""
    prepared = [ev.prepare(a) for a in arts]
    parts = _forked(prepared, jobs) if jobs > 1 else [_fold(prepared, f) for f in range(K)]
    return {i: types for part in parts for i, types in part.items()}


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
