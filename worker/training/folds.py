"""k-fold splits by whole article, deterministic: sentences of one article never straddle train and test."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["fold_of", "kfold"]

T = TypeVar("T")


def fold_of(article_id: str, k: int) -> int:
    """The fold of an article: a hash of its id, so adding articles never moves the others."""
    return int.from_bytes(hashlib.sha1(article_id.encode()).digest()[:4], "big") % k


def kfold(items: Sequence[T], k: int, key=lambda a: a.id) -> list[tuple[list[T], list[T]]]:
    """``k`` (train, test) pairs."""
    out = []
    for f in range(k):
        test = [a for a in items if fold_of(key(a), k) == f]
        train = [a for a in items if fold_of(key(a), k) != f]
        out.append((train, test))
    return out
