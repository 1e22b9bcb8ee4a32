"""Key phrases: TF-IDF over words and the phrases an article repeats, shown as the article writes them.

Contract: ``find_keywords(title, body, tokens_title=None, tokens_body=None, top=10) -> list[str]``; pure
apart from loading the shipped tables once (``data/idf.tsv.gz``, ``data/stopwords.txt``,
``data/words.tsv.gz``).

Words. A word is grouped with its clitic forms ("الحسكة", "بالحسكة", "والحسكه" are one term) and shown
without its proclitic only where the rest is a word of its own: one the article writes alone, or one the
corpus word table knows at least as often as the whole (``keyword_forms.display_options``): so
"كاليننغراد", "بيونغ", "بوست", "باليستيا" keep their first letter, "للواء" shows as "اللواء", and "لمونفس"
is "مونفس" where the article also writes "مونفس". A verb, a form with an attached pronoun and a function
word are no keyword alone (``keyword_forms.word_class``); a term's score counts its noun forms. Title
words weigh double.

Phrases are runs of adjacent words. Punctuation (not a hashtag's underscore), a line break, a stopword,
a word led by a conjunction (و/ف) or by a preposition on a bare word (not "وزيرا للخارجية") end a run;
a phrase holds no verb and no word after an attached pronoun ("غزة يرفضون", "المتمردون وهم" are none).
A phrase of 2 to 4 words counts when it occurs at least twice (a title occurrence once). A longer phrase replaces the shorter ones it covers
("وول ستريت جورنال", not "وول ستريت" + "ستريت جورنال"), two chained phrases are not both shown, and a
word seen mostly inside a recurring phrase yields to it ("الأمم المتحدة", not "الأمم"). A few frequent
nouns of the stopword list are no keyword alone but members of phrases ("المتحدة", "قوات", "رئيس").

The story-link signature (``term_counts``, ``term_weights``, ``tfidf``, ``article_counts``) keeps the
plain term keys: it is a trained model's input, and none of the above changes it.

The tables are computed offline from the ANT corpus (31,493 Arabic news articles, 2018; see
``/work/shared/data/corpora/ant-multisource-README.md``) and shipped in ``worker/extract/data/``:
``words.tsv.gz`` (document frequency of whole folded words, df >= 3; used by proclitic splitting),
``idf.tsv.gz`` (document frequency of term keys, df >= 3) and ``stopwords.txt`` (terms in > 15% of
documents). Rebuild with
``python -m worker.extract.keywords build /work/shared/data/corpora/ant-multisource-2018.jsonl.gz``.
"""

from __future__ import annotations

import gzip
import heapq
import json
import math
import sys
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from operator import itemgetter
from pathlib import Path

from worker.extract import tokens as tokens_mod
from worker.extract.keyword_forms import (
    FUNCTION_WORDS,
    PHRASE_VERB,
    PRONOUN,
    display_options,
    is_function_word,
    word_class,
)
from worker.extract.memo import WORD_TYPES
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


_NORM = itemgetter(4)  # Token.norm
_COVER = 0.6  # a part occurring at least this share of its times inside a longer phrase yields to it
_MAX_N = 4  # longest phrase (محمد ولد عبد العزيز)

# Frequent nouns in the stopword list (over 15% of the corpus' documents): never a keyword alone, but
# members of a phrase ("الأمم المتحدة", "قوات النظام", "رئيس الوزراء", "كرة القدم"); a phrase of
# these alone is none ("رئيس الحكومة"). Folded term keys.
_PHRASE_STOP = frozenset("رئيس حكومه قوات متحده ولايات وكاله عربيه مدينه منطقه كره روسيا عالم موقع بيان".split())

# A reading of a written word for the keyword list: (needs, key, shown, written, opens, filler)
#   needs   the folded form the article must write alone for this reading, or "" (the corpus vouches)
#   key     grouping key; shown: the form displayed; written: the token as written, diacritics removed
#   opens   a conjunction or a preposition on a bare word: a phrase boundary before it
#   filler  a frequent noun of _PHRASE_STOP: never a keyword alone, and a phrase needs another word
# What a shown form is (a verb, an attached pronoun: keyword_forms.word_class) is asked only of the few
# forms that could make the list, when they are ranked: most words of an article never are.
_Reading = tuple[str, str, str, str, bool, bool]
# token text -> (shared key, readings), for the words that need a thought: those that may carry a
# proclitic (و ف ب ل ك) or diacritics, and the fillers. Any other word is read as written, grouped by
# its shared term key, without an entry (most tokens: the cache stays small)
_WORDS: dict[str, tuple[str, tuple[_Reading, ...]] | None] = {}
_CLITIC_START = frozenset("وفبلك")


def _readings(text: str, norm: str, stop: frozenset[str]) -> tuple[str, tuple[_Reading, ...]] | None:
    """The shared term key of a written word and its readings, first the one with the most clitics cut
    (see ``keyword_forms.display_options``); None for a stopword or a function word."""
    shared = _key(norm, stop)
    filler = shared is None and len(norm) > 3 and term_key(norm) in _PHRASE_STOP
    if shared is None and not filler:
        return None
    out: list[_Reading] = []
    written = DIACRITICS_RE.sub("", text)
    for o in display_options(text, norm):
        f = o.folded
        if len(o.key) < 2 or is_function_word(f) or (not filler and f in stop) or (f[:1] in ("و", "ف") and f[1:] in stop):
            if o.corpus_ok:
                break  # taken whatever the article writes: a function word (or, after others, a boundary)
            continue
        opens = o.conj or (o.prep and not o.display.startswith("ال"))
        out.append(("" if o.corpus_ok else f, o.key, o.display, written, opens, filler))
        if o.corpus_ok:
            break  # later readings are never taken
    return (shared or term_key(norm), tuple(out)) if out else None


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
    segments = ((tokens_title if tokens_title is not None else tokenize(title or ""), title or "", 2),
                (tokens_body if tokens_body is not None else tokenize(body or ""), body or "", 1))
    bare: set[str] | None = None  # the words as the article writes them, built when a reading needs it
    # key -> [occurrences, idf, {shown form: [count (title x2), occurrences]}, count of all its forms]
    stats: dict[str, list] = {}
    grams: dict[tuple[str, ...], list] = {}  # phrase keys -> [weighted count, occurrences, [readings]]
    runs: list[tuple[list[_Reading], int]] = []  # phrases of three words or more, with their weight
    words = _WORDS
    if len(words) > WORD_TYPES:
        words.clear()
    cache_get = _KEY_CACHE.get
    for toks, text, weight in segments:
        run: list[_Reading] = []  # the current phrase
        last = 0
        for t in toks:
            wtext, start, end, kind, norm = t
            # a line break (a heading's end) is a phrase boundary; one space between words, the usual gap,
            # is checked without slicing
            if run and (start != last + 1 or text[last] != " ") and "\n" in text[last:start]:
                if len(run) > 2:
                    runs.append((run, weight))
                run = []
            last = end
            if kind != "word":
                if run and wtext != "_":  # a hashtag's underscore joins its words (#كوريا_الجنوبية)
                    if len(run) > 2:
                        runs.append((run, weight))
                    run = []
                continue
            shared = cache_get(norm, "")
            if shared == "":
                shared = _key(norm, stop)
            if shared is None and len(norm) < 4:
                r = None  # a short stopword (no filler is that short)
            elif shared and wtext[0] not in _CLITIC_START:
                # the common word: no proclitic; read as written (diacritics go when it is shown)
                r = None if norm in FUNCTION_WORDS else ("", shared, wtext, wtext, False, False)
            else:
                entry = words.get(wtext, ())
                if entry == ():
                    entry = words[wtext] = _readings(wtext, norm, stop)
                r = None
                if entry is not None:
                    shared, rs = entry
                    r = rs[0]
                    if r[0]:  # the article decides: the first reading whose form it writes alone
                        if bare is None:  # every token's folded form (punctuation, numbers do no harm)
                            bare = set(map(_NORM, segments[0][0]))
                            bare.update(map(_NORM, segments[1][0]))
                        for r in rs:
                            if not r[0] or r[0] in bare:
                                break
                        else:
                            r = None
            if run and (r is None or r[4]):
                # a boundary: a stopword; a conjunction ("غزة وسقوط") or a preposition on a bare noun or
                # name ("برج ترامب بنيويورك", "غراندي لـCNN"; not "وزيرا للخارجية") opens a new phrase
                if len(run) > 2:
                    runs.append((run, weight))
                run = []
            if r is None:
                continue
            key = r[1]
            st = stats.get(key)
            if st is None:
                st = stats[key] = [0, idf.get(key) or idf.get(shared) or idf_max, {}, 0]
            st[0] += 1
            if not r[5]:
                st[3] += weight
                c = st[2].get(r[2])
                if c is None:
                    st[2][r[2]] = [weight, 1]
                else:
                    c[0] += weight
                    c[1] += 1
            if run:
                prev = run[-1]
                if prev[1] != key:
                    pair = (prev[1], key)
                    g = grams.get(pair)
                    if g is None:
                        grams[pair] = [weight, 1, [(prev, r)]]
                    else:
                        g[0] += weight
                        g[1] += 1
                        g[2].append((prev, r))
            run.append(r)
        if len(run) > 2:
            runs.append((run, weight))
    if not stats:
        return []
    _longer_phrases(runs, grams)
    chosen: list[tuple[str, ...]] = []
    in_phrases: set[str] = set()  # the words of the phrases chosen
    for keys in _ranked(stats, grams):
        if len(keys) == 1:
            if keys in chosen or keys[0] in in_phrases:
                continue  # a word already shown, alone or inside a phrase
            chosen.append(keys)
        else:
            if any(_inside(keys, c) for c in chosen if len(c) > len(keys)):
                continue  # a phrase already shown inside a longer one
            if any(len(c) > 1 and (_overlap(c, keys) or _spread(c, keys) or _spread(keys, c)) for c in chosen):
                continue  # "ولي العهد" then "العهد السعودي": one phrase, not two; "فادي البطش" beside
                # "فادي محمد البطش": one name
            # the phrase takes the place of its words and shorter phrases already chosen alone, at the
            # first one's rank ("جمال" and "خاشقجي" become "جمال خاشقجي", "العامري" "هادي العامري")
            at = next((i for i, c in enumerate(chosen) if _inside(c, keys)), len(chosen))
            chosen = [c for c in chosen[:at] if not _inside(c, keys)] + [keys] + [
                c for c in chosen[at:] if not _inside(c, keys)]
            in_phrases.update(keys)
        if len(chosen) >= top:
            break
    return [_display(keys, stats, grams) for keys in chosen]


def _longer_phrases(runs: list[tuple[list[_Reading], int]], grams: dict[tuple[str, ...], list]) -> None:
    """Count the phrases of 3 to ``_MAX_N`` words into ``grams``: only those whose two shorter pieces
    are repeated can be (a phrase seen twice has its pieces seen twice)."""
    for n in range(3, _MAX_N + 1):
        for run, weight in runs:
            keys_all = [r[1] for r in run]
            for i in range(len(run) - n + 1):
                keys = tuple(keys_all[i:i + n])
                a, b = grams.get(keys[:-1]), grams.get(keys[1:])
                if a is None or b is None or a[1] < 2 or b[1] < 2:
                    continue
                g = grams.get(keys)
                if g is None:
                    if len(set(keys)) < n:
                        continue
                    g = grams[keys] = [0, 0, []]
                g[0] += weight
                g[1] += 1
                g[2].append(run[i:i + n])


def _noun_count(st: list) -> int:
    """Weighted count of a term's forms that may stand alone: no verb, no attached pronoun."""
    return sum(c[0] for shown, c in st[2].items() if not word_class(shown))


def _phrase_weight(part: list[_Reading]) -> float:
    """0 for no phrase: a verb in it ("غزة يرفضون", "يحظر ختان"), a word after an attached pronoun
    ("مشاركته باجتماع"), or only frequent fillers ("رئيس الحكومة"); 0.5 for a weaker one ending in an
    attached pronoun ("وفاة ابنتها"); else 1."""
    if all(p[5] for p in part):
        return 0.0
    classes = [word_class(p[2]) for p in part]
    if any(c & PHRASE_VERB for c in classes) or any(c & PRONOUN for c in classes[:-1]):
        return 0.0
    return 0.5 if any(classes) else 1.0


def _ranked(stats: dict[str, list], grams: dict[tuple[str, ...], list]) -> Iterator[tuple[str, ...]]:
    """Single terms and phrases, best first.

    A phrase counts when it occurs at least twice (a title occurrence once: its doubled weight is for
    ranking, not for evidence). A longer phrase takes the place of the shorter ones it covers (each
    occurs mostly inside it: "وول ستريت جورنال" instead of "وول ستريت" + "ستريت جورنال"); a shorter
    phrase that is only a piece of a longer one whose other part also stands alone drops out
    ("المتحدة للاجئين" beside "الأمم المتحدة"). A single word that occurs mostly inside one phrase
    yields to it ("الأمم" to "الأمم المتحدة", "جمال" to "جمال خاشقجي").

    A term's score (weighted count x idf) counts only its forms that may stand alone; as that needs the
    forms classified, a term is first ranked by all its forms, an upper bound, and classified when it
    reaches the top (the rest never are)."""
    weights = {}
    live = {}
    for k, g in grams.items():
        if g[1] >= 2:
            w = _phrase_weight(g[2][0])
            if w:
                live[k] = g
                weights[k] = w
    for n in range(3, _MAX_N + 1):
        drop: set[tuple[str, ...]] = set()
        for keys in [k for k in live if len(k) == n]:
            covered = [s for s in (keys[:-1], keys[1:]) if live[keys][1] >= _COVER * grams[s][1]]
            drop.update(covered)
            if len(covered) < 2:
                drop.add(keys)
        for keys in drop:
            live.pop(keys, None)
    scored: dict[tuple[str, ...], float] = {}
    for keys, (n, _, _) in live.items():
        scored[keys] = n * sum(stats[k][1] for k in keys) / len(keys) * 1.5 * weights[keys]
    best_phrase: dict[str, tuple[str, ...]] = {}
    for keys, g in live.items():
        for k in keys:
            b = best_phrase.get(k)
            if b is None or g[1] > live[b][1]:
                best_phrase[k] = keys
    heap: list[tuple[float, int, tuple[str, ...], bool]] = []
    for k, st in stats.items():
        b = best_phrase.get(k)
        if b is not None and live[b][1] >= _COVER * st[0]:
            scored[b] = max(scored[b], _noun_count(st) * st[1])  # the name takes the word's place
        elif st[3]:
            heap.append((-st[3] * st[1], len(heap), (k,), False))
    heap.extend((-s, len(heap) + i, keys, True) for i, (keys, s) in enumerate(scored.items()))
    heapq.heapify(heap)
    while heap:
        neg, i, keys, exact = heapq.heappop(heap)
        if exact:
            yield keys
        else:
            s = _noun_count(stats[keys[0]]) * stats[keys[0]][1]
            if s > 0:
                heapq.heappush(heap, (-s, i, keys, True))


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """``a`` and ``b`` chain into one longer phrase: a proper end of one starts the other."""
    for i in range(1, min(len(a), len(b))):
        if a[-i:] == b[:i] or b[-i:] == a[:i]:
            return True
    return False


def _spread(part: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    """``part`` is ``keys`` with words left out inside (same first and last word, in order)."""
    if len(part) >= len(keys) or part[0] != keys[0] or part[-1] != keys[-1]:
        return False
    it = iter(keys)
    return all(k in it for k in part)


def _inside(part: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    """``part`` is a contiguous piece of ``keys`` (a member word or a shorter phrase)."""
    n = len(part)
    return n < len(keys) and any(keys[i:i + n] == part for i in range(len(keys) - n + 1))


def _display(keys: tuple[str, ...], stats: dict[str, list], grams: dict[tuple[str, ...], list]) -> str:
    """Most frequent shown form of a term or phrase (ties: the shorter). A term shows a form that may
    stand alone; a phrase its first word as shown alone and the others as written ("وزيرا للخارجية"),
    without diacritics."""
    if len(keys) == 1:
        forms = {f: c[1] for f, c in stats[keys[0]][2].items() if not word_class(f)}
    else:
        forms = {}
        for part in grams[keys][2]:
            f = " ".join([part[0][2], *(p[3] for p in part[1:])])
            forms[f] = forms.get(f, 0) + 1
    return DIACRITICS_RE.sub("", max((n, -len(t), t) for t, n in forms.items())[2])


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

