"""A bounded memo for hot string functions of the chain.

Unlike ``functools.lru_cache`` (whose entries are linked lists the garbage collector must traverse on
every full collection), a plain dict of strings/tuples of strings is untracked by CPython's GC, so a
large cache costs nothing per collection. When full, the cache is simply cleared: the hot keys
(frequent words) come back within a few articles.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from worker.settings import get_settings

__all__ = ["WORD_TYPES", "memo"]

# The bound of every per-word-type cache of the chain: folds, proclitic splits, keyword keys, fingerprint
# rows, the NER features and CRF score rows, the event and casualty models' word features. One budget, so
# the memory of a worker that runs for days is decided in one place. Each cache once had its own bound
# (50k to 300k entries), and together they took a process to 614-623 MB after 20,000 corpus articles, still
# growing. Streaming 20,000 articles (session 23, single runs, CPU-bound; they vary by ~7%):
#   32k word types: levels off at 362 MB, 146 and 156 articles per CPU-second (150 and 154 in the
#                   1,000-article bench, where 48k gave 158 and 170: its caches start evicting there);
#   48k:            405 MB, 159 and 150;
#   64k:            440 MB, 168 and 152;
#   the old bounds: 614-623 MB, 153 and 170.
# NEWSWORKER_EXTRACT_WORD_TYPES sets it (read once, when the chain's modules are imported)
WORD_TYPES = get_settings().extract_word_types

K = TypeVar("K")
V = TypeVar("V")


def memo(maxsize: int) -> Callable[[Callable[..., V]], Callable[..., V]]:
    """Memoise a function of hashable positional arguments, keeping at most ``maxsize`` results."""

    def deco(fn: Callable[..., V]) -> Callable[..., V]:
        cache: dict = {}

        @wraps(fn)
        def wrapper(*args):  # noqa: ANN002, ANN202
            key = args if len(args) != 1 else args[0]
            try:
                return cache[key]
            except KeyError:
                pass
            value = fn(*args)
            if len(cache) >= maxsize:
                cache.clear()
            cache[key] = value
            return value

        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        wrapper.cache_len = cache.__len__  # type: ignore[attr-defined]
        return wrapper

    return deco
