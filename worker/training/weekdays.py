"""The date rules' weekday-direction model: is a bare weekday the last one or the next one?

A weekday written without "المقبل"/"الماضي"/"أمس"/"غدا" ("الاثنين", "يوم الخميس") is resolved to the most
recent such day unless a future cue stands before it (``dates._future_context``: "من المقرر"، "سيعقد").
On the 2,760 date articles the rules were read against, that missed the next day 153 times (a weekday resolved to
last week while the gold holds the coming one: "تستضيف ... لقاء ... الاثنين"، "يلتقي المنتخب ... الثلاثاء"،
"عشية اجتماع ... الجمعة"). A pattern of words a rule cannot list, so a model decides it: logistic
regression over :func:`worker.extract.dates.weekday_features`, trained on every bare weekday of the date
articles whose gold holds one reading and not the other. The held-out date batches
(``report.DATE_HELD_OUT``, dt1-dt6) are left out of training.

Usage: python -m worker.training.weekdays [--cv 5] [--write]
Training needs scikit-learn (a dev/train extra); the shipped weights are a text table read with the
standard library (``worker/extract/data/weekdays.tsv``).
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from worker.extract import dates as D
from worker.extract.normalize import fold_with_offsets
from worker.training.dataset import Article, batch_ids, load
from worker.training.folds import kfold
from worker.training.report import DATE_HELD_OUT

__all__ = ["HELD_OUT", "fit", "mentions", "training_articles", "write"]

HELD_OUT = DATE_HELD_OUT
C = 2.0  # chosen by the cross-validation below: right on 0.966 / 0.970 / 0.972 of the mentions at C 0.1 / 0.5 / 2
PRUNE = 1e-3  # weights smaller than this are not written (no decision of the training set changes)
OUT = Path(D.__file__).with_name("data") / D.WEEKDAY_MODEL


def mentions(art: Article) -> list[tuple[list[str], int, bool, bool]]:
    """(features, label, the cue rule's answer, whether a sure cue stands before it) of each bare weekday of
    ``art`` whose gold dates hold exactly one of its two readings: label 1 for the next such day, 0 for the last."""
    pub = D.parse_published(art.published)
    if pub is None:
        return []
    day = pub.date()
    gold = {d for _, d in art.dates}
    out = []
    for text in (art.title, art.body):
        folded, _ = fold_with_offsets(text)
        for m in D._matches(folded):
            # a bare weekday, as the date rules see one
            if not m.group("wd") or m.group("wrel2") or m.group("wpost") or D._is_the_two(m):
                continue
            back = (day.weekday() - D.WEEKDAYS[m.group("wname")]) % 7
            if back == 0:
                continue
            last = (day - timedelta(days=back)).isoformat()
            nxt = (day + timedelta(days=7 - back)).isoformat()
            if (last in gold) == (nxt in gold):
                continue
            out.append((D.weekday_features(folded, m.start(), m.end(), back), int(nxt in gold),
                        D._future_context(folded, m.start()), D._plain_future_verb(folded, m.start())))
    return out


def fit(rows: list[tuple[list[str], int, bool, bool]], c: float = C) -> tuple[dict[str, float], float]:
    """Feature weights and bias of a logistic regression over ``rows``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(r[0], 1) for r in rows])
    model = LogisticRegression(C=c, max_iter=2000).fit(x, [r[1] for r in rows])
    return dict(zip(vec.get_feature_names_out(), model.coef_[0].tolist(), strict=True)), float(model.intercept_[0])


def _predict(model: tuple[dict[str, float], float], feats: list[str], sure: bool) -> bool:
    """As the date rules decide (``dates._bare_weekday_ahead``): a sure future cue, else the model."""
    return sure or D.weekday_score(model, feats) > 0


def cross_validate(arts: list[Article], k: int, c: float) -> tuple[int, int, int]:
    """(mentions, right by the model, right by the cue rule) over ``k`` folds by article."""
    n = right = rule = 0
    for train, test in kfold(arts, k):
        model = fit([r for a in train for r in mentions(a)], c)
        for feats, y, cue, sure in (r for a in test for r in mentions(a)):
            n += 1
            right += _predict(model, feats, sure) == bool(y)
            rule += cue == bool(y)
    return n, right, rule


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--write", action="store_true", help=f"fit on all training articles, write {OUT}")
    a = ap.parse_args()
    arts = training_articles()
    if a.cv:
        for c in (0.1, 0.5, 2.0):
            n, right, rule = cross_validate(arts, a.cv, c)
            print(f"C {c}: {n} weekday mentions, {a.cv}-fold CV by article: model right {right / n:.4f} ({right}), "
                  f"the cue rule {rule / n:.3f}")
    if a.write:
        print(f"wrote {OUT}: {write(OUT, arts)} features")
    return 0


def training_articles() -> list[Article]:
    """The date articles the model learns from: all but the held-out date batches."""
    held = batch_ids(HELD_OUT)
    return [x for x in load("dates") if x.id not in held]


def write(path: Path, arts: list[Article] | None = None) -> int:
    """Fit on ``arts`` (default: :func:`training_articles`) and write the weights table; the feature count."""
    weights, bias = fit([r for x in (arts if arts is not None else training_articles()) for r in mentions(x)])
    kept = sorted((f, w) for f, w in weights.items() if abs(w) >= PRUNE)
    path.write_text("".join(f"{f}\t{w:.4f}\n" for f, w in [("<bias>", bias), *kept]), encoding="utf-8")
    return len(kept)


if __name__ == "__main__":
    raise SystemExit(main())
