"""Per-token inputs of the neural tagger, shared by training and run-time inference.

Why a module of its own: the model is only valid together with exactly these inputs, so the
training script and the numpy tagger must compute them with the same code. Everything here is a
function of the folded word *type* (cached by the caller) except the gazetteer phrase marks, which
depend on the sentence.

Inputs of a word type:

* its word id and the id of its clitic-less rest (:func:`strip_clitics` via the CRF featurizer, so
  "وسوريا" also looks up "سوريا") in the embedding vocabulary (pre-trained on the ANT corpus),
* its letters (for the character CNN; transliterated foreign names are mostly unseen words),
* a small vector of flags: shape, clitic/article, corpus frequency, length, and gazetteer and
  word-list membership of the word and of its rest (the same evidence the CRF's ``g=``/``gs=``
  features use).

Sentence-level: the B/I marks of multi-word gazetteer phrases (the CRF's ``gp=`` feature).
"""

from __future__ import annotations

import math

from worker.extract.ner.features import Featurizer, _shape

__all__ = ["GAZ_TYPES", "N_FLAGS", "N_PHRASE", "char_ids", "flags", "phrase_marks"]

GAZ_TYPES = ("PER", "ORG", "LOC", "FAC")
_SHAPES = ("ar", "num", "LAT", "Lat", "lat", "punct", "mix", "empty")
_LISTS = ("first_names", "titles", "nationality", "org_heads", "fac_heads", "loc_heads", "generic_bodies")
# gazetteer tag string -> flag offset within one block (type x confidence, then the word lists)
_GAZ_SLOTS = {f"g{t}{c}": 2 * k + j for k, t in enumerate(GAZ_TYPES) for j, c in enumerate("!?")}
_GAZ_SLOTS.update({name: 2 * len(GAZ_TYPES) + k for k, name in enumerate(_LISTS)})
_BLOCK = 2 * len(GAZ_TYPES) + len(_LISTS)
_BASE = len(_SHAPES) + 5  # shape one-hot, clitic, article, unknown, log-frequency, length
N_FLAGS = _BASE + 2 * _BLOCK
N_PHRASE = 1 + 2 * len(GAZ_TYPES)  # none, B-type, I-type
MAX_CHARS = 16  # letters fed to the character CNN (first 8 and last 8 of longer words)
BOW, EOW, UNK_CHAR = 1, 2, 3  # char id 0 pads


def flags(feat: Featurizer, key: str) -> list[float]:
    """The flag vector of a folded word type (length :data:`N_FLAGS`)."""
    v = [0.0] * N_FLAGS
    sh = _shape(key)
    v[_SHAPES.index(sh)] = 1.0
    cl, rest = feat.stem(key)
    if cl:
        v[len(_SHAPES)] = 1.0
    if rest.startswith("ال") and len(rest) > 3:
        v[len(_SHAPES) + 1] = 1.0
    f = feat.freq(key) or (feat.freq(rest) if cl else 0)
    if not f:
        v[len(_SHAPES) + 2] = 1.0
    v[len(_SHAPES) + 3] = math.log2(f + 1) / 16.0
    v[len(_SHAPES) + 4] = min(len(key), 12) / 12.0
    for t in feat._gaz_tags(key):
        s = _GAZ_SLOTS.get(t)
        if s is not None:
            v[_BASE + s] = 1.0
    if cl:
        for t in feat._gaz_tags(rest):
            s = _GAZ_SLOTS.get(t)
            if s is not None:
                v[_BASE + _BLOCK + s] = 1.0
    return v


def char_ids(key: str, table: dict[str, int]) -> list[int]:
    """Character ids of a word: BOW, letters (first and last ``MAX_CHARS // 2`` of long words), EOW."""
    if len(key) > MAX_CHARS:
        key = key[: MAX_CHARS // 2] + key[-(MAX_CHARS // 2):]
    return [BOW, *(table.get(c, UNK_CHAR) for c in key), EOW]


def phrase_marks(feat: Featurizer, keys: list[str]) -> list[int]:
    """Per token: 0, or 1 + 2 * type index (+1 inside) for multi-word gazetteer phrases, found the
    way the CRF's ``gp=`` feature finds them (the first word may carry a clitic)."""
    n = len(keys)
    out = [0] * n
    gaz = feat.gaz
    start = feat._phrase_start  # cached per word type
    i = 0
    while i < n:
        k = keys[i]
        first = start(k)
        hit = None
        if first is not None:
            hit = gaz.match_at(keys, i) if first == k else gaz.match_at([first, *keys[i + 1:i + gaz.max_len]], 0)
        if hit is not None and hit[0] > 1 and hit[1].type in GAZ_TYPES:
            m, e = hit
            t = GAZ_TYPES.index(e.type)
            out[i] = 1 + 2 * t
            for j in range(i + 1, min(n, i + m)):
                out[j] = 2 + 2 * t
            i += m
        else:
            i += 1
    return out
