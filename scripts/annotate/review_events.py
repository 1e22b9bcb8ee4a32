#!/usr/bin/env python3
"""The events review of session 9: earlier events read as the reference annotators read them.

The shared set's annotators (who wrote the guidelines and the dev set) tag events that are only the context
of an article's news; our 2026 rulings called them background. This review adds, under the replacing
ruling ("Earlier events: the reference reading" in ``GUIDELINES.md``), the types each article is missing.
Nothing is removed. Reviewers see windows, not whole articles: the title, the lead and the sentences
holding a trigger word of a type the article does not have yet.

Usage:
  review_events.py windows [--data data/extraction] [--batches 7]  # write review/rr*.jsonl.gz (once)
  review_events.py show BATCH START COUNT                            # print items for a reviewer
  review_events.py agreement                                        # kappa between the two passes
  review_events.py final                                            # passes + rulings -> review-events.jsonl

Layout under ``data/extraction/review``: ``rrN.jsonl.gz`` (the windows, built once from the labels before
the review), ``passes/rrN.{a,b}.jsonl`` (``{"id", "add": [{"type", "n"}]}``, n the sentence number, 0 the
title), ``adjudication.jsonl`` (the lead's final adds for the items the passes disagreed on). ``final``
writes ``passes/review-events.jsonl`` in the training folder and in each held-out folder; ``merge.py``
applies it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pathlib
import random
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from agreement import TYPES, kappa, read  # noqa: E402

HELD_OUT = ("wild-check", "prison-check")
# Trigger stems per type, deliberately broad: they only choose what a reviewer reads, never a label.
TRIGGERS = {
    "arrest": r"اعتقا?ل|معتقل|توقيف|أوقف|اوقف|احتجا?ز|محتجز|القبض|قبض على|ضبط|حبس|سجن|سجين|موقوف",
    "sentencing": r"حكم[تا]? |أحكام|احكام|قضت|أدان|ادان|إدانة|بالسجن|بالإعدام|بالاعدام|براءة|برأت|تبرئة|المؤبد|غرامة",
    "protest": r"تظاهر|مظاهر|احتجاج|اعتصام|محتج|مسير[ةا]|إضراب|اضراب|شغب",
    "kidnapping": r"خطف|اختطا?ف|مختطف|إخفاء قسري|اختفاء|رهائن|رهين",
    "armed_clash": r"اشتباك|معارك|معركة|مواجهات|قتال|هجوم[اً]* (?:بري|عسكري)|حملة عسكرية|عملية عسكرية",
    "airstrike": r"غار[ةا]|غارات|ضرب[ةا]ت? جوي|طائر[ةا]ت? (?:مسير|بدون)|قصف جوي|صاروخ باليستي",
    "shelling": r"قصف|قذائف|قذيفة|صاروخ|صواريخ|هاون|مدفعي",
    "bombing": r"تفجير|انفجار|مفخخ|ناسف|انتحاري|عبوة",
    "armed_attack": r"هجوم|هجمات|هاجم|إطلاق نار|اطلاق نار|أطلق النار|طعن|دهس|رصاص",
    "assassination": r"اغتيال|اغتال|تصفية",
    "curfew": r"حظر ت?جو|منع التجو",
    "ceasefire": r"وقف إطلاق النار|وقف اطلاق النار|هدن[ةا]|تهدئة|خفض التصعيد|وقف القتال",
    "security_sweep": r"تمشيط|حملة أمنية|حملات أمنية|ملاحقة|مداهم|دهم|عملية أمنية|تعقب",
    "displacement": r"نزوح|نازح|تهجير|مهجر|إجلاء|اجلاء|شرد|تشريد|فروا من",
    "disaster": r"زلزال|فيضان|سيول|إعصار|اعصار|بركان|حريق|حرائق|حادث|تحطم|غرق|عاصفة|انزلاق",
}
_TRIGGER_RE = {t: re.compile(p) for t, p in TRIGGERS.items()}
_SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+|\n+")
MAX_SENTENCES = 14  # a window longer than this is cut: the reviewer reads the first trigger sentences


def _review_dir(data: pathlib.Path) -> pathlib.Path:
    return data / "review"


def window(d: dict) -> dict | None:
    """The review item of one article record, or None when no missing type has a trigger word in it."""
    have = {e["type"] for e in d.get("events") or ()}
    title, body = d.get("title", ""), d.get("body", "")
    cand = [t for t, r in _TRIGGER_RE.items() if t not in have and (r.search(title) or r.search(body))]
    if not cand:
        return None
    sents = [s.strip() for s in _SENTENCE_END.split(body) if s.strip()]
    lines = [{"n": n, "types": tags, "text": s} for n, s in enumerate(sents, 1)
             if (tags := [t for t in cand if _TRIGGER_RE[t].search(s)])]
    return {"id": d["id"], "published": d.get("published", ""), "title": title,
            "title_types": [t for t in cand if _TRIGGER_RE[t].search(title)], "lead": sents[0] if sents else "",
            "labelled": sorted(have), "candidate_types": cand, "sentences": lines[:MAX_SENTENCES],
            "n_sentences": len(sents)}


def _records(path: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def windows(data: pathlib.Path, batches: int) -> None:
    items = []
    for folder, tag in [(data, "train"), *((data / h, h) for h in HELD_OUT)]:
        for d in _records(folder / "articles.jsonl"):
            if "events" in (d.get("has") or ("events",)) and (w := window(d)) is not None:
                items.append({**w, "set": tag})
    random.Random(9).shuffle(items)
    out = _review_dir(data)
    (out / "passes").mkdir(parents=True, exist_ok=True)
    for k in range(batches):
        with gzip.open(out / f"rr{k + 1}.jsonl.gz", "wt", encoding="utf-8") as f:
            for item in items[k::batches]:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} items in {batches} batches -> {out}", file=sys.stderr)


def load_items(data: pathlib.Path) -> dict[str, dict]:
    items = {}
    for path in sorted(_review_dir(data).glob("rr*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                items[d["id"]] = {**d, "batch": path.name.split(".")[0]}
    return items


def show(data: pathlib.Path, batch: str, start: int, count: int) -> None:
    items = [i for i in load_items(data).values() if i["batch"] == batch]
    for k, i in enumerate(items[start:start + count], start):
        print(f"=== #{k} id={i['id']}  published={i['published']}")
        print(f"already labelled: {', '.join(i['labelled']) or '(none)'}")
        print(f"candidate types: {', '.join(i['candidate_types'])}")
        print(f"[0] TITLE: {i['title']}   {{{', '.join(i['title_types'])}}}")
        print(f"LEAD: {i['lead']}")
        for s in i["sentences"]:
            print(f"[{s['n']}] {{{', '.join(s['types'])}}} {s['text']}")
        print()


def _adds(d: dict) -> set[tuple[str, int]]:
    return {(x["type"], int(x.get("n", 0))) for x in d.get("add") or () if x.get("type") in TYPES}


def _passes(data: pathlib.Path, items: dict[str, dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    a_all: dict[str, dict] = {}
    b_all: dict[str, dict] = {}
    for batch in sorted({i["batch"] for i in items.values()}):
        a_all |= read(_review_dir(data) / "passes" / f"{batch}.a.jsonl")
        b_all |= read(_review_dir(data) / "passes" / f"{batch}.b.jsonl")
    return a_all, b_all


def agreement(data: pathlib.Path) -> None:
    items = load_items(data)
    a_all, b_all = _passes(data, items)
    pooled: list[tuple[bool, bool]] = []
    per: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    disagree = []
    for i, b in b_all.items():
        if i not in a_all:
            continue
        ta, tb = {t for t, _ in _adds(a_all[i])}, {t for t, _ in _adds(b)}
        if ta != tb:
            disagree.append(i)
        for t in items[i]["candidate_types"]:
            pooled.append((t in ta, t in tb))
            per[t].append((t in ta, t in tb))
    both = sum(x and y for x, y in pooled)
    added = sum(x for x, _ in pooled) + sum(y for _, y in pooled)
    print(f"items reviewed twice: {sum(i in a_all for i in b_all)}; decisions (item x candidate type): {len(pooled)}")
    print(f"pooled kappa {kappa(pooled):.3f}; F1 between passes {2 * both / max(1, added):.3f}")
    print("| type | kappa | decisions | adds (a / b) |\n|---|---|---|---|")
    for t in TYPES:
        if per[t]:
            p = per[t]
            print(f"| {t} | {kappa(p):.3f} | {len(p)} | {sum(x for x, _ in p)} / {sum(y for _, y in p)} |")
    print(f"disagreements: {' '.join(disagree)}", file=sys.stderr)


def final(data: pathlib.Path) -> None:
    items = load_items(data)
    a_all, b_all = _passes(data, items)
    rulings = read(_review_dir(data) / "adjudication.jsonl")
    out: dict[str, list[dict]] = defaultdict(list)
    counts: Counter = Counter()
    unresolved = 0
    for i, a in a_all.items():
        item = items[i]
        chosen = _adds(a)
        if i in rulings:
            chosen = _adds(rulings[i])
        elif i in b_all and {t for t, _ in chosen} != {t for t, _ in _adds(b_all[i])}:
            unresolved += 1
        texts = {0: item["title"]} | {s["n"]: s["text"] for s in item["sentences"]}
        add, seen = [], set()
        for t, n in sorted(chosen):
            if t in item["labelled"] or t in seen or n not in texts:
                continue
            seen.add(t)
            add.append({"type": t, "evidence": texts[n]})
            counts[item["set"], t] += 1
        out[item["set"]].append({"id": i, "add": add})
    for tag, rows in out.items():
        folder = data if tag == "train" else data / tag
        (folder / "passes").mkdir(exist_ok=True)
        with (folder / "passes" / "review-events.jsonl").open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{tag}: {len(rows)} reviewed, {sum(len(r['add']) for r in rows)} types added", file=sys.stderr)
    print(f"not reviewed: {len(items) - len(a_all)}; disagreements not yet adjudicated: {unresolved}", file=sys.stderr)
    print(sorted(counts.items()), file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/extraction", type=pathlib.Path)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("windows")
    w.add_argument("--batches", type=int, default=7)
    s = sub.add_parser("show")
    s.add_argument("batch")
    s.add_argument("start", type=int)
    s.add_argument("count", type=int)
    sub.add_parser("agreement")
    sub.add_parser("final")
    args = ap.parse_args()
    if args.cmd == "windows":
        windows(args.data, args.batches)
    elif args.cmd == "show":
        show(args.data, args.batch, args.start, args.count)
    elif args.cmd == "agreement":
        agreement(args.data)
    else:
        final(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
