"""Build ``labelhist.tsv.gz``: how often a model labels each word as PER/ORG/LOC/FAC across the ANT corpus.

Why: a word's label distribution over thousands of unlabelled news sentences ("prediction history",
a form of context aggregation) tells the CRF that an unseen-in-training word is usually a place or a
person, beyond what its local context says. Training time only.

Run: ``nice python -m worker.extract.ner.histories_build --model MODEL [--out PATH] [--limit N]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import defaultdict
from pathlib import Path

from worker.extract.ner.clusters_build import DEFAULT_CORPUS
from worker.extract.ner.tagger import NerTagger
from worker.extract.tokens import TOKEN_RE, sentences

DEFAULT_OUT = Path(__file__).with_name("labelhist.tsv.gz")
TYPES = ("PER", "ORG", "LOC", "FAC")


def main() -> None:
    from worker.extract.ner.features import fold_token

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--min-count", type=int, default=3)
    a = ap.parse_args()
    tagger = NerTagger(a.model)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    t0 = time.time()
    folds: dict[str, str] = {}
    with gzip.open(a.corpus, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if a.limit and n >= a.limit:
                break
            d = json.loads(line)
            batch = []
            for text in (d.get("title") or "", d.get("text") or ""):
                for s, e in sentences(text):
                    keys = []
                    for m in TOKEN_RE.finditer(text, s, e):
                        w = m.group()
                        k = folds.get(w)
                        if k is None:
                            k = folds[w] = fold_token(w) or w
                        keys.append(k)
                    if keys:
                        batch.append(keys)
            for keys, tags in zip(batch, tagger.tag_many(batch), strict=True):
                for k, t in zip(keys, tags, strict=True):
                    c = counts[k]
                    c[0] += 1
                    if t != "O":
                        c[1 + TYPES.index(t[2:])] += 1
            if n % 5000 == 0:
                print(f"{n} articles {time.time() - t0:.0f}s", flush=True)
    with gzip.open(a.out, "wt", encoding="utf-8", compresslevel=9) as out:
        for k, c in sorted(counts.items()):
            if c[0] >= a.min_count and any(c[1:]):
                out.write(k + "\t" + "\t".join(map(str, c)) + "\n")
    print(f"wrote {a.out} {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
