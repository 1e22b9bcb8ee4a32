"""CRF features for Arabic NER.

Token features are computed once per word *type* and cached (news text repeats words a lot), then a
token's feature list is the concatenation of its own cached list and its neighbours' cached
"context" lists. Sentence-level gazetteer-phrase features are added on top. Everything is keyed on
the folded form (:func:`worker.extract.normalize.fold`), so the model sees the same key for
"إدلب"/"ادلب" and for NewsFANE's hamza-less spelling.

The features must be identical at training and run time: the model file is only valid together with
this module, ``clusters.tsv.gz`` and the gazetteer it was trained with.
"""

from __future__ import annotations

import gzip
import math
import re
from functools import lru_cache
from pathlib import Path

from worker.extract.gazetteer import get_gazetteer
from worker.extract.memo import WORD_TYPES
from worker.extract.normalize import fold
from worker.settings import get_settings

__all__ = ["Featurizer", "get_featurizer", "strip_clitics"]

HERE = Path(__file__).parent
_ARABIC = frozenset(chr(c) for c in range(0x0621, 0x064B))
_ARABIC_RE = re.compile("[\u0621-\u064a]+")  # the same letters as _ARABIC
_CONJ = "وف"
_PREP = "بلك"
_MAX_CACHE = WORD_TYPES  # word types whose feature lists are kept (bounded: a worker runs for days)
_LEN = tuple(f"len={n}" for n in range(8))
# context feature prefixes for offsets -2, -1, +1, +2, and whether the offset is a direct neighbour
CTX_PREFIXES = (("-2:", False), ("-1:", True), ("1:", True), ("2:", False))


def _shape(w: str) -> str:
    if not w:
        return "empty"
    if _ARABIC_RE.fullmatch(w):
        return "ar"
    if w.isdigit():
        return "num"
    if w.isascii() and w.isalpha():
        return "LAT" if w.isupper() else ("Lat" if w[0].isupper() else "lat")
    if not any(c.isalnum() for c in w):
        return "punct"
    return "mix"


class Featurizer:
    """Turns folded token sequences into crfsuite feature lists."""

    def __init__(self, clusters_path: Path | None = None) -> None:
        self.clusters: dict[str, tuple[int, str, str, str]] = {}
        with gzip.open(clusters_path or HERE / "clusters.tsv.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                w, f, c1, c2, c3 = line.rstrip("\n").split("\t")
                self.clusters[w] = (int(f), c1, c2, c3)
        self.gaz = get_gazetteer()
        lex = self.gaz.lexicon
        self._lists = [(name, lex.get(name, frozenset())) for name in
                       ("first_names", "titles", "nationality", "org_heads", "fac_heads", "loc_heads",
                        "generic_bodies")]
        # word -> the names of the lists above it is in, in their order (one lookup instead of seven)
        self._list_tags: dict[str, tuple[str, ...]] = {}
        for name, words in self._lists:
            for w in words:
                self._list_tags[w] = (*self._list_tags.get(w, ()), name)
        # per word type feature caches hold tuples (immutable, and untracked by the garbage collector
        # once it has seen they hold only strings)
        self._local: dict[str, tuple[str, ...]] = {}
        self._ctx: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._cache_words = True
        self._filter = True
        self._stems: dict[str, tuple[str, str]] = {}
        self._phrase_starts: dict[str, str | None] = {}  # key -> gazetteer phrase first word to try
        self._bigrams: tuple[dict[str, set[str]], dict[str, set[str]]] | None = None
        self._word_info: dict[str, tuple[set[str] | None, set[str] | None, str | None]] = {}
        # attributes the model knows (None while training): unknown ones are dropped once per word
        # type, so the tagger is not fed strings it would ignore anyway
        self.known: frozenset[str] | None = None

    def restricted(self, known: frozenset[str] | None, cache_words: bool = True) -> Featurizer:
        """A featurizer sharing this one's tables that only emits attributes in ``known`` (a model's).

        ``cache_words=False`` when the caller caches something derived per word itself (the fast
        decoder keeps score vectors, not feature lists, which would cost ~3 KB a word)."""
        other = object.__new__(Featurizer)
        other.clusters, other.gaz, other._lists, other._stems = self.clusters, self.gaz, self._lists, self._stems
        other._list_tags = self._list_tags
        other._local, other._ctx = {}, {}
        other._cache_words = cache_words
        # a caller that caches per word itself sums model weights by attribute and skips unknown
        # ones anyway: filtering the lists first would be work for nothing
        other._filter = cache_words
        other._phrase_starts, other._bigrams = self._phrase_starts, None
        other._word_info = {}
        other.known = known
        return other

    def _bigram_index(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Known word bigrams by first word, for the -1 and +1 bigram features."""
        if self._bigrams is None:
            left: dict[str, set[str]] = {}
            right: dict[str, set[str]] = {}
            for f in self.known or ():
                if f.startswith("bg-=") or f.startswith("bg+="):
                    a, _, b = f[4:].partition("|")
                    (left if f[2] == "-" else right).setdefault(a, set()).add(b)
            self._bigrams = (left, right)
        return self._bigrams

    def _keep(self, feats: list[str]) -> list[str]:
        known = self.known
        return feats if known is None or not self._filter else [f for f in feats if f in known]

    # -- word-level -------------------------------------------------------------------------------

    def freq(self, key: str) -> int:
        c = self.clusters.get(key)
        return c[0] if c else 0

    def stem(self, key: str) -> tuple[str, str]:
        """``(clitics, rest)``: conjunction/preposition letters that look attached, by corpus evidence."""
        got = self._stems.get(key)
        if got is None:
            if len(self._stems) > _MAX_CACHE:
                self._stems.clear()  # bound memory on endless streams of new words
            got = self._stems[key] = strip_clitics(key, self.freq)
        return got

    def _gaz_tags(self, key: str) -> list[str] | tuple[str, ...]:
        e = self.gaz.by_form.get(key)
        listed = self._list_tags.get(key, ())
        if e is not None and e.type != "PER":
            # the curated people are for the entity rules only: as a feature the CRF leans on them for
            # the famous names in its training data and loses 1.5 F1 on unseen articles' names
            return ["g" + e.type + ("!" if e.confident else "?"), *listed]
        return listed

    def local(self, key: str) -> tuple[str, ...] | list[str]:
        feats = self._local.get(key)
        if feats is not None:
            return feats
        cl, rest = self.stem(key)
        n = len(key)
        feats = ["b", "w=" + key, "sh=" + _shape(key), _LEN[n] if n < 8 else "len=8+"]
        # letter prefixes and suffixes: p1 s1 p2 s2 p3 s3 (each while the word is longer), then s4
        if n > 1:
            feats += ("p1=" + key[:1], "s1=" + key[-1:])
            if n > 2:
                feats += ("p2=" + key[:2], "s2=" + key[-2:])
                if n > 3:
                    feats += ("p3=" + key[:3], "s3=" + key[-3:])
                    if n > 4:
                        feats.append("s4=" + key[-4:])
        ck = self.clusters.get(key)
        if n > 3 and (ck[0] if ck else 0) < 50:
            # rare words (often transliterated foreign names): letter bigrams
            feats.extend({"ng=" + key[k:k + 2] for k in range(n - 1)})
        if cl:
            feats.append("cl=" + cl)
            feats.append("st=" + rest)
        base = rest if rest.startswith("ال") or not cl else rest
        if base.startswith("ال") and len(base) > 3:
            feats.append("al")
            feats.append("nal=" + base[2:])
        c = ck or (self.clusters.get(rest) if cl else None)
        if c is None:
            feats.append("unk")
        else:
            feats.extend(("c1=" + c[1], "c2=" + c[2], "c3=" + c[3], "fq=" + str(int(math.log2(c[0] + 1)))))
        feats += ["g=" + t for t in self._gaz_tags(key)]
        if cl:
            feats += ["gs=" + t for t in self._gaz_tags(rest)]
        feats = self._keep(feats)
        if self._cache_words:
            if len(self._local) > _MAX_CACHE:
                self._local.clear()
            self._local[key] = feats = tuple(feats)
        return feats

    def context_parts(self, key: str) -> tuple[list[str], list[str]]:
        """``(base, near)``: the context features of ``key`` before their offset prefix; ``base`` is
        seen from offsets -2/+2, ``near`` (= ``base`` + one suffix feature) from -1/+1."""
        base = ["w=" + key]
        c = self.clusters.get(key)
        cl, rest = self.stem(key)
        if c is None and cl:
            c = self.clusters.get(rest)
        if c is not None:
            base += ["c2=" + c[2], "c3=" + c[3]]
        if cl:
            base.append("st=" + rest)
        base += ["g=" + t for t in self._gaz_tags(key)]
        return base, base + ["s2=" + key[-2:]]

    def context(self, key: str) -> tuple[tuple[str, ...] | list[str], ...]:
        """Context feature lists of ``key`` seen from offsets -2, -1, +1, +2."""
        got = self._ctx.get(key)
        if got is not None:
            return got
        base, near = self.context_parts(key)
        got = tuple(self._keep([o + f for f in (near if adjacent else base)]) for o, adjacent in CTX_PREFIXES)
        if self._cache_words:
            got = tuple(tuple(c) for c in got)
            if len(self._ctx) > _MAX_CACHE:
                self._ctx.clear()
            self._ctx[key] = got
        return got

    # -- sentence-level ---------------------------------------------------------------------------

    def sentence(self, keys: list[str]) -> list[list[str]]:
        """Feature lists for one sentence of folded tokens."""
        n = len(keys)
        ctx = [self.context(k) for k in keys]
        out = self.extras(keys)
        for i, k in enumerate(keys):
            f = out[i]
            f += self.local(k)
            if i >= 2:
                f += ctx[i - 2][0]
            if i >= 1:
                f += ctx[i - 1][1]
            if i + 1 < n:
                f += ctx[i + 1][2]
            if i + 2 < n:
                f += ctx[i + 2][3]
        return out

    def extras(self, keys: list[str]) -> list[list[str]]:
        """The per-sentence features that are not cached per word type: sentence edges, word
        bigrams and multi-token gazetteer phrases (B/I of a type)."""
        if self.known is not None:
            out: list[list[str]] = [[] for _ in keys]
            for i, feats in self.extras_sparse(keys).items():
                out[i] = feats
            return out
        n = len(keys)
        out = [[] for _ in keys]
        if n:
            out[0].append("BOS")
            out[-1].append("EOS")
        for i in range(1, n):
            out[i].append("bg-=" + keys[i - 1] + "|" + keys[i])
            out[i - 1].append("bg+=" + keys[i - 1] + "|" + keys[i])
        info = [(None, None, self._phrase_start(k)) for k in keys]
        for i, m, typ in self._phrases(keys, info):
            out[i].append("gp=B-" + typ)
            for j in range(i + 1, i + m):
                out[j].append("gp=I-" + typ)
        return out

    def extras_sparse(self, keys: list[str]) -> dict[int, list[str]]:
        """:meth:`extras` of a model's featurizer (``known`` set) as {token index: its features}, for
        the few tokens that have any: the tagger sums these per sentence, and most tokens have none."""
        n = len(keys)
        out: dict[int, list[str]] = {}
        if not n:
            return out
        out[0] = ["BOS"]
        out.setdefault(n - 1, []).append("EOS")
        get = self._word_info.get
        info = [get(k) or self._info(k) for k in keys]
        # per token: BOS/EOS, its bigram with the word before, with the word after, then phrase tags
        for i in range(1, n):
            left, right, _ = info[i - 1]
            if left is not None or right is not None:
                a, b = keys[i - 1], keys[i]
                if left is not None and b in left:
                    out.setdefault(i, []).append("bg-=" + a + "|" + b)
                if right is not None and b in right:
                    out.setdefault(i - 1, []).append("bg+=" + a + "|" + b)
        for i, m, typ in self._phrases(keys, info):
            out.setdefault(i, []).append("gp=B-" + typ)
            for j in range(i + 1, i + m):
                out.setdefault(j, []).append("gp=I-" + typ)
        return out

    def _phrases(self, keys: list[str], info: list) -> list[tuple[int, int, str]]:  # noqa: ANN001
        """Multi-token gazetteer phrases left to right: (first token, tokens, type)."""
        gaz = self.gaz
        found: list[tuple[int, int, str]] = []
        nxt = 0
        for i in [i for i, x in enumerate(info) if x[2] is not None]:  # words that may start a phrase
            if i < nxt:
                continue  # inside the phrase found before
            first = info[i][2]
            # a phrase may start with a clitic-attached first word ("وقوات سوريا الديمقراطية")
            # curated people are for the entity rules only (see _gaz_tags)
            # only multi-token phrases are features: min_len=2 gives the same hits as the longest match
            # kept when longer than one token, without looking up the one-token names
            hit = (gaz.match_at(keys, i, "PER", 2) if first == keys[i]
                   else gaz.match_at([first, *keys[i + 1:i + gaz.max_len]], 0, "PER", 2))
            if hit is not None:
                found.append((i, hit[0], hit[1].type))
                nxt = i + hit[0]
        return found

    def _phrase_start(self, k: str) -> str | None:
        """The gazetteer phrase first word to try at ``k``: itself, its clitic-less rest, or None."""
        first = self._phrase_starts.get(k, "")
        if first == "":
            starts = self._phrase_starts
            if len(starts) > _MAX_CACHE:
                starts.clear()
            cl, rest = self.stem(k)
            phrases = self.gaz.phrases
            first = k if k in phrases else (rest if cl and rest in phrases else None)
            starts[k] = first
        return first

    def _info(self, k: str) -> tuple[set[str] | None, set[str] | None, str | None]:
        """Per word type: the words it forms a known -1 / +1 bigram with, and its phrase start."""
        left, right = self._bigram_index()
        got = (left.get(k), right.get(k), self._phrase_start(k))
        if len(self._word_info) > _MAX_CACHE:
            self._word_info.clear()
        self._word_info[k] = got
        return got


def strip_clitics(key: str, freq) -> tuple[str, str]:
    """Split a folded word into ``(proclitics, rest)`` when the rest is a likelier word.

    Accepts و/ف then ب/ل/ك (and "لل" = ل + ال). A split is taken when the rest starts with ال, or
    when the rest is more frequent in the corpus than the whole word (so "وليد", "بغداد", "فرنسا"
    stay whole while "وسوريا", "بحلب" split).
    """
    if len(key) < 4:
        return "", key
    i = 1 if key[0] in _CONJ else 0
    cands = []
    if i:
        cands.append(i)
    if len(key) > i + 2 and key[i] in _PREP:
        cands.append(i + 1)
    if not cands:  # no clitic letter in front (most words): nothing to split, no frequency to look up
        return "", key
    best = ("", key)
    fw = freq(key)
    for j in cands:
        rest = key[j:]
        if len(rest) < 3:
            continue
        if key[j - 1] == "ل" and rest.startswith("ل") and j == i + 1:
            # لل + stem = ل + ال + stem
            rest2 = "ا" + rest
            if len(rest2) > 3:
                best = (key[:j], rest2)
                continue
        if rest.startswith("ال") and len(rest) > 3:
            best = (key[:j], rest)
        elif freq(rest) > max(fw, 1) * 2 and len(rest) >= 3:
            best = (key[:j], rest)
    return best


@lru_cache(maxsize=1)
def get_featurizer() -> Featurizer:
    # settings.ner_clusters (NEWSWORKER_NER_CLUSTERS): another cluster table, for training experiments only
    return Featurizer(get_settings().ner_clusters)


def fold_token(tok: str) -> str:
    """Folded key for one token as the features expect it."""
    k = fold(tok)
    return k.lower() if k.isascii() else k
