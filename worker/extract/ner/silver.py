"""Silver training sentences for the CRF: unlabelled ANT articles tagged by the hybrid tagger (self-training).

Why: the hybrid (neural BiLSTM-CRF + CRF) finds names the CRF misses, mostly foreign names it never saw,
but costs ~0.65 of the CRF's speed, under the chain's 100 articles/s on a slow machine. Tagging a few
thousand unlabelled news articles with it and training the CRF on them as well moves much of that knowledge
into the CRF's word features, at the CRF's speed (``train.py --silver N``; cross-validated in
``worker.training.entities``, README "Self-training the CRF").

The articles: world and Middle East news of the shared ANT corpus under 3,500 characters (the population the
entity-annotated articles were drawn from), in a fixed shuffled order, leaving out the given ids (the
annotated articles) and gold-dev's articles, so that the final check stays unseen. Tagging runs the whole
entity stage (``extract_entities``: rules, tidying, propagation), and its mentions are projected onto the
tokens as the annotated articles' are (``extra.article_sentences``), so silver and gold sentences have one
form.

Training-time only: it reads the shared corpus, which the service never needs.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Collection, Iterable
from pathlib import Path

from worker.devdata import CORPUS, GOLD_DEV
from worker.extract.ner.extra import article_sentences

__all__ = ["SEED", "SILVER_ARTICLES", "draw", "silver_sentences", "hybrid_silver"]

CATEGORIES = ("middleEast", "internationalNews")
MAX_CHARS = 3500
SEED = 28
# articles tagged for the shipped CRF: 3,000 gave +0.004 and -0.002 on two folds, 8,000 +0.010 and +0.007 on
# the same two and +0.006 pooled over all five (README); training time grows with them (~25 minutes for 8,000)
SILVER_ARTICLES = 8000

Sentence = list[tuple[str, str]]


def _gold_dev_urls(folder: Path = GOLD_DEV) -> set[str]:
    return {json.loads(p.read_text(encoding="utf-8")).get("url", "") for p in folder.glob("*.src.json")}


def draw(n: int, exclude_ids: Collection[str], seed: int = SEED, corpus: Path = CORPUS) -> list[dict]:
    """``n`` unlabelled articles ({id, title, body}) in a fixed shuffled order (see the module doc)."""
    skip_urls = _gold_dev_urls()
    pool = []
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            body = d.get("text") or ""
            if (d["docno"] in exclude_ids or d.get("url") in skip_urls or d.get("category") not in CATEGORIES
                    or not body.strip() or len(body) > MAX_CHARS):
                continue
            pool.append({"id": d["docno"], "title": d.get("title") or "", "body": body})
    random.Random(seed).shuffle(pool)
    return pool[:n]


def silver_sentences(articles: Iterable[dict], tagger: object) -> list[Sentence]:
    """BIO sentences of ``articles`` as the entity stage tags them with ``tagger`` (an ``EntityTagger``)."""
    from worker.extract.entities import extract_entities
    from worker.extract.ner import use_tagger

    out: list[Sentence] = []
    with use_tagger(tagger):  # type: ignore[arg-type]
        for a in articles:
            found = [{"type": e.type, "mentions": [e.text]} for e in extract_entities(a["title"], a["body"])]
            out.extend(article_sentences(a["title"], a["body"], found))
    return out


def hybrid_silver(n: int, exclude_ids: Collection[str], crf: Path, neural: Path | None = None) -> list[Sentence]:
    """``n`` drawn articles (:func:`draw`) as the hybrid of the CRF ``crf`` and the neural model ``neural``
    (default: the shipped one) tags them: the silver of the shipped CRF and of each cross-validation fold's."""
    from worker.extract.ner.neural import CRF_WEIGHT, get_neural_tagger

    return silver_sentences(draw(n, exclude_ids),
                            get_neural_tagger(str(neural) if neural else None, CRF_WEIGHT, str(crf)))
