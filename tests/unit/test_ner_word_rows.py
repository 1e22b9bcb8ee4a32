"""The NER decoder's shortcut from a word to its attribute rows (``worker.extract.ner.word_rows``)."""

from __future__ import annotations

from worker.extract.ner.features import fold_token
from worker.extract.ner.tagger import get_tagger
from worker.extract.ner.word_rows import attribute_table

# every branch of the features: clitics (و, وب, لل), the article, rare and frequent words, gazetteer
# entries, Latin, digits, punctuation, one and two letters, an unknown letter, a word with "=" in it
WORDS = ("وبالحسكة", "للأمم", "وسوريا", "ترامب", "الرئيس", "قسد", "xyzzy", "Trump", "2018", "،", "ۥ", "سوريا",
         "و", "في", "بغداد", "الولايات", "قوانغتشو", "a=b", "-1:x", "ميساء", "فيلم", "والحكومة", "دمشق", "")


def _assert_rows_match_features(words) -> None:
    """Each word's own and context rows equal the model rows of its ``local``/``context`` feature strings."""
    tagger = get_tagger()
    index = tagger._w.index
    feat = tagger.featurizer
    for word in words:
        key = fold_token(word)
        want_own = [0, *[index[f] for f in feat.local(key) if f in index]]
        want_ctx = [[0, *[index[f] for f in fs if f in index]] for fs in feat.context(key)]
        own, *ctx = tagger._word_rows.rows(key)
        assert own == want_own, word
        assert ctx == want_ctx, word


def test_word_rows_are_the_rows_of_the_feature_strings() -> None:
    """Own and context rows of a word, in order, equal the model rows of ``local``/``context``'s
    feature strings (the decoder sums them in list order, so equal lists give bit-identical sums)."""
    _assert_rows_match_features(WORDS)


def test_attribute_table_splits_kind_offset_and_value() -> None:
    index = {"b": 1, "w=x": 2, "-2:w=x": 3, "-1:w=x": 4, "1:w=x": 5, "2:w=x": 6, "w=a=b": 7, "-1:s2=ab": 8,
             "odd:k=v": 9}
    table = attribute_table(index)
    assert table["w"] == {"x": (2, 3, 4, 5, 6), "a=b": (7, 0, 0, 0, 0)}
    assert table["s2"] == {"ab": (0, 0, 8, 0, 0)}
    assert table["odd:k"] == {"v": (9, 0, 0, 0, 0)}  # a ":" that is no offset prefix stays in the kind
    assert "b" not in table


def test_word_rows_from_cached_affixes_and_bigrams() -> None:
    """Words of 5+ letters read their prefix and suffix rows, and rare words their letter-bigram strings,
    from caches filled by earlier words: the rows stay those of the feature strings."""
    words = ("الحكومة", "الحكومات", "الحكومي", "والحكومة", "حكومتها", "قوانغتشو", "قوانغشي", "غوانغتشو",
             "ميساءءء", "ميساء", "كككككككككككككككككككككككككككككككككككككككككك", "بالحسكة", "الحسكة")
    for _ in range(2):
        _assert_rows_match_features(words)
