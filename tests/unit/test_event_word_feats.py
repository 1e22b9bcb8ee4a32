"""The event model's per-word features (``event_model._word_feats``) against their definition."""

from __future__ import annotations

from worker.extract import event_model
from worker.extract.event_model import _CUES, _cue_feats, _stem, _word_feats
from worker.extract.normalize import fold


def _reference(word: str) -> tuple[str, tuple[str, ...]]:
    """The features as first written: stem, 4/3-letter prefixes, then each cue group in order that
    holds the stem or the word."""
    s = _stem(word)
    feats = ["w:" + s]
    if len(s) > 4:
        feats.append("p4:" + s[:4])
    if len(s) > 3:
        feats.append("p3:" + s[:3])
    for name, words in _CUES.items():
        if s in words or word in words:
            feats.append("cue:" + name)
    return s, tuple(feats)


def test_word_feats_equal_the_reference() -> None:
    cue_words = sorted({w for words in _CUES.values() for w in words})
    words = [*cue_words, *("و" + w for w in cue_words), *("بال" + w for w in cue_words),
             "قتل", "وقتل", "الفيلم", "بطولة", "xyz", "2018", "مع", "ب", ""]
    event_model._word_feats.cache_clear()
    for w in words:
        assert _word_feats(w) == _reference(w), w


def test_cue_feats_merge_stem_and_word_in_group_order() -> None:
    # "بطولة" is a film cue and a sport cue; "مباراة" only sport: the union keeps _CUES' order
    assert _cue_feats(fold("مباراة"), fold("بطولة")) == ("cue:film", "cue:sport")
    assert _cue_feats("xyz", "xyz") == ()
