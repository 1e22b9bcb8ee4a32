"""Draw cross-outlet article pairs for the story-link annotation (data/stories).

Every pair is two world or Middle East articles of the shared ANT corpus from different outlets, published
within ``WINDOW_H`` hours of each other, whose bodies share vocabulary (TF-IDF cosine over the keyword
stage's term keys and IDF table). Pairs are drawn stratified by that cosine, so the annotated set covers the
whole range where a link decision is hard, not only the obvious copies; every article is in at most
``MAX_PER_ARTICLE`` drawn pairs. Cosine alone chose which pairs were drawn: the annotators read both
articles and judge, by the brief in ``data/stories/README.md``, whether they report the same event.

    python scripts/annotate/sample_story_pairs.py CORPUS --out data/stories/batches --batches 5 --seed 4401
    # the second round (sp6-sp10): pairs not drawn before, more of them where the decision is hard
    python scripts/annotate/sample_story_pairs.py CORPUS --out data/stories/batches --batches 5 --seed 4402 --more
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from worker.alerts.story_vectors import signature_matrix
from worker.training.story_links import world_rows

WINDOW_H = 48
# Terms of the signatures whose cosine stratifies the draw: fixed with the first round (the link model's own
# signatures were cut to 32 terms later), so every round stratifies, and is weighed, by the same measure.
SAMPLING_TERMS = 64
MAX_PER_ARTICLE = 2
BINS = ((0.05, 0.10, 40), (0.10, 0.20, 110), (0.20, 0.30, 130), (0.30, 0.40, 130), (0.40, 0.50, 120),
        (0.50, 0.65, 120), (0.65, 1.01, 100))
# Round 2 (``--more``): the learning curve of round 1 still rose, and the threshold sits in 0.2-0.65.
BINS_MORE = ((0.05, 0.10, 20), (0.10, 0.20, 80), (0.20, 0.30, 150), (0.30, 0.40, 170), (0.40, 0.50, 150),
             (0.50, 0.65, 120), (0.65, 1.01, 60))
BODY_CHARS = 1200
DOUBLE_SHARE = 0.2


def candidate_pairs(rows: list[dict]) -> list[tuple[int, int, float]]:
    mat = signature_matrix([(d["title"], d["text"]) for d in rows], SAMPLING_TERMS)
    times = np.array([d["_ts"] for d in rows])
    sources = np.array([d["source"] for d in rows])
    out: list[tuple[int, int, float]] = []
    block = 500
    for start in range(0, len(rows), block):
        stop = min(start + block, len(rows))
        hi = int(np.searchsorted(times, times[stop - 1] + WINDOW_H * 3600, side="right"))
        sims = (mat[start:stop] @ mat[start:hi].T).toarray()
        for i in range(start, stop):
            row = sims[i - start]
            for j in np.nonzero(row >= BINS[0][0])[0]:
                j = int(j) + start
                if j <= i or sources[i] == sources[j] or times[j] - times[i] > WINDOW_H * 3600:
                    continue
                out.append((i, j, float(row[j - start])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--seed", type=int, default=4401)
    ap.add_argument("--more", action="store_true", help="add a round to the set in --out (batches numbered on)")
    args = ap.parse_args()
    rows = world_rows(args.corpus, min_chars=200)
    pairs = candidate_pairs(rows)
    rng = random.Random(args.seed)
    rng.shuffle(pairs)
    # The pool each stratum was drawn from: evaluation weighs a drawn pair by pool / drawn, so precision and
    # recall are estimated over every candidate pair of the corpus, not over the stratified sample.
    pool = [{"lo": lo, "hi": hi, "pool": sum(lo <= c < hi for _, _, c in pairs)} for lo, hi, _ in BINS]
    used: dict[int, int] = {}
    before: list[tuple[int, int, float]] = []
    first_batch = 1
    if args.more:  # every earlier pair stays out, and its articles count toward MAX_PER_ARTICLE
        at = {d["docno"]: k for k, d in enumerate(rows)}
        for line in (args.out / "cosines.jsonl").open(encoding="utf-8"):
            d = json.loads(line)
            before.append((at[d["a"]], at[d["b"]], d["cosine"]))
        for i, j, _c in before:
            used[i] = used.get(i, 0) + 1
            used[j] = used.get(j, 0) + 1
        first_batch = 1 + len(list(args.out.glob("sp*.jsonl")))
    taken = {(i, j) for i, j, _c in before}
    drawn: list[tuple[int, int, float]] = []
    for lo, hi, want in BINS_MORE if args.more else BINS:
        got = 0
        for i, j, c in pairs:
            if got >= want:
                break
            if (i, j) in taken:
                continue
            if lo <= c < hi and used.get(i, 0) < MAX_PER_ARTICLE and used.get(j, 0) < MAX_PER_ARTICLE:
                drawn.append((i, j, c))
                used[i] = used.get(i, 0) + 1
                used[j] = used.get(j, 0) + 1
                got += 1
        print(f"cosine {lo:.2f}-{hi:.2f}: {got} of {sum(lo <= c < hi for _, _, c in pairs)} candidate pairs")
    rng.shuffle(drawn)

    def side(d: dict) -> dict:
        return {"id": d["docno"], "source": d["source"], "time": d["time"], "title": d["title"],
                "body": d["text"][:BODY_CHARS]}

    args.out.mkdir(parents=True, exist_ok=True)
    per = -(-len(drawn) // args.batches)
    for b in range(args.batches):
        chunk = drawn[b * per:(b + 1) * per]
        name = f"sp{first_batch + b}"
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for k, (i, j, _c) in enumerate(chunk):
                line = {"pair": f"{name}-{k:03d}", "a": side(rows[i]), "b": side(rows[j]),
                        "double": k < int(len(chunk) * DOUBLE_SHARE)}
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    # The whole articles, for training the link model from the repo alone (the batches cut the bodies).
    with (args.out.parent / "articles.jsonl").open("w", encoding="utf-8") as fh:
        for k in sorted({k for i, j, _c in before + drawn for k in (i, j)}, key=lambda k: rows[k]["docno"]):
            d = rows[k]
            fh.write(json.dumps({"id": d["docno"], "source": d["source"], "time": d["time"], "url": d.get("url"),
                                 "title": d["title"], "body": d["text"]}, ensure_ascii=False) + "\n")
    with (args.out / "cosines.jsonl").open("w", encoding="utf-8") as fh:
        for i, j, c in before + drawn:
            fh.write(json.dumps({"a": rows[i]["docno"], "b": rows[j]["docno"], "cosine": round(c, 4)}) + "\n")
    for stratum, (lo, hi, _w) in zip(pool, BINS, strict=True):
        stratum["drawn"] = sum(lo <= c < hi for _, _, c in before + drawn)
    (args.out / "pool.json").write_text(json.dumps({"window_hours": WINDOW_H, "strata": pool}, indent=1) + "\n")
    print(f"{len(drawn)} pairs in {args.batches} batches; {len(pairs)} candidate pairs")


if __name__ == "__main__":
    main()
