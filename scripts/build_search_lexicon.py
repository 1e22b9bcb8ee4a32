"""Build the word table that the search analysis uses to decide lone proclitics (``worker/query/data/``).

Reads the ANT corpus (Apache 2.0) and the gazetteer, writes

* ``words.tsv.gz``: document frequency of every folded Arabic word form seen in at least 3 articles;
* ``names.txt``: folded names of one word and at least four letters (curated names, first names, countries
  and cities of at least 500,000 people, month names), also without their article, and the words of longer
  names that begin with ب/ل/ك/ف/و: a word listed here is never
  split ("بغداد", "لبنان", "فيصل") and keeps its ending ("البحرين", "درعا");
* ``suffixes.tsv.gz``: per folded word ending in ون، ين، ان، ا or و (proclitics off, df >= 3, the remainder a
  word too), whether that ending is a suffix (``suffix_decisions``);
* ``tamarbuta.tsv.gz``: per folded word ending in ه once its proclitics are stripped (by the tables above),
  the number of articles writing it with ة and with ه, for the words written with ة in at least 3 articles.

and checks ``plurals.tsv`` (hand-reviewed; see ``worker/query/lexicon.py``): both forms must occur in the
corpus and no plural key may be another pair's singular key. Deterministic; re-run after a corpus change.

Usage: python scripts/build_search_lexicon.py [--corpus PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from worker.devdata import CORPUS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from worker.extract.dates import GREGORIAN_MONTHS, HIJRI_MONTHS, LEVANTINE_MONTHS  # noqa: E402
from worker.query.analysis import (  # noqa: E402
    _HA,
    _TA,
    _marked_fold,
    _plain,
    _prefix_off,
    fold_text,
    plural_keys,
    reset_tables,
    tokens,
)
from worker.query.lexicon import clitic_names  # noqa: E402

DATA = ROOT / "worker" / "query" / "data"
GAZ = ROOT / "worker" / "extract" / "gazetteer"
MIN_DF = 3
# Xu and Croft's em threshold: two variants co-occurring at least this much are one word.
EM_SAME = 0.01
MIN_CITY_POPULATION = 500_000
# A city name ending in ة is a name for the ه-spelling decision ("مصراته" is "مصراتة") from this size.
MIN_TA_CITY_POPULATION = 50_000
# A word written with أل/إل/آل this many times as often as with a bare alif is a hamza word; fewer, and its
# bare spelling is often the article + another word ("الهام": "the important" and "إلهام"), which stays so.
HAMZA_SHARE = 3
_CLITIC_LETTERS = "بلكفو"


def _arabic(word: str) -> bool:
    return all("\u0621" <= c <= "\u064a" for c in word)


def word_df(corpus: Path) -> Counter[str]:
    df: Counter[str] = Counter()
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            text = f"{raw.get('title') or ''} {raw.get('text') or raw.get('abstract') or ''}"
            df.update({t for t in tokens(fold_text(text)) if _arabic(t)})
    return df


def _texts(corpus: Path) -> Iterator[str]:
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            yield f"{raw.get('title') or ''} {raw.get('text') or raw.get('abstract') or ''}"


def _article_keys(corpus: Path, key: Callable[[str], str]) -> Iterator[set[str]]:
    """Per article, the set of ``key`` of its Arabic tokens (marked by the analysis's fold)."""
    for text in _texts(corpus):
        yield {key(t) for t in set(tokens(_marked_fold(text))) if _arabic(_plain(t))}


def _two_way_df(corpus: Path, classify: Callable[[str], tuple[bool, str] | None]) -> tuple[Counter[str], Counter[str]]:
    """Per key, the articles holding a token that ``classify`` puts first (True) and second (False); a token
    it answers None for is not counted."""
    first: Counter[str] = Counter()
    second: Counter[str] = Counter()
    for text in _texts(corpus):
        seen: tuple[set[str], set[str]] = (set(), set())
        for t in set(tokens(_marked_fold(text))):
            got = classify(t)
            if got is not None:
                seen[0 if got[0] else 1].add(got[1])
        first.update(seen[0])
        second.update(seen[1])
    return first, second


def ta_marbuta_df(corpus: Path) -> tuple[Counter[str], Counter[str]]:
    """(articles writing each word's final ه as ة, articles writing it as ه), per word with its proclitics
    stripped (by the current ``words.tsv.gz`` and ``names.txt``)."""
    def classify(t: str) -> tuple[bool, str] | None:
        if t[-1] not in ("ه", _TA) or not _arabic(_plain(t)):
            return None
        return t[-1] == _TA, _prefix_off(t)

    return _two_way_df(corpus, classify)


def hamza_al_table(corpus: Path) -> list[str]:
    """Folded words starting with ال that articles write with أل/إل/آل (no proclitic before) at least
    HAMZA_SHARE times as often as with a bare alif, in MIN_DF articles or more: "ألمانيا"، "إلغاء"، "آلاف"،
    "ألفي". Their bare spelling is the same word without its hamza, not the article (QA7 qa7r-1)."""
    def classify(t: str) -> tuple[bool, str] | None:
        if len(t) >= 4 and t[1] == "ل" and t[0] in (_HA, "ا"):
            return t[0] == _HA, _plain(t)
        return None

    hamza, bare = _two_way_df(corpus, classify)
    return sorted(w for w, h in hamza.items() if h >= MIN_DF and h >= HAMZA_SHARE * bare.get(w, 0))


def _em(n_a: int, n_b: int, n_ab: int, n: int) -> float:
    """Xu and Croft's co-occurrence measure of two word variants (Corpus-based stemming using cooccurrence
    of word variants, ACM TOIS 16(1), 1998): co-occurrences above chance, over the two frequencies."""
    if n_a + n_b == 0:
        return 0.0
    return max(0.0, n_ab - n_a * n_b / n) / (n_a + n_b)


def feminine_decisions(
    corpus: Path, ta: Counter[str], ha: Counter[str]
) -> dict[str, tuple[bool, bool]]:
    """Per word of the table (ends in ة, written ه): (is it a word of its own, is its -ات plural its own).

    Each article's words are keyed with every ta marbuta kept and every -ات plural whole: "الشرطة" ->
    شرطه, "شروط" -> شروط, "عربات" -> عربات. The ة-form is the feminine of the word without ة when the two
    co-occur in articles clearly above chance (em >= EM_SAME, Xu and Croft's threshold): "جديدة" and
    "جديد", "دولة" and "دول" (its broken plural) do; "الشرطة" and "شرط", "النصرة" and "النصر", "عربة" and
    "عرب" do not. An -ات plural belongs to whichever singular it co-occurs with more (by em).
    """
    fem = {w for w, n in ta.items() if n >= MIN_DF}

    def is_ta(word: str) -> bool:
        return word in fem and ha.get(word, 0) * 20 <= ta[word]

    def key(t: str) -> str:
        b = _prefix_off(t)
        if len(b) - 2 >= 3 and b.endswith(("يه", "يا")):
            return b[:-1]
        if b.endswith("ه") and (t.endswith(_TA) or is_ta(b)):
            return b
        if b.endswith("ات") and len(b) - 2 >= 3:
            return b
        for suf in ("ون", "ين", "ان", "ها", "هم", "هن", "ه", "ا"):
            if b.endswith(suf) and len(b) - len(suf) >= 3:
                return b[: -len(suf)]
        return b

    df: Counter[str] = Counter()
    pair: Counter[str] = Counter()  # "Xه": articles with X and Xه
    plural_x: Counter[str] = Counter()  # "Xات": articles with Xات and X
    plural_f: Counter[str] = Counter()  # "Xات": articles with Xات and Xه
    n = 0
    for keys in _article_keys(corpus, key):
        n += 1
        df.update(keys)
        for k in keys:
            if k in fem and k[:-1] in keys:
                pair[k] += 1
            elif k.endswith("ات"):
                x = k[:-2]
                plural_x[k] += x in keys
                plural_f[k] += x + "ه" in keys
    out: dict[str, tuple[bool, bool]] = {}
    for w in fem:
        x, p = w[:-1], w[:-1] + "ات"
        own = _em(df[x], df[w], pair[w], n) < EM_SAME
        plural = _em(df[p], df[w], plural_f[p], n) > _em(df[p], df[x], plural_x[p], n)
        out[w] = (own, plural)
    return out


def names() -> set[str]:
    out: set[str] = set()

    def add(text: str) -> None:
        words = tokens(fold_text(text))
        if len(words) > 1:
            # a word of a longer name is often a common word ("وكالة غوث وتشغيل اللاجئين"): only those that
            # start with a proclitic letter, which the proclitic step must not split ("بن"، "لندن")
            out.update(t for t in words if len(t) >= 4 and t[0] in _CLITIC_LETTERS)
            return
        for t in words:
            if len(t) >= 4:
                out.add(t)
            if t.startswith("ال") and len(t) - 2 >= 4:
                out.add(t[2:])  # "الفلوجه" is "فلوجه" once the analysis takes the article off

    with gzip.open(GAZ / "places.tsv.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            # GeoNames' Arabic names of small places include phrases such as "بمدينه": only big ones
            if len(cols) >= 8 and (cols[0] == "country" or int(cols[7] or 0) >= MIN_CITY_POPULATION):
                for name in cols[1].split("|"):
                    add(name)
            elif len(cols) >= 8 and int(cols[7] or 0) >= MIN_TA_CITY_POPULATION:
                # a town whose one-word name ends in ة: its ه spelling is the name ("مصراته", QA7 qa7r-5)
                for name in cols[1].split("|"):
                    if " " not in name.strip() and name.strip().endswith("ة"):
                        add(name)
    for line in (GAZ / "curated.tsv").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if line.startswith("#") or len(cols) < 3:
            continue
        add(cols[1])
        for alias in cols[2].split("|"):
            add(alias)
    section = ""
    for line in (GAZ / "lexicon.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[] ")
        elif section == "first_names" and not line.startswith("#"):
            for name in line.split():
                add(name)
    out.update(month_words())
    return out


def month_words() -> set[str]:
    """The first words of the month names (folded): names that never take a case ending, whatever their
    co-occurrence ("تشرين" is no plural of "تشر", "شعبان" no dual of "شعب", "كانون" shares most articles
    with "كان" and is still not it)."""
    words = {tokens(fold_text(m.split(" ")[0]))[0] for m in (*LEVANTINE_MONTHS, *HIJRI_MONTHS, *GREGORIAN_MONTHS)}
    return {w for w in words if len(w) >= 4}


# The endings suffix_decisions reads, and the other case form that shows each is a plural or dual ending.
_OTHER_CASE = {"ون": ("ين",), "ين": ("ون", "ان"), "ان": ("ين",), "ا": ()}
_RUNTIME_SUFFIXES = ("ات", "ون", "ين", "ان", "ها", "هم", "هن", "ه", "ا")


def _ending(word: str) -> str | None:
    """The ending of ``word`` the analysis would strip (its own order: "ها" before "ا"), if
    suffix_decisions decides it; a final و (the construct plural) when no other ending applies."""
    suf = next((s for s in _RUNTIME_SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3), None)
    return suf if suf in _OTHER_CASE else None


def suffix_decisions(corpus: Path, df_forms: Counter[str]) -> dict[str, bool]:
    """Per word (proclitics off) seen in at least MIN_DF articles whose ending would be stripped to a
    remainder that is a word too: is the ending a suffix? (QA7 qa7a-1/-4/-7: "البحرين" -> بحر, "لبنان" ->
    لبن, "عدنان" -> عدن, "درعا" -> درع made names match common words.)

    A name (``names.txt``) keeps its ending unless it shares articles with its remainder above chance.
    Otherwise the
    ending is a suffix when any of these holds:
    * the word's other case form is a word (MIN_DF articles, bare or with the article): a plural or dual
      ending comes in pairs, "مسلحين"/"مسلحون", "طرفين"/"طرفان"; a name does not ("عمرين" is nowhere);
    * the word and its remainder share articles clearly above chance (em >= EM_SAME, as for the ta marbuta);
    * ون/ان on a verb of the present tense (ي/ت, or the future سي/ست, first): "يعرفون"، "سيكونون"، "يعملان";
    * a final ا where the word is rarer than its remainder: the accusative, "هجوما" beside "هجوم"
      ("فرنسا"، "درعا" are commoner than "فرنس"، "درع").
    (The construct plural's و and ي are decided at run time, ``analysis._construct_plural``.)"""
    def n(x: str) -> int:
        return df_forms.get(x, 0) + df_forms.get("ال" + x, 0)

    df: Counter[str] = Counter()
    pair: Counter[str] = Counter()
    articles = 0
    for keys in _article_keys(corpus, _prefix_off):
        articles += 1
        df.update(keys)
        for k in keys:
            suf = _ending(k)
            if suf and k[: -len(suf)] in keys:
                pair[k] += 1
    known = clitic_names()
    months = month_words()
    out: dict[str, bool] = {}
    for word, count in df.items():
        suf = _ending(word)
        if suf is None or count < MIN_DF:
            continue
        rest = word[: -len(suf)]
        if df[rest] < MIN_DF:
            continue  # the remainder is no word: no key to collide with
        same = _em(count, df[rest], pair[word], articles) >= EM_SAME
        if word in months:
            out[word] = False
            continue
        if word in known:
            # a name keeps its ending unless it and its remainder share articles above chance: "الحوثيين"
            # and "الحوثي" do; "طالبان" and "طالب", "شعبان" and "شعب", "بوتين" and "بوت" do not (QA7 qa7r-2/3:
            # a listed "بوتان" or a corpus "طالبين" made them look like case forms)
            out[word] = same
            continue
        paired = sum(n(rest + other) for other in _OTHER_CASE[suf]) >= MIN_DF
        verb = suf in ("ون", "ان") and (word[0] in "يت" or word[:2] in ("سي", "ست"))
        accusative = suf == "ا" and count < df[rest]
        out[word] = paired or same or verb or accusative
    return out


def check_plurals(df: Counter[str]) -> list[str]:
    from worker.query.lexicon import load_plural_pairs

    problems = []
    pairs = load_plural_pairs()
    for plural, singular in pairs:
        for form in (plural, singular):
            f = fold_text(form)
            if df.get(f, 0) + df.get("ال" + f, 0) == 0:
                problems.append(f"{form}: not in the corpus")
    keys = plural_keys()
    for k, v in keys.items():
        if v in keys:
            problems.append(f"chain: {k} -> {v} -> {keys[v]}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args()
    df = word_df(args.corpus)
    rows = sorted((w, n) for w, n in df.items() if n >= MIN_DF)
    body = "#word\tdf\n" + "".join(f"{w}\t{n}\n" for w, n in rows)
    (DATA / "words.tsv.gz").write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
    names_list = sorted(names())
    (DATA / "names.txt").write_text(
        "# Folded name tokens, also without their article; generated by scripts/build_search_lexicon.py\n"
        + "\n".join(names_list) + "\n",
        encoding="utf-8",
    )
    hamza = hamza_al_table(args.corpus)
    (DATA / "hamza_al.txt").write_text(
        "# Folded words written with أل/إل/آل at least three times as often as with a bare alif; generated by "
        "scripts/build_search_lexicon.py\n" + "\n".join(hamza) + "\n", encoding="utf-8")
    reset_tables()  # the proclitic decisions below read the new tables
    ta, ha = ta_marbuta_df(args.corpus)
    decided = feminine_decisions(args.corpus, ta, ha)
    ta_rows = sorted((w, ta[w], ha.get(w, 0), *decided[w]) for w in decided)
    body = "#word\tta\tha\town\tplural\n" + "".join(
        f"{w}\t{n}\t{h}\t{int(own)}\t{int(plural)}\n" for w, n, h, own, plural in ta_rows
    )
    (DATA / "tamarbuta.tsv.gz").write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
    reset_tables()  # the suffix decisions read the new ta marbuta table through _prefix_off's keys
    suffixes = suffix_decisions(args.corpus, df)
    body = "#word\tstrip\n" + "".join(f"{w}\t{int(v)}\n" for w, v in sorted(suffixes.items()))
    (DATA / "suffixes.tsv.gz").write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
    print(f"words.tsv.gz: {len(rows)} forms; names.txt: {len(names_list)} names; "
          f"tamarbuta.tsv.gz: {len(ta_rows)} words; suffixes.tsv.gz: {len(suffixes)} words, "
          f"{sum(not v for v in suffixes.values())} keep their ending; hamza_al.txt: {len(hamza)} words")
    reset_tables()
    problems = check_plurals(df)
    for p in problems:
        print("plurals.tsv:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
