"""Arabic NER: the CRF tagger (``tagger``), the neural BiLSTM-CRF (``neural``) and the choice between them.

``get_entity_tagger()`` is what the entity stage and ``newsworker ner`` use. ``NEWSWORKER_NER`` picks it:

- ``crf`` (default): the CRF alone, self-trained on unlabelled articles the hybrid tagged (``silver.py``):
  0.857 cross-validated on the extraction set, 0.909 on gold-dev. The whole chain runs at 100-190
  articles/s on one core, depending on the VM's hour.
- ``hybrid``: the neural tagger with the CRF's scores added at weight 0.5 (a product of experts).
  On NewsFANE articles held out whole it scores 2-4 F1 points above the CRF (0.748 against 0.709
  on the last block), 0.576 against 0.52 on AQMAR, 0.859 against 0.851 cross-validated by article
  on the extraction set's 900 articles before the CRF's self-training (CRF trained and neural fine-tuned
  with the other folds; README), 0.860 against 0.857 since, and 0.903 against the CRF's 0.909 on the
  gold-dev entities; it costs ~3 ms more per article (the
  chain: ~0.63 of the CRF's articles/s; 112-117 on one core in session 23's bench, where the CRF
  gave 178-186; peak RSS 452 MB against 372), too close to the 100/s the extraction issue asks
  for to be the default on a slower machine. Take it when accuracy matters more than throughput
  (feeds bring a few articles per second at most).

Both have ``tag_many(sentences of folded keys) -> BIO tags`` and a ``featurizer`` attribute.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from worker.settings import get_settings

__all__ = ["TAGGERS", "EntityTagger", "get_entity_tagger", "use_tagger"]

TAGGERS = ("hybrid", "crf")


class EntityTagger(Protocol):
    featurizer: object

    def tag_many(self, sents: list[list[str]]) -> list[list[str]]: ...


def get_entity_tagger(kind: str | None = None, model: str | None = None,
                      neural_model: str | None = None) -> EntityTagger:
    """The tagger named by ``kind`` (default ``settings.ner``: ``NEWSWORKER_NER``, else ``crf``), loaded once per
    process. ``model`` replaces the CRF model file (both kinds use the CRF), ``neural_model`` the
    neural one (validation runs)."""
    if _override and kind is None and model is None and neural_model is None:
        return _override[-1]
    kind = (kind or get_settings().ner or "crf").strip().lower()
    if kind not in TAGGERS:
        raise ValueError(f"NEWSWORKER_NER={kind!r}: expected one of {', '.join(TAGGERS)}")
    if kind == "crf":
        from worker.extract.ner.tagger import get_tagger

        return get_tagger(model)
    from worker.extract.ner.neural import CRF_WEIGHT, get_neural_tagger

    return get_neural_tagger(neural_model, CRF_WEIGHT, model)


_override: list[EntityTagger] = []


@contextmanager
def use_tagger(tagger: EntityTagger) -> Iterator[EntityTagger]:
    """Within the block, ``get_entity_tagger()`` without arguments returns ``tagger`` (validation runs:
    the entity stage with a fold's model). Not thread-safe; for training scripts."""
    _override.append(tagger)
    try:
        yield tagger
    finally:
        _override.pop()
