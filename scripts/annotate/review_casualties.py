#!/usr/bin/env python3
"""The casualties review of session 9: victim counts read as the reference annotators read them.

The shared set's annotators count the victims of every event an article reports as having happened, also
of a recent event given as context, a campaign's running total and a report's findings; our 2026 rulings
skipped those. This review adds, under "Casualties: the reference reading" in ``GUIDELINES.md``, the
(kind, count) pairs an article is missing. Nothing is removed. Reviewers see, per article, its labels and
every candidate count the chain's casualty finder proposes that is not labelled yet, with its sentence.

Usage:
  review_casualties.py windows [--batches 4]      # write review/cas*.jsonl.gz (once, before the review)
  review_casualties.py windows-s11 [--batches 2]  # session 11: the articles annotated since -> review/cas-s11-*
  review_casualties.py show BATCH START COUNT
  review_casualties.py agreement
  review_casualties.py final                      # -> passes/review-casualties.jsonl (merge.py applies it)

Passes: ``review/passes/casN.{a,b}.jsonl``, lines ``{"id", "add": [{"c": <candidate number>}]}``;
``review/adjudication-casualties.jsonl`` holds the lead's final adds where the passes differ. The committed
windows were built before candidates were sorted (the kinds of one mention then came in string-hash order),
so a rebuild numbers some candidates differently; the passes refer to the committed windows.
"""

from __future__ import annotations

import pathlib
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).parent))
sys.path.insert(0, str(ROOT))
from agreement import kappa  # noqa: E402
from review_common import decisions, load_items, main, passes, write_batches, write_final  # noqa: E402

PREFIX = "cas"
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
    # sorted: the finder lists the kinds of one mention in string-hash order, which changes between runs
    found = all_candidates(d.get("title", ""), d.get("body", ""), published=parse_published(d["published"]))
    for field, c in sorted(found, key=lambda fc: (fc[0] != "title", fc[1].start, fc[1].kind, fc[1].count)):
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


def windows(data: pathlib.Path, batches: int) -> None:
    write_batches(data, PREFIX, batches, window, lambda d: "casualties" in (d.get("has") or ()))


def windows_s11(data: pathlib.Path, batches: int) -> None:
    """Session 11: the same review for the casualty articles annotated since (ev36-ev51)."""
    write_batches(data, PREFIX, batches, window, lambda d: "casualties" in (d.get("has") or ()), later_round="s11")


def show(items: Iterable[tuple[int, dict]]) -> None:
    for k, i in items:
        print(f"=== #{k} id={i['id']}  published={i['published']}")
        print(f"TITLE: {i['title']}")
        print(f"event types: {', '.join(i['events']) or '(none)'}")
        print("already labelled: " + ("; ".join(f"{k_} {n} «{t[:80]}»" for k_, n, t in i["labelled"]) or "(none)"))
        for c in i["candidates"]:
            print(f"  c{c['c']}: {c['kind']} {c['count']}  [{c['mention']}]  «{c['text'][:300]}»")
        print()


def _adds(d: dict) -> set[int]:
    return {int(x["c"]) for x in d.get("add") or ()}


def agreement(data: pathlib.Path) -> None:
    items = load_items(data, PREFIX)
    a_all, b_all = passes(data, items)
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
    chosen_items, unresolved, n_items = decisions(data, PREFIX, "adjudication-casualties.jsonl", _adds,
                                                  lambda x, y: x == y)
    out: dict[str, list[dict]] = defaultdict(list)
    counts: Counter = Counter()
    for item, chosen in chosen_items:
        add = [{"kind": c["kind"], "count": c["count"], "text": c["text"]} for c in item["candidates"] if c["c"] in chosen]
        counts[item["set"]] += len(add)
        out[item["set"]].append({"id": item["id"], "add": add})
    write_final(data, out, "review-casualties.jsonl")
    print(f"reviewed {len(chosen_items)} of {n_items}; added {dict(counts)}; disagreements not yet adjudicated: "
          f"{unresolved}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(__doc__, {"windows": (windows, 4), "windows-s11": (windows_s11, 2)}, show, agreement, final))
