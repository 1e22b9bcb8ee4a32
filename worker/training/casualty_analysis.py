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

import re
from collections import Counter
from collections.abc import Sequence

from worker.extract.casualty_context import MONTHS
from worker.extract.normalize import fold, folded_words
from worker.training.casualties import Prepared

__all__ = ["ceiling", "buckets", "context_bucket", "cause_buckets"]

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


# Cue words of the clause around a figure that name *why* it is not this article's own toll (issue #18's
# error classes). Analysis only: the scorer sees its own features, these words only sort its errors.
_RUNNING = folded_words("منذ حصيلة الحصيلة إجمالي اجمالي مجموع ارتفع ارتفعت لترتفع ليرتفع ليصل لتصل حتى الآن خلال طوال")
_PAST = folded_words("كان كانت كانوا وكان وكانت الماضي الماضية السابق السابقة سابق قبل ذكرى سابقا")
_PART = folded_words("بينهم بينهن منهم منهن")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-2]\d)(?!\d)")
_WORD = re.compile(r"[\u0621-\u064a]+")


def _words(text: str) -> set[str]:
    """Folded words with one conjunction/preposition proclitic off, enough for cue lookups."""
    out = set()
    for w in _WORD.findall(fold(text)):
        out.add(w)
        if len(w) > 3 and w[0] in "وفبل":
            out.add(w[1:])
    return out


def _clause(text: str, start: int, end: int) -> str:
    """The sentence around ``text[start:end]``, cut to 120 characters before and 40 after."""
    a = max(text.rfind(".", 0, start), text.rfind("\n", 0, start), start - 121) + 1
    stops = [x for x in (text.find(".", end), text.find("\n", end)) if x >= 0]
    return text[a : min(stops + [end + 40])]


def context_bucket(clause: str, pub_year: int | None, pub_month: int | None) -> str:
    """The error class a clause's cue words point to: running total, older event, part of a total, or none."""
    words = _words(clause)
    if words & _RUNNING:
        return "running or campaign total"
    old_year = pub_year is not None and any(int(y) < pub_year for y in _YEAR.findall(clause))
    old_month = pub_month is not None and any(0 < (pub_month - MONTHS[w]) % 12 <= 6 for w in words if w in MONTHS)
    if words & _PAST or old_year or old_month:
        return "older event (past cue)"
    if words & _PART:
        return "part of a total"
    return "no context cue"


def cause_buckets(title: str, body: str, gold: frozenset[Key], predicted: set[Key], cands: Sequence[tuple[str, object]],
                  pub_year: int | None = None, pub_month: int | None = None) -> list[tuple[str, Key]]:
    """Each error of one article as (cause, key): the coarse bucket of :func:`buckets` refined by the clause.

    ``cands`` are ``(field, Candidate)`` pairs (:func:`worker.extract.casualty_model.all_candidates`); a key's
    clause is the sentence of its first mention, at most 120 characters before and 40 after.
    """
    first: dict[Key, str] = {}
    for field, c in cands:
        key = (c.kind, c.count)  # type: ignore[attr-defined]
        if key not in first:
            text = title if field == "title" else body
            first[key] = _clause(text, c.start, c.end)  # type: ignore[attr-defined]
    out: list[tuple[str, Key]] = []
    for key in sorted(predicted - gold):
        coarse = _fp_bucket(key, gold)
        if coarse == "FP wrong kind":
            out.append(("FP wrong kind", key))
        elif any(k == key[0] and key[1] < c <= key[1] * 1.25 for k, c in gold):
            out.append(("FP rounded or earlier figure of a gold toll", key))
        else:
            out.append(("FP " + context_bucket(first.get(key, ""), pub_year, pub_month), key))
    for key in sorted(gold - predicted):
        if key not in first:
            out.append(("FN not a candidate", key))
        elif any(c == key[1] for _, c in predicted):
            out.append(("FN predicted under another kind", key))
        else:
            out.append(("FN below threshold, " + context_bucket(first[key], pub_year, pub_month), key))
    return out


def main(k: int = 5) -> str:
    """The candidate ceiling and the out-of-fold error buckets on data/extraction (needs the train extra)."""
    from worker.extract.casualty_model import all_candidates
    from worker.extract.dates import parse_published
    from worker.training import casualties as cas
    from worker.training.dataset import load
    from worker.training.folds import kfold

    prepared = [cas.prepare(a) for a in load("casualties")]
    predicted: list[set[Key]] = [set() for _ in prepared]
    pos = {p.article.id: n for n, p in enumerate(prepared)}
    for train, test in kfold(prepared, k, key=lambda p: p.article.fold_key):
        model = cas.train(train)
        for p, got in zip(test, cas.predict_sets(model, test), strict=True):
            predicted[pos[p.article.id]] = got
    hit, total = ceiling(prepared)
    counts, _ = buckets(prepared, predicted)
    lines = [f"candidate ceiling: {hit}/{total} gold pairs are candidates ({hit / max(total, 1):.3f})"]
    lines += [f"{n:5d}  {name}" for name, n in counts.most_common()]
    causes: Counter[str] = Counter()
    for p, got in zip(prepared, predicted, strict=True):
        a = p.article
        pub = parse_published(a.published)
        cands = all_candidates(a.title, a.body, published=pub)
        causes.update(c for c, _ in cause_buckets(a.title, a.body, a.casualty_set, got, cands,
                                                  pub.year if pub else None, pub.month if pub else None))
    lines += ["", "by cause (cue words of the first mention's clause):"]
    lines += [f"{n:5d}  {name}" for name, n in causes.most_common()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main(), end="")
