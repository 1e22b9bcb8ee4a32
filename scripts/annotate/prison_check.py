#!/usr/bin/env python3
"""The prison-attack check: the alert users asked for, measured on articles its rule was never written on.

``prison_attack`` is decided by a rule (too few positives to learn from), and the rule's vetoes were
written while reading the prison strata of the training set, so its cross-validated P/R there is an
in-sample figure. This check draws every corpus article *not* in the training set that holds a prison or
detention word and an attack/escape word (plus any the shipped model fires on), has them annotated blind
to the guidelines (two batches, a quarter double-annotated, disagreements adjudicated), and scores the
shipped model on them.

Usage (from the repo root; whole-corpus firings: ``scripts/corpus_firings.py --show prison_attack``):
  prison_check.py draw CORPUS.jsonl.gz [--out data/extraction/prison-check]
  prison_check.py score [--data data/extraction/prison-check]   # after merge.py --data on that folder
"""

from __future__ import annotations

import argparse
import gzip
import json
import pathlib
import random
import re
import sys
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from worker.extract.dates import parse_published  # noqa: E402
from worker.extract.event_model import detect_events  # noqa: E402
from worker.training.dataset import load  # noqa: E402

PRISON = re.compile(r"(سجن|السجن|سجون|السجون|سجناء|السجناء|معتقل|زنزان|إصلاحية|مركز احتجاز|مركز توقيف)")
ACTION = re.compile(r"(هجوم|هاجم|اقتحام|اقتحم|فرار|هروب|فر |فروا|هرب|تمرد|استعصاء|شغب|رهائن|تهريب|انتفاضة)")
STRATUM = "prison check: a prison word and an attack/escape word, whole corpus, not annotated before"
MAX_BODY = 5000  # what annotators see, as in sample_batches.py


def corpus(path: str) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def fires(title: str, body: str, published: str | None) -> bool:
    return any(e.type == "prison_attack" for e in detect_events(title, body, published=parse_published(published)))


def cmd_draw(args: argparse.Namespace) -> None:
    known = {a.id for a in load("events")}
    rows = []
    for d in corpus(args.corpus):
        title, body = d.get("title") or "", d.get("text") or ""
        if d["docno"] in known:
            continue
        text = title + "\n" + body
        if (PRISON.search(text) and ACTION.search(text)) or fires(title, body, d.get("time")):
            rows.append(d)
    rows.sort(key=lambda d: d["docno"])
    random.Random(args.seed).shuffle(rows)
    out = pathlib.Path(args.out) / "batches"
    out.mkdir(parents=True, exist_ok=True)
    half = len(rows) // 2
    for name, part in (("pr1", rows[:half]), ("pr2", rows[half:])):
        with open(out / f"{name}.src.jsonl", "w", encoding="utf-8") as f:
            for i, d in enumerate(part):
                body = d.get("text") or ""
                f.write(json.dumps({"id": d["docno"], "stratum": STRATUM, "category": d.get("category"),
                                    "published": d.get("time"), "title": d.get("title") or "",
                                    "body": body[:MAX_BODY], "truncated": len(body) > MAX_BODY, "full": False,
                                    "double": i < args.double}, ensure_ascii=False) + "\n")
        print(len(part), "articles in", name)


def cmd_score(args: argparse.Namespace) -> None:
    """Each false alarm and miss by id, to be read by hand; the figures with intervals (and every other
    type's) are in ``newsworker eval``'s held-out section."""
    tp = fp = fn = 0
    for a in load("events", root=pathlib.Path(args.data)):
        p = fires(a.title, a.body, a.published)
        g = "prison_attack" in a.event_types
        tp, fp, fn = tp + (p and g), fp + (p and not g), fn + (g and not p)
        if p != g:
            print(("false alarm" if p else "missed"), a.id, a.title[:80], sep="\t")
    print(f"prison_attack: {tp + fn} gold, {tp + fp} fired, {tp} right")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("corpus")
    d.add_argument("--out", default=str(ROOT / "data" / "extraction" / "prison-check"))
    d.add_argument("--seed", type=int, default=2035)
    d.add_argument("--double", type=int, default=48)
    s = sub.add_parser("score")
    s.add_argument("--data", default=str(ROOT / "data" / "extraction" / "prison-check"))
    args = ap.parse_args()
    {"draw": cmd_draw, "score": cmd_score}[args.cmd](args)


if __name__ == "__main__":
    main()
