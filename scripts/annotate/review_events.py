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

import pathlib
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from agreement import TYPES, kappa  # noqa: E402
from review_common import decisions, load_items, main, passes, write_batches, write_final  # noqa: E402

PREFIX = "rr"
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
# prison_attack had no trigger list in the first round; its own round ("pa" batches) shows every article
# without the type whose sentence holds a prison word and an attack, riot, hostage or escape word.
PRISON_PREFIX = "pa"
# each round's batch prefix and the file of the lead's rulings on it
ROUNDS = {PREFIX: "adjudication.jsonl", PRISON_PREFIX: "adjudication-prison.jsonl"}
_PRISON_RE = re.compile(
    r"(سجن|سجون|سجناء|سجين|معتقل|زنزان|إصلاحية|مركز احتجاز|مركز توقيف|مخفر|قسم شرطة)[^.\n]{0,120}"
    r"(هجوم|هاجم|اقتحام|اقتحم|فرار|فر |فروا|هروب|هرب|تمرد|استعصاء|شغب|رهائن|رهينة|احتجز|مواجهة|تحرير|حرر)|"
    r"(هجوم|هاجم|اقتحام|اقتحم|فرار|فروا|هروب|هرب|تمرد|استعصاء|شغب|رهائن|مواجهة|تحرير|حرر)[^.\n]{0,120}"
    r"(سجن|سجون|سجناء|سجين|معتقل|زنزان|إصلاحية|مركز احتجاز|مركز توقيف|مخفر|قسم شرطة)")
_SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+|\n+")
MAX_SENTENCES = 14  # a window longer than this is cut: the reviewer reads the first trigger sentences


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


def prison_window(d: dict) -> dict | None:
    """The prison round's item: like :func:`window`, with ``prison_attack`` the only candidate."""
    have = {e["type"] for e in d.get("events") or ()}
    title, body = d.get("title", ""), d.get("body", "")
    if "prison_attack" in have or not (_PRISON_RE.search(title) or _PRISON_RE.search(body)):
        return None
    sents = [s.strip() for s in _SENTENCE_END.split(body) if s.strip()]
    lines = [{"n": n, "types": ["prison_attack"], "text": s} for n, s in enumerate(sents, 1) if _PRISON_RE.search(s)]
    return {"id": d["id"], "published": d.get("published", ""), "title": title,
            "title_types": ["prison_attack"] if _PRISON_RE.search(title) else [], "lead": sents[0] if sents else "",
            "labelled": sorted(have), "candidate_types": ["prison_attack"], "sentences": lines[:MAX_SENTENCES],
            "n_sentences": len(sents)}


def prison_windows(data: pathlib.Path, batches: int) -> None:
    write_batches(data, PRISON_PREFIX, batches, prison_window, lambda d: "events" in (d.get("has") or ("events",)))


def windows(data: pathlib.Path, batches: int) -> None:
    write_batches(data, PREFIX, batches, window, lambda d: "events" in (d.get("has") or ("events",)))


def show(items: Iterable[tuple[int, dict]]) -> None:
    for k, i in items:
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


def agreement(data: pathlib.Path) -> None:
    for prefix in ROUNDS:
        print(f"\n### round {prefix}\n")
        _agreement(data, prefix)


def _agreement(data: pathlib.Path, prefix: str) -> None:
    items = load_items(data, prefix)
    a_all, b_all = passes(data, items)
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
    chosen_items, unresolved, n_items = [], 0, 0
    for prefix, rulings in ROUNDS.items():
        round_items, round_unresolved, round_n = decisions(
            data, prefix, rulings, _adds, lambda x, y: {t for t, _ in x} == {t for t, _ in y})
        chosen_items += round_items
        unresolved += round_unresolved
        n_items += round_n
    by_id: dict[str, dict] = {}
    counts: Counter = Counter()
    for item, chosen in chosen_items:
        texts = {0: item["title"]} | {s["n"]: s["text"] for s in item["sentences"]}
        add, seen = [], set()
        for t, n in sorted(chosen):
            if t in item["labelled"] or t in seen or n not in texts:
                continue
            seen.add(t)
            add.append({"type": t, "evidence": texts[n]})
            counts[item["set"], t] += 1
        row = by_id.setdefault(item["id"], {"set": item["set"], "id": item["id"], "add": []})
        row["add"] += [x for x in add if x["type"] not in {y["type"] for y in row["add"]}]
    out: dict[str, list[dict]] = defaultdict(list)
    for row in by_id.values():
        out[row.pop("set")].append(row)
    write_final(data, out, "review-events.jsonl")
    for tag, rows in out.items():
        print(f"{tag}: {len(rows)} reviewed, {sum(len(r['add']) for r in rows)} types added", file=sys.stderr)
    print(f"not reviewed: {n_items - len(chosen_items)}; disagreements not yet adjudicated: {unresolved}", file=sys.stderr)
    print(sorted(counts.items()), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(__doc__, {"windows": (windows, 7), "prison-windows": (prison_windows, 2)}, show, agreement, final))
