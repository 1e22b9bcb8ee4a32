"""Key phrases: TF-IDF over folded, clitic-stripped words and repeated word pairs.

Contract: ``find_keywords(title, body, tokens_title=None, tokens_body=None, top=10) -> list[str]``; pure
apart from loading the shipped tables once (``data/idf.tsv.gz``, ``data/stopwords.txt``).

Terms are keyed by the folded word without proclitics or article (so "الحسكة", "بالحسكة", "والحسكه"
count as one term) and displayed in their most frequent surface form without the conjunction or
preposition (article kept). Title words weigh double. Pairs of adjacent content words seen at least
twice score as phrases and absorb their member words.

The tables are computed offline from the ANT corpus (31,493 Arabic news articles, 2018; see
``/work/shared/data/corpora/ant-multisource-README.md``) and shipped in ``worker/extract/data/``:
``words.tsv.gz`` (document frequency of whole folded words, df >= 3; used by proclitic splitting),
``idf.tsv.gz`` (document frequency of term keys, df >= 3) and ``stopwords.txt`` (terms in > 15% of
documents). Rebuild with
``python -m worker.extract.keywords build /work/shared/data/corpora/ant-multisource-2018.jsonl.gz``.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from collections import Counter
from functools import lru_cache
from importlib import resources
from pathlib import Path

from worker.extract import tokens as tokens_mod
from worker.extract.memo import WORD_TYPES, memo
from worker.extract.normalize import DIACRITICS_RE, fold
from worker.extract.tokens import Token, split_proclitics, tokenize

__all__ = ["find_keywords", "term_key", "term_counts", "article_counts", "term_weights", "tfidf", "build_idf", "load_idf", "load_stopwords"]

_DATA = "worker.extract.data"
_MIN_DF = 3  # rarer terms are not shipped; they get the maximum IDF at run time
_MIN_WORD_DF = 3  # whole-word table used by proclitic splitting
_STOP_DF = 0.15  # terms in more than 15% of documents are treated as stopwords
_HAND_STOPWORDS = """
في من على إلى الى عن مع أن إن ان أنه انه أنها انها كان كانت يكون تكون هذا هذه ذلك تلك التي الذي الذين اللذين
هو هي هم هن نحن أنا انت لم لن لا ما ماذا لماذا كيف متى أين اين قد وقد لقد كل بعض غير بين حتى منذ عند عندما
بعد قبل خلال حول ضد دون نحو أي اي أو او ثم بل لكن لكنه إلا الا إذا اذا لو أيضا ايضا فقط حيث كما مثل وفق وفقا
عبر لدى لدي له لها لهم به بها بهم منه منها منهم عليه عليها عليهم فيه فيها فيهم إليه اليه إليها عنه عنها أمام امام
قال قالت وقال وقالت يقول تقول أكد أكدت أعلن أعلنت أشار أشارت أضاف أضافت ذكر ذكرت أوضح أوضحت تم يتم جرى
اليوم أمس غدا الآن عام العام سنة يوم شهر الأحد الاثنين الإثنين الثلاثاء الأربعاء الخميس الجمعة السبت
"""


def term_key(norm: str) -> str:
    """Folded word -> term key (no proclitics, no article)."""
    return split_proclitics(norm)[1]


@memo(WORD_TYPES)
def _surface(text: str) -> str:
    return DIACRITICS_RE.sub("", split_proclitics(text, keep_article=True)[1])


@lru_cache(maxsize=1)
def load_idf() -> tuple[dict[str, float], float]:
    """(term -> idf, idf for unseen terms) from the shipped table; empty when the table is absent."""
    try:
        raw = resources.files(_DATA).joinpath("idf.tsv.gz").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError):
        return {}, 1.0
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    n_docs = int(lines[0].split("\t")[1])
    idf: dict[str, float] = {}
    for line in lines[1:]:
        term, _, df = line.partition("\t")
        idf[term] = math.log(n_docs / (1 + int(df)))
    return idf, math.log(n_docs / _MIN_DF)


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    words = set(_HAND_STOPWORDS.split())
    try:
        words.update(resources.files(_DATA).joinpath("stopwords.txt").read_text("utf-8").split())
    except (FileNotFoundError, ModuleNotFoundError):
        pass

    return frozenset(term_key(fold(w)) for w in words) | frozenset(fold(w) for w in words)


_KEY_CACHE: dict[str, str | None] = {}  # folded word -> term key, or None for non-content words
_KEY_CACHE_MAX = WORD_TYPES


def _key(norm: str, stop: frozenset[str]) -> str | None:
    key = _KEY_CACHE.get(norm, "")
    if key != "":
        return key
    k: str | None = term_key(norm)
    if len(k) < 3 or k in stop or norm in stop or not k.isalpha():
        k = None
    if len(_KEY_CACHE) > _KEY_CACHE_MAX:
        _KEY_CACHE.clear()
    _KEY_CACHE[norm] = k
    return k


def find_keywords(
    title: str,
    body: str,
    tokens_title: list[Token] | None = None,
    tokens_body: list[Token] | None = None,
    top: int = 10,
) -> list[str]:
    """Top key phrases of the article (see module docstring)."""
    idf, idf_max = load_idf()
    stop = load_stopwords()
    # plain dicts (insertion-ordered like Counter, without its per-miss __missing__ call); surface
    # forms are grouped per term / pair so each displayed keyword looks only at its own forms
    tf: dict[str, int] = {}
    pair_tf: dict[tuple[str, str], int] = {}
    surf: dict[str, dict[str, int]] = {}  # key -> raw token text -> count
    pair_surf: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    cache_get = _KEY_CACHE.get
    for toks, weight in ((tokens_title if tokens_title is not None else tokenize(title or ""), 2),
                         (tokens_body if tokens_body is not None else tokenize(body or ""), 1)):
        pkey: str | None = None
        ptext = ""
        for t in toks:
            if t.kind != "word":
                pkey = None
                continue
            key = cache_get(t.norm, "")
            if key == "":
                key = _key(t.norm, stop)
            if key is None:
                pkey = None
                continue
            text = t.text
            tf[key] = tf.get(key, 0) + weight
            forms = surf.get(key)
            if forms is None:
                forms = surf[key] = {}
            forms[text] = forms.get(text, 0) + 1
            if pkey is not None and pkey != key:
                pair = (pkey, key)
                pair_tf[pair] = pair_tf.get(pair, 0) + weight
                forms = pair_surf.get(pair)
                if forms is None:
                    forms = pair_surf[pair] = {}
                ft = (ptext, text)
                forms[ft] = forms.get(ft, 0) + 1
            pkey, ptext = key, text
    if not tf:
        return []
    scored: list[tuple[float, tuple[str, ...]]] = [(n * idf.get(k, idf_max), (k,)) for k, n in tf.items()]
    for pair, n in pair_tf.items():
        if n >= 2:
            w = (idf.get(pair[0], idf_max) + idf.get(pair[1], idf_max)) / 2
            scored.append((n * w * 1.5, pair))
    scored.sort(key=lambda s: -s[0])
    chosen: list[tuple[str, ...]] = []
    used: set[str] = set()
    for _, keys in scored:
        if all(k in used for k in keys):
            continue
        if len(keys) == 2:  # a phrase replaces its member words already chosen alone
            chosen = [c for c in chosen if not (len(c) == 1 and c[0] in keys)]
        chosen.append(keys)
        used.update(keys)
        if len(chosen) >= top:
            break
    return [_display(keys, surf, pair_surf) for keys in chosen]


def _display(keys: tuple[str, ...], surf: dict[str, dict[str, int]],
             pair_surf: dict[tuple[str, str], dict[tuple[str, str], int]]) -> str:
    """Most frequent surface form of a term or pair, without conjunction/preposition or diacritics."""
    if len(keys) == 1:
        text = max((n, -len(t), t) for t, n in surf[keys[0]].items())[2]
        return _surface(text)
    a, b = keys
    _, (ta, tb) = max((n, x) for x, n in pair_surf[(a, b)].items())
    return f"{_surface(ta)} {DIACRITICS_RE.sub('', tb)}"


def build_idf(corpus: str | Path, out_dir: str | Path | None = None) -> tuple[int, int]:
    """Count document frequencies over a jsonl(.gz) corpus ({"title","text"|"body"}) and write the tables:
    ``words.tsv.gz`` (whole folded words, for proclitic splitting), ``idf.tsv.gz`` (term keys) and
    ``stopwords.txt``. Two passes, because term keys depend on the word table.

    Returns (documents, terms shipped).
    """

    out = Path(out_dir) if out_dir else Path(__file__).parent / "data"
    out.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if str(corpus).endswith(".gz") else open

    def docs():  # noqa: ANN202
        with opener(corpus, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
            for line in fh:
                doc = json.loads(line)
                yield f"{doc.get('title') or ''}\n{doc.get('text') or doc.get('body') or ''}"

    # pass 1: whole folded words (proclitic splitting consults this table)
    words: Counter[str] = Counter()
    for text in docs():
        words.update({t.norm for t in tokenize(text) if t.kind == "word"})
    with gzip.open(out / "words.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("#word\tdf\n")
        for w, c in sorted(words.items()):
            if c >= _MIN_WORD_DF and w.isalpha():
                fh.write(f"{w}\t{c}\n")
    tokens_mod.reset_vocab()
    _KEY_CACHE.clear()
    # pass 2: term keys (no clitics, no article)
    df: Counter[str] = Counter()
    n_docs = 0
    for text in docs():
        keys = {term_key(t.norm) for t in tokenize(text) if t.kind == "word"}
        df.update(k for k in keys if len(k) >= 2)
        n_docs += 1
    shipped = sorted((t, c) for t, c in df.items() if c >= _MIN_DF)
    with gzip.open(out / "idf.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(f"#docs\t{n_docs}\n")
        for t, c in shipped:
            fh.write(f"{t}\t{c}\n")
    stop = sorted(t for t, c in df.items() if c / n_docs > _STOP_DF)
    (out / "stopwords.txt").write_text(
        "# terms (folded, no clitics) in more than 15% of ANT documents, plus the hand list in keywords.py\n"
        + "\n".join(stop) + "\n", encoding="utf-8")
    return n_docs, len(shipped)



def term_counts(toks: list[Token]) -> dict[str, int]:
    """How often each content term key occurs among ``toks`` (the keys ``find_keywords`` ranks)."""
    stop = load_stopwords()
    tf: dict[str, int] = {}
    cache_get = _KEY_CACHE.get
    for t in toks:
        if t.kind != "word":
            continue
        key = cache_get(t.norm, "")
        if key == "":
            key = _key(t.norm, stop)
        if key is not None:
            tf[key] = tf.get(key, 0) + 1
    return tf


def tfidf(counts: dict[str, int]) -> dict[str, float]:
    """(1 + log tf) x idf of each term."""
    idf, idf_max = load_idf()
    return {k: (1.0 + math.log(n)) * idf.get(k, idf_max) for k, n in counts.items() if n > 0}


def article_counts(title_tf: dict[str, int], body_tf: dict[str, int]) -> dict[str, int]:
    """Term counts of a whole article: title words count twice, as in ``find_keywords``."""
    tf = {k: 2 * n for k, n in title_tf.items()}
    for k, n in body_tf.items():
        tf[k] = tf.get(k, 0) + n
    return tf


def term_weights(title: str, body: str) -> dict[str, float]:
    """TF-IDF weight of every content term key of the article: the vocabulary side of comparing two
    articles."""
    return tfidf(article_counts(term_counts(tokenize(title or "")), term_counts(tokenize(body or ""))))


if __name__ == "__main__":  # python -m worker.extract.keywords build CORPUS [OUT_DIR]
    if len(sys.argv) >= 3 and sys.argv[1] == "build":
        print(build_idf(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
    else:
        print(__doc__)

