"""``newsworker eval``: k-fold cross-validation by article on ``data/extraction``, then gold-dev.

For each learned stage the models are refitted k times, each time without one fold of whole articles,
and every article is predicted by the model that never saw it; thresholds are chosen inside the training
folds only. Rule stages (dates, quotes) have no training, so their figures are plain scores on the set.
Per-type P/R/F1 carry 95% bootstrap intervals (resampling articles). The learning curve refits on
25/50/75/100% of each training fold and scores the same held-out folds.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from worker.devdata import CORPUS, GOLD_DEV, TOOLS
from worker.document import CASUALTY_KINDS, EVENT_TYPES
from worker.training import casualties as cas
from worker.training import events as ev
from worker.training.dataset import Article, batch_ids, data_dir, load
from worker.training.folds import kfold
from worker.training.metrics import bootstrap, prf

__all__ = ["cross_validate_events", "cross_validate_casualties", "main"]

SCORER = TOOLS / "score_extraction.py"

Progress = Callable[[str], None]  # told what starts (a stage, a fold): ``newsworker eval`` prints it on stderr


def _quiet(_: str) -> None:
    pass


def cross_validate_events(arts: Sequence[Article], k: int = 5, share: float = 1.0,
                          progress: Progress = _quiet) -> list[set[str]]:
    """Out-of-fold predicted event types per article (in ``arts`` order)."""
    prep = [ev.prepare(a) for a in arts]
    out: list[set[str]] = [set() for _ in prep]
    pos = {p.article.id: n for n, p in enumerate(prep)}
    for f, (train, test) in enumerate(kfold(prep, k, key=lambda p: p.article.fold_key)):
        progress(f"fold {f + 1}/{k}")
        train = _subsample(train, share)
        m = ev.train(train)
        for p, got in zip(test, ev.predict(m, test), strict=True):
            out[pos[p.article.id]] = got
    return out


def cross_validate_casualties(arts: Sequence[Article], k: int = 5, share: float = 1.0,
                              progress: Progress = _quiet) -> list[set[tuple[str, int]]]:
    prep = [cas.prepare(a) for a in arts]
    out: list[set] = [set() for _ in prep]
    pos = {p.article.id: n for n, p in enumerate(prep)}
    for f, (train, test) in enumerate(kfold(prep, k, key=lambda p: p.article.fold_key)):
        progress(f"fold {f + 1}/{k}")
        m = cas.train(_subsample(train, share))
        for p, s in zip(test, cas.predict_sets(m, test), strict=True):
            out[pos[p.article.id]] = s
    return out


def _subsample(items: list, share: float) -> list:
    if share >= 1.0:
        return items
    rng = random.Random(1)
    return rng.sample(items, max(1, int(len(items) * share)))


def _row(name: str, pred: Sequence[set], gold: Sequence[set], n_art: int | None = None) -> str:
    s = prf(pred, gold)
    ci = bootstrap(pred, gold)
    n = f"{s.n_gold:5d}" if n_art is None else f"{n_art:5d}"
    return (f"| {name:16s} | {n} | {s.p:.3f} [{ci['p'][0]:.2f}-{ci['p'][1]:.2f}] | {s.r:.3f} [{ci['r'][0]:.2f}-{ci['r'][1]:.2f}]"
            f" | **{s.f:.3f}** [{ci['f'][0]:.2f}-{ci['f'][1]:.2f}] |")


def _per_type(title: str, names: Sequence[str], pred: Sequence[set], gold: Sequence[set],
              key: Callable[[object], str]) -> list[str]:
    lines = [f"\n### {title}\n", "| type | gold | P [95% CI] | R [95% CI] | F1 [95% CI] |", "|---|---|---|---|---|"]
    for t in names:
        pt = [{x for x in p if key(x) == t} for p in pred]
        gt = [{x for x in g if key(x) == t} for g in gold]
        if sum(map(len, gt)) or sum(map(len, pt)):
            lines.append(_row(t, pt, gt))
    lines.append(_row("micro", pred, gold))
    return lines


# The date batches drawn as held-out sets for the date rules (dt1-dt3 in session 22, dt4-dt6 in session 23; see
# data/extraction/README.md): never read while the rules changed, and left out of the weekday model's training.
DATE_HELD_OUT = ("dt1", "dt2", "dt3", "dt4", "dt5", "dt6")


def _rule_dates(arts: Sequence[Article]) -> tuple[list[set], list[set]]:
    from worker.extract.dates import find_dates, parse_published

    pred, gold = [], []
    for a in arts:
        pub = parse_published(a.published)
        got = {d.date for d in find_dates(a.title, pub, "title")} | {d.date for d in find_dates(a.body, pub, "body")}
        pred.append(got)
        gold.append({d for _, d in a.dates})
    return pred, gold


# Annotated folders kept out of training (their READMEs say how they were drawn): the shipped chain is scored
# on them as a user meets it, so a figure that cross-validation flatters would show here.
HELD_OUT = ("wild-check", "prison-check")


def held_out_checks(names: Sequence[str] = HELD_OUT, root: Path | None = None) -> list[str]:
    """P/R/F1 of the shipped chain (``extract_many``) on each held-out folder, per stage it annotates."""
    from worker.extract.pipeline import extract_many

    lines = ["\n### Held-out checks (the shipped chain on articles never trained or tuned on)\n",
             "| check | stage | articles | P [95% CI] | R [95% CI] | F1 [95% CI] |", "|---|---|---|---|---|---|"]
    for name in names:
        folder = (root or data_dir()) / name
        if not (folder / "articles.jsonl").exists():
            continue
        arts = load("events", root=folder)
        docs = extract_many([{"title": a.title, "body": a.body, "published": a.published} for a in arts])
        stages: list[tuple[str, str, Callable[[Article], set], Callable[[object], set]]] = [
            ("events", "events", lambda a: set(a.event_types), lambda d: {e.type for e in d.events}),
            ("prison_attack", "events", lambda a: set(a.event_types) & {"prison_attack"},
             lambda d: {e.type for e in d.events} & {"prison_attack"}),
            ("casualties", "casualties", lambda a: set(a.casualty_set), lambda d: {(c.kind, c.count) for c in d.casualties}),
            ("dates", "dates", lambda a: {x for _, x in a.dates}, lambda d: {x.date for x in d.dates}),
        ]
        for stage, layer, gold_of, pred_of in stages:
            pairs = [(pred_of(d), gold_of(a)) for a, d in zip(arts, docs, strict=True) if layer in a.has]
            if any(g or p for p, g in pairs):
                pred, gold = [p for p, _ in pairs], [g for _, g in pairs]
                lines.append(_row(stage, pred, gold, len(pairs)).replace("| ", f"| {name} | ", 1))
    return lines


def _gold_dev() -> list[str]:
    if not SCORER.exists():
        return ["\n### gold-dev\n", "skipped: ../shared/data/gold-dev is not present (it lives outside the repo)."]
    cmd = f"{Path(sys.executable).parent / 'newsworker'} extract --jsonl"
    r = subprocess.run([sys.executable, str(SCORER), "--gold", str(GOLD_DEV), "--cmd", cmd],
                       capture_output=True, text=True, check=False)
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    return ["\n### gold-dev (final check, never tuned on)\n", "```", *lines[-8:], "```"]


def _stage(progress: Progress, name: str) -> Progress:
    """``progress`` with every line prefixed by the stage it belongs to."""
    progress(f"{name}: starting")
    return lambda text: progress(f"{name}: {text}")


def main(k: int = 5, curve: bool = True, gold_dev: bool = True, out: Path | None = None,
         entities: bool = True, progress: Progress = _quiet) -> str:
    lines = ["## Extraction, cross-validated by article on data/extraction", ""]
    arts = load("events")
    pred = cross_validate_events(arts, k, progress=_stage(progress, "events"))
    gold = [set(a.event_types) for a in arts]
    lines.append(f"{len(arts)} articles with event labels, {k} folds.")
    lines += _per_type("Events (document-level types)", EVENT_TYPES, pred, gold, key=lambda x: x)  # type: ignore[arg-type]

    carts = load("casualties")
    cpred = cross_validate_casualties(carts, k, progress=_stage(progress, "casualties"))
    cgold = [set(a.casualty_set) for a in carts]
    lines.append(f"\n{len(carts)} articles with casualty labels.")
    lines += _per_type("Casualties (kind, count)", CASUALTY_KINDS, cpred, cgold, key=lambda x: x[0])  # type: ignore[index]

    darts = load("dates")
    if darts:
        held = batch_ids(DATE_HELD_OUT)
        lines += ["\n### Dates (rules, and a learned model for the direction of bare weekdays)\n",
                  "| articles | n | P [95% CI] | R [95% CI] | F1 [95% CI] |", "|---|---|---|---|---|"]
        for label, part in (("the rules were read against them, the weekday model trained on them",
                             [a for a in darts if a.id not in held]),
                            ("dt1-dt6: held out, never read or trained on", [a for a in darts if a.id in held])):
            if part:
                dpred, dgold = _rule_dates(part)
                lines.append(_row(label, dpred, dgold, len(part)))

    if entities and load("entities"):
        from worker.extract.ner.silver import SILVER_ARTICLES
        from worker.training.entities import cross_validate_entities, score_entities

        # each fold's CRF is made as the shipped one: trained on NewsFANE + the other folds, then again with
        # unlabelled articles tagged by the fold's hybrid (about half an hour per fold the first time; cached by
        # its inputs). Without the shared corpus, the CRF without self-training.
        silver = SILVER_ARTICLES if CORPUS.exists() else 0
        preds, golds = cross_validate_entities(k, silver=silver, progress=_stage(progress, "entities"))
        e = score_entities(preds, golds)
        how = f", self-trained on {silver:,} silver articles tagged by the fold's hybrid" if silver else ""
        lines += [f"\n### Entities (CRF retrained per fold on NewsFANE + the other folds{how})\n",
                  "| articles | gold entities | P | R | F1 |", "|---|---|---|---|---|",
                  f"| {len(golds)} | {e['n_gold']} | {e['p']:.3f} | {e['r']:.3f} | **{e['f1']:.3f}** |"]

    qarts = load("quotes")
    if qarts:
        from worker.training.quotes import chain_quotes, held_out_ids, score_quotes

        test = held_out_ids()
        lines += ["\n### Quotes (rules, no training)\n",
                  "| articles | n | gold quotes | found (recall) | precision | speaker accuracy on the quotes found |",
                  "|---|---|---|---|---|---|"]
        for label, part in (("en1-en2, qt1-qt9: the rules were read against them", [a for a in qarts if a.id not in test]),
                            ("qt10-qt12: held out, never read", [a for a in qarts if a.id in test])):
            if part:
                q = score_quotes(part, chain_quotes)
                lines.append(f"| {label} | {len(part)} | {q.gold} | {q.found} ({q.recall:.3f}) | {q.precision:.3f} "
                             f"| **{q.speaker_accuracy:.3f}** |")

    if curve:
        lines += ["\n### Learning curve (micro-F1 on the same held-out folds)\n",
                  "| share of training folds | events | casualties |", "|---|---|---|"]
        for share in (0.25, 0.5, 0.75, 1.0):
            at = f"learning curve at {share:.0%}"
            fe = prf(cross_validate_events(arts, k, share, _stage(progress, f"events, {at}")) if share < 1 else pred,
                     gold).f
            fc = prf(cross_validate_casualties(carts, k, share, _stage(progress, f"casualties, {at}"))
                     if share < 1 else cpred, cgold).f
            lines.append(f"| {share:.0%} | {fe:.3f} | {fc:.3f} |")
    progress("held-out checks: scoring")
    lines += held_out_checks()
    if gold_dev:
        progress("gold-dev: scoring")
        lines += _gold_dev()
    text = "\n".join(lines) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
    return text

