#!/usr/bin/env python3
"""Build ``data/extraction/articles.jsonl`` from the batches, the passes and the adjudicator's rulings.

Per article and layer: the adjudicator's ruling when there is one (``passes/adjudication.jsonl``: one line
per article, holding the final list of each layer it ruled on); else the layer both passes agree on; else
pass A (single-annotated articles). Then the session-9 reviews' adds (``passes/review-events.jsonl`` and
``passes/review-casualties.jsonl``, written by ``review_events.py`` and ``review_casualties.py``: earlier
events and their tolls under the reference reading) join the event and casualty lists; a review never
removes a label. An article's ``has`` lists the layers annotated for it, so a layer
that was never annotated is not read as "none".

Usage: merge.py [--data data/extraction]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from agreement import layers, read  # noqa: E402

LAYERS = ("events", "casualties", "dates", "entities", "quotes")


def _apply_review(merged: dict[str, dict], review: dict[str, dict], layer: str, key) -> int:
    """Add a review's labels (``{"id", "add": [...]}``) to ``layer`` of annotated articles; never remove."""
    added = 0
    for r in review.values():
        rec = merged.get(r["id"])
        if rec is None or layer not in rec:
            continue
        have = {key(x) for x in rec[layer]}
        new = [x for x in r["add"] if key(x) not in have]
        rec[layer] = [*rec[layer], *new]
        added += len(new)
    return added


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/extraction")
    args = ap.parse_args()
    root = pathlib.Path(args.data)
    rulings = read(root / "passes" / "adjudication.jsonl")
    merged: dict[str, dict] = {}
    unresolved = 0
    for src_path in sorted((root / "batches").glob("*.src.jsonl")):
        batch = src_path.name.split(".")[0]
        a_all = read(root / "passes" / f"{batch}.a.jsonl")
        b_all = read(root / "passes" / f"{batch}.b.jsonl")
        for line in src_path.open(encoding="utf-8"):
            s = json.loads(line)
            a = a_all.get(s["id"])
            if a is None:
                continue
            b = b_all.get(s["id"])
            rec = merged.setdefault(s["id"], {
                "id": s["id"], "source_set": "extraction-2026", "stratum": s.get("stratum", ""),
                "category": s["category"], "published": s["published"], "title": s["title"], "body": s["body"],
                "truncated": s.get("truncated", False), "has": []})
            if s.get("stratum"):
                rec["stratum"] = s["stratum"]
            ruling = rulings.get(s["id"], {})
            la, lb = layers(a), layers(b) if b else {}
            for name in LAYERS:
                if name not in a:
                    continue
                if name in ruling:
                    value = ruling[name]
                elif b is not None and name in b and la.get(name) != lb.get(name):
                    unresolved += 1
                    value = a[name]  # until adjudicated
                else:
                    value = a[name]
                rec[name] = value
                if name not in rec["has"]:
                    rec["has"].append(name)
    added = _apply_review(merged, read(root / "passes" / "review-events.jsonl"), "events", lambda e: e["type"])
    added += _apply_review(merged, read(root / "passes" / "review-casualties.jsonl"), "casualties",
                           lambda c: (c["kind"], int(c["count"])))
    out = root / "articles.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for rec in merged.values():
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(merged)} articles -> {out}; {unresolved} layer disagreements not yet adjudicated; "
          f"{added} labels added by the reviews", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
