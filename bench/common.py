"""Shared bits for the benchmark scripts: where the corpus is, and one row format.

Every script prints a readable table and, with ``--json``, a final line ``{"rows": [...]}`` where each row
is ``{"area", "metric", "value", "unit", "target", "meets"}``; ``bench/run_all.py`` collects them.
Benchmarks report; they never fail the build.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import sys
from collections.abc import Iterator
from pathlib import Path

from worker.devdata import CORPUS

REPO = Path(__file__).resolve().parent.parent
CORPUS_CANDIDATES = (
    Path(os.environ.get("NEWSWORKER_CORPUS", "/nonexistent")),
    CORPUS,
    REPO / "worker" / "replay" / "data" / "ant-sample.jsonl.gz",
)


def corpus_path() -> Path:
    for p in CORPUS_CANDIDATES:
        if p.is_file():
            return p
    raise FileNotFoundError("no ANT corpus found; set NEWSWORKER_CORPUS")


def iter_corpus(limit: int | None = None) -> Iterator[dict]:
    with gzip.open(corpus_path(), "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def row(area: str, metric: str, value: float | None, unit: str, target: str = "", meets: bool | None = None) -> dict:
    return {"area": area, "metric": metric, "value": value, "unit": unit, "target": target, "meets": meets}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100.0 * (len(s) - 1))))
    return s[k]


def emit(rows: list[dict], as_json: bool) -> None:
    for r in rows:
        v = r["value"]
        vs = "n/a" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v))
        mark = {True: "ok", False: "MISS", None: ""}[r["meets"]]
        print(f"  {r['area']:<10} {r['metric']:<44} {vs:>12} {r['unit']:<10} {r['target']:<14} {mark}")
    if as_json:
        print(json.dumps({"rows": rows}, ensure_ascii=False))
    sys.stdout.flush()
