#!/usr/bin/env python3
"""How often the shipped chain reports each event type over a whole corpus, and the articles behind one type.

An alert fires on what the chain reports, so this is what a subscriber would receive: the issue's
"prison_attack fires 37 times, 5 are prison attacks" was counted this way. Prints the count per type, then
for ``--show TYPE`` each firing article's id, title and evidence, to be read by hand.

Usage: scripts/corpus_firings.py [CORPUS.jsonl.gz] [--show prison_attack] [--limit N]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import pathlib
import sys
from collections.abc import Iterator

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from worker.devdata import CORPUS  # noqa: E402
from worker.extract.pipeline import extract_many  # noqa: E402


def articles(path: pathlib.Path, limit: int | None) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                return
            d = json.loads(line)
            yield {"id": d["docno"], "url": d.get("url") or None, "title": d.get("title") or "",
                   "body": d.get("text") or "", "published": d.get("time")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", type=pathlib.Path, default=CORPUS)
    ap.add_argument("--show", default="prison_attack", help="event type whose firings are listed")
    ap.add_argument("--limit", type=int, help="only the first N articles")
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    shown: list[tuple[str, str, str]] = []
    batch: list[dict] = []
    total = 0

    def flush() -> None:
        for a, doc in zip(batch, extract_many(batch), strict=True):
            for ev in doc.events:
                counts[ev.type] += 1
                if ev.type == args.show:
                    shown.append((a["id"], a["title"], ev.evidence))
        batch.clear()

    for a in articles(args.corpus, args.limit):
        batch.append(a)
        total += 1
        if len(batch) >= args.batch:
            flush()
    flush()
    print(f"{total} articles")
    for t, n in counts.most_common():
        print(f"  {t:16} {n:6}")
    print(f"\n{args.show}: {len(shown)} articles")
    for i, title, evidence in shown:
        print(f"- {i}: {title}\n    {evidence[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
