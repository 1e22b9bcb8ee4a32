"""The three analyses that the relevance set and the miss counts compare, swappable at run time.

* ``today``: the analysis before issue 16 (article combinations and a lone و stripped, one suffix; no lone
  ب/ل/ك/ف, no broken plurals), kept here so the comparison can be re-run after the code moved on;
* ``lucene``: a reimplementation of Lucene's ArabicNormalizer + ArabicStemmer (the "light10" stemmer of
  Larkey, Ballesteros and Connell) from their documented rules, as Elasticsearch's ``arabic`` analyzer would
  apply them: fold hamza-on-alef to alef, ى to ي, ة to ه, drop harakat and tatweel; strip one prefix of
  ال/وال/بال/كال/فال/لل (when two letters remain) or و (when three remain); then strip, in order, every
  suffix of ها/ان/ات/ون/ين/يه/ية/ه/ة/ي found at the end while two letters remain. (The analyzer's stop list
  is left out: the queries here are content words.)
* ``new``: ``worker.query.analysis.stem`` as shipped.

All three share the analysis's fold (``analysis.fold_text``: since QA round 4 it also folds the hamza seats
ؤ/ئ -> ء and Persian/Urdu letters), so only the stemming differs between them.

``use(name)`` swaps ``worker.query.analysis.stem`` (``analyze``, ``index_view`` and the parser all go through
it) and clears the compiled-query cache, so one process can index and search with each analysis in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

import worker.query.analysis as A

__all__ = ["ANALYSES", "legacy_stem", "lucene_stem", "use"]


def _unmarked(token: str) -> str:
    """The analysis hands the stemmer tokens whose written ة is marked (``analysis._TA``); the two baselines
    fold ة to ه as they always did."""
    return A._plain(token)


def _legacy_suffix(word: str) -> str:
    """The suffix step as it was before issue 16 (and until QA round 4): ة folded to ه and stripped as the
    pronoun ه."""
    if len(word) - 2 >= A._MIN_STEM and (word.endswith("يه") or word.endswith("يا")):
        return word[:-1]
    for suf in A._SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= A._MIN_STEM:
            return word[: -len(suf)]
    return word


@lru_cache(maxsize=200_000)
def legacy_stem(token: str) -> str:
    if not A._ARABIC_RE.search(token):
        return token
    word = _unmarked(token)
    if word not in A._ARTICLE_EXCEPTIONS:
        for art in A._ARTICLES:
            if word.startswith(art) and len(word) - len(art) >= 2:
                word = word[len(art):]
                break
        else:
            if word[0] == "و" and len(word) - 1 >= A._MIN_STEM and not word.startswith(A._WAW_STEMS):
                word = word[1:]
    return _legacy_suffix(word)


_L10_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
# After the normaliser ة is ه, so the ية/ة entries of the documented list can no longer match.
_L10_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")


@lru_cache(maxsize=200_000)
def lucene_stem(token: str) -> str:
    if not A._ARABIC_RE.search(token):
        return token
    word = _unmarked(token)
    for pre in _L10_PREFIXES:
        if word.startswith(pre) and len(word) - len(pre) >= (3 if len(pre) == 1 else 2):
            word = word[len(pre):]
            break
    for suf in _L10_SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 2:
            word = word[: -len(suf)]
    return word


_NEW = A.stem
ANALYSES: dict[str, Callable[[str], str]] = {"today": legacy_stem, "lucene": lucene_stem, "new": _NEW}


@contextmanager
def use(name: str) -> Iterator[None]:
    from worker.query.compiled import compile as compile_query

    saved = A.stem
    A.stem = ANALYSES[name]  # type: ignore[assignment]
    compile_query.cache_clear()
    try:
        yield
    finally:
        A.stem = saved  # type: ignore[assignment]
        compile_query.cache_clear()
