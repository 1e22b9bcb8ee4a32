"""What the two session-9 review passes share: their batches of windows, their passes and their command line.

A review shows each reviewer items (one per article) in gzipped JSON-line batches under
``data/extraction/review`` (``<prefix>N.jsonl.gz``), and reads the passes back from ``review/passes``
(``<batch>.a.jsonl`` first pass, ``<batch>.b.jsonl`` blind second pass).
"""

from __future__ import annotations

import argparse
import gzip
import json
import pathlib
import random
import sys
from collections.abc import Callable, Iterable

from agreement import read

HELD_OUT = ("wild-check", "prison-check")


def review_dir(data: pathlib.Path) -> pathlib.Path:
    return data / "review"


def records(path: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def folders(data: pathlib.Path) -> list[tuple[pathlib.Path, str]]:
    """The training folder and each held-out folder, with the tag their items carry (``set``)."""
    return [(data, "train"), *((data / h, h) for h in HELD_OUT)]


def write_batches(data: pathlib.Path, prefix: str, batches: int, window: Callable[[dict], dict | None],
                  annotated: Callable[[dict], bool], later_round: str | None = None) -> None:
    """One item per annotated article of every folder that ``window`` gives one for, shuffled (seeded) and
    dealt into ``batches`` files.

    Once per article: the windows are built from the labels before the review, and the passes point into them
    by item and sentence number, so rebuilding them from reviewed labels would break every pass. A
    ``later_round`` (a name such as "s11") builds windows only for the articles no earlier batch of ``prefix``
    holds (articles annotated since), in files ``<prefix>-<later_round>-N``, which every command reads with
    the first round's.
    """
    out = review_dir(data)
    taken = set(load_items(data, prefix))
    if later_round is None and taken:
        sys.exit(f"{out}/{prefix}*.jsonl.gz exist: the windows are built once, before the review")
    items = [{**w, "set": tag} for folder, tag in folders(data) for d in records(folder / "articles.jsonl")
             if d["id"] not in taken and annotated(d) and (w := window(d)) is not None]
    random.Random(9).shuffle(items)
    (out / "passes").mkdir(parents=True, exist_ok=True)
    stem = prefix if later_round is None else f"{prefix}-{later_round}-"
    if later_round is not None and any(out.glob(f"{stem}*.jsonl.gz")):
        sys.exit(f"{out}/{stem}*.jsonl.gz exist: that round is built")
    for k in range(batches):
        with gzip.open(out / f"{stem}{k + 1}.jsonl.gz", "wt", encoding="utf-8") as f:
            for item in items[k::batches]:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} items in {batches} batches -> {out}", file=sys.stderr)


def load_items(data: pathlib.Path, prefix: str) -> dict[str, dict]:
    items = {}
    for path in sorted(review_dir(data).glob(f"{prefix}*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                items[d["id"]] = {**d, "batch": path.name.split(".")[0]}
    return items


def batch_items(data: pathlib.Path, batch: str) -> list[dict]:
    with gzip.open(review_dir(data) / f"{batch}.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def passes(data: pathlib.Path, items: dict[str, dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    """First and second passes over all batches, by article id."""
    a_all: dict[str, dict] = {}
    b_all: dict[str, dict] = {}
    for batch in sorted({i["batch"] for i in items.values()}):
        a_all |= read(review_dir(data) / "passes" / f"{batch}.a.jsonl")
        b_all |= read(review_dir(data) / "passes" / f"{batch}.b.jsonl")
    return a_all, b_all


def decisions(data: pathlib.Path, prefix: str, rulings_name: str, adds: Callable[[dict], set],
              same: Callable[[set, set], bool]) -> tuple[list[tuple[dict, set]], int, int]:
    """Each first-pass item with its chosen adds (the lead's ruling where there is one, else the first pass),
    the number of items whose passes differ (``same``) with no ruling yet, and the number of items."""
    items = load_items(data, prefix)
    a_all, b_all = passes(data, items)
    rulings = read(review_dir(data) / rulings_name)
    out, unresolved = [], 0
    for i, a in a_all.items():
        chosen = adds(rulings[i]) if i in rulings else adds(a)
        if i not in rulings and i in b_all and not same(chosen, adds(b_all[i])):
            unresolved += 1
        out.append((items[i], chosen))
    return out, unresolved, len(items)


def write_final(data: pathlib.Path, rows_by_set: dict[str, list[dict]], name: str) -> None:
    """``passes/<name>`` in the training folder and in each held-out folder that has reviewed items."""
    for tag, rows in rows_by_set.items():
        folder = data if tag == "train" else data / tag
        (folder / "passes").mkdir(exist_ok=True)
        with (folder / "passes" / name).open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(doc: str | None, builders: dict[str, tuple[Callable[[pathlib.Path, int], None], int]],
         show: Callable[[Iterable[tuple[int, dict]]], None],
         agreement: Callable[[pathlib.Path], None], final: Callable[[pathlib.Path], None]) -> int:
    """The review command line: one subcommand per window builder (name -> (builder, default batches)),
    then ``show``, ``agreement`` and ``final``."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/extraction", type=pathlib.Path)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, (_, default_batches) in builders.items():
        sub.add_parser(name).add_argument("--batches", type=int, default=default_batches)
    s = sub.add_parser("show")
    s.add_argument("batch")
    s.add_argument("start", type=int)
    s.add_argument("count", type=int)
    sub.add_parser("agreement")
    sub.add_parser("final")
    args = ap.parse_args()
    if args.cmd in builders:
        builders[args.cmd][0](args.data, args.batches)
    elif args.cmd == "show":
        items = batch_items(args.data, args.batch)
        show(list(enumerate(items))[args.start:args.start + args.count])
    elif args.cmd == "agreement":
        agreement(args.data)
    else:
        final(args.data)
    return 0
