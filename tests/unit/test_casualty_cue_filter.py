"""The casualty stage's pre-filter on cue words (``_may_cue``) never drops a word that has a cue."""

from __future__ import annotations

from worker.extract import casualty_model as cm
from worker.extract.casualties import _stems
from worker.extract.tokens import _vocab


def _variants(key: str) -> list[str]:
    """A cue key with the proclitics and suffixes a text puts around it."""
    bare = key[2:] if key.startswith("ال") else key
    out = [key, bare]
    for pre in ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "ال", "وال", "بال", "وبال", "لل", "ولل"):
        out += [pre + key, pre + bare]
    out += [w + s for w in list(out) for s in cm._SUFFIXES]
    return out


def test_no_word_with_a_cue_is_filtered_out() -> None:
    words = list(_vocab())[:30000] + [v for k in cm._SHIPPED_INDEX for v in _variants(k)]
    with_cues = 0
    for w in words:
        if cm._lookup_cues(_stems(w), cm._SHIPPED_INDEX):
            with_cues += 1
            assert cm._may_cue(w), w
    assert with_cues > 500  # the check has words to bite on


def test_most_words_are_filtered_out() -> None:
    words = list(_vocab())[:30000]
    assert sum(map(cm._may_cue, words)) < len(words) // 10
