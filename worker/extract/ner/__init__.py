"""Arabic NER: the CRF tagger (``tagger``), the neural BiLSTM-CRF (``neural``) and the choice between them.

``get_entity_tagger()`` is what the entity stage and ``newsworker ner`` use. ``NEWSWORKER_NER`` picks it:

- ``hybrid`` (default): the neural tagger with the CRF's scores added at weight 0.5 (a product of
  experts). On NewsFANE articles held out whole it scores 0.748 F1 against the CRF's 0.709, and
  0.576 against 0.52 on AQMAR (see ``neural/README.md``); it costs a few ms more per article.
- ``crf``: the CRF alone (the faster, older tagger).

Both have ``tag_many(sentences of folded keys) -> BIO tags`` and a ``featurizer`` attribute.
"""

from __future__ import annotations

import os
from typing import Protocol

__all__ = ["TAGGERS", "EntityTagger", "get_entity_tagger"]

TAGGERS = ("hybrid", "crf")


class EntityTagger(Protocol):
    featurizer: object

    def tag_many(self, sents: list[list[str]]) -> list[list[str]]: ...


def get_entity_tagger(kind: str | None = None, model: str | None = None,
                      neural_model: str | None = None) -> EntityTagger:
    """The tagger named by ``kind`` (default ``NEWSWORKER_NER``, else ``hybrid``), loaded once per
    process. ``model`` replaces the CRF model file (both kinds use the CRF), ``neural_model`` the
    neural one (validation runs)."""
    kind = (kind or os.environ.get("NEWSWORKER_NER") or "hybrid").strip().lower()
    if kind not in TAGGERS:
        raise ValueError(f"NEWSWORKER_NER={kind!r}: expected one of {', '.join(TAGGERS)}")
    if kind == "crf":
        from worker.extract.ner.tagger import get_tagger

        return get_tagger(model)
    from worker.extract.ner.neural import CRF_WEIGHT, get_neural_tagger

    return get_neural_tagger(neural_model, CRF_WEIGHT, model)
