"""Speaker accuracy of the quote stage on the annotated quotes of ``data/extraction``.

A gold quote is found when a predicted quote's text holds the gold quote's first words (the annotators
give its first 6-10 words; both are compared after Arabic normalisation). Over the quotes found, the
speaker is right when the normalised predicted speaker equals the gold one, a leading proclitic and the
article aside, or when both name nobody. Fragments (a predicted speaker that is a strict piece of the
gold one, such as "مليشيا" for a named militia) count as wrong.
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from worker.document import Quote
from worker.extract.normalize import fold
from worker.training.dataset import Article, batch_ids

__all__ = ["QuoteScore", "score_quotes", "chain_quotes", "held_out_ids"]

_PUNCT = re.compile(r"[^\w\s]")


def _norm(s: str | None) -> str:
    return " ".join(_PUNCT.sub(" ", fold(s or "")).split())


# Reported speech is written with or without its particle ("قال إن الهجوم ..." gives "الهجوم ..." or
# "إن الهجوم ..."): the particle is dropped from both sides before the first words are compared.
_LEAD_PARTICLE = re.compile(r"^(?:ب?[اإأ]ن(?:ه|ها|هم|هما|نا|ني)?)\s+")


def _head(text: str) -> str:
    return " ".join(_LEAD_PARTICLE.sub("", _norm(text)).split()[:4])


def _same_speaker(pred: str | None, gold: str | None) -> bool:
    p, g = _norm(pred), _norm(gold)
    if not p or not g:
        return p == g
    strip = lambda s: re.sub(r"^(?:و|ف)?(?:ب|ل|ك)?(?:ال)?", "", s)  # noqa: E731
    return p == g or strip(p) == strip(g)


@dataclass(frozen=True)
class QuoteScore:
    gold: int
    predicted: int
    found: int
    right_speaker: int

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.found / self.predicted if self.predicted else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.right_speaker / self.found if self.found else 0.0


def score_quotes(arts: Sequence[Article], find: Callable[[Article], list[Quote]]) -> QuoteScore:
    gold_n = pred_n = found = right = 0
    for a in arts:
        pred = find(a)
        pred_n += len(pred)
        ptexts = [_LEAD_PARTICLE.sub("", _norm(q.text)) for q in pred]
        used: set[int] = set()
        for speaker, text in a.quotes:
            gold_n += 1
            head = _head(text)
            hit = next((k for k, t in enumerate(ptexts) if k not in used and head and head in t), None)
            if hit is None:
                continue
            used.add(hit)
            found += 1
            right += _same_speaker(pred[hit].speaker, speaker)
    return QuoteScore(gold_n, pred_n, found, right)


# The speaker batches not read while the quote rules changed. Session 22 held out qt1-qt3, took their figure
# once, then read their errors as development data (with en1/en2's) and held out qt4-qt6 in their place; then
# the same again with qt7-qt9 and with qt10-qt12.
HELD_OUT_BATCHES = ("qt10", "qt11", "qt12")


def held_out_ids(root: pathlib.Path | None = None) -> frozenset[str]:
    """The articles of the held-out speaker batches (:data:`HELD_OUT_BATCHES`)."""
    return batch_ids(HELD_OUT_BATCHES, root)


def chain_quotes(a: Article) -> list[Quote]:
    """The quotes the shipped chain gives the article (title and body, with the entity stage's names)."""
    from worker.extract.pipeline import extract_one  # the whole chain: only the evaluation needs it

    return extract_one({"id": a.id, "title": a.title, "body": a.body, "published": a.published or None}).quotes
