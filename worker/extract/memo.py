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

__all__ = ["memo"]

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
        return wrapper

    return deco
