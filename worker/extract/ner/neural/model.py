"""Numpy inference for the neural NER tagger (BiLSTM-CRF over word embeddings, a character CNN and
gazetteer flags).

Why numpy only: the worker must not depend on a deep-learning framework at run time; training uses
JAX (``train.py``) and exports the weights to a compressed ``.npz``.

Why it is fast enough: everything below the LSTM recurrence depends on the word *type* only, so the
input projection of each type (embeddings, character CNN, flags -> 8H gate pre-activations of both
directions) is computed once and cached; per token there is one row lookup plus the sentence-level
gazetteer phrase mark. All sentences of a document then run as one padded batch through a single
loop over time steps that advances both directions together, and a batched Viterbi decodes.

Array layout of the model file (all float16 except where noted):

* ``vocab`` (one string, words joined by newlines; row 0 = unknown), ``emb_q`` int8 (V, E) with
  per-row scale ``emb_s`` (V,): pre-trained word vectors,
* ``chars`` (one string; ids from 4), ``char_emb`` (C, dc), ``conv_w`` (3*dc, F), ``conv_b`` (F,),
* ``w_in`` (2E + F + N_FLAGS, 8H), ``b_in`` (8H,), ``w_gp`` (N_PHRASE, 8H),
* ``w_hh`` (2, H, 4H) (forward, backward; gate order i, f, o, g),
* ``w_out`` (2H, L), ``b_out`` (L,), ``trans`` (L, L), ``start`` (L,), ``end`` (L,) with the BIO
  constraints already folded in (-1e4), ``labels`` (one string, space separated).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from worker.extract.ner.decode import viterbi
from worker.extract.ner.features import Featurizer, get_featurizer
from worker.extract.ner.neural.inputs import MAX_CHARS, char_ids, flags, phrase_marks
from worker.extract.ner.rowtable import RowTable
from worker.extract.ner.tagger import NerTagger

__all__ = ["CRF_WEIGHT", "MODEL_PATH", "NeuralTagger", "get_neural_tagger"]

MODEL_PATH = Path(__file__).with_name("model.npz")
CONV_WIDTH = 3
# BiLSTM windows over long sentences (see NeuralTagger.emissions); chosen on the dev split:
# same F1 as whole sentences, half the time steps on news text
CHUNK = 32
OVERLAP = 16
# word types with cached gate rows: a row (8H float32, 3.2 KB) is far larger than the entries of the
# chain's other word caches (``WORD_TYPES``), so this table has a bound of its own (52 MB when full)
_MAX_ROWS = 16384
# the rows are float32, the dtype the recurrence reads: float16 rows (half the memory) cost a conversion
# of every token's row in every document, 0.2-0.4 ms per article, more than the rows recomputed
# because fewer fit (session 23, 1,000 articles after 300: 4.04 ms against 4.15-4.53 ms per article)
_ROW_DTYPE = np.float32


def load_arrays(path: Path | str) -> dict[str, np.ndarray]:
    """All arrays of a model file as float32 (ints and strings kept)."""
    out: dict[str, np.ndarray] = {}
    with np.load(path, allow_pickle=False) as z:
        for k in z.files:
            a = z[k]
            out[k] = a.astype(np.float32) if a.dtype.kind == "f" else a
    return out


def char_cnn(ids: np.ndarray, lens: np.ndarray, emb: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Max-pooled ReLU convolution (width 3) over padded character ids (N, MAX_CHARS + 2).

    A window counts when it lies within the word (BOW .. EOW); the first always counts, so empty
    keys still get a vector."""
    x = emb[ids]  # (N, P, dc)
    npos = ids.shape[1] - CONV_WIDTH + 1
    win = np.concatenate([x[:, k:k + npos] for k in range(CONV_WIDTH)], axis=2)  # (N, npos, 3dc)
    y = win @ w + b
    valid = (np.arange(npos)[None, :] + CONV_WIDTH <= lens[:, None]) | (np.arange(npos)[None, :] == 0)
    y = np.where(valid[:, :, None], y, -np.inf)
    return np.maximum(y.max(axis=1), 0.0)


class NeuralTagger:
    """BiLSTM-CRF tagger; same contract as :class:`worker.extract.ner.tagger.NerTagger.tag_many`."""

    def __init__(self, model_path: Path | str | None = None, featurizer: Featurizer | None = None,
                 arrays: dict[str, np.ndarray] | None = None) -> None:
        # ``arrays``: parameters already in memory (the training script scores its dev split with
        # exactly this code)
        p = arrays if arrays is not None else load_arrays(model_path or MODEL_PATH)
        self.featurizer = featurizer or get_featurizer()
        self.labels = str(p["labels"]).split(" ")
        vocab = str(p["vocab"]).split("\n")
        self.word_id = {w: i for i, w in enumerate(vocab) if i}
        self.char_id = {c: i + 4 for i, c in enumerate(str(p["chars"]))}
        # the word vectors stay int8 (6 MB instead of 24 as float32) and are scaled when a new word type's
        # row is made: the same float32 products as scaling the whole table at load
        self.emb_q, self.emb_s = p["emb_q"], p["emb_s"]
        self.char_emb, self.conv_w, self.conv_b = p["char_emb"], p["conv_w"], p["conv_b"]
        h = self.hidden = p["w_hh"].shape[1]
        # sigmoid(z) = 0.5 * tanh(z / 2) + 0.5: the i, f, o gate columns are halved once here, so
        # the recurrence needs one tanh over all gates and no division
        half = np.ones(8 * h, dtype=np.float32)
        half[:3 * h] = half[4 * h:7 * h] = 0.5
        self.w_in, w_gp = p["w_in"] * half, p["w_gp"] * half
        # the phrase-mark row of "no phrase" (row 0) goes into the bias, so that only the few tokens
        # inside gazetteer phrases need a row added (the difference to row 0)
        self.b_in = p["b_in"] * half + w_gp[0]
        self.w_gp = w_gp - w_gp[0]
        self.w_hh = p["w_hh"] * half.reshape(2, 4 * h)[:, None, :]
        self.w_out, self.b_out = p["w_out"], p["b_out"]
        self.trans, self.start, self.end = p["trans"], p["start"], p["end"]
        self._rows = RowTable((self.w_in.shape[1],), self._type_rows, _MAX_ROWS, _ROW_DTYPE)
        self._lock = threading.Lock()
        # optional product of experts with the CRF tagger (see :meth:`_add_crf`)
        self.crf: NerTagger | None = None
        self.crf_weight = 0.0

    # -- per word type ------------------------------------------------------------------------------

    def type_inputs(self, keys: list[str]) -> np.ndarray:
        """The input vectors (before the gate projection) of word types, shape (N, D)."""
        feat = self.featurizer
        wid = self.word_id.get
        words = np.array([wid(k, 0) for k in keys], dtype=np.intp)
        stems = []
        for k, w in zip(keys, words.tolist(), strict=True):
            cl, rest = feat.stem(k)
            stems.append(wid(rest, 0) if cl else w)
        cids = np.zeros((len(keys), MAX_CHARS + 2), dtype=np.intp)
        lens = np.zeros(len(keys), dtype=np.intp)
        for n, k in enumerate(keys):
            c = char_ids(k, self.char_id)
            cids[n, :len(c)] = c
            lens[n] = len(c)
        ch = char_cnn(cids, lens, self.char_emb, self.conv_w, self.conv_b)
        fl = np.array([flags(feat, k) for k in keys], dtype=np.float32)
        return np.concatenate([self._vectors(words), self._vectors(np.array(stems, dtype=np.intp)), ch, fl], axis=1)

    def _vectors(self, ids: np.ndarray) -> np.ndarray:
        """Word vectors (float32) of vocabulary ids."""
        return self.emb_q[ids].astype(np.float32) * self.emb_s[ids, None]

    def _type_rows(self, keys: list[str]) -> np.ndarray:
        """Gate pre-activations of new word types (the input projection, cached per type)."""
        return self.type_inputs(keys) @ self.w_in + self.b_in

    # -- sentences ----------------------------------------------------------------------------------

    def emissions(self, sents: list[list[str]]) -> tuple[np.ndarray, list[int]]:
        """Label scores (B, T, L) of non-empty sentences sorted longest first, and their lengths.

        Sentences longer than ``CHUNK`` tokens run through the BiLSTM as overlapping windows, each
        token taking its scores from the window where it has at least ``OVERLAP // 2`` tokens of
        context on both sides: the time loop is the cost (one step per token of the longest
        sentence, and news sentences run to 80+ tokens), windows keep it at ``CHUNK`` steps."""
        lens = [len(s) for s in sents]
        b, tmax = len(sents), max(lens)
        pieces = _windows(lens)
        starts = np.cumsum([0, *lens[:-1]])
        # the tokens of every window, in window order (a token in two windows is listed twice)
        idx = np.concatenate([np.arange(starts[r] + lo, starts[r] + hi) for r, lo, hi, _, _ in pieces])
        plens = [hi - lo for _, lo, hi, _, _ in pieces]
        marks = np.array([m for s in sents for m in phrase_marks(self.featurizer, s)], dtype=np.intp)
        flat = [k for s in sents for k in s]
        with self._lock:  # the row table grows as new words come
            ids = np.array(self._rows.ids(flat), dtype=np.intp)
            x, pos, rpos, rows = self._time_major(self._rows.table, ids[idx], plens)
        at = np.flatnonzero(marks[idx])
        if len(at):  # few tokens are in gazetteer phrases: add their rows only
            gp = self.w_gp[marks[idx][at]]
            h4 = 4 * self.hidden
            x[pos[at], 0, rows[at]] += gp[:, :h4]
            x[rpos[at], 1, rows[at]] += gp[:, h4:]
        em_flat = self._bilstm(x, plens, pos, rpos, rows)
        out = np.zeros((b, tmax, len(self.labels)), dtype=np.float32)
        at = 0
        for r, lo, hi, k0, k1 in pieces:
            out[r, k0:k1] = em_flat[at + k0 - lo: at + k1 - lo]
            at += hi - lo
        return out, lens

    def _time_major(self, table: np.ndarray, rid: np.ndarray, lens: list[int]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The gate inputs (T, 2, B, 4H) of sequences (sorted longest first) whose tokens have the
        table rows ``rid`` (concatenated), read straight from the row table into the time-major
        layout, the backward direction reversed; and each token's time step forward, backward, row."""
        b, tmax, h4 = len(lens), max(lens), 4 * self.hidden
        lens_a = np.array(lens)
        rows = np.repeat(np.arange(b), lens)
        pos = np.arange(len(rid)) - np.repeat(np.cumsum([0, *lens[:-1]]), lens)
        rpos = np.repeat(lens_a - 1, lens) - pos  # position counted from the end
        x = np.zeros((tmax, 2, b, h4), dtype=np.float32)
        x[pos, 0, rows] = table[rid, :h4]
        x[rpos, 1, rows] = table[rid, h4:]
        return x, pos, rpos, rows

    def _bilstm(self, x: np.ndarray, lens: list[int], pos: np.ndarray, rpos: np.ndarray,
                rows: np.ndarray) -> np.ndarray:
        """Label scores (tokens, L) of the sequences whose gate inputs are ``x`` (see
        :meth:`_time_major`), tokens in the order of their sequences."""
        tmax, _, b, _ = x.shape
        h = self.hidden
        hs = np.zeros((tmax, 2, b, h), dtype=np.float32)
        c = np.zeros((2, b, h), dtype=np.float32)
        w_hh = self.w_hh
        # rows are sorted longest first: step t only advances the first live[t] (the matrix
        # products are most of the cost, padding would multiply them); the previous state is read
        # in place from hs[t - 1], and at t = 0 it is zero, so the first step needs no product
        live = (np.array(lens)[None, :] > np.arange(tmax)[:, None]).sum(axis=1).tolist()
        for t in range(tmax):
            k = live[t]
            ck = c[:, :k]
            if t:
                z = np.matmul(hs[t - 1, :, :k], w_hh)
                z += x[t, :, :k]
            else:
                z = x[0].copy()
            np.tanh(z, out=z)
            s = z[..., :3 * h]
            s *= 0.5
            s += 0.5
            ck *= s[..., h:2 * h]
            ck += s[..., :h] * z[..., 3 * h:]
            np.multiply(s[..., 2 * h:], np.tanh(ck), out=hs[t, :, :k])
        hf = hs[pos, 0, rows]
        hb = hs[rpos, 1, rows]
        return hf @ self.w_out[:h] + hb @ self.w_out[h:] + self.b_out

    def tag_many(self, sents: list[list[str]]) -> list[list[str]]:
        """BIO tags for several sentences of folded keys (one batch: all of a document)."""
        out: list[list[str]] = [[] for _ in sents]
        order = sorted((i for i, s in enumerate(sents) if s), key=lambda i: -len(sents[i]))
        if not order:
            return out
        batch = [sents[i] for i in order]
        em, lens = self.emissions(batch)
        trans = self.trans
        if self.crf is not None and self.crf_weight:
            em, trans = self._add_crf(batch, em, lens)
        for i, y in zip(order, viterbi(em, lens, trans, self.start, self.end), strict=True):
            out[i] = [self.labels[k] for k in y]
        return out

    def _add_crf(self, batch: list[list[str]], em: np.ndarray, lens: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """A product of experts with the CRF tagger: its state and transition scores, times
        ``crf_weight``, added to this model's (labels mapped by name; the CRF's others dropped)."""
        crf = self.crf
        w = crf._w
        cols = [w.labels.index(lab) if lab in w.labels else -1 for lab in self.labels]
        with crf._lock:
            flat = crf._scores(batch)
        ok = [j for j, c in enumerate(cols) if c >= 0]
        src = [cols[j] for j in ok]
        rows = np.repeat(np.arange(len(batch)), lens)
        pos = np.arange(len(flat)) - np.repeat(np.cumsum([0, *lens[:-1]]), lens)
        em = em.copy()
        em[rows[:, None], pos[:, None], np.array(ok)[None, :]] += self.crf_weight * flat[:, src]
        trans = self.trans.copy()
        trans[np.ix_(ok, ok)] += self.crf_weight * w.trans[np.ix_(src, src)]
        return em, trans


def _windows(lens: list[int]) -> list[tuple[int, int, int, int, int]]:
    """The BiLSTM windows of sentences of these lengths, longest first: (sentence, start, end, keep
    from, keep to), the kept part being where a token has ``OVERLAP // 2`` tokens of context."""
    pieces: list[tuple[int, int, int, int, int]] = []
    half = OVERLAP // 2
    for r, n in enumerate(lens):
        lo = 0
        while True:
            hi = min(lo + CHUNK, n)
            pieces.append((r, lo, hi, 0 if lo == 0 else lo + half, n if hi == n else hi - half))
            if hi == n:
                break
            lo += CHUNK - OVERLAP
    pieces.sort(key=lambda p: p[1] - p[2])  # longest first
    return pieces


# weight of the CRF's scores in the product of experts (chosen on the dev split carved out of the
# training part: 0.5 ties 0 there on F1 with higher precision, and wins on unseen articles and AQMAR)
CRF_WEIGHT = 0.5


@lru_cache(maxsize=4)
def get_neural_tagger(model_path: str | None = None, crf_weight: float = 0.0,
                      crf_path: str | None = None) -> NeuralTagger:
    """The tagger for ``model_path`` (default: the shipped model), loaded once per process;
    ``crf_weight`` > 0 combines it with the CRF tagger ``crf_path`` (default: the shipped CRF)."""
    tagger = NeuralTagger(model_path)
    if crf_weight:
        from worker.extract.ner.tagger import get_tagger

        tagger.crf, tagger.crf_weight = get_tagger(crf_path), crf_weight
    return tagger
