#!/usr/bin/env python3
"""Agreement between the two blind passes, and the list of disagreements for the adjudicator.

Usage: agreement.py [--data data/extraction] [--disagreements OUT.jsonl] [--markdown] [--only PREFIX]

Events: Cohen's kappa per type and pooled over article x type decisions, and F1 between passes.
Casualties: F1 of (kind, count) sets. Dates: F1 of resolved-date sets. Entities: F1 of (type, mention)
sets after Arabic normalisation. Quotes: speaker agreement on quotes both passes found (matched by the
first words of the quote).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence

TYPES = ("armed_clash airstrike shelling bombing armed_attack prison_attack kidnapping arrest sentencing "
         "assassination protest curfew ceasefire security_sweep displacement disaster").split()
_DIAC = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")


def norm(s: str | None) -> str:
    s = _DIAC.sub("", s or "")
    s = re.sub("[أإآٱ]", "ا", s).replace("ى", "ي").replace("ة", "ه")
    return re.sub(r"\s+", " ", s).strip(" .,،:\"'«»")


def read(path: pathlib.Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    return {d["id"]: d for d in (json.loads(line) for line in path.open(encoding="utf-8") if line.strip())}


def kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float:
    """Cohen's kappa of two passes' labels (yes/no decisions, or any categories)."""
    n = len(pairs)
    if not n:
        return float("nan")
    po = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def f1(a: list[set], b: list[set]) -> float:
    tp = sum(len(x & y) for x, y in zip(a, b, strict=True))
    n = sum(map(len, a)) + sum(map(len, b))
    return 2 * tp / n if n else float("nan")


def layers(d: dict) -> dict[str, set]:
    out: dict[str, set] = {}
    if "events" in d:  # casualty-only passes (cs batches) judge no events
        out["events"] = {e["type"] for e in d["events"] or ()}
    if "casualties" in d:
        out["casualties"] = {(c["kind"], int(c["count"])) for c in d["casualties"]}
    if "dates" in d:
        out["dates"] = {x["date"] for x in d["dates"]}
    if "entities" in d:
        out["entities"] = {(e["type"], norm(m)) for e in d["entities"] for m in e.get("mentions") or ()}
    if "quotes" in d:
        out["quotes"] = {(" ".join(norm(q.get("text")).split()[:4]), norm(q.get("speaker"))) for q in d["quotes"]}
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/extraction")
    ap.add_argument("--disagreements", help="write the articles whose passes differ, per layer, here")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--only", help="only the batches whose name starts with one of these, comma-separated "
                                   "(qt: the session-22 speaker batches; qt4,qt5,qt6: their second draw)")
    args = ap.parse_args()
    root = pathlib.Path(args.data)
    pairs_by_type: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    sets: dict[str, tuple[list[set], list[set]]] = defaultdict(lambda: ([], []))
    speaker = [0, 0]
    dis = []
    for b_path in sorted((root / "passes").glob("*.b.jsonl")):
        batch = b_path.name.split(".")[0]
        if args.only and not batch.startswith(tuple(args.only.split(","))):
            continue
        a_all, b_all = read(root / "passes" / f"{batch}.a.jsonl"), read(b_path)
        src = read(root / "batches" / f"{batch}.src.jsonl")
        for aid, b in b_all.items():
            a = a_all.get(aid)
            if a is None:
                continue
            la, lb = layers(a), layers(b)
            for name in la.keys() & lb.keys():
                if name == "quotes":
                    # quotes are matched by their first words; two quotes of one pass can share them, so each
                    # key holds the set of its speakers (a dict of the pairs kept one speaker by hash order)
                    qa, qb = defaultdict(set), defaultdict(set)
                    for q, dst in ((la[name], qa), (lb[name], qb)):
                        for key, who in q:
                            dst[key].add(who)
                    for key in qa.keys() & qb.keys():
                        speaker[0] += qa[key] == qb[key]
                        speaker[1] += 1
                    sets[name][0].append({k for k, _ in la[name]})
                    sets[name][1].append({k for k, _ in lb[name]})
                else:
                    sets[name][0].append(la[name])
                    sets[name][1].append(lb[name])
            if "events" in la and not batch.startswith("en"):  # entity batches judge no events
                for t in TYPES:
                    pairs_by_type[t].append((t in la["events"], t in lb["events"]))
            diff = {n: {"a": sorted(map(str, la[n])), "b": sorted(map(str, lb[n]))}
                    for n in la.keys() & lb.keys() if la[n] != lb[n]}
            if diff:
                dis.append({"id": aid, "batch": batch, "differs": diff, "pass_a": a, "pass_b": b,
                            "title": src.get(aid, {}).get("title"), "body": src.get(aid, {}).get("body"),
                            "published": src.get(aid, {}).get("published")})
    pooled = [p for t in TYPES for p in pairs_by_type[t]]
    out = ["| measure | value |", "|---|---|"]
    if pooled:
        out.append(f"| events: articles double-annotated | {len(pairs_by_type[TYPES[0]])} |")
        out.append(f"| events: pooled Cohen's kappa (article x type) | {kappa(pooled):.3f} |")
        out.append(f"| events: F1 between passes | {f1(*sets['events']):.3f} |")
    for name in ("casualties", "dates", "entities", "quotes"):
        if sets[name][0]:
            label = "quotes found (first words)" if name == "quotes" else name
            out.append(f"| {label}: F1 between passes ({len(sets[name][0])} articles) | {f1(*sets[name]):.3f} |")
    if speaker[1]:
        out.append(f"| quotes: same speaker on quotes both found ({speaker[1]}) | {speaker[0] / speaker[1]:.3f} |")
    out += ["", "| event type | kappa | positives (a / b) |", "|---|---|---|"]
    for t in TYPES:
        ps = pairs_by_type[t]
        na, nb = sum(a for a, _ in ps), sum(b for _, b in ps)
        if na or nb:
            out.append(f"| {t} | {kappa(ps):.3f} | {na} / {nb} |")
    print("\n".join(out))
    if args.disagreements:
        with open(args.disagreements, "w", encoding="utf-8") as f:
            for d in dis:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        print(f"\n{len(dis)} articles with a disagreement -> {args.disagreements}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
