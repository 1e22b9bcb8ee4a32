"""Error analysis of the casualty scorer (issue #18): where do the cross-validated errors come from?

``ceiling`` is the share of gold (kind, count) pairs that appear among the candidates at all (no scorer
can find the others). ``buckets`` sorts the out-of-fold errors:
- a missed pair that is no candidate (number parsing, a cue word the tables lack), one predicted under
  another kind, or one scored below the threshold;
- a false pair whose count is gold under another kind (wrong kind), whose kind is gold with another count
  (a second figure: repeated, cumulative, subset, another event), or neither (in an article with or without
  gold casualties: background and other events).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from worker.training.casualties import Prepared

__all__ = ["ceiling", "buckets"]

Key = tuple[str, int]


def ceiling(prepared: Sequence[Prepared]) -> tuple[int, int]:
    """(gold pairs among the candidates, gold pairs)."""
    hit = total = 0
    for p in prepared:
        keys = {(c.kind, c.count) for c in p.cands}
        gold = p.article.casualty_set
        hit += len(gold & keys)
        total += len(gold)
    return hit, total


def _fp_bucket(key: Key, gold: frozenset[Key]) -> str:
    kind, count = key
    if any(c == count for _, c in gold):
        return "FP wrong kind"
    if any(k == kind for k, _ in gold):
        return "FP second figure of a gold kind"
    return "FP other figure, article has gold" if gold else "FP article without gold casualties"


def _fn_bucket(key: Key, cand_keys: set[Key], pred: set[Key]) -> str:
    if key not in cand_keys:
        return "FN not a candidate"
    if any(c == key[1] for _, c in pred):
        return "FN predicted under another kind"
    return "FN scored below the threshold"


def buckets(prepared: Sequence[Prepared], predicted: Sequence[set[Key]]) -> tuple[Counter[str], list[tuple[str, str, Key]]]:
    """Error counts per bucket, and every error as (bucket, article id, (kind, count))."""
    counts: Counter[str] = Counter()
    errors: list[tuple[str, str, Key]] = []
    for p, pred in zip(prepared, predicted, strict=True):
        gold = p.article.casualty_set
        cand_keys = {(c.kind, c.count) for c in p.cands}
        for key in sorted(pred - gold):
            errors.append((_fp_bucket(key, gold), p.article.id, key))
        for key in sorted(gold - pred):
            errors.append((_fn_bucket(key, cand_keys, pred), p.article.id, key))
    counts.update(b for b, _, _ in errors)
    return counts, errors


def main(k: int = 5) -> str:
    """The candidate ceiling and the out-of-fold error buckets on data/extraction (needs the train extra)."""
    from worker.training import casualties as cas
    from worker.training.dataset import load
    from worker.training.folds import kfold

    prepared = [cas.prepare(a) for a in load("casualties")]
    predicted: list[set[Key]] = [set() for _ in prepared]
    pos = {p.article.id: n for n, p in enumerate(prepared)}
    for train, test in kfold(prepared, k, key=lambda p: p.article.id):
        model = cas.train(train)
        for p, got in zip(test, cas.predict_sets(model, test), strict=True):
            predicted[pos[p.article.id]] = got
    hit, total = ceiling(prepared)
    counts, _ = buckets(prepared, predicted)
    lines = [f"candidate ceiling: {hit}/{total} gold pairs are candidates ({hit / max(total, 1):.3f})"]
    lines += [f"{n:5d}  {name}" for name, n in counts.most_common()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main(), end="")
