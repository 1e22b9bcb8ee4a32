"""``tokens._split`` folds each substring once (from tokenize's fold table when it holds it): same splits as before.

The reference below is the previous body of ``_split`` (one ``fold`` call per use); the new one must
give the same (prefix, rest) for every word, with and without ``keep_article``.
"""

from worker.extract import tokens
from worker.extract.normalize import fold
from worker.extract.tokens import _ARTICLE_EXCEPTIONS, _CONJ, _NO_SPLIT, _PREP, _stem_ok, _vocab


def _old_split(word: str, keep_article: bool) -> tuple[str, str]:
    if len(word) < 3:
        return "", word
    key = fold(word)
    if key in _NO_SPLIT or key in _ARTICLE_EXCEPTIONS:
        return "", word
    i = 0
    if word[0] in _CONJ and len(word) > 3:
        i = 1
    j = i
    if j < len(word) and word[j] in _PREP:
        j += 1
    rest = word[j:]
    if word[j:j + 1] == "ل" and word[j - 1:j] == "ل" and j > i:
        stem = word[j + 1 :]
        if len(stem) >= 2:
            if keep_article:
                return word[:j], "ال" + stem
            return word[: j + 1], stem
    rest_key = fold(rest)
    if rest_key.startswith("ال") and len(rest_key) >= 4 and rest_key not in _ARTICLE_EXCEPTIONS:
        if keep_article:
            return word[:j], rest
        return word[: j + 2], word[j + 2 :]
    vocab = _vocab()
    if j > i and (
        len(rest_key) < 3 or fold(word[i:]) in _NO_SPLIT or (vocab and not _stem_ok(fold(word[i:]), rest_key, vocab))
    ):
        j = i
    if j == 0:
        return "", word
    rest = word[j:]
    rest_key = fold(rest)
    if len(rest_key) < 3 or (vocab and not _stem_ok(key, rest_key, vocab, conj=j == i)):
        return "", word
    return word[:j], rest


_PREFIXES = ["", "و", "ف", "ب", "ل", "ك", "ال", "وال", "بال", "فال", "لل", "ولل", "وب", "فل", "وك", "وَب", "بِ"]
_EXTRA = ["إلى", "الله", "لبنان", "وزارة", "بدمشق", "فيلم", "بطولة", "وسائل", "وأضاف", "ﻻجئ", "بـغداد", "لِلأمم"]


def test_split_is_unchanged_on_corpus_words_with_clitics():
    vocab = sorted(_vocab())[::40] + sorted(_NO_SPLIT) + sorted(_ARTICLE_EXCEPTIONS) + _EXTRA
    new = tokens._split.__wrapped__  # the memo's function itself: no cached answers
    checked = 0
    for w in vocab:
        for p in _PREFIXES:
            word = p + w
            for keep in (False, True):
                assert new(word, keep) == _old_split(word, keep), (word, keep)
                checked += 1
    assert checked > 10_000
