#!/usr/bin/env python3
"""Write an annotated folder's articles in the shared scorer's layout, to score the shipped chain on them.

The held-out checks (``data/extraction/wild-check``, ``data/extraction/prison-check``) are scored with the
same scorer as gold-dev (``../shared/tools/score_extraction.py``), which reads ``<id>.src.json`` and
``<id>.gold.json`` pairs. Only the layers annotated for an article are written; a layer the folder never
annotated (entities here) then scores as empty, so read its row as meaningless.

Usage:
  scorer_dir.py data/extraction/wild-check OUT_DIR
  python3 ../shared/tools/score_extraction.py --gold OUT_DIR --cmd "newsworker extract --jsonl"
"""

from __future__ import annotations

import json
import pathlib
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = pathlib.Path(sys.argv[1]) / "articles.jsonl", pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for line in src.open(encoding="utf-8"):
        d = json.loads(line)
        has = set(d.get("has") or ())
        # the body as the annotators saw it (cut at 5,000 characters), so a label is never scored against
        # text they did not read
        (out / f"{d['id']}.src.json").write_text(json.dumps(
            {"id": d["id"], "title": d["title"], "body": d["body"], "time": d["published"]},
            ensure_ascii=False), encoding="utf-8")
        gold = {k: d.get(k) or [] for k in ("events", "casualties", "dates", "entities") if k in has}
        (out / f"{d['id']}.gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
        n += 1
    print(f"{n} articles -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
