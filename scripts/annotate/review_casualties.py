#!/usr/bin/env python3
"""The casualties review of session 9: victim counts read as the reference annotators read them.

The shared set's annotators count the victims of every event an article reports as having happened, also
of a recent event given as context, a campaign's running total and a report's findings; our 2026 rulings
skipped those. This review adds, under "Casualties: the reference reading" in ``GUIDELINES.md``, the
(kind, count) pairs an article is missing. Nothing is removed. Reviewers see, per article, its labels and
every candidate count the chain's casualty finder proposes that is not labelled yet, with its sentence.

Usage:
  review_casualties.py windows [--batches 4]      # write review/cas*.jsonl.gz (once, before the review)
  review_casualties.py show BATCH START COUNT
  review_casualties.py agreement
  review_casualties.py final                      # -> passes/review-casualties.jsonl (merge.py applies it)

Passes: ``review/passes/casN.{a,b}.jsonl``, lines ``{"id", "add": [{"c": <candidate number>}]}``;
``review/adjudication-casualties.jsonl`` holds the lead's final adds where the passes differ.
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

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).parent))
sys.path.insert(0, str(ROOT))
from agreement import kappa, read  # noqa: E402
from review_events import HELD_OUT, _records  # noqa: E402

MAX_CANDIDATES = 16


_BOUNDARY = re.compile(r"[.!؟?](?=\s|$)|\n")  # a full stop between digits ("2.6 مليون") ends nothing


def _sentence_at(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _BOUNDARY.finditer(text, 0, start)), default=0)
    right = next((m.end() for m in _BOUNDARY.finditer(text, end)), len(text))
    return text[left:right].strip()


def window(d: dict) -> dict | None:
    from worker.extract.casualty_model import all_candidates
    from worker.extract.dates import parse_published

    gold = {(c["kind"], int(c["count"])) for c in d.get("casualties") or ()}
    seen: dict[tuple[str, int], dict] = {}
    for field, c in all_candidates(d.get("title", ""), d.get("body", ""), published=parse_published(d["published"])):
        key = (c.kind, c.count)
        if key in gold or key in seen:
            continue
        text = d["title"] if field == "title" else d["body"]
        seen[key] = {"kind": c.kind, "count": c.count, "text": _sentence_at(text, c.start, c.end),
                     "mention": text[c.start:c.end]}
    if not seen:
        return None
    cands = [{"c": n, **v} for n, v in enumerate(list(seen.values())[:MAX_CANDIDATES], 1)]
    return {"id": d["id"], "published": d.get("published", ""), "title": d.get("title", ""),
            "events": sorted({e["type"] for e in d.get("events") or ()}),
            "labelled": [[c["kind"], int(c["count"]), c.get("text", "")] for c in d.get("casualties") or ()],
            "candidates": cands}


def _review_dir(data: pathlib.Path) -> pathlib.Path:
    return data / "review"


def windows(data: pathlib.Path, batches: int) -> None:
    items = []
    for folder, tag in [(data, "train"), *((data / h, h) for h in HELD_OUT)]:
        for d in _records(folder / "articles.jsonl"):
            if "casualties" in (d.get("has") or ()) and (w := window(d)) is not None:
                items.append({**w, "set": tag})
    random.Random(9).shuffle(items)
    out = _review_dir(data)
    (out / "passes").mkdir(parents=True, exist_ok=True)
    for k in range(batches):
        with gzip.open(out / f"cas{k + 1}.jsonl.gz", "wt", encoding="utf-8") as f:
            for item in items[k::batches]:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} items in {batches} batches -> {out}", file=sys.stderr)


def load_items(data: pathlib.Path) -> dict[str, dict]:
    items = {}
    for path in sorted(_review_dir(data).glob("cas*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                items[d["id"]] = {**d, "batch": path.name.split(".")[0]}
    return items


def show(data: pathlib.Path, batch: str, start: int, count: int) -> None:
    items = [i for i in load_items(data).values() if i["batch"] == batch]
    for k, i in enumerate(items[start:start + count], start):
        print(f"=== #{k} id={i['id']}  published={i['published']}")
        print(f"TITLE: {i['title']}")
        print(f"event types: {', '.join(i['events']) or '(none)'}")
        print("already labelled: " + ("; ".join(f"{k_} {n} «{t[:80]}»" for k_, n, t in i["labelled"]) or "(none)"))
        for c in i["candidates"]:
            print(f"  c{c['c']}: {c['kind']} {c['count']}  [{c['mention']}]  «{c['text'][:300]}»")
        print()


def _adds(d: dict) -> set[int]:
    return {int(x["c"]) for x in d.get("add") or ()}


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
    pairs: list[tuple[bool, bool]] = []
    disagree = []
    for i, b in b_all.items():
        if i not in a_all:
            continue
        ca, cb = _adds(a_all[i]), _adds(b)
        if ca != cb:
            disagree.append(i)
        pairs += [(c["c"] in ca, c["c"] in cb) for c in items[i]["candidates"]]
    both = sum(x and y for x, y in pairs)
    added = sum(x for x, _ in pairs) + sum(y for _, y in pairs)
    print(f"- items reviewed twice: {sum(i in a_all for i in b_all)}; decisions (candidate counts): {len(pairs)}")
    print(f"- pooled Cohen's kappa {kappa(pairs):.3f}; F1 between passes {2 * both / max(1, added):.3f}; "
          f"adds {sum(x for x, _ in pairs)} / {sum(y for _, y in pairs)}")
    print(f"disagreements: {' '.join(disagree)}", file=sys.stderr)


def final(data: pathlib.Path) -> None:
    items = load_items(data)
    a_all, b_all = _passes(data, items)
    rulings = read(_review_dir(data) / "adjudication-casualties.jsonl")
    out: dict[str, list[dict]] = defaultdict(list)
    counts: Counter = Counter()
    unresolved = 0
    for i, a in a_all.items():
        item = items[i]
        chosen = _adds(rulings[i]) if i in rulings else _adds(a)
        if i not in rulings and i in b_all and chosen != _adds(b_all[i]):
            unresolved += 1
        add = [{"kind": c["kind"], "count": c["count"], "text": c["text"]} for c in item["candidates"] if c["c"] in chosen]
        counts[item["set"]] += len(add)
        out[item["set"]].append({"id": i, "add": add})
    for tag, rows in out.items():
        folder = data if tag == "train" else data / tag
        (folder / "passes").mkdir(exist_ok=True)
        with (folder / "passes" / "review-casualties.jsonl").open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"reviewed {len(a_all)} of {len(items)}; added {dict(counts)}; disagreements not yet adjudicated: "
          f"{unresolved}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/extraction", type=pathlib.Path)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("windows")
    w.add_argument("--batches", type=int, default=4)
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
