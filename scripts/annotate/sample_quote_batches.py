#!/usr/bin/env python3
"""Draw speaker-only batches (qt*) from the entity batches' articles that carry no quote labels.

Session 22 (issue #18): the quote rules had been read against the 150 speaker articles of en1/en2, so their
speaker accuracy there is a development figure. These batches are a test set for the quote stage: articles of
the same population (en3-en8: world/Middle East, under 3,500 characters, drawn from the event batches), seeded,
annotated from the guidelines alone and never read while the rules change. The first ``--double`` articles of
each batch get a blind second pass by another annotator.

A rerun reproduces a draw only from the set as it was then: later draws and merged labels leave the pool
(the batch files are the record of what was drawn).

Usage: sample_quote_batches.py [--data data/extraction] [--names qt1 qt2 qt3] [--per 50] [--double 15] [--seed 2201]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from batch_draw import write_batches  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/extraction")
    ap.add_argument("--names", nargs="+", default=["qt1", "qt2", "qt3"])
    ap.add_argument("--per", type=int, default=50)
    ap.add_argument("--double", type=int, default=15)
    ap.add_argument("--seed", type=int, default=2201)
    args = ap.parse_args()
    out = pathlib.Path(args.data) / "batches"
    quoted: set[str] = set()  # articles that already have speakers (en1/en2's quote half, earlier qt draws)
    for src in sorted(out.glob("*.src.jsonl")):
        for line in src.open(encoding="utf-8"):
            d = json.loads(line)
            if d.get("quotes") and src.name.split(".")[0] not in args.names:
                quoted.add(d["id"])
    pool: list[dict] = []
    seen: set[str] = set()
    for src in sorted(out.glob("en*.src.jsonl")):
        for line in src.open(encoding="utf-8"):
            d = json.loads(line)
            if d["id"] not in quoted and d["id"] not in seen:
                seen.add(d["id"])
                pool.append(d)
    return write_batches(out, args.names, args.per, args.double, pool, args.seed, {"quotes": True, "quotes_only": True})


if __name__ == "__main__":
    sys.exit(main())
