"""Agreement of the story-pair passes, and ``data/stories/labels.jsonl`` from them and the adjudication.

    python scripts/annotate/story_labels.py            # agreement, then write labels.jsonl
    python scripts/annotate/story_labels.py --pending  # print the disagreements not yet adjudicated

A pair annotated twice takes the agreed label or, when the passes differ, the lead's ruling in
``adjudication.jsonl``; a pair annotated once takes its pass. Writing stops while a disagreement has no ruling.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Hashable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from agreement import kappa  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "data" / "stories"


def agreement(pairs: list[tuple[Hashable, Hashable]]) -> tuple[float, float]:
    """(observed agreement, Cohen's kappa) of two passes' labels."""
    return sum(a == b for a, b in pairs) / len(pairs), kappa(pairs)


def batch_order() -> list[tuple[str, str]]:
    """(batch, pair) in batch order, batches by number."""
    out = []
    for path in sorted((DATA / "batches").glob("sp*.jsonl"), key=lambda p: int(p.stem[2:])):
        out += [(path.stem, json.loads(line)["pair"]) for line in path.open(encoding="utf-8")]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pending", action="store_true")
    args = ap.parse_args()
    passes: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted((DATA / "passes").glob("*.jsonl")):
        annotator = path.name.split(".")[1]
        for line in path.open(encoding="utf-8"):
            d = json.loads(line)
            passes[d["pair"]][annotator] = d["label"]
    rulings = {d["pair"]: d["label"] for d in map(json.loads, (DATA / "adjudication.jsonl").open(encoding="utf-8"))}
    order = batch_order()
    by_round: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for batch, pair in order:
        labels = list(passes.get(pair, {}).values())
        if len(labels) == 2:
            by_round["sp1-sp5" if int(batch[2:]) <= 5 else "sp6-sp10"].append((labels[0], labels[1]))
    for name, two in sorted(by_round.items()) + [("all", [x for v in by_round.values() for x in v])]:
        three = agreement(two)
        binary = agreement([(a == "same", b == "same") for a, b in two])
        print(f"{name}: {len(two)} pairs twice; three labels {three[0]:.3f} (kappa {three[1]:.3f}); "
              f"same against not {binary[0]:.3f} (kappa {binary[1]:.3f})")
    pending = [p for _, p in order if len(set(passes.get(p, {}).values())) > 1 and p not in rulings]
    if args.pending or pending:
        for p in pending:
            print("pending:", p, passes[p])
        if pending:
            raise SystemExit(f"{len(pending)} disagreements without a ruling: labels.jsonl not written")
        return
    missing = [p for _, p in order if p not in passes]
    with (DATA / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for _, p in order:
            if p not in passes:
                continue
            labels = set(passes[p].values())
            how = "adjudicated" if p in rulings else ("agreed" if len(passes[p]) == 2 else "single")
            label = rulings[p] if p in rulings else labels.pop()
            fh.write(json.dumps({"pair": p, "label": label, "how": how}) + "\n")
    counts = Counter(json.loads(line)["label"] for line in (DATA / "labels.jsonl").open())
    print(f"labels.jsonl: {sum(counts.values())} pairs {dict(counts)}; {len(missing)} pairs not annotated yet")


if __name__ == "__main__":
    main()
