"""Writing a seeded draw of articles as annotation batches (shared by the layer-only samplers)."""

from __future__ import annotations

import json
import pathlib
import random
import sys

KEYS = ("id", "category", "published", "title", "body", "truncated")


def write_batches(out: pathlib.Path, names: list[str], per: int, double: int, pool: list[dict], seed: int,
                  flags: dict[str, bool]) -> int:
    """Shuffle ``pool`` with ``seed`` and write ``per`` articles to each ``batches/<name>.src.jsonl``, the first
    ``double`` of each marked for a blind second pass; ``flags`` say which layer the batch asks. Returns an exit
    code (1 when the pool is too small)."""
    random.Random(seed).shuffle(pool)
    if len(pool) < per * len(names):
        print(f"only {len(pool)} articles to draw from", file=sys.stderr)
        return 1
    for b, name in enumerate(names):
        with (out / f"{name}.src.jsonl").open("w", encoding="utf-8") as f:
            for i, d in enumerate(pool[b * per:(b + 1) * per]):
                f.write(json.dumps({k: d[k] for k in KEYS} | flags | {"double": i < double}, ensure_ascii=False) + "\n")
        print(per, "articles in", name)
    return 0
