"""Train the neural NER tagger (JAX, training time only) and export it for the numpy tagger.

``nice python -m worker.extract.ner.neural.train --holdout /tmp/neural/heldout.conll --out X.npz``
keeps the last 10% of NewsFANE out (written to the holdout file for ``score_ner.py``), carves a dev
split (the last 10% of the rest, again whole articles) for early stopping, and reports dev F1 per
epoch. Without ``--holdout`` it trains the shipped model on all of NewsFANE for ``--epochs`` epochs
(the best epoch count of the validation run) into ``model.npz``.

Why these choices (see README.md in this package for the measurements):

* the CRF fails on unseen articles mostly on unseen names; pre-trained word vectors of the ANT
  corpus (word2vec, ``--vectors``; built by ``--build-vectors``), a character CNN and the gazetteer
  flags generalise past the training vocabulary, and word dropout makes the model use them,
* the word vectors stay frozen (fine-tuning them on 125k tokens would move only training words),
* every sentence is used as annotated and with its clitics glued back (``glue_clitics``), because
  run-time text is not segmented,
* a CRF output layer with the BIO constraints, as the CRF tagger has.

Needs ``jax``, ``optax`` (and ``gensim`` for ``--build-vectors``), none of which the worker needs.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np

from worker.extract.ner.features import fold_token, get_featurizer
from worker.extract.ner.neural.inputs import MAX_CHARS, N_FLAGS, N_PHRASE, char_ids, flags, phrase_marks
from worker.extract.ner.neural.model import MODEL_PATH, NeuralTagger
from worker.extract.ner.tagger import propagate, spans_from_bio, tidy
from worker.extract.ner.train import Sentence, glue_clitics, load_newsfane

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-FAC", "I-FAC"]
VECTORS = Path("/tmp/neural/w2v.kv")
_T_BUCKETS = (16, 32, 48, 64, 96, 128, 192, 256, 512)


def bio_masks() -> tuple[np.ndarray, np.ndarray]:
    """-1e4 on forbidden transitions (O/B-X/I-X -> I-Y unless Y == X) and on starting with I-."""
    n = len(LABELS)
    trans = np.zeros((n, n), dtype=np.float32)
    start = np.zeros(n, dtype=np.float32)
    for j, b in enumerate(LABELS):
        if b.startswith("I-"):
            start[j] = -1e4
            for i, a in enumerate(LABELS):
                if a[2:] != b[2:]:
                    trans[i, j] = -1e4
    return trans, start


# -- word vectors ---------------------------------------------------------------------------------

def build_vectors(out: Path, dim: int = 100) -> None:
    """word2vec (skip-gram) over the folded ANT corpus, the same tokens as the word clusters."""
    from gensim.models import Word2Vec

    from worker.extract.ner.clusters_build import DEFAULT_CORPUS, corpus_tokens

    docs = corpus_tokens(DEFAULT_CORPUS)
    docs = [[w.lower() if w.isascii() else w for w in d] for d in docs]
    m = Word2Vec(docs, vector_size=dim, window=5, min_count=3, sg=1, negative=5, workers=2, epochs=5,
                 sample=1e-4, seed=1)
    m.wv.save(str(out))


def load_vectors(path: Path, n_words: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The ``n_words`` most frequent words (row 0 = unknown) as int8 rows with a per-row scale,
    standardised so that components have unit variance overall."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load(str(path))
    words: list[str] = []
    seen: set[str] = set()
    for w in kv.index_to_key:
        k = fold_token(w)
        if k and k not in seen:
            seen.add(k)
            words.append(w)
        if len(words) == n_words:
            break
    x = np.stack([kv[w] for w in words]).astype(np.float32)
    x /= x.std()
    scale = np.abs(x).max(axis=1) / 127.0
    q = np.round(x / scale[:, None]).astype(np.int8)
    scale16 = scale.astype(np.float16)
    vocab = ["<unk>", *(fold_token(w) for w in words)]
    q = np.concatenate([np.zeros((1, x.shape[1]), np.int8), q])
    scale16 = np.concatenate([np.zeros(1, np.float16), scale16])
    return vocab, q, scale16


# -- data -----------------------------------------------------------------------------------------

class Encoded:
    """Sentences as arrays: per token a word-type index, a phrase mark and a label."""

    def __init__(self, sents: list[Sentence], type_index: dict[str, int]) -> None:
        feat = get_featurizer()
        self.keys = [[fold_token(t) for t, _ in s] for s in sents]
        self.types = [np.array([type_index.setdefault(k, len(type_index)) for k in ks], np.int32)
                      for ks in self.keys]
        self.marks = [np.array(phrase_marks(feat, ks), np.int32) for ks in self.keys]
        self.labels = [np.array([LABELS.index(g) for _, g in s], np.int32) for s in sents]
        self.gold = [[g for _, g in s] for s in sents]


def type_arrays(type_index: dict[str, int], word_id: dict[str, int], char_id: dict[str, int]
                ) -> dict[str, np.ndarray]:
    """Per word type: word id, stem id, character ids and length, flags (what the numpy tagger
    computes in :meth:`NeuralTagger.type_inputs`)."""
    feat = get_featurizer()
    keys = sorted(type_index, key=type_index.__getitem__)
    n = len(keys)
    wid = np.zeros(n, np.int32)
    sid = np.zeros(n, np.int32)
    cids = np.zeros((n, MAX_CHARS + 2), np.int32)
    clen = np.zeros(n, np.int32)
    fl = np.zeros((n, N_FLAGS), np.float32)
    for i, k in enumerate(keys):
        wid[i] = word_id.get(k, 0)
        cl, rest = feat.stem(k)
        sid[i] = word_id.get(rest, 0) if cl else wid[i]
        c = char_ids(k, char_id)
        cids[i, :len(c)] = c
        clen[i] = len(c)
        fl[i] = flags(feat, k)
    return {"wid": wid, "sid": sid, "cids": cids, "clen": clen, "flags": fl}


def batches(enc: Encoded, size: int, rng: random.Random) -> list[tuple[np.ndarray, ...]]:
    """Padded batches of similar-length sentences, in random order: (types, marks, labels, lens)."""
    order = sorted(range(len(enc.types)), key=lambda i: (len(enc.types[i]), rng.random()))
    out = []
    for a in range(0, len(order), size):
        idx = order[a:a + size]
        tmax = max(len(enc.types[i]) for i in idx)
        t = next(b for b in _T_BUCKETS if b >= tmax) if tmax <= _T_BUCKETS[-1] else tmax
        ty = np.zeros((size, t), np.int32)
        mk = np.zeros((size, t), np.int32)
        lb = np.zeros((size, t), np.int32)
        ln = np.zeros(size, np.int32)
        for r, i in enumerate(idx):
            n = len(enc.types[i])
            ty[r, :n], mk[r, :n], lb[r, :n], ln[r] = enc.types[i], enc.marks[i], enc.labels[i], n
        out.append((ty, mk, lb, ln))
    rng.shuffle(out)
    return out


# -- model ----------------------------------------------------------------------------------------

def init_params(key, n_chars: int, emb_dim: int, hidden: int, char_dim: int, filters: int) -> dict:
    import jax

    ks = jax.random.split(key, 8)
    d_in = 2 * emb_dim + filters + N_FLAGS

    def glorot(k, shape):
        lim = math.sqrt(6.0 / (shape[-2] + shape[-1]))
        return jax.random.uniform(k, shape, minval=-lim, maxval=lim)

    b_in = np.zeros(8 * hidden, np.float32)
    for d in range(2):  # forget gates start open
        b_in[d * 4 * hidden + hidden:d * 4 * hidden + 2 * hidden] = 1.0
    n = len(LABELS)
    return {
        "char_emb": 0.3 * jax.random.normal(ks[0], (n_chars, char_dim)),
        "conv_w": glorot(ks[1], (3 * char_dim, filters)),
        "conv_b": np.zeros(filters, np.float32),
        "w_in": glorot(ks[2], (d_in, 8 * hidden)),
        "b_in": b_in,
        "w_gp": 0.1 * jax.random.normal(ks[3], (N_PHRASE, 8 * hidden)),
        "w_hh": glorot(ks[4], (2, hidden, 4 * hidden)),
        "w_out": glorot(ks[5], (2 * hidden, n)),
        "b_out": np.zeros(n, np.float32),
        "trans": np.zeros((n, n), np.float32),
        "start": np.zeros(n, np.float32),
        "end": np.zeros(n, np.float32),
    }


def make_fns(emb: np.ndarray, tarr: dict[str, np.ndarray], hidden: int, p_in: float, p_hid: float,
             p_word: float):
    """The jitted loss/update function (closures over the frozen vectors and the type table)."""
    import jax
    import jax.numpy as jnp

    emb_j = jnp.asarray(emb)
    wid_j, sid_j = jnp.asarray(tarr["wid"]), jnp.asarray(tarr["sid"])
    cids_j, clen_j, fl_j = jnp.asarray(tarr["cids"]), jnp.asarray(tarr["clen"]), jnp.asarray(tarr["flags"])
    mtrans, mstart = (jnp.asarray(a) for a in bio_masks())
    h = hidden

    def emissions(params, ty, mk, ln, key, train: bool):
        b, t = ty.shape
        k1, k2, k3 = jax.random.split(key, 3)
        wid, sid = wid_j[ty], sid_j[ty]
        if train and p_word:
            drop = jax.random.bernoulli(k1, p_word, ty.shape)
            wid = jnp.where(drop, 0, wid)
            sid = jnp.where(drop, 0, sid)
        cids, clen = cids_j[ty], clen_j[ty]  # (b, t, P)
        x = params["char_emb"][cids]
        npos = cids.shape[-1] - 2
        win = jnp.concatenate([x[:, :, k:k + npos] for k in range(3)], axis=-1)
        y = win @ params["conv_w"] + params["conv_b"]
        pos = jnp.arange(npos)
        valid = (pos[None, None, :] + 3 <= clen[:, :, None]) | (pos == 0)[None, None, :]
        ch = jnp.maximum(jnp.where(valid[..., None], y, -jnp.inf).max(axis=2), 0.0)
        inp = jnp.concatenate([emb_j[wid], emb_j[sid], ch, fl_j[ty]], axis=-1)
        if train and p_in:
            inp = inp * jax.random.bernoulli(k2, 1 - p_in, inp.shape) / (1 - p_in)
        g = inp @ params["w_in"] + params["b_in"] + params["w_gp"][mk]  # (b, t, 8h)
        # backward direction: each sentence reversed within its length (padding stays at the end)
        tt = jnp.arange(t)[None, :]
        rev = jnp.where(tt < ln[:, None], ln[:, None] - 1 - tt, tt)
        gb = jnp.take_along_axis(g[..., 4 * h:], rev[..., None], axis=1)
        xs = jnp.stack([g[..., :4 * h], gb], axis=0).transpose(2, 0, 1, 3)  # (t, 2, b, 4h)

        def step(carry, xt):
            hc, c = carry
            z = xt + jnp.matmul(hc, params["w_hh"])
            s = jax.nn.sigmoid(z[..., :3 * h])
            c = s[..., h:2 * h] * c + s[..., :h] * jnp.tanh(z[..., 3 * h:])
            hc = s[..., 2 * h:] * jnp.tanh(c)
            return (hc, c), hc

        zero = jnp.zeros((2, b, h))
        _, hs = jax.lax.scan(step, (zero, zero), xs)  # (t, 2, b, h)
        hf = hs[:, 0].transpose(1, 0, 2)
        hb = jnp.take_along_axis(hs[:, 1].transpose(1, 0, 2), rev[..., None], axis=1)
        hid = jnp.concatenate([hf, hb], axis=-1)
        if train and p_hid:
            hid = hid * jax.random.bernoulli(k3, 1 - p_hid, hid.shape) / (1 - p_hid)
        return hid @ params["w_out"] + params["b_out"]

    def crf_nll(params, em, lb, ln):
        trans = params["trans"] + mtrans
        start = params["start"] + mstart
        end = params["end"]
        b, t, _ = em.shape
        mask = jnp.arange(t)[None, :] < ln[:, None]
        alpha0 = start + em[:, 0]

        def fwd(alpha, inp):
            e, m = inp
            nxt = jax.nn.logsumexp(alpha[:, :, None] + trans, axis=1) + e
            return jnp.where(m[:, None], nxt, alpha), None

        alpha, _ = jax.lax.scan(fwd, alpha0, (em[:, 1:].transpose(1, 0, 2), mask[:, 1:].T))
        logz = jax.nn.logsumexp(alpha + end, axis=1)
        gold_e = jnp.take_along_axis(em, lb[..., None], axis=2)[..., 0]
        gold = (gold_e * mask).sum(1) + start[lb[:, 0]]
        tr = trans[lb[:, :-1], lb[:, 1:]] * mask[:, 1:]
        last = jnp.take_along_axis(lb, jnp.maximum(ln - 1, 0)[:, None], axis=1)[:, 0]
        gold = gold + tr.sum(1) + end[last]
        return ((logz - gold) * (ln > 0)).sum()

    def loss(params, ty, mk, lb, ln, key):
        em = emissions(params, ty, mk, ln, key, True)
        return crf_nll(params, em, lb, ln) / jnp.maximum((ln > 0).sum(), 1)

    return jax.jit(jax.value_and_grad(loss)), jax.jit(lambda p, ty, mk, ln: emissions(
        p, ty, mk, ln, jax.random.PRNGKey(0), False))


def export(params: dict, vocab: list[str], emb_q: np.ndarray, emb_s: np.ndarray, chars: str
           ) -> dict[str, np.ndarray]:
    """The model file's arrays (float16 weights; BIO constraints folded into the transitions)."""
    mtrans, mstart = bio_masks()
    p = {k: np.asarray(v, np.float32) for k, v in params.items()}
    p["trans"] = np.maximum(p["trans"] + mtrans, -1e4)
    p["start"] = np.maximum(p["start"] + mstart, -1e4)
    out: dict[str, np.ndarray] = {k: v.astype(np.float16) for k, v in p.items()}
    out.update(vocab=np.array("\n".join(vocab)), emb_q=emb_q, emb_s=emb_s, chars=np.array(chars),
               labels=np.array(" ".join(LABELS)))
    return out


def as_float32(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: a.astype(np.float32) if a.dtype.kind == "f" else a for k, a in arrays.items()}


def f1(gold: list[list[str]], pred: list[list[str]]) -> tuple[float, float, float]:
    g = {(s, *sp) for s, t in enumerate(gold) for sp in spans_from_bio(t)}
    p = {(s, *sp) for s, t in enumerate(pred) for sp in spans_from_bio(t)}
    tp = len(g & p)
    pr = tp / len(p) if p else 0.0
    rc = tp / len(g) if g else 0.0
    return pr, rc, 2 * pr * rc / (pr + rc) if pr + rc else 0.0


def evaluate(arrays: dict[str, np.ndarray], enc: Encoded) -> tuple[float, float]:
    """Dev F1 with the numpy tagger, raw and with tidy + propagation (window 10)."""
    tagger = NeuralTagger(arrays=as_float32(arrays))
    pred = [t for a in range(0, len(enc.keys), 256) for t in tagger.tag_many(enc.keys[a:a + 256])]
    raw = f1(enc.gold, pred)[2]
    tidy(enc.keys, pred, tagger.featurizer)
    propagate(enc.keys, pred, tagger.featurizer, 10)
    return raw, f1(enc.gold, pred)[2]


PARAM_KEYS = ("char_emb", "conv_w", "conv_b", "w_in", "b_in", "w_gp", "w_hh", "w_out", "b_out", "trans",
              "start", "end")


def fine_tune(extra: list[Sentence], out: Path, init: Path = MODEL_PATH, dev: list[Sentence] | None = None,
              base_share: float = 0.33, epochs: int = 6, patience: int = 2, lr: float = 1e-3, seed: int = 1,
              minutes: float = 12.0, p_in: float = 0.5, p_hid: float = 0.3, p_word: float = 0.25,
              verbose: bool = True) -> Path:
    """Continue training the model ``init`` (trained on NewsFANE) on ``extra`` (in-domain sentences in
    running-text form) mixed with a seeded ``base_share`` of NewsFANE (as annotated and glued), and
    write the result to ``out``.

    Why fine-tuning rather than training from scratch: a from-scratch run per cross-validation fold
    costs ~10 min of CPU on the shared machine; the NewsFANE part is the same for every fold, so it
    is learnt once (the shipped model, which never saw ``data/extraction``) and each fold only adds
    its own articles. The NewsFANE share keeps the model from forgetting it on ~3k sentences.
    ``dev`` (held-out in-domain sentences, never the evaluation fold) chooses the epoch; without it
    exactly ``epochs`` epochs are run. Vocabulary, vectors and characters are ``init``'s."""
    import jax
    import optax

    t0 = time.time()
    with np.load(init, allow_pickle=False) as z:
        raw = {k: z[k] for k in z.files}
    vocab = str(raw["vocab"]).split("\n")
    chars = str(raw["chars"])
    emb_q, emb_s = raw["emb_q"], raw["emb_s"]
    # the exported transitions carry the BIO masks (-1e4); the loss adds them again, export clips
    params = {k: jax.numpy.asarray(raw[k].astype(np.float32)) for k in PARAM_KEYS}
    hidden = int(raw["w_hh"].shape[1])
    word_id = {w: i for i, w in enumerate(vocab) if i}
    char_id = {c: i + 4 for i, c in enumerate(chars)}
    base, _ = load_newsfane(None)
    base = base + [g for g, s in ((glue_clitics(s), s) for s in base) if g != s]
    rng = random.Random(seed)
    data = list(extra) + [s for s in base if rng.random() < base_share]
    type_index: dict[str, int] = {}
    enc = Encoded(data, type_index)
    enc_dev = Encoded(dev, type_index) if dev else None
    tarr = type_arrays(type_index, word_id, char_id)
    emb = emb_q.astype(np.float32) * emb_s.astype(np.float32)[:, None]
    if verbose:
        print(f"fine-tune: {len(extra)} in-domain + {len(data) - len(extra)} NewsFANE sentences, "
              f"dev {len(dev or ())}, {time.time() - t0:.0f}s", flush=True)
    opt = optax.chain(optax.clip_by_global_norm(5.0), optax.adam(lr))
    state = opt.init(params)
    grad_fn, _ = make_fns(emb, tarr, hidden, p_in, p_hid, p_word)

    @jax.jit
    def update(params, state, grads):
        upd, state = opt.update(grads, state, params)
        return optax.apply_updates(params, upd), state

    key = jax.random.PRNGKey(seed + 1)
    best, best_epoch, best_arrays = -1.0, 0, None
    if enc_dev is not None:  # the starting point competes too: fine-tuning must earn its place
        best = evaluate(export(params, vocab, emb_q, emb_s, chars), enc_dev)[1]
        best_arrays = export(params, vocab, emb_q, emb_s, chars)
        if verbose:
            print(f"epoch 0 dev post {best:.4f}", flush=True)
    t_train = time.time()
    for epoch in range(1, epochs + 1):
        te = time.time()
        total = 0.0
        for ty, mk, lb, ln in batches(enc, 32, rng):
            key, sub = jax.random.split(key)
            val, grads = grad_fn(params, ty, mk, lb, ln, sub)
            params, state = update(params, state, grads)
            total += float(val)
        arrays = export(params, vocab, emb_q, emb_s, chars)
        msg = f"epoch {epoch} loss {total:.0f} {time.time() - te:.0f}s"
        if enc_dev is not None:
            post = evaluate(arrays, enc_dev)[1]
            msg += f" dev post {post:.4f}"
            if post > best:
                best, best_epoch, best_arrays = post, epoch, arrays
        else:
            best_epoch, best_arrays = epoch, arrays
        if verbose:
            print(msg, flush=True)
        if enc_dev is not None and epoch - best_epoch >= patience:
            break
        if time.time() - t_train > minutes * 60:
            if verbose:
                print("time limit", flush=True)
            break
    assert best_arrays is not None
    np.savez_compressed(out, **best_arrays)
    if verbose:
        print(f"best epoch {best_epoch} dev {best:.4f}; wrote {out} in {time.time() - t0:.0f}s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--holdout", type=Path, help="hold out the last 10%% of NewsFANE and write it here")
    ap.add_argument("--split", default="tail", help="tail, random or fold0..fold9 (see ..train.load_newsfane)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--vectors", type=Path, default=VECTORS, help="gensim KeyedVectors of the ANT corpus")
    ap.add_argument("--build-vectors", action="store_true", help="(re)build --vectors first")
    ap.add_argument("--vocab", type=int, default=60000)
    ap.add_argument("--hidden", type=int, default=100)
    ap.add_argument("--char-dim", type=int, default=24)
    ap.add_argument("--filters", type=int, default=48)
    ap.add_argument("--p-in", type=float, default=0.5)
    ap.add_argument("--p-hid", type=float, default=0.3)
    ap.add_argument("--p-word", type=float, default=0.25)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=30,
                    help="maximum (with a dev split) or exact (without; 8 = the validated best)")
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--no-dev", action="store_true", help="no dev split: train --epochs epochs on everything")
    ap.add_argument("--ema", type=float, default=0.0, help="export a moving average of the weights (decay)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--minutes", type=float, default=14.0, help="stop after this much training time")
    a = ap.parse_args()

    import jax
    import optax

    t0 = time.time()
    if a.build_vectors or not a.vectors.exists():
        build_vectors(a.vectors)
        print(f"vectors built {time.time() - t0:.0f}s", flush=True)
    train, _ = load_newsfane(a.holdout, a.split)
    use_dev = not a.no_dev
    if use_dev:
        cut = len(train) - len(train) // 10
        fit, dev = train[:cut], train[cut:]
    else:
        fit, dev = train, []
    data = list(fit) + [g for g, s in ((glue_clitics(s), s) for s in fit) if g != s]
    vocab, emb_q, emb_s = load_vectors(a.vectors, a.vocab)
    word_id = {w: i for i, w in enumerate(vocab) if i}
    cc = Counter(c for s in data for t, _ in s for c in fold_token(t))
    chars = "".join(sorted(c for c, n in cc.items() if n >= 2))
    char_id = {c: i + 4 for i, c in enumerate(chars)}
    type_index: dict[str, int] = {}
    enc = Encoded(data, type_index)
    enc_dev = Encoded(dev, type_index) if dev else None
    tarr = type_arrays(type_index, word_id, char_id)
    emb = emb_q.astype(np.float32) * emb_s.astype(np.float32)[:, None]
    print(f"{len(data)} training sentences ({sum(map(len, data))} tokens), dev {len(dev)}, "
          f"{len(type_index)} types, {len(vocab)} vectors, {len(chars)} chars, {time.time() - t0:.0f}s",
          flush=True)

    params = init_params(jax.random.PRNGKey(a.seed), len(chars) + 4, emb.shape[1], a.hidden, a.char_dim,
                         a.filters)
    params = jax.tree_util.tree_map(jax.numpy.asarray, params)
    opt = optax.chain(optax.clip_by_global_norm(5.0), optax.adam(a.lr))
    state = opt.init(params)
    grad_fn, _ = make_fns(emb, tarr, a.hidden, a.p_in, a.p_hid, a.p_word)

    @jax.jit
    def update(params, state, grads, ema):
        upd, state = opt.update(grads, state, params)
        params = optax.apply_updates(params, upd)
        # exponential moving average of the weights: what is exported (steadier than the last step)
        ema = jax.tree_util.tree_map(lambda e, p: a.ema * e + (1 - a.ema) * p, ema, params)
        return params, state, ema

    ema = params

    rng = random.Random(a.seed)
    key = jax.random.PRNGKey(a.seed + 1)
    best, best_epoch, best_arrays = -1.0, 0, None
    t_train = time.time()
    for epoch in range(1, a.epochs + 1):
        te = time.time()
        total = 0.0
        for ty, mk, lb, ln in batches(enc, a.batch, rng):
            key, sub = jax.random.split(key)
            val, grads = grad_fn(params, ty, mk, lb, ln, sub)
            params, state, ema = update(params, state, grads, ema)
            total += float(val)
        arrays = export(ema if a.ema else params, vocab, emb_q, emb_s, chars)
        msg = f"epoch {epoch} loss {total:.0f} {time.time() - te:.0f}s"
        if enc_dev is not None:
            raw, post = evaluate(arrays, enc_dev)
            msg += f" dev F1 {raw:.4f} post {post:.4f}"
            if post > best:
                best, best_epoch, best_arrays = post, epoch, arrays
        else:
            best_epoch, best_arrays = epoch, arrays
        print(msg, flush=True)
        if enc_dev is not None and epoch - best_epoch >= a.patience:
            break
        if time.time() - t_train > a.minutes * 60:
            print("time limit", flush=True)
            break
    assert best_arrays is not None
    np.savez_compressed(a.out, **best_arrays)
    print(f"{'best' if enc_dev is not None else 'last'} epoch {best_epoch} dev {best:.4f}; wrote {a.out} ({a.out.stat().st_size // 1024} KB) "
          f"in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
