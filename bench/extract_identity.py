"""Byte-identity check of the extraction chain: sha256 of the canonical JSON of its outputs.

Usage: PYTHONPATH=TREE python bench/extract_identity.py [--n 3000] [--corpus PATH] [--out FILE]

Runs the chain (``extract_one``, as ``extract_bench.py`` calls it) on the first ``--n`` corpus articles
in order, in one process, and prints the tree it imported ``worker`` from, the article count and the
sha256 of every output's canonical JSON (sorted keys, no ASCII escaping), one line each. A speed change
must leave the hash as it was: run it on the branch and on its base and compare. ``--out`` writes one
short hash per article, to find the first article that differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_bench import CORPUS, SAMPLE, load_articles  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None, help="one short hash per article")
    a = ap.parse_args()
    path = a.corpus or (CORPUS if CORPUS.exists() else SAMPLE)
    articles = load_articles(path, a.n)

    import worker  # the tree on PYTHONPATH: printed, so a run on the wrong tree shows
    from worker.extract.pipeline import extract_one, warm_up

    warm_up()
    whole = hashlib.sha256()
    each: list[str] = []
    for art in articles:
        doc = extract_one(art).model_dump(mode="json")
        line = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        whole.update(line + b"\n")
        each.append(hashlib.sha256(line).hexdigest()[:16])
    if a.out:
        a.out.write_text("\n".join(each) + "\n", encoding="utf-8")
    print(Path(worker.__file__).resolve().parent.parent, len(articles), whole.hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
