"""What two articles share in vocabulary: a compact TF-IDF signature of each article, and its cosine.

The signature keeps an article's ``TOP_TERMS`` heaviest term keys (``keywords.term_weights``: folded words
without clitics or article, weighted by the shipped ANT IDF table) as stable 32-bit hashes, sorted, with
their weights L2-normalised over the kept terms. Two reports of one event written independently by two
outlets share few sentences (so no SimHash link) but share their rare words: the place, the names, the
weapon, the numbers' nouns. The cosine of the signatures measures that; ``data/stories`` holds the pairs
annotated to learn where it, with the other link features, means "the same event".
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from worker.extract.keywords import article_counts, term_counts, term_weights, tfidf
from worker.extract.tokens import tokenize

TOP_TERMS = 32


class Signature(NamedTuple):
    terms: np.ndarray  # uint32 term hashes, ascending
    weights: np.ndarray  # float32, L2 norm 1 over the kept terms

    def to_json(self) -> list[list[float]]:
        return [self.terms.tolist(), np.round(self.weights, 4).tolist()]


EMPTY = Signature(np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.float32))


def term_hash(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


def signature(title: str, body: str, top: int = TOP_TERMS) -> Signature:
    return from_weights(term_weights(title, body), top)


def article_signatures(title: str, body: str, lead_chars: int) -> tuple[Signature, Signature, Signature]:
    """(whole article, title, lead) signatures, tokenizing each text once: the lead is the body's words that
    start within ``lead_chars``. Title words count twice, alone as in the whole article."""
    title_tf = term_counts(tokenize(title or ""))
    body_toks = tokenize(body or "")
    cut = next((i for i, t in enumerate(body_toks) if t.start >= lead_chars), len(body_toks))
    return (from_weights(tfidf(article_counts(title_tf, term_counts(body_toks)))),
            from_weights(tfidf(article_counts(title_tf, {}))), from_weights(tfidf(term_counts(body_toks[:cut]))))


def from_weights(weights: dict[str, float], top: int = TOP_TERMS) -> Signature:
    if not weights:
        return EMPTY
    kept = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    by_hash: dict[int, float] = {}
    for term, w in kept:  # two terms on one hash (about 1 in 10^7 pairs) add up
        h = term_hash(term)
        by_hash[h] = by_hash.get(h, 0.0) + w
    order = sorted(by_hash)
    vec = np.array([by_hash[h] for h in order], dtype=np.float32)
    vec /= float(np.linalg.norm(vec)) or 1.0
    return Signature(np.array(order, dtype=np.uint32), vec)


def from_json(value: object) -> Signature:
    """The inverse of ``Signature.to_json``; anything malformed reads as the empty signature."""
    try:
        terms, weights = value  # type: ignore[misc]
        t = np.asarray(terms, dtype=np.uint32)
        w = np.asarray(weights, dtype=np.float32)
    except (TypeError, ValueError, OverflowError):
        return EMPTY
    if t.ndim != 1 or t.shape != w.shape:
        return EMPTY
    return Signature(t, w)


def cosine(a: Signature, b: Signature) -> float:
    if not len(a.terms) or not len(b.terms):
        return 0.0
    _, ia, ib = np.intersect1d(a.terms, b.terms, assume_unique=True, return_indices=True)
    return float(np.dot(a.weights[ia], b.weights[ib]))


def signature_matrix(articles: Sequence[tuple[str, str]], top: int = TOP_TERMS):  # noqa: ANN201 (scipy: training)
    """CSR matrix of the signatures of (title, body) pairs, rows L2-normalised: ``m @ m.T`` is the cosine
    of every pair. For offline sampling and evaluation."""
    from scipy.sparse import csr_matrix

    cols: dict[int, int] = {}
    indptr, indices, data = [0], [], []
    for title, body in articles:
        sig = signature(title, body, top)
        for h, w in zip(sig.terms.tolist(), sig.weights.tolist(), strict=True):
            indices.append(cols.setdefault(h, len(cols)))
            data.append(w)
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(articles), max(1, len(cols))), dtype=np.float32)


GATE_TERMS = 8  # heaviest terms compared to find candidates: 206 of 207 linked same-event pairs share one


def top_terms(sig: Signature, k: int = GATE_TERMS) -> np.ndarray:
    """The ``k`` heaviest term hashes, padded with 0 (a term hash of 0 is one in 2^32: a spurious
    candidate at worst, which the full comparison then refuses)."""
    out = np.zeros(k, dtype=np.uint32)
    order = np.argsort(-sig.weights, kind="stable")[:k]
    out[:len(order)] = sig.terms[order]
    return out


def pack(sigs: Sequence[Signature]) -> bytes:
    """Signatures as one bytes object (uint16 length, uint32 terms, float16 weights each): an entry of
    the story log's in-memory copy costs ~0.4 KB for three signatures instead of ~1.5 KB of arrays."""
    parts = []
    for s in sigs:
        parts += [np.uint16(len(s.terms)).tobytes(), s.terms.astype(np.uint32).tobytes(),
                  s.weights.astype(np.float16).tobytes()]
    return b"".join(parts)


def unpack(blob: bytes) -> list[Signature]:
    out, pos = [], 0
    while pos < len(blob):
        n = int(np.frombuffer(blob, dtype=np.uint16, count=1, offset=pos)[0])
        pos += 2
        terms = np.frombuffer(blob, dtype=np.uint32, count=n, offset=pos)
        pos += 4 * n
        weights = np.frombuffer(blob, dtype=np.float16, count=n, offset=pos).astype(np.float32)
        pos += 2 * n
        out.append(Signature(terms, weights))
    return out
