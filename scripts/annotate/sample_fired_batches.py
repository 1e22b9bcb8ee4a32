#!/usr/bin/env python3
"""Draw event + casualty batches from corpus articles outside the set where the shipped event model reports an event.

Session 14 (issue #18): the regex strata of ``sample_batches.py`` had taken nearly every world/Middle East article
with a violence word, yet the shipped event model still reported an event in 1,735 corpus articles outside the
set with a body of 200 characters or more (in every category: an economy story about a strike, a sport story about a stadium stampede, a world story
whose violence word none of the regexes held). Those are the articles where the model's decisions are worth
checking, and so worth labelling. This draw takes all of them, then fills up with world/Middle East articles
that have a violence or security word but where the model reports nothing (so its misses stay measured).
The model only chooses which articles are drawn; annotators read every article and label it by the guidelines.

Every article gets events and casualties; dates are not asked (the date rules are scored on 2,760 articles).

Usage: sample_fired_batches.py CORPUS.jsonl.gz [--data data/extraction] [--names ev68 ...] [--per 275]
       [--double 50] [--seed 2140]
"""

from __future__ import annotations

import argparse
import gzip
import json
import pathlib
import random
import re
import sys
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from sample_batches import FIFTH_STRATA, write_batch  # noqa: E402

from worker.extract.event_model import detect_events  # noqa: E402

FIRED = "the shipped event model reports an event"
QUIET = "world/Middle East, violence or security word, no event reported"
_VIOLENCE = re.compile(FIFTH_STRATA[0][1])
_MIN_BODY = 200  # as sample_batches: shorter items are title-only teasers


def _published(text: str):
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def _in_set(root: pathlib.Path) -> set[str]:
    """Every id the set, its held-out folders or any batch already holds."""
    ids: set[str] = set()
    paths = [root / "train-events.jsonl", *root.glob("**/articles.jsonl"), *root.glob("**/*.src.jsonl")]
    for path in paths:
        with path.open(encoding="utf-8") as f:
            ids |= {json.loads(line)["id"] for line in f if line.strip()}
    return ids


def outside_set(corpus: str, root: pathlib.Path) -> Iterator[tuple[str, str, dict]]:
    """(title, body, item) of every corpus article that no batch, folder or set file holds, with a body of
    ``_MIN_BODY`` characters or more."""
    taken = _in_set(root)
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            title, body = d.get("title") or "", d.get("text") or ""
            if d["docno"] not in taken and len(body) >= _MIN_BODY:
                yield title, body, d


def write_batches(root: pathlib.Path, names: list[str], picked: list[tuple[str, dict]], per: int, double: int) -> None:
    """``per`` articles of ``picked`` to each named batch, in order; events and casualties, no dates."""
    for n, name in enumerate(names):
        part = picked[n * per : (n + 1) * per]
        write_batch(root / "batches" / f"{name}.src.jsonl", part, full=len(part), double=double,
                    extra={"dates": False})
        print(f"{name}: {len(part)} articles", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--data", default="data/extraction")
    ap.add_argument("--names", nargs="+", default=[f"ev{i}" for i in range(68, 76)])
    ap.add_argument("--per", type=int, default=275)
    ap.add_argument("--double", type=int, default=50)
    ap.add_argument("--seed", type=int, default=2140)
    args = ap.parse_args()
    root = pathlib.Path(args.data)
    pool: dict[str, list[dict]] = {FIRED: [], QUIET: []}
    for title, body, d in outside_set(args.corpus, root):
        if detect_events(title, body, published=_published(d.get("time") or "")):
            pool[FIRED].append(d)
        elif d["category"] in ("middleEast", "internationalNews") and _VIOLENCE.search(title + "\n" + body):
            pool[QUIET].append(d)
    rng = random.Random(args.seed)
    total = args.per * len(args.names)
    picked: list[tuple[str, dict]] = []
    for name in (FIRED, QUIET):
        items = sorted(pool[name], key=lambda d: d["docno"])
        rng.shuffle(items)
        picked += [(name, d) for d in items[: total - len(picked)]]
    rng.shuffle(picked)
    write_batches(root, args.names, picked, args.per, args.double)
    print({k: len(v) for k, v in pool.items()}, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
