"""The CRF tagger: loads the shipped model once per process and tags token sequences in BIO.

Labels are BIO over PER, ORG, LOC, FAC.
"""

from __future__ import annotations

import gzip
import threading
from functools import lru_cache
from itertools import chain
from pathlib import Path

from worker.extract.memo import WORD_TYPES
from worker.extract.ner.features import Featurizer, fold_token, get_featurizer

__all__ = ["MODEL_PATH", "NerTagger", "get_tagger", "spans_from_bio"]

MODEL_PATH = Path(__file__).with_name("model.crfsuite")
ENTITY_TYPES = ("PER", "ORG", "LOC", "FAC")
_BATCH_CELLS = 20000  # sentences x padded length per Viterbi batch
_MAX_ROWS = WORD_TYPES  # word types with cached score vectors (360 bytes each)


def weights_path(model_path: Path) -> Path:
    """Side file with the model's weights as text (written by the training script):
    a ``#labels`` line, ``#trans`` lines (from, to, weight), then ``attribute<TAB>label<TAB>weight``."""
    return model_path.with_name(model_path.stem + ".weights.tsv.gz")


class _Weights:
    """A linear-chain CRF's parameters as numpy arrays, for a decoder that caches per word type."""

    def __init__(self, labels: list[str], trans: dict[tuple[str, str], float], attrs: list[str],
                 labs: list[str], weights: list[float] | list[str]) -> None:
        """``attrs[k]``, ``labs[k]``, ``weights[k]``: the state weights, each (attribute, label) once."""
        import numpy as np

        self.labels = labels
        li = {lab: k for k, lab in enumerate(labels)}
        self.trans = np.zeros((len(labels), len(labels)))
        for (a, b), w in trans.items():
            self.trans[li[a], li[b]] = w
        # one matrix row per attribute, in first-seen order; row 0 stays zero (the start of every sum, and
        # the padding). Filled by one fancy assignment: the (attribute, label) keys are unique, so this is
        # the same matrix as assigning weight by weight (which was ~0.2 s of the chain's load)
        firsts = dict.fromkeys(attrs)
        self.index: dict[str, int] = dict(zip(firsts, range(1, len(firsts) + 1), strict=True))
        self.matrix = np.zeros((len(self.index) + 1, len(labels)))
        rows = np.fromiter(map(self.index.__getitem__, attrs), dtype=np.intp, count=len(attrs))
        cols = np.fromiter(map(li.__getitem__, labs), dtype=np.intp, count=len(labs))
        self.matrix[rows, cols] = np.array(weights, dtype=np.float64)
        self.rows = self.index  # the attributes the model knows (kept name)

    @classmethod
    def from_file(cls, path: Path) -> _Weights:
        labels: list[str] = []
        trans: dict[tuple[str, str], float] = {}
        # the whole file decompressed and split at once (iterating a gzip text stream line by line was
        # about half of this method's time); "\r" is read as a line end as text mode did
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines and not lines[-1]:
            lines.pop()  # the end of the last line
        body: list[str] = []
        for line in lines:
            if line.startswith("#"):
                parts = line.split("\t")
                if parts[0] == "#labels":
                    labels = parts[1:]
                    continue
                if parts[0] == "#trans":
                    trans[(parts[1], parts[2])] = float(parts[3])
                    continue
            body.append(line)
        # the state lines (attribute, label, weight; each pair once, as ``write`` gives them) split all at
        # once and read as three columns: a dict of (attribute, label) keys built line by line was most of
        # the load once the self-trained model had 2.4 times the attributes
        cells = "\t".join(body).split("\t") if body else []
        if len(cells) != 3 * len(body):
            raise ValueError(f"{path}: a state line without three fields")
        return cls(labels, trans, cells[0::3], cells[1::3], cells[2::3])

    @staticmethod
    def write(model_path: Path) -> None:
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open(str(model_path))
        info = tagger.info()
        with gzip.open(weights_path(model_path), "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write("#labels\t" + "\t".join(tagger.labels()) + "\n")
            for (a, b), w in info.transitions.items():
                fh.write(f"#trans\t{a}\t{b}\t{w:.5g}\n")
            for (attr, lab), w in sorted(info.state_features.items()):
                fh.write(f"{attr}\t{lab}\t{w:.5g}\n")


class NerTagger:
    """Tags sentences with the CRF.

    Decoding is done here rather than by crfsuite: the model's state weights are summed once per
    word type (its own features) and once per (word type, neighbour offset), cached, and a sentence's
    scores are those cached vectors shifted into place plus the few per-sentence features; Viterbi
    then runs over all sentences of a document at once. Same scores as crfsuite (tested), several
    times faster on news text. Without the weights file it falls back to crfsuite.
    """

    def __init__(self, model_path: Path | str | None = None, featurizer: Featurizer | None = None) -> None:
        path = Path(model_path or MODEL_PATH)
        side = weights_path(path)
        self._crf = None
        self._w: _Weights | None = None
        try:
            if not side.exists():
                raise FileNotFoundError(side)
            self._w = _Weights.from_file(side)
            known = frozenset(self._w.rows)
        except FileNotFoundError:  # numpy is a dependency of the service: only the weights file may be absent
            import pycrfsuite

            self._crf = pycrfsuite.Tagger()
            self._crf.open(str(path))
            known = frozenset(a for a, _ in self._crf.info().state_features)
        # labels other than B/I of the four types (a model trained with --aux-labels) come out as O
        names = self._w.labels if self._w is not None else list(self._crf.labels())
        self._out = {lab: (lab if lab == "O" or lab[2:] in ENTITY_TYPES else "O") for lab in names}
        # restricted to this model's attributes (caches are per model)
        self.featurizer = (featurizer or get_featurizer()).restricted(known, cache_words=self._w is None)
        if self._w is not None:
            from worker.extract.ner.rowtable import RowTable
            from worker.extract.ner.word_rows import WordRows

            self._word_rows = WordRows(self._w.index, self.featurizer)  # a new word's attribute rows
            # per word type: [own features, seen from -2, -1, +1, +2]
            self._rows = RowTable((5, len(self._w.labels)), self._type_rows, _MAX_ROWS)
        self._lock = threading.Lock()  # for the score table, and pycrfsuite.Tagger keeps per-call state

    # -- per word type score vectors --------------------------------------------------------------

    def _sums(self, lists: list):
        """Summed state weights of each feature list, shape (len(lists), labels).

        Every sum starts from zero and adds the attributes' rows in list order (the zero row pads
        shorter lists at the end), i.e. the same floating-point operations as adding them one by
        one, done in a single numpy reduction over the middle axis. Unknown attributes are skipped."""
        get = self._w.index.get
        return self._sum_rows([[0, *filter(None, map(get, feats))] for feats in lists])  # rows are >= 1

    def _sum_rows(self, rows: list[list[int]]):
        """:meth:`_sums` of lists of attribute rows (each starting with the zero row 0)."""
        import numpy as np

        if not rows:
            return np.zeros((0, len(self._w.labels)))
        n = list(map(len, rows))
        # the width and the count in Python: ndarray.max()/.sum() on a small array cost more (their wrappers)
        width = max(n)
        lens = np.array(n, dtype=np.intp)
        idx = np.zeros((len(rows), width), dtype=np.intp)
        idx[np.arange(width) < lens[:, None]] = np.fromiter(chain.from_iterable(rows), dtype=np.intp, count=sum(n))
        return self._w.matrix[idx].sum(axis=1)

    def _type_rows(self, keys: list[str]):
        """Score table rows for new word types: [own features, seen from -2, -1, +1, +2]."""
        import numpy as np

        own: list[list[int]] = []
        ctx: list[list[int]] = []
        rows = self._word_rows.rows
        for key in keys:
            o, *c = rows(key)
            own.append(o)
            ctx.extend(c)
        # two reductions: own lists are long (letter n-grams of rare words), context lists short,
        # so padding them to one width would waste most of the work
        block = np.empty((len(keys), 5, len(self._w.labels)))
        block[:, 0] = self._sum_rows(own)
        block[:, 1:] = self._sum_rows(ctx).reshape(len(keys), 4, len(self._w.labels))
        return block

    def _scores(self, sents: list[list[str]]):
        """State scores for all tokens of ``sents`` (concatenated), shape (tokens, labels)."""
        import numpy as np

        flat_keys = [k for s in sents for k in s]
        ids = self._rows.ids(flat_keys)  # first: adding rows may replace the table
        v = self._rows.table[ids]  # (n, 5, labels)
        lens = [len(s) for s in sents]
        starts = np.repeat(np.cumsum([0, *lens[:-1]]), lens)
        pos = np.arange(len(flat_keys)) - starts  # index within its sentence
        left = np.repeat(np.array(lens) - 1, lens) - pos  # tokens to the right
        sc = v[:, 0].copy()
        for off, col in ((-2, 1), (-1, 2), (1, 3), (2, 4)):
            # token t gets the vector of its neighbour at t+off "seen from" -off, within its sentence: one
            # masked in-place add (where=) instead of boolean gathers and a scatter, the same additions
            if off < 0:
                dst = sc[-off:]
                np.add(dst, v[:off, col], out=dst, where=(pos[-off:] >= -off)[:, None])
            else:
                dst = sc[:-off]
                np.add(dst, v[off:, col], out=dst, where=(left[:-off] >= off)[:, None])
        at: list[int] = []
        lists: list[list[str]] = []
        t = 0
        extras = self.featurizer.extras_sparse
        for s in sents:
            ex = extras(s)
            for i in sorted(ex):
                at.append(t + i)
                lists.append(ex[i])
            t += len(s)
        if lists:
            sc[at] += self._sums(lists)
        return sc

    def tag_many(self, sents: list[list[str]]) -> list[list[str]]:
        """Tags for several sentences of folded keys (one batched Viterbi)."""
        if self._w is None:
            return [self.tag_keys(k) for k in sents]
        out: list[list[str]] = [[] for _ in sents]
        # batches of similar length, so padding stays small and one huge "sentence" cannot blow up
        # the (batch, length, labels) arrays
        order = sorted((i for i, k in enumerate(sents) if k), key=lambda i: len(sents[i]))
        batch: list[int] = []
        for i in order:
            if batch and (len(batch) + 1) * len(sents[i]) > _BATCH_CELLS:
                self._viterbi(sents, batch, out)
                batch = []
            batch.append(i)
        if batch:
            self._viterbi(sents, batch, out)
        return out

    def _viterbi(self, sents: list[list[str]], idx: list[int], out: list[list[str]]) -> None:
        import numpy as np

        from worker.extract.ner.decode import viterbi

        labels = self._w.labels
        idx = sorted(idx, key=lambda i: -len(sents[i]))  # longest first, as viterbi() wants them
        lens = [len(sents[i]) for i in idx]
        with self._lock:  # the score table grows as new words come
            flat = self._scores([sents[i] for i in idx])
        scores = np.zeros((len(idx), lens[0], len(labels)))
        rows = np.repeat(np.arange(len(idx)), lens)
        cols = np.arange(len(flat)) - np.repeat(np.cumsum([0, *lens[:-1]]), lens)
        scores[rows, cols] = flat
        names = [self._out[lab] for lab in labels]
        for i, y in zip(idx, viterbi(scores, lens, self._w.trans), strict=True):
            out[i] = [names[k] for k in y]

    def tag_keys(self, keys: list[str]) -> list[str]:
        """Tags for a sentence of folded keys (see :func:`fold_token`)."""
        if not keys:
            return []
        if self._w is not None:
            return self.tag_many([keys])[0]
        feats = self.featurizer.sentence(keys)
        with self._lock:
            return [self._out[t] for t in self._crf.tag(feats)]

    def tag(self, tokens: list[str]) -> list[str]:
        """Tags for a sentence of raw tokens."""
        return self.tag_keys([fold_token(t) for t in tokens])


@lru_cache(maxsize=4)
def get_tagger(model_path: str | None = None) -> NerTagger:
    return NerTagger(model_path)


def spans_from_bio(tags: list[str]) -> list[tuple[int, int, str]]:
    """``(start, end, type)`` token spans from BIO tags (a stray I- starts a span)."""
    if tags.count("O") == len(tags):
        return []  # no entity (~40% of sentences; each is read by tidy, propagate and the rules): one C call
    out: list[tuple[int, int, str]] = []
    start, typ = None, None
    for i, tag in enumerate([*tags, "O"]):
        if tag == "O":  # most tags: close the open span, if any
            if start is not None:
                out.append((start, i, typ or ""))
                start, typ = None, None
            continue
        bio, _, t = tag.partition("-")
        if start is not None and (bio != "I" or t != typ):
            out.append((start, i, typ or ""))
            start, typ = None, None
        if bio == "B" or (bio == "I" and start is None):
            start, typ = i, t
    return out


# --- span clean-up -------------------------------------------------------------------------------

# words before a place name that are not part of it ("بمدينة قوانغتشو" -> "قوانغتشو"; the guidelines:
# administrative-unit words, "محافظة البصرة" -> "البصرة")
_PLACE_HEADS = frozenset("مدينه بلده منطقه ناحيه العاصمه محافظه قريه ولايه اقليم مقاطعه".split())


_NAME_LINKS = frozenset("بن ابن بنت ابو ابي ام ال".split())
_VERB_FREQ = 1000  # a conjunction + word this frequent is running text, not the start of a name


def _leading_non_name(keys: list[str], a: int, b: int, feat: Featurizer, first_names: frozenset[str]) -> bool:
    """Whether the first word of a person span is a word before the name rather than part of it:
    a describing adjective in a long span ("الأسبق الصادق المهدي", "المشهور ابن بطوطة") or a
    conjunction + frequent word ("وأشارت لاغارد"). Names that start with ال ("الوليد بن طلال") are
    kept by the link word after them or the first-name list."""
    k = keys[a]
    if k in first_names or k[2:] in first_names or keys[a + 1] in _NAME_LINKS:
        return False
    gaz = feat.gaz.by_form.get(k)
    if gaz is not None and gaz.type == "PER":
        return False
    if k.startswith("ال") and len(k) > 3 and b - a >= 3:
        return True
    # the corpus writes "وأشارت" often enough that the clitic split keeps it whole: test both forms
    rest = k[1:]
    return (k[:1] in ("و", "ف") and len(k) > 3 and rest not in first_names
            and max(feat.freq(k), feat.freq(rest)) > _VERB_FREQ)


def tidy(sents: list[list[str]], tags: list[list[str]], featurizer: Featurizer | None = None) -> None:
    """Clean-up of CRF spans (in place) that holds under NewsFANE's conventions and ours: numbers
    are cut off names ("تانغ 618"), titles off persons ("الرائد ديسبارد"), a bare title is no
    person, and a "مدينة/بلدة/منطقة" head is cut off a place."""
    feat = featurizer or get_featurizer()
    titles = feat.gaz.lexicon.get("titles", frozenset())
    first_names = feat.gaz.lexicon.get("first_names", frozenset())
    for keys, row in zip(sents, tags, strict=True):
        for i, j, typ in spans_from_bio(row):
            a, b = i, j
            while b > a and keys[b - 1].isdigit():
                b -= 1
            while a < b and keys[a].isdigit():
                a += 1
            if typ == "PER":
                while a < b - 1 and (keys[a] in titles or feat.stem(keys[a])[1] in titles):
                    a += 1
                if b - a == 1 and keys[a] in titles:
                    a = b
                while b - a >= 2 and _leading_non_name(keys, a, b, feat, first_names):
                    a += 1
            elif typ == "LOC" and b - a > 1 and feat.stem(keys[a])[1] in _PLACE_HEADS:
                a += 1
            if (a, b) != (i, j):
                for t in range(i, j):
                    row[t] = "O"
                if a < b:
                    row[a] = "B-" + typ
                    for t in range(a + 1, b):
                        row[t] = "I-" + typ


# --- document-level propagation --------------------------------------------------------------------

# single words above this corpus frequency are never labelled by propagation alone ("لي", "عمر")
_PROPAGATE_MAX_FREQ = 3000
_COMPONENT_MAX_FREQ = 1000  # the same for one word of a person's name seen alone


def propagate(sents: list[list[str]], tags: list[list[str]], featurizer: Featurizer | None = None,
              window: int | None = None) -> None:
    """Second pass over a document (in place): a name the CRF found once is a name everywhere.

    Untagged exact occurrences of a tagged phrase get its type; the first and last word of a
    multi-word person name mark later single-word mentions ("ميساء مغربي" ... "ميساء"). ``window``
    limits the evidence to that many sentences around (for a stream of unrelated sentences).
    """
    feat = featurizer or get_featurizer()
    spans = [spans_from_bio(t) for t in tags]
    lex = feat.gaz.lexicon
    not_names = lex.get("titles", frozenset()) | lex.get("nationality", frozenset()) | lex.get(
        "generic_bodies", frozenset())

    def phrases(lo: int, hi: int) -> dict[tuple[str, ...], str]:
        votes: dict[tuple[str, ...], dict[str, int]] = {}
        for s in range(lo, hi):
            keys = sents[s]
            for i, j, typ in spans[s]:
                ph = tuple([feat.stem(keys[i])[1], *keys[i + 1:j]])
                votes.setdefault(ph, {}).setdefault(typ, 0)
                votes[ph][typ] += 1
                if typ == "PER" and j - i >= 2 and not (set(ph) & not_names):
                    for k in (ph[0], ph[-1]):
                        if feat.freq(k) <= _COMPONENT_MAX_FREQ and len(k) > 2 and not feat.stem(k)[0]:
                            votes.setdefault((k,), {}).setdefault("PER", 0)
        return {ph: max(v.items(), key=lambda kv: kv[1])[0] for ph, v in votes.items()}

    def index(table: dict[tuple[str, ...], str]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for ph, typ in sorted(table.items(), key=lambda kv: -len(kv[0])):
            by_first.setdefault(ph[0], []).append((ph, typ))
        return by_first

    whole = index(phrases(0, len(sents))) if window is None else None
    stems_get = feat._stems.get  # feat.stem's cache read directly: the loop below asks for most tokens
    for s, keys in enumerate(sents):
        by_first = whole if whole is not None else index(
            phrases(max(0, s - window), min(len(sents), s + window + 1)))
        if not by_first:
            continue
        row = tags[s]
        i = 0
        n_keys = len(keys)
        while i < n_keys:
            if row[i] != "O":
                i += 1
                continue
            k = keys[i]
            cands = by_first.get(k)
            first = k
            if cands is None:
                first = (stems_get(k) or feat.stem(k))[1]
                cands = by_first.get(first) if first != k else None
                if cands is None:
                    i += 1
                    continue
            done = False
            for ph, typ in cands:
                n = len(ph)
                if i + n > n_keys or tuple(keys[i + 1:i + n]) != ph[1:]:
                    continue
                if any(t != "O" for t in row[i:i + n]):
                    continue
                if n == 1 and (feat.freq(first) > _PROPAGATE_MAX_FREQ or len(first) < 3 or first in not_names):
                    continue
                if i + n < n_keys and row[i + n].startswith("I-"):
                    continue
                row[i] = "B-" + typ
                for j in range(i + 1, i + n):
                    row[j] = "I-" + typ
                i += n
                done = True
                break
            if not done:
                i += 1
