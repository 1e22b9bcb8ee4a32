"""Fit and evaluate the cross-outlet story link (``worker.alerts.story_link``) on ``data/stories``.

    python -m worker.training.story_links            # cross-validated figures, then write the model
    python -m worker.training.story_links --no-save  # figures only

The annotated pairs were drawn stratified by signature cosine (``scripts/annotate/sample_story_pairs.py``),
so every figure weighs a pair by its stratum's pool / drawn: precision and recall are estimates over every
cross-outlet pair of the corpus's world and Middle East articles within 48 hours, not over the sample.
Folds group pairs by connected articles, so no article is on both sides. The threshold of each test fold is
chosen on its training folds alone (inner cross-validation), for the precision target ``TARGET_PRECISION``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np

from worker.alerts.stories import MAX_HAMMING, StoryIndex, _Mirror, entity_signature, title_tokens
from worker.alerts.story_guards import copy_veto, guards_of, link_veto, title_veto
from worker.alerts.story_link import FEATURES, LinkModel, LinkView, features, view_of
from worker.document import EVENT_TYPES
from worker.extract.fingerprint import hamming as _hamming

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "stories"
MODEL_OUT = ROOT / "worker" / "alerts" / "data" / "story_link.json"
TARGET_PRECISION = 0.95
FOLDS = 5
WINDOW_S = 48 * 3600
WORLD = ("internationalNews", "middleEast")
C = 1.0


@dataclass(frozen=True)
class Pair:
    pair: str
    a: str
    b: str
    same: bool
    weight: float
    cosine_stratum: int


def load_pairs(labels_path: Path | None = None) -> list[Pair]:
    pool = json.loads((DATA / "batches" / "pool.json").read_text())["strata"]
    cos = {(d["a"], d["b"]): d["cosine"] for d in map(json.loads, (DATA / "batches" / "cosines.jsonl").open())}
    labels = {d["pair"]: d["label"] for d in map(json.loads, (labels_path or DATA / "labels.jsonl").open())}
    out = []
    for batch in sorted((DATA / "batches").glob("sp*.jsonl")):
        for line in batch.open(encoding="utf-8"):
            d = json.loads(line)
            if d["pair"] not in labels:
                continue
            a, b = d["a"]["id"], d["b"]["id"]
            c = cos[(a, b)]
            k = next(i for i, s in enumerate(pool) if s["lo"] <= c < s["hi"])
            out.append(Pair(d["pair"], a, b, labels[d["pair"]] == "same", pool[k]["pool"] / pool[k]["drawn"], k))
    return out


def load_docs(ids: set[str]) -> dict[str, dict]:
    """Run the shipped chain over the pairs' articles (whole bodies, ``data/stories/articles.jsonl``)."""
    from worker.extract.pipeline import extract_many

    arts = [d for d in map(json.loads, (DATA / "articles.jsonl").open(encoding="utf-8")) if d["id"] in ids]
    docs = extract_many([{"id": d["id"], "title": d["title"], "body": d["body"], "published": d["time"]}
                         for d in arts])
    out = {}
    for art, doc in zip(arts, docs, strict=True):
        j = doc.model_dump(mode="json")
        j["source"] = art["source"]
        j["_ts"] = parsedate_to_datetime(art["time"]).timestamp()
        out[art["id"]] = j
    return out


def views(docs: dict[str, dict]) -> dict[str, LinkView]:
    return {i: view_of(d, d["_ts"], title_tokens(d.get("title") or ""), entity_signature(d)[0])
            for i, d in docs.items()}


def copy_link(a: dict, b: dict, vetoes: bool = True) -> bool:
    """What the story stage linked before this model (SimHash or the title rule): the stage's own decision
    for ``b`` with ``a`` alone in the log and no link model (``vetoes=False``: without ``story_guards``)."""
    mirror = _Mirror()
    story, entry = StoryIndex._decide(mirror, a, "a", a["_ts"], WINDOW_S, vetoes=vetoes)
    mirror.add("1-0", entry)
    return StoryIndex._decide(mirror, b, "b", b["_ts"], WINDOW_S, vetoes=vetoes)[0] == story


def veto_report(name: str, reasons: Sequence[str | None], made: np.ndarray, y: np.ndarray, w: np.ndarray) -> None:
    """What a veto cuts, per reason: annotated same pairs (its cost) and the others, over all the pairs and
    among those the link it guards (``made``) would join without it."""
    for reason in sorted({r for r in reasons if r}):
        m = np.array([r == reason for r in reasons])
        print(f"  {name}, {reason}: {int((m & y).sum())} same (weighted {w[m & y].sum():.0f}) and "
              f"{int((m & ~y).sum())} other pairs (weighted {w[m & ~y].sum():.0f}); of the pairs the link joins "
              f"without it: {int((m & y & made).sum())} same, {int((m & ~y & made).sum())} other")


def hamming(a: str | None, b: str | None) -> int:
    return _hamming(a, b) if a and b else 64


def group_folds(pairs: Sequence[Pair], k: int, seed: int = 7) -> list[int]:
    """Fold of each pair: connected components of articles, dealt to folds at random."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[find(p.a)] = find(p.b)
    roots = sorted({find(p.a) for p in pairs})
    random.Random(seed).shuffle(roots)
    fold_of = {r: i % k for i, r in enumerate(roots)}
    return [fold_of[find(p.a)] for p in pairs]


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    # The bias is a feature column, so the solver's own intercept is off. Sample weights are the sampling
    # design's pool / drawn, normalised: each stratum counts as much as it weighs in the corpus.
    m = LogisticRegression(C=C, fit_intercept=False, max_iter=2000)
    m.fit(x, y, sample_weight=w / w.mean())
    return m.coef_[0]


def prob(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ coef, -60, 60)))


def weighted_pr(pred: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    tp = float(w[pred & y].sum())
    p = tp / float(w[pred].sum()) if pred.any() else 1.0
    r = tp / float(w[y].sum()) if y.any() else 1.0
    return p, r


def pick_threshold(p: np.ndarray, y: np.ndarray, w: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """Lowest threshold whose weighted precision (over pairs at or above it) is still >= target: the most
    recall at that precision."""
    best = 1.0
    for t in sorted(set(np.round(p, 3).tolist()), reverse=True):
        if weighted_pr(p >= t, y, w)[0] >= target:
            best = t
    return float(best)


def oof(x: np.ndarray, y: np.ndarray, w: np.ndarray, folds: list[int], k: int,
        veto: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities, and each test fold's threshold chosen on inner out-of-fold scores (of the
    decision: a vetoed pair is never linked, whatever its probability)."""
    veto = np.zeros(len(y), dtype=bool) if veto is None else veto
    probs = np.zeros(len(y))
    thresholds = np.zeros(len(y))
    f = np.asarray(folds)
    for i in range(k):
        train, test = f != i, f == i
        coef = fit(x[train], y[train], w[train])
        probs[test] = prob(coef, x[test])
        inner = np.zeros(int(train.sum()))
        inner_f = f[train]
        for j in sorted(set(inner_f.tolist())):
            tr, te = inner_f != j, inner_f == j
            inner[te] = prob(fit(x[train][tr], y[train][tr], w[train][tr]), x[train][te])
        thresholds[test] = pick_threshold(np.where(veto[train], 0.0, inner), y[train], w[train])
    return probs, thresholds


def world_rows(corpus: Path, min_chars: int = 0) -> list[dict]:
    """The corpus's world and Middle East articles with a readable time (``_ts``), oldest first."""
    import gzip

    rows = []
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d.get("category") not in WORLD or len(d.get("text") or "") < min_chars:
                continue
            try:
                d["_ts"] = parsedate_to_datetime(d["time"]).timestamp()
            except (TypeError, ValueError):
                continue
            rows.append(d)
    rows.sort(key=lambda d: d["_ts"])
    return rows


def effect(corpus: Path, limit: int | None = None, show: Sequence[str] = ()) -> None:
    """What the link changes for subscribers: the corpus's world and Middle East articles assigned to stories
    in publication order (48 h window, one process's log copy, no Redis), with and without the link; per event
    type, how many notifications a rule ``event:TYPE`` sends (one per story with such an article)."""
    from worker.alerts.story_link import load_model
    from worker.extract.pipeline import extract_many

    rows = world_rows(corpus)
    rows = rows[:limit] if limit else rows
    docs = []
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        for d, doc in zip(chunk, extract_many([{"id": d["docno"], "title": d["title"], "body": d["text"],
                                                 "published": d["time"]} for d in chunk]), strict=True):
            j = doc.model_dump(mode="json")
            j["source"] = d["source"]
            docs.append((d["_ts"], j))
    model = load_model()
    stories: dict[str, list[str]] = {}
    for name, m in (("copies only", None), ("copies + link", model)):
        mirror = _Mirror()
        out = []
        for k, (ts, doc) in enumerate(docs):
            story, entry = StoryIndex._decide(mirror, doc, doc["id"], ts, WINDOW_S, m)
            mirror.add(f"{int(ts * 1000)}-{k}", entry)  # the stream id's time: what pruning reads
            if k % 2000 == 0:
                mirror.prune(int((ts - WINDOW_S) * 1000))
            out.append(story)
        stories[name] = out
        print(f"{name}: {len(set(out))} stories for {len(out)} articles")
    print("| event type | articles | notifications, copies only | with the link |")
    print("|---|---|---|---|")
    for t in EVENT_TYPES:
        idx = [k for k, (_, doc) in enumerate(docs) if any(e["type"] == t for e in doc.get("events") or [])]
        a, b = (len({stories[n][k] for k in idx}) for n in ("copies only", "copies + link"))
        print(f"| {t} | {len(idx)} | {a} | {b} |")
    for t in show:
        print(f"\n{t}: the articles, by story with the link (source, time, title)")
        idx = [k for k, (_, doc) in enumerate(docs) if any(e["type"] == t for e in doc.get("events") or [])]
        for story in dict.fromkeys(stories["copies + link"][k] for k in idx):
            print(f"  story {story[:12]}")
            for k, (_ts, doc) in enumerate(docs):
                if stories["copies + link"][k] == story:
                    mark = "*" if k in idx else " "
                    print(f"   {mark} {doc['source']:10s} {doc.get('published', '')[:16]} {doc['title'][:90]}")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=None)
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--effect", type=Path, default=None, metavar="CORPUS",
                    help="instead: notifications per event type over a corpus, with and without the link")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--show", action="append", default=[], metavar="TYPE",
                    help="with --effect: list the stories of this event type, with every article (repeatable)")
    args = ap.parse_args(argv)
    if args.effect:
        effect(args.effect, args.limit, args.show)
        return
    pairs = load_pairs(args.labels)
    docs = load_docs({i for p in pairs for i in (p.a, p.b)})
    v = views(docs)
    x = np.array([features(v[p.a], v[p.b]) for p in pairs])
    y = np.array([p.same for p in pairs])
    w = np.array([p.weight for p in pairs])
    folds = group_folds(pairs, FOLDS)
    guards = {i: guards_of(d) for i, d in docs.items()}
    bits = np.array([hamming(docs[p.a].get("fingerprint"), docs[p.b].get("fingerprint")) for p in pairs])
    link_why = [link_veto(guards[p.a], guards[p.b], int(b)) for p, b in zip(pairs, bits, strict=True)]
    veto = np.array([r is not None for r in link_why])
    probs, thr = oof(x, y, w, folds, FOLDS, veto)
    learned = (probs >= thr) & ~veto  # the stage's decision: best_link skips a vetoed candidate
    copies = np.array([copy_link(docs[p.a], docs[p.b]) for p in pairs])
    unguarded = np.array([copy_link(docs[p.a], docs[p.b], vetoes=False) for p in pairs])
    print(f"{len(pairs)} annotated pairs, {int(y.sum())} same; weighted: {w[y].sum():.0f} same of {w.sum():.0f}")
    near = bits <= MAX_HAMMING  # the copy link's candidates; the others were joined by the title rule
    print("vetoes (worker.alerts.story_guards), what each cuts:")
    veto_report("title veto", [title_veto(guards[p.a], guards[p.b], int(b)) for p, b in zip(pairs, bits, strict=True)],
                unguarded & ~near, y, w)
    veto_report("copy veto", [copy_veto(guards[p.a], guards[p.b], int(b)) for p, b in zip(pairs, bits, strict=True)],
                unguarded & near, y, w)
    veto_report("link veto", link_why, probs >= thr, y, w)
    print("thresholds chosen per test fold on its training folds:", sorted(set(np.round(thr, 3).tolist())))
    for name, pred in (("copies, no vetoes", unguarded), ("copies only (the stage)", copies),
                       ("learned link, no veto", probs >= thr), ("learned link", learned),
                       ("copies or learned link", copies | learned)):
        p, r = weighted_pr(pred, y, w)
        print(f"{name:26s} P {p:.3f}  R {r:.3f}  (unweighted: {int((pred & y).sum())} right, "
              f"{int((pred & ~y).sum())} wrong, {int((~pred & y).sum())} missed)")
    print("per cosine stratum (same / linked right / linked wrong):")
    for k in sorted({p.cosine_stratum for p in pairs}):
        m = np.array([p.cosine_stratum == k for p in pairs])
        print(f"  stratum {k}: {int(y[m].sum())} / {int((learned & y & m).sum())} / {int((learned & ~y & m).sum())}"
              f" of {int(m.sum())}")
    coef = fit(x, y, w)
    threshold = pick_threshold(np.where(veto, 0.0, probs), y, w)  # the procedure the figures above evaluated, on all the pairs
    print("weights:", dict(zip(FEATURES, np.round(coef, 3).tolist(), strict=True)), "threshold", threshold)
    if not args.no_save:
        MODEL_OUT.parent.mkdir(parents=True, exist_ok=True)
        model = LinkModel(tuple(round(float(c), 6) for c in coef), threshold)
        MODEL_OUT.write_text(model.to_json() + "\n", encoding="utf-8")
        print("wrote", MODEL_OUT.relative_to(ROOT))


if __name__ == "__main__":
    main()
