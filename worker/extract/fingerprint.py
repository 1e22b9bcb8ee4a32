"""Near-duplicate fingerprint: 64-bit SimHash over folded word shingles.

Contract: ``simhash(text) -> str`` (16 lowercase hex digits), ``hamming(a, b) -> int`` and
``near_duplicate(a, b, max_distance=NEAR_DISTANCE) -> bool``; pure.

Features are the folded content words (:func:`worker.extract.normalize.fold`; leading conjunction و
dropped, words under 3 letters and the shipped stopwords removed), each hashed with BLAKE2b-64 and
counted with its frequency. Word unigrams separate best on the ANT corpus (measured when choosing):
5 changed words + a new dateline move <= 10 bits (p90 6); dropping the last paragraph and half of
another moves p50 7 / p90 13 bits; random article pairs are >= 20 bits apart at the 0.1th
percentile. 3-word shingles were worse on both sides (light edits p90 11, random p0.1 21).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from worker.extract.keywords import load_stopwords
from worker.extract.memo import WORD_TYPES, memo
from worker.extract.normalize import fold

__all__ = ["simhash", "hamming", "near_duplicate", "NEAR_DISTANCE", "SHINGLE"]

SHINGLE = 1  # words per feature
NEAR_DISTANCE = 12  # bits out of 64 (see the module docstring for the measurements)
_WORD_RE = re.compile(r"[^\W_]+")
_EMPTY = "0" * 16
_ROWS: dict[str, bytes] = {}  # feature -> its 64 hash bits as ASCII "0"/"1" bytes (words repeat)
_ROWS_MAX = WORD_TYPES


def _content_word(w: str, stop: frozenset[str]) -> str | None:
    """The feature word of folded word ``w`` (leading conjunction و dropped); None for a word under 3
    letters or a stopword. One rule for ``_features`` and the per-word rows of ``simhash``."""
    f = w[1:] if w[0] == "و" and len(w) > 3 else w
    return f if len(f) > 2 and f not in stop else None


def _features(folded: str) -> list[str]:
    stop = load_stopwords()
    words = [f for w in _WORD_RE.findall(folded) if (f := _content_word(w, stop)) is not None]
    if len(words) < SHINGLE:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


@memo(WORD_TYPES)
def _bits(feature: str) -> str:
    """64-bit BLAKE2b of a feature as a string of 0/1 (cached: words repeat across articles)."""
    return format(int.from_bytes(hashlib.blake2b(feature.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big"), "064b")


def simhash(text: str, *, folded: str | None = None) -> str:
    """64-bit SimHash of ``text`` as 16 hex digits ("0"*16 for text without words).

    ``folded`` may carry ``fold(text)`` (or the folded parts joined by a space) when already computed.
    """
    if SHINGLE != 1:
        return _simhash_rows(_rows_of(_features(folded if folded is not None else fold(text))))
    # one word per feature: a word's row (or None for a non-feature word) is cached per word, so running
    # text costs one dict lookup per word instead of the two filters, a join and a lookup of _features
    table = _WORD_ROWS
    if len(table) > _ROWS_MAX:
        table.clear()
    get = table.get
    rows = []
    for w in _WORD_RE.findall(folded if folded is not None else fold(text)):
        r = get(w, _MISS)
        if r is _MISS:
            r = table[w] = _word_row(w)
        if r is not None:
            rows.append(r)
    return _simhash_rows(rows)


_MISS = b""
_WORD_ROWS: dict[str, bytes | None] = {}  # folded word -> its feature's row, None when it is no feature


def _word_row(w: str) -> bytes | None:
    """The row of the feature ``_features`` makes of the word ``w`` (SHINGLE == 1), None when it makes none."""
    f = _content_word(w, load_stopwords())
    return None if f is None else _rows_of([f])[0]


def _rows_of(feats: list[str]) -> list[bytes]:
    cache = _ROWS
    if len(cache) > _ROWS_MAX:
        cache.clear()
    rows = []
    for f in feats:
        r = cache.get(f)
        if r is None:
            r = cache[f] = _bits(f).encode("ascii")
        rows.append(r)
    return rows


def _simhash_rows(rows: list[bytes]) -> str:
    if not rows:
        return _EMPTY
    half = len(rows) / 2
    # column-wise majority: bit k is set when more than half of the shingle hashes have it set
    # (the rows are ASCII "0"/"1" strings: one byte per bit, so a column sum counts the ones)
    ones = (np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), 64) == 49).sum(axis=0)
    bits = "".join(["1" if c > half else "0" for c in ones.tolist()])
    return f"{int(bits, 2):016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex fingerprints."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_duplicate(a: str | None, b: str | None, max_distance: int = NEAR_DISTANCE) -> bool:
    """True when both fingerprints exist, are not empty, and differ in at most ``max_distance`` bits."""
    if not a or not b or a == _EMPTY or b == _EMPTY:
        return False
    return hamming(a, b) <= max_distance
