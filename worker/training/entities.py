"""Entities of the extraction set as NER training data, and entity scoring by whole article.

- the conversion of annotated articles to BIO training sentences is
  :mod:`worker.extract.ner.extra` (``extra_sentences``; ``python -m worker.extract.ner.train --extra``
  adds them to NewsFANE), so that ``train.py`` need not import this layer.
- :func:`score_entities`: the entity scoring of ``score_extraction.py`` (micro P/R/F1 over distinct
  predicted (type, form) and gold entities; Arabic normalisation; predicted forms may carry proclitics).
- :func:`cross_validate_entities`: 5 folds by whole article (``folds.kfold``), each fold's CRF trained on
  NewsFANE + the other folds, the held-out articles run through ``extract_entities`` with that model.
  Fold models are cached under ``~/.cache/newsworker/ner-cv`` by a hash of the training inputs, so a
  second run only scores (about a minute); training costs several minutes per fold.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from worker.extract.ner.extra import extra_sentences, write_conll
from worker.training.dataset import Article, load
from worker.training.folds import kfold

__all__ = [
    "extra_sentences", "write_conll", "norm", "variants", "entity_sets", "score_entities",
    "predict_entities", "train_crf", "cross_validate_entities",
]

Sentence = list[tuple[str, str]]


# --- scoring (as score_extraction.py) --------------------------------------------------------------

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_PUNCT = " \t\n\"'«»“”‘’()[]{}.,،؛;:!?؟-–—/\\"


def norm(s: str) -> str:
    s = _DIACRITICS.sub("", s or "")
    s = re.sub("[أإآٱ]", "ا", s)
    s = s.replace("ى", "ي").replace("ة", "ه").replace("_", " ")
    return re.sub(r"\s+", " ", s).strip(_PUNCT + "#")


def variants(s: str) -> set[str]:
    """A predicted form and the forms left after stripping attached proclitics."""
    s = norm(s)
    out = {s}
    m = re.match(r"^(و|ف)?(ب|ل|ك)?(.+)$", s)
    if m:
        rest = m.group(3)
        if len(rest) >= 2:
            out.add(rest)
            if m.group(2) == "ل" and rest.startswith("ل") and len(rest) > 2:
                out.add("ا" + rest)
    if s.startswith("لل") and len(s) > 3:
        out.add("ال" + s[2:])
    return out


def entity_sets(a: Article) -> list[tuple[str, set[str]]]:
    """Gold entities of an article: (type, normalised forms incl. the canonical)."""
    return [(e["type"], {norm(m) for m in e.get("mentions", ())} | {norm(e.get("canonical", ""))})
            for e in a.entities]


def _pred_map(pred: Iterable[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    out = {}
    for typ, text in pred:
        if norm(text):
            out[(typ, norm(text))] = variants(text)
    return out


def score_entities(preds: Sequence[Iterable[tuple[str, str]]], golds: Sequence[list[tuple[str, set[str]]]],
                   typed: bool = True) -> dict[str, float]:
    """Micro P/R/F1 over articles; ``preds[i]`` = (type, text) of the predicted mentions of article i."""
    tp_p = n_p = tp_r = n_r = 0
    for pred, gents in zip(preds, golds, strict=True):
        pm = _pred_map(pred)
        tp_p += sum(1 for (t, _), vs in pm.items() if any((not typed or gt == t) and vs & f for gt, f in gents))
        tp_r += sum(1 for gt, f in gents if any((not typed or gt == t) and vs & f for (t, _), vs in pm.items()))
        n_p += len(pm)
        n_r += len(gents)
    p = tp_p / n_p if n_p else 0.0
    r = tp_r / n_r if n_r else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "n_pred": n_p, "n_gold": n_r}


# --- running the entity stage with a given model --------------------------------------------------


def predict_entities(articles: Sequence[Article], model: str | Path | None = None,
                     kind: str = "crf", neural_model: str | Path | None = None,
                     crf_weight: float | None = None) -> list[list[tuple[str, str]]]:
    """(type, text) of the mentions ``extract_entities`` finds in each article, with the CRF ``model``
    (default: the shipped one) and tagger ``kind`` (``crf`` or ``hybrid``; ``neural_model`` and
    ``crf_weight`` replace the hybrid's shipped neural model and CRF weight)."""
    from worker.extract.entities import extract_entities
    from worker.extract.ner import get_entity_tagger, use_tagger

    if kind == "hybrid" and crf_weight is not None:
        from worker.extract.ner.neural import get_neural_tagger

        tagger = get_neural_tagger(str(neural_model) if neural_model else None, crf_weight,
                                   str(model) if model else None)
    else:
        tagger = get_entity_tagger(kind, str(model) if model else None,
                                   str(neural_model) if neural_model else None)
    with use_tagger(tagger):
        return [[(e.type, e.text) for e in extract_entities(a.title, a.body)] for a in articles]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsworker" / "ner-cv"


def train_crf(extra: Sequence[Sentence], out: Path, quiet: bool = True, train: list[Sentence] | None = None,
              **params: float) -> Path:
    """Train a CRF on NewsFANE (or ``train``) + ``extra`` (as ``worker.extract.ner.train``, shipped
    settings unless ``params`` say otherwise) into ``out``."""
    from worker.extract.ner import train as ner_train

    ner_train.train_model(train, list(extra), out=out, verbose=not quiet, **params)
    return out


def _fold_key(train_ids: Sequence[str], extra: Sequence[Sentence], base: Sequence[Sentence] | None,
              params: dict) -> str:
    from worker.extract.ner import train

    h = hashlib.sha1()
    h.update(train.config_fingerprint().encode())
    if params:
        h.update(repr(sorted(params.items())).encode())
    for s in (*extra, *(base or ())):
        h.update(repr(s).encode())
    h.update(",".join(sorted(train_ids)).encode())
    return h.hexdigest()[:16]


# one epoch: on fold 0's inner dev split (training articles only) the first epoch took the
# post-processed dev F1 from 0.743 to 0.804; more epochs cost ~6 min of CPU each on the shared machine
NEURAL_TUNE = {"base_share": 0.2, "epochs": 1, "lr": 1e-3}
# the neural model trained on NewsFANE alone: the starting point of every fold's fine-tuning (and of
# the shipped model's), so that no fold starts from weights that saw its articles
# (the shipped model.npz is this one fine-tuned on all 300 articles: never a fold's starting point)
NEURAL_BASE = Path(__file__).resolve().parents[1] / "extract" / "ner" / "neural" / "base.npz"


def _neural_key(crf_key: str, neural_base: Path = NEURAL_BASE) -> str:
    """Cache key of a fold's fine-tuned neural model: the fold's training data (via the CRF's key), the
    fine-tuning settings, the training code and the starting model."""
    from worker.extract.ner.neural import train as ntrain

    h = hashlib.sha1(crf_key.encode())
    h.update(repr(sorted(NEURAL_TUNE.items())).encode())
    for p in (Path(ntrain.__file__), Path(ntrain.__file__).with_name("inputs.py"), neural_base):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _silver_key(crf_name: str, neural: Path, n: int) -> str:
    """Cache key of a fold's self-trained CRF: the fold's models, the number of silver articles and the code
    that draws and tags them."""
    from worker.extract.ner import extra, silver

    h = hashlib.sha1(f"{crf_name}|{neural.name}|{n}|{silver.SEED}".encode())
    for p in (Path(silver.__file__), Path(extra.__file__)):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _inner_dev(arts: Sequence[Article]) -> tuple[list[Article], list[Article]]:
    """Training articles split 90/10 by id hash: the 10% chooses the fine-tuning epoch (never the
    evaluation fold)."""
    from worker.training.folds import fold_of

    dev = [a for a in arts if fold_of("dev:" + a.id, 10) == 0]
    return [a for a in arts if fold_of("dev:" + a.id, 10) != 0], dev


def train_fold_neural(train_arts: Sequence[Article], out: Path, verbose: bool = False,
                      inner_dev: bool = False, neural_base: Path = NEURAL_BASE) -> Path:
    """The NewsFANE-only neural model fine-tuned on ``train_arts``; ``inner_dev`` keeps 10% of them out
    to choose the epoch (how the epoch count was chosen; the CV runs use all, for ``epochs``)."""
    from worker.extract.ner.neural.train import fine_tune

    fit, dev = _inner_dev(train_arts) if inner_dev else (list(train_arts), [])
    return fine_tune(extra_sentences(fit), out, init=neural_base, dev=extra_sentences(dev) or None,
                     verbose=verbose, **NEURAL_TUNE)


def cross_validate_entities(k: int = 5, kind: str = "crf", cache: bool = True, verbose: bool = False,
                            articles: Sequence[Article] | None = None, base: list[Sentence] | None = None,
                            only: Sequence[int] | None = None, neural: str = "fold",
                            crf_weight: float | None = None, neural_base: Path = NEURAL_BASE, silver: int = 0,
                            progress: Callable[[str], None] | None = None, **params: float
                            ) -> tuple[list[list[tuple[str, str]]], list[list[tuple[str, set[str]]]]]:
    """Predictions and gold entities of every article annotated for entities, each predicted by a CRF
    trained on NewsFANE + the articles of the other ``k - 1`` folds (by whole article).

    Returns ``(preds, golds)`` in the order of the held-out folds; score with :func:`score_entities`.
    ``kind="hybrid"`` uses each fold's CRF under a neural model: ``neural="fold"`` the NewsFANE-only
    model (``NEURAL_BASE``) fine-tuned on the fold's training articles (:func:`train_fold_neural`,
    cached like the CRFs), ``neural="shipped"`` the NewsFANE-only model as it is (the shipped one saw
    every article, so it is never used here); ``neural_base`` replaces that starting model (a smaller
    one); ``crf_weight`` replaces the hybrid's CRF weight. Training a fold's CRF takes several
    minutes on one core; with ``cache`` the models are kept (keyed by their training data) and reused.
    ``base`` replaces NewsFANE as the other training data; ``params`` go to ``train_model``
    (``extra_weight``, ``c1``, ...). ``only``: run just these folds (quick comparisons). ``silver``: each fold's
    CRF is self-trained on that many unlabelled articles tagged by the fold's hybrid (``train.py --silver``),
    for either ``kind``. ``progress`` is told of each fold as it starts (``newsworker eval``'s stderr lines).
    """
    from worker.extract.ner.silver import hybrid_silver

    arts = list(load("entities") if articles is None else articles)
    preds: list[list[tuple[str, str]]] = []
    golds: list[list[tuple[str, set[str]]]] = []
    cdir = _cache_dir()
    for f, (train_arts, test_arts) in enumerate(kfold(arts, k, key=lambda a: a.fold_key)):
        if only is not None and f not in only:
            continue
        if progress:
            progress(f"fold {f + 1}/{k}")
        extra = extra_sentences(train_arts)
        model = cdir / f"fold{f}-of{k}-{_fold_key([a.id for a in train_arts], extra, base, params)}.crfsuite"
        if not (cache and model.exists()):
            cdir.mkdir(parents=True, exist_ok=True)
            t0 = time.time()
            train_crf(extra, model, train=base, **params)
            if verbose:
                print(f"fold {f}: trained in {time.time() - t0:.0f}s", flush=True)
        nmodel: Path | None = None
        if (kind == "hybrid" or silver) and neural == "fold":
            nmodel = cdir / f"fold{f}-of{k}-{_neural_key(model.name, neural_base)}.neural.npz"
            if not (cache and nmodel.exists()):
                cdir.mkdir(parents=True, exist_ok=True)
                t0 = time.time()
                train_fold_neural(train_arts, nmodel, verbose, neural_base=neural_base)
                if verbose:
                    print(f"fold {f}: neural fine-tuned in {time.time() - t0:.0f}s", flush=True)
        elif kind == "hybrid" or silver:
            nmodel = neural_base
        if silver:
            # self-training as the shipped CRF is made (``train.py --silver``): the fold's hybrid (its CRF and
            # its neural model, neither of which saw the held-out articles) tags unlabelled articles
            assert nmodel is not None
            smodel = cdir / f"fold{f}-of{k}-{_silver_key(model.name, nmodel, silver)}.silver.crfsuite"
            if not (cache and smodel.exists()):
                t0 = time.time()
                sents = hybrid_silver(silver, {a.id for a in arts}, model, nmodel)
                train_crf(extra + sents, smodel, train=base, **params)
                if verbose:
                    print(f"fold {f}: CRF with {silver} silver articles in {time.time() - t0:.0f}s", flush=True)
            model = smodel
        preds.extend(predict_entities(test_arts, model, kind, nmodel if kind == "hybrid" else None, crf_weight))
        golds.extend(entity_sets(a) for a in test_arts)
        if verbose:
            print(f"fold {f}: {score_entities(preds, golds)}", flush=True)
    return preds, golds


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description="entity training data and cross-validation on data/extraction")
    ap.add_argument("--conll", type=Path, help="write the training sentences of all articles here")
    ap.add_argument("--shipped", action="store_true", help="score the shipped model on all articles")
    ap.add_argument("--cv", type=int, default=0, help="cross-validate with this many folds")
    ap.add_argument("--kind", default="crf", choices=("crf", "hybrid"))
    ap.add_argument("--model", help="score this CRF model on all articles")
    ap.add_argument("--only", type=int, nargs="*", help="CV: only these folds")
    ap.add_argument("--extra-weight", type=int, default=1, help="CV: use the training articles N times")
    ap.add_argument("--fane", type=Path, help="CV: add this FANE-format corpus (WikiFANE Gold) to NewsFANE")
    ap.add_argument("--fane-share", type=float, default=1.0)
    ap.add_argument("--neural", default="fold", choices=("shipped", "fold"),
                    help="CV hybrid: a neural model fine-tuned per fold, or the NewsFANE-only one")
    ap.add_argument("--crf-weight", type=float, help="CV hybrid: weight of the CRF scores")
    ap.add_argument("--neural-base", type=Path,
                    help="start the fine-tuning from this NewsFANE-only model (a smaller one) instead of base.npz")
    ap.add_argument("--silver", type=int, default=0, metavar="N",
                    help="CV: self-train each fold's CRF on N unlabelled articles tagged by the fold's hybrid")
    ap.add_argument("--ship-neural", action="store_true",
                    help="fine-tune the NewsFANE-only neural model on all articles into the shipped model.npz")
    a = ap.parse_args()
    neural_base = a.neural_base or NEURAL_BASE
    if a.conll:
        sents = extra_sentences()
        write_conll(sents, a.conll)
        print(f"{len(sents)} sentences, {sum(map(len, sents))} tokens, "
              f"{sum(1 for s in sents for _, g in s if g.startswith('B-'))} mentions -> {a.conll}")
    if a.shipped or a.model:
        arts = load("entities")
        t0 = time.process_time()
        preds = predict_entities(arts, a.model, a.kind)
        print(f"{a.model or 'shipped'} {a.kind}: {score_entities(preds, [entity_sets(x) for x in arts])} "
              f"({time.process_time() - t0:.1f}s CPU)")
    if a.ship_neural:
        from worker.extract.ner.neural import MODEL_PATH

        arts = load("entities")
        t0 = time.process_time()
        train_fold_neural(arts, MODEL_PATH, verbose=True, neural_base=neural_base)
        print(f"shipped neural model: {neural_base} fine-tuned on {len(arts)} articles "
              f"({time.process_time() - t0:.0f}s CPU)")
    if a.cv:
        base = None
        if a.fane:
            from worker.extract.ner.train import load_fane, load_newsfane

            base = load_newsfane(None)[0] + load_fane(a.fane, a.fane_share)
        params = {"extra_weight": a.extra_weight} if a.extra_weight != 1 else {}
        preds, golds = cross_validate_entities(a.cv, a.kind, verbose=True, base=base, only=a.only,
                                               neural=a.neural, crf_weight=a.crf_weight, neural_base=neural_base,
                                               silver=a.silver, **params)
        print(f"CV {a.cv} folds {a.kind}{f' silver {a.silver}' if a.silver else ''}: {score_entities(preds, golds)}")


if __name__ == "__main__":
    main()
