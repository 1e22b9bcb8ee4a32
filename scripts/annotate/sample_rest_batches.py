#!/usr/bin/env python3
"""Draw event + casualty batches from what the corpus has left: the rest of world/Middle East, and every other
article where the casualty finder proposes a count.

Session 15 (issue #18): after ev68-ev75 no corpus article outside the set made the shipped event model fire,
and no world/Middle East article with a violence word was left. The set therefore held almost no article of
the kind users meet most: politics, economy, sport and technology news, where a number next to a casualty word
is a percentage, a season, a wound's length or a disease rate. On the corpus outside the set the shipped chain
reports casualties in 130 such articles ("18% of GDP" as 18 killed, "17 seasons" as 17 killed). This draw
takes every world/Middle East article left (body of 200 characters or more) and every article of the other
categories where ``all_candidates`` proposes a (kind, count), so the scorer learns those negatives and
cross-validation measures them. The finder only chooses which articles are drawn; annotators read every article.

The draw used the session-14 finder. The unit filter added after it (``casualties.MEASURES``: a number followed by
%, years, seasons, money ...) proposes no count in 475 of those 2,212 articles, so the same command run on the
session-14 set today draws 2,717 + 1,737 articles.

Every article gets events and casualties; dates are not asked.

Usage: sample_rest_batches.py CORPUS.jsonl.gz [--data data/extraction] [--first 76] [--batches 16]
       [--double 60] [--seed 2150]
"""

from __future__ import annotations

import argparse
import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from sample_fired_batches import outside_set, write_batches  # noqa: E402

from worker.extract.casualty_model import all_candidates  # noqa: E402

WORLD = "world/Middle East, the rest"
COUNTED = "other categories, the casualty finder proposes a count"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--data", default="data/extraction")
    ap.add_argument("--first", type=int, default=76)
    ap.add_argument("--batches", type=int, default=16)
    ap.add_argument("--double", type=int, default=60)
    ap.add_argument("--seed", type=int, default=2150)
    args = ap.parse_args()
    root = pathlib.Path(args.data)
    picked: list[tuple[str, dict]] = []
    for title, body, d in outside_set(args.corpus, root):
        if d["category"] in ("middleEast", "internationalNews"):
            picked.append((WORLD, d))
        elif all_candidates(title, body):
            picked.append((COUNTED, d))
    picked.sort(key=lambda sd: sd[1]["docno"])
    random.Random(args.seed).shuffle(picked)
    names = [f"ev{args.first + n}" for n in range(args.batches)]
    write_batches(root, names, picked, -(-len(picked) // len(names)), args.double)
    print({s: sum(1 for t, _ in picked if t == s) for s in (WORLD, COUNTED)}, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
