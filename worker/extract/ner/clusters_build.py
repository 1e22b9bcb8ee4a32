"""Build the word-cluster table shipped with the NER model (training-time only; needs numpy/scipy).

Why: the labelled NER data is small (~140k tokens), so most names at run time are unseen words.
Distributional clusters learnt from 9.6M words of unlabelled Arabic news (ANT corpus) let the CRF
generalise from "ادلب" to an unseen town name in the same cluster.

Method: folded tokens; a PPMI matrix over the 60k most frequent words against the 3k most frequent
context words at relative positions -2, -1, +1, +2 (kept apart, so order matters); truncated SVD to
100 dimensions; spherical k-means at three granularities (64, 256, 1024) – a poor man's Brown
hierarchy. Output: ``clusters.tsv.gz`` with ``word<TAB>freq<TAB>c64<TAB>c256<TAB>c1024``.

Run: ``nice python -m worker.extract.ner.clusters_build [--corpus PATH] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from pathlib import Path

from worker.devdata import CORPUS
from worker.extract.normalize import fold

DEFAULT_CORPUS = str(CORPUS)
DEFAULT_OUT = Path(__file__).with_name("clusters.tsv.gz")
WORD_RE = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+|[A-Za-z]+|\d+")
N_WORDS, N_CTX, DIM = 60000, 3000, 100
KS = (64, 256, 1024)


def corpus_tokens(path: str) -> list[list[str]]:
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            text = fold(f"{d.get('title', '')}\n{d.get('text', '')}")
            docs.append(WORD_RE.findall(text))
    return docs


def spherical_kmeans(x, k: int, iters: int = 25, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    # k-means++-lite: sample centres from the most frequent half to avoid junk seeds
    cent = x[rng.choice(len(x) // 2, size=k, replace=False)].copy()
    for _ in range(iters):
        assign = np.empty(len(x), dtype=np.int64)
        for a in range(0, len(x), 8192):
            assign[a:a + 8192] = np.argmax(x[a:a + 8192] @ cent.T, axis=1)
        for j in range(k):
            members = x[assign == j]
            if len(members):
                c = members.sum(axis=0)
                cent[j] = c / (np.linalg.norm(c) + 1e-9)
            else:
                cent[j] = x[rng.integers(len(x))]
    return assign


def main() -> None:
    import numpy as np
    from scipy import sparse
    from scipy.sparse.linalg import svds

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    a = ap.parse_args()
    t0 = time.time()
    docs = corpus_tokens(a.corpus)
    freq = Counter(t for d in docs for t in d)
    print(f"{sum(freq.values())} tokens, {len(freq)} types, {time.time() - t0:.0f}s", flush=True)
    words = [w for w, c in freq.most_common(N_WORDS) if c >= 3]
    wid = {w: i for i, w in enumerate(words)}
    n = len(words)
    ids = np.fromiter((wid.get(t, -1) for d in docs for t in (d + ["</s>"])), dtype=np.int64)
    rows, cols = [], []
    for slot, off in enumerate((-2, -1, 1, 2)):
        a_ = ids[max(0, -off): len(ids) - max(0, off)]
        b_ = ids[max(0, off): len(ids) - max(0, -off) if off < 0 else len(ids)]
        b_ = ids[max(0, off): max(0, off) + len(a_)]
        ok = (a_ >= 0) & (b_ >= 0) & (b_ < N_CTX)
        rows.append(a_[ok])
        cols.append(b_[ok] + slot * N_CTX)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    m = sparse.coo_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(n, 4 * N_CTX)).tocsr()
    m.sum_duplicates()
    total = m.sum()
    rs = np.asarray(m.sum(axis=1)).ravel()
    cs = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    cs = cs / cs.sum() * total
    coo = m.tocoo()
    pmi = np.log(coo.data * total / (rs[coo.row] * cs[coo.col] + 1e-9))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)
    print(f"ppmi nnz={ppmi.nnz} {time.time() - t0:.0f}s", flush=True)
    u, s, _ = svds(ppmi, k=DIM)
    x = u * np.sqrt(s)
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
    print(f"svd done {time.time() - t0:.0f}s", flush=True)
    assigns = [spherical_kmeans(x, k) for k in KS]
    print(f"kmeans done {time.time() - t0:.0f}s", flush=True)
    with gzip.open(a.out, "wt", encoding="utf-8", compresslevel=9) as out:
        for i, w in enumerate(words):
            out.write(f"{w}\t{freq[w]}\t" + "\t".join(str(int(asg[i])) for asg in assigns) + "\n")
    print(f"wrote {a.out} ({n} words) {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
