#!/usr/bin/env python3
"""Draw casualty-only batches from articles of the set that carry event labels but no casualty labels.

Session 13 (issue #18): the casualty learning curve still rose at the full set while the corpus had few violent
articles left to draw, and 8,979 event articles had never been annotated for casualties. Those are drawn
here, seeded: 85% from the articles where the chain's casualty finder proposes at least one candidate count
(a number near a casualty word: where labels are), 15% from the others (so gold counts the finder misses
stay measured). Annotators read the whole article and list its casualties by the guidelines; the finder
only chooses which articles are drawn, never what is labelled.

Usage: sample_casualty_batches.py [--data data/extraction] [--names cs1 ...] [--per 375] [--double 75] [--seed 2113]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from worker.extract.casualty_model import candidates  # noqa: E402

STRATA = (("casualty candidate in the article", 0.85), ("no casualty candidate", 0.15))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/extraction")
    ap.add_argument("--names", nargs="+", default=[f"cs{i}" for i in range(1, 9)])
    ap.add_argument("--per", type=int, default=375)
    ap.add_argument("--double", type=int, default=75)
    ap.add_argument("--seed", type=int, default=2113)
    args = ap.parse_args()
    root = pathlib.Path(args.data)
    done: set[str] = set()
    for src in (root / "batches").glob("cs*.src.jsonl"):  # earlier casualty draws
        if src.name.split(".")[0] not in args.names:
            done |= {json.loads(line)["id"] for line in src.open(encoding="utf-8")}
    pool: dict[str, list[dict]] = {name: [] for name, _ in STRATA}
    for line in (root / "articles.jsonl").open(encoding="utf-8"):
        a = json.loads(line)
        if "events" not in a.get("has", []) or "casualties" in a.get("has", []) or a["id"] in done:
            continue
        has = bool(candidates(a["title"] + "\n" + a["body"]))
        pool[STRATA[0][0] if has else STRATA[1][0]].append(a)
    rng = random.Random(args.seed)
    total = args.per * len(args.names)
    picked: list[tuple[str, dict]] = []
    for name, share in STRATA:
        items = sorted(pool[name], key=lambda a: a["id"])
        rng.shuffle(items)
        picked += [(name, a) for a in items[: round(total * share)]]
    rng.shuffle(picked)
    for n, name in enumerate(args.names):
        part = picked[n * args.per : (n + 1) * args.per]
        with (root / "batches" / f"{name}.src.jsonl").open("w", encoding="utf-8") as f:
            for i, (stratum, a) in enumerate(part):
                f.write(json.dumps({"id": a["id"], "stratum": stratum, "category": a["category"],
                                    "published": a["published"], "title": a["title"], "body": a["body"],
                                    "truncated": a.get("truncated", False), "full": True, "casualties_only": True,
                                    "double": i < args.double}, ensure_ascii=False) + "\n")
        print(f"{name}: {len(part)} articles", file=sys.stderr)
    print({k: len(v) for k, v in pool.items()}, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
