"""The CRF tagger: loads the shipped model once per process and tags token sequences in BIO.

Labels are BIO over PER, ORG, LOC, FAC.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from worker.extract.ner.features import Featurizer, fold_token, get_featurizer

__all__ = ["MODEL_PATH", "NerTagger", "get_tagger", "spans_from_bio"]

MODEL_PATH = Path(__file__).with_name("model.crfsuite")


class NerTagger:
    def __init__(self, model_path: Path | str | None = None, featurizer: Featurizer | None = None) -> None:
        import pycrfsuite

        self.featurizer = featurizer or get_featurizer()
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model_path or MODEL_PATH))
        # pycrfsuite.Tagger keeps per-call state: one lock so worker threads can share a tagger
        self._lock = threading.Lock()

    def tag_keys(self, keys: list[str]) -> list[str]:
        """Tags for a sentence of folded keys (see :func:`fold_token`)."""
        if not keys:
            return []
        feats = self.featurizer.sentence(keys)
        with self._lock:
            return list(self._tagger.tag(feats))

    def tag(self, tokens: list[str]) -> list[str]:
        """Tags for a sentence of raw tokens."""
        return self.tag_keys([fold_token(t) for t in tokens])


@lru_cache(maxsize=4)
def get_tagger(model_path: str | None = None) -> NerTagger:
    return NerTagger(model_path)


def spans_from_bio(tags: list[str]) -> list[tuple[int, int, str]]:
    """``(start, end, type)`` token spans from BIO tags (a stray I- starts a span)."""
    out: list[tuple[int, int, str]] = []
    start, typ = None, None
    for i, tag in enumerate([*tags, "O"]):
        bio, _, t = tag.partition("-")
        if start is not None and (bio != "I" or t != typ):
            out.append((start, i, typ or ""))
            start, typ = None, None
        if bio == "B" or (bio == "I" and start is None):
            start, typ = i, t
    return out
