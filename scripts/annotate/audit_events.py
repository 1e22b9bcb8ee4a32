#!/usr/bin/env python3
"""A blind re-annotation of event (or casualty) labels, to measure how much of a learned stage's cross-validated
error is the labels' (session 20, issue #18).

The model disagrees with the labels on about 4,500 (article, type) pairs under cross-validation. Some are the
model's errors and some the labels'. Here a sample of articles is annotated again from the guidelines alone, by
annotators who see neither the labels nor the model's output, and the three readings are compared per
(article, type).

Strata (drawn once, seeded, from the out-of-fold predictions of a cross-validation run):
  disagree: articles where the model's out-of-fold types differ from the labels;
  agree:    articles where they are the same (with at least one type, or none).

Usage:
  audit_events.py [--layer casualties] draw OOF.jsonl [--per 160 80] [--batches 6] [--double 8]  # once
  audit_events.py [--layer casualties] score                                 # the comparison, as Markdown

``OOF.jsonl``: one ``{"id", "predicted": [...]}`` per article (``newsworker eval`` folds): event types, or
casualty pairs written "kind:count". Layout under ``data/extraction/audit`` (events / casualties): ``auN`` /
``acN.src.jsonl`` (what annotators read: id, title, body, published), ``key.jsonl`` / ``key-casualties.jsonl``
(stratum, labels and predictions at draw time: never shown to annotators while they work),
``passes/<batch>.{a,b}.jsonl`` (``{"id", "events": [{"type", "evidence"}]}`` or ``{"id", "casualties":
[{"kind", "count", "text"}]}``; ``b``, the blind second pass of the batch's first ``--double`` articles, by
another annotator).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys
from collections import Counter

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from agreement import TYPES, f1, kappa, read  # noqa: E402
from review_common import records  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "extraction"
AUDIT = DATA / "audit"


# layer -> (batch prefix, key file, strata file)
LAYERS = {"events": ("au", "key.jsonl", "strata.json"),
          "casualties": ("ac", "key-casualties.jsonl", "strata-casualties.json")}


def _labels(layer: str) -> dict[str, dict]:
    """id -> article record with its final labels of ``layer``, as training reads them."""
    from worker.training import dataset

    def labels(a: dataset.Article) -> list[str]:
        if layer == "events":
            return sorted(a.event_types)
        return sorted(f"{k}:{n}" for k, n in a.casualty_set)

    return {a.id: {"id": a.id, "published": a.published, "title": a.title, "body": a.body,
                   "types": labels(a)} for a in dataset.load(layer)}


def draw(layer: str, oof_path: pathlib.Path, per: tuple[int, int], batches: int, double: int, seed: int = 20
         ) -> None:
    prefix, key_name, strata_name = LAYERS[layer]
    if (AUDIT / key_name).exists():
        sys.exit(f"{AUDIT}/{key_name} exists: the sample is drawn once")
    arts = _labels(layer)
    pred = {d["id"]: sorted(d["predicted"]) for d in records(oof_path)}
    strata: dict[str, list[str]] = {"disagree": [], "agree": []}
    for i in sorted(pred):
        if i in arts:
            strata["disagree" if set(pred[i]) != set(arts[i]["types"]) else "agree"].append(i)
    rng = random.Random(seed)
    picked = [(s, i) for s, n in zip(strata, per, strict=True) for i in rng.sample(strata[s], n)]
    rng.shuffle(picked)  # annotators cannot tell the strata apart by position
    (AUDIT / "passes").mkdir(parents=True, exist_ok=True)
    with (AUDIT / key_name).open("w", encoding="utf-8") as f:
        for s, i in picked:
            f.write(json.dumps({"id": i, "stratum": s, "labels": arts[i]["types"], "predicted": pred[i]},
                               ensure_ascii=False) + "\n")
    for k in range(batches):
        items = picked[k::batches]
        with (AUDIT / f"{prefix}{k + 1}.src.jsonl").open("w", encoding="utf-8") as f:
            for n, (_, i) in enumerate(items):
                a = arts[i]
                f.write(json.dumps({"id": i, "published": a["published"], "title": a["title"], "body": a["body"],
                                    "double": n < double}, ensure_ascii=False) + "\n")
    sizes = {s: len(v) for s, v in strata.items()}
    (AUDIT / strata_name).write_text(json.dumps(sizes) + "\n", encoding="utf-8")
    print(sizes, "drawn", len(picked))


def _pass(path: pathlib.Path, layer: str) -> dict[str, set[str]]:
    """id -> the pass's labels of ``layer`` (empty when the pass is not written yet)."""
    if layer == "casualties":
        return {i: {f"{c['kind']}:{int(c['count'])}" for c in d.get("casualties") or ()} for i, d in read(path).items()}
    return {i: {e["type"] for e in d.get("events") or () if e.get("type") in TYPES} for i, d in read(path).items()}


def score(layer: str) -> None:
    prefix, key_name, strata_name = LAYERS[layer]
    key = read(AUDIT / key_name)
    first: dict[str, set[str]] = {}
    second: dict[str, set[str]] = {}
    for src in sorted(AUDIT.glob(f"{prefix}*.src.jsonl")):
        b = src.name.removesuffix(".src.jsonl")
        first.update(_pass(AUDIT / "passes" / f"{b}.a.jsonl", layer))
        second.update(_pass(AUDIT / "passes" / f"{b}.b.jsonl", layer))
    both = [i for i in second if i in first]
    if both:
        k = ""
        if layer == "events":
            k = f"kappa {kappa([(t in first[i], t in second[i]) for i in both for t in TYPES]):.3f}, "
        between = f1([first[i] for i in both], [second[i] for i in both])
        print(f"Agreement of the two audit passes on {len(both)} articles: {k}F1 {between:.3f}\n")
    strata = {s: [i for i in first if key.get(i, {}).get("stratum") == s] for s in ("disagree", "agree")}
    print("| stratum | articles | cell | pairs | audit agrees with the label | audit agrees with the model |")
    print("|---|---|---|---|---|---|")
    for stratum, ids in strata.items():
        cells: Counter[tuple[str, bool]] = Counter()
        count: Counter[str] = Counter()
        for i in ids:
            lab, pre, aud = set(key[i]["labels"]), set(key[i]["predicted"]), first[i]
            for t in lab | pre | aud:
                cell = ("label+model" if t in pre else "label only") if t in lab else (
                    "model only" if t in pre else "audit only")
                count[cell] += 1
                cells[(cell, (t in aud) == (t in lab))] += 1
                if cell != "audit only":
                    cells[(cell + "/m", (t in aud) == (t in pre))] += 1
        for cell in ("label+model", "label only", "model only", "audit only"):
            if count[cell]:
                n = count[cell]
                lab_ok = cells[(cell, True)]
                mod_ok = cells[(cell + "/m", True)] if cell != "audit only" else 0
                print(f"| {stratum} | {len(ids)} | {cell} | {n} | {lab_ok} ({lab_ok / n:.0%}) | {mod_ok} ({mod_ok / n:.0%}) |")
    # micro-F1 of the labels and of the model against the audit: per stratum, then over the whole set with each
    # audited article standing for (stratum size / stratum sample) articles; 95% interval from 2,000 bootstrap
    # draws of articles within each stratum
    sizes = json.loads((AUDIT / strata_name).read_text(encoding="utf-8"))

    def counts(ids: list[str], who: str) -> tuple[int, int]:
        return (sum(len(set(key[i][who]) & first[i]) for i in ids),
                sum(len(set(key[i][who])) + len(first[i]) for i in ids))

    def weighted(draw: dict[str, list[str]], who: str) -> float:
        tp = n = 0.0
        for s, ids in draw.items():
            t, m = counts(ids, who)
            w = sizes[s] / max(len(ids), 1)
            tp, n = tp + w * t, n + w * m
        return 2 * tp / max(n, 1)

    rng = random.Random(0)
    print("\n| against the audit | disagree | agree | whole set (weighted) [95% CI] |")
    print("|---|---|---|---|")
    for who, name in (("labels", "the labels"), ("predicted", "the model (out of fold)")):
        row = [f"{2 * t / max(n, 1):.3f}" for t, n in (counts(strata[s], who) for s in strata)]
        boot = sorted(weighted({s: rng.choices(ids, k=len(ids)) for s, ids in strata.items()}, who)
                      for _ in range(2000))
        print(f"| {name} | " + " | ".join(row) + f" | **{weighted(strata, who):.3f}** [{boot[50]:.2f}-{boot[1949]:.2f}] |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layer", choices=sorted(LAYERS), default="events")
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("oof", type=pathlib.Path)
    d.add_argument("--per", type=int, nargs=2, default=(160, 80))
    d.add_argument("--batches", type=int, default=6)
    d.add_argument("--double", type=int, default=8)
    sub.add_parser("score")
    a = ap.parse_args()
    if a.cmd == "draw":
        draw(a.layer, a.oof, tuple(a.per), a.batches, a.double)
    else:
        score(a.layer)


if __name__ == "__main__":
    main()
