#!/usr/bin/env python3
"""Draw date-only batches (dt*) from world/Middle East articles of the set that carry no date labels.

Session 22 (issue #18): the date rules were read against one half of the 2,760 date articles and scored once on
the other; both halves have now been read. These batches are a fresh held-out set for the date rules: articles
of the same population as most date articles (world/Middle East event articles, not truncated), seeded,
annotated for dates only from the guidelines, and never read while the rules change. The first ``--double``
articles of each batch get a blind second pass by another annotator.

A rerun reproduces a draw only from the set as it was then: later draws and merged labels leave the pool
(the batch files are the record of what was drawn).

Usage: sample_date_batches.py [--data data/extraction] [--names dt1 dt2 dt3] [--per 100] [--double 20] [--seed 2301]
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
    ap.add_argument("--names", nargs="+", default=["dt1", "dt2", "dt3"])
    ap.add_argument("--per", type=int, default=100)
    ap.add_argument("--double", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2301)
    args = ap.parse_args()
    root = pathlib.Path(args.data)
    taken: set[str] = set()  # earlier date draws
    for src in (root / "batches").glob("dt*.src.jsonl"):
        if src.name.split(".")[0] not in args.names:
            taken |= {json.loads(line)["id"] for line in src.open(encoding="utf-8")}
    pool = []
    for line in (root / "articles.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        if ("dates" not in d.get("has", []) and d["id"] not in taken and "events" in d.get("has", [])
                and d["category"] in ("middleEast", "internationalNews") and not d.get("truncated")):
            pool.append(d)
    return write_batches(root / "batches", args.names, args.per, args.double, pool, args.seed, {"dates_only": True})


if __name__ == "__main__":
    sys.exit(main())
