"""Word tables for the search analysis, shipped in ``worker/query/data/`` (no download at run time).

* ``words.tsv.gz``: how many ANT articles contain each folded Arabic word form (df >= 3), built by
  ``scripts/build_search_lexicon.py``. It decides whether a lone ب/ل/ك/ف is a proclitic: see
  :func:`is_proclitic_split`.
* ``names.txt``: folded name tokens (curated names, first names, countries and big cities of the gazetteer,
  month names), also without their article: a name that starts with a proclitic letter is never split, and
  a name keeps its ending unless the corpus table below says otherwise (:func:`is_name`, :func:`keeps_ending`).
* ``suffixes.tsv.gz``: per folded word (proclitics off, df >= 3) that ends in ون، ين، ان or ا after at least
  three letters, the remainder a word too: whether that ending is a suffix to strip (:func:`strips_suffix`).
* ``keep.txt``: a short hand list of words the corpus evidence would wrongly split ("فتحت" is not ف + "تحت").
* ``tamarbuta.tsv.gz``: per folded word that ends in ه once its proclitics are off ("الحكومة" -> "حكومه"),
  written with ة in at least 3 ANT articles: in how many articles it is written with ة and with ه (a
  misspelt ة or a pronoun ه: :func:`is_ta_marbuta`), whether the ة-form is a word of its own or the feminine
  of the word without ة (:func:`ta_is_own`), and which singular its -ات plural belongs to
  (:func:`plural_of_feminine`); the last two decided by co-occurrence in the corpus.
* ``plurals.tsv``: hand-reviewed broken plural -> singular pairs (``analysis`` maps both to one key).
* ``hamza_al.txt``: folded words starting with ال that the corpus writes with أل/إل/آل at least three times as
  often as with a bare alif ("المانيا" is "ألمانيا" without its hamza, not the article + "مانيا"): :func:`hamza_al`.
* ``ta_own.txt``: a short hand list of ة-words that are words of their own although the corpus would merge
  them with the word without ة ("مدرسة" is no feminine of "مدرس", "دورية" no nisba of "دوري"; QA7 qa7a-5).

Pure and cached: the tables load once per process, on first use.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

__all__ = [
    "clitic_names", "df_with_article", "feminine_table", "hamza_al", "hamza_al_words", "is_name", "is_proclitic_split",
    "is_ta_marbuta", "keep_whole", "keeps_ending", "load_plural_pairs", "plural_of_feminine", "reset",
    "strips_suffix", "suffix_table", "ta_is_own", "ta_own_words", "word_df", "Feminine", "MIN_STEM_DF",
    "PREPOSITIONS",
]

PREPOSITIONS = "بلك"
# A remainder must be a word of its own: seen in at least this many articles.
MIN_STEM_DF = 3
# A word that itself takes the article or a preposition ("الفكرة", "بفكرة") is a noun of its own, not a
# proclitic + noun: "لمصر" never appears as "اللمصر". Allowed slack, for typos and run-together words.
_HOSTED_SHARE = 20
# A final ه is a misspelt ة only where the corpus writes that word with ه at most this rarely (1 in 20 of its
# ة spellings): news text almost never misspells ة, so a ه-form with a real share is the pronoun ه.
_MISSPELT_SHARE = 20


def _read(name: str) -> bytes:
    """A data file's bytes; empty while a table is missing (only while ``build_search_lexicon`` bootstraps
    it: a unit test checks that every table ships), which means "no lone proclitic is ever split"."""
    try:
        return resources.files("worker.query.data").joinpath(name).read_bytes()
    except FileNotFoundError:
        return b""


def _lines(name: str) -> list[str]:
    text = _read(name).decode("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _gz_rows(name: str) -> list[str]:
    """The data lines of a gzipped table (its first line is a header)."""
    raw = _read(name)
    return (gzip.decompress(raw) if raw else b"").decode("utf-8").splitlines()[1:]


@lru_cache(maxsize=1)
def word_df() -> dict[str, int]:
    """Folded word form -> number of ANT articles containing it (forms seen in fewer than 3 are absent)."""
    out: dict[str, int] = {}
    for line in _gz_rows("words.tsv.gz"):
        word, _, n = line.partition("\t")
        out[word] = int(n)
    return out


class Feminine(NamedTuple):
    """A row of ``tamarbuta.tsv.gz``: a folded word ending in ه (proclitics off), e.g. "شرطه"."""

    ta: int  # articles writing it with ة
    ha: int  # articles writing it with ه
    own: bool  # the ة-form is a word of its own, not the feminine of the word without it
    plural: bool  # the word + ات (in place of ة) is this word's plural, not the ة-less word's


@lru_cache(maxsize=1)
def feminine_table() -> dict[str, Feminine]:
    """Folded word ending in ه -> its :class:`Feminine` row (words written with ة in at least 3 articles)."""
    out: dict[str, Feminine] = {}
    for line in _gz_rows("tamarbuta.tsv.gz"):
        word, ta, ha, own, plural = line.split("\t")
        out[word] = Feminine(int(ta), int(ha), own == "1", plural == "1")
    return out


def df_with_article(word: str) -> int:
    """Articles writing folded ``word`` bare plus those writing it with the article: how well the corpus
    knows a word whatever its definiteness (each count is a form's own; an article holding both counts twice)."""
    df = word_df()
    return df.get(word, 0) + df.get("ال" + word, 0)


def is_ta_marbuta(word: str) -> bool:
    """Is the final ه of folded ``word`` (proclitics off) a ta marbuta written as ه?

    Yes when the corpus writes ``word`` with ة (in at least MIN_STEM_DF articles) and hardly ever with ه
    (at most one article in ``_MISSPELT_SHARE`` of those): "حكومه" (ة in 5,360 articles, ه in none) is a
    misspelt "حكومة". A ه-form the corpus uses in its own right is a word + the pronoun: "عمله" ("his work",
    360 articles) is not "عملة" (currency, 738), "قتله" ("killed him") not "قتلة" (killers)."""
    got = feminine_table().get(word)
    return got is not None and got.ta >= MIN_STEM_DF and got.ha * _MISSPELT_SHARE <= got.ta


@lru_cache(maxsize=1)
def ta_own_words() -> frozenset[str]:
    return frozenset(_lines("ta_own.txt"))


def ta_is_own(word: str) -> bool:
    """Is folded ``word`` (ending in ة, written ه) a word of its own rather than the feminine form of
    ``word[:-1]``? Decided from the corpus by co-occurrence (``scripts/build_search_lexicon.py``, Xu and
    Croft's em measure): "الشرطة" (police) and "شرط" (condition), "النصرة" and "النصر" share too few
    articles to be one word, "جديدة" and "جديد", "دولة" and "دول" (its plural) share many. A word the table
    does not have is its own word (ة is never a suffix to strip)."""
    if word in ta_own_words():
        return True
    got = feminine_table().get(word)
    return got is None or got.own


def plural_of_feminine(single: str) -> bool:
    """Is ``single`` + ات the plural of ``single`` + ة (own word) rather than of ``single``? Whichever singular
    the plural shares more articles with (em): "عربات" is "عربة"'s (vehicles), not "عرب"'s; "قرارات" is
    "قرار"'s, not that of the rare "قرارة"."""
    got = feminine_table().get(single + "ه")
    return got is not None and got.own and got.plural


@lru_cache(maxsize=1)
def clitic_names() -> frozenset[str]:
    """The folded name tokens of ``names.txt`` (those that start with a proclitic letter are the ones the
    proclitic step asks about)."""
    return frozenset(_lines("names.txt"))


def is_name(word: str) -> bool:
    """Is folded ``word`` (proclitics off) a known name? Its last letters are then no suffix: "البحرين" is
    not the dual of "البحر", "لبنان" not that of "لبن", "درعا" not "درع" in the accusative."""
    return word in clitic_names()


@lru_cache(maxsize=1)
def suffix_table() -> dict[str, bool]:
    """Folded word (proclitics off) -> whether its final ون/ين/ان/ا is a suffix (``suffixes.tsv.gz``)."""
    out: dict[str, bool] = {}
    for line in _gz_rows("suffixes.tsv.gz"):
        word, _, strip = line.partition("\t")
        out[word] = strip == "1"
    return out


@lru_cache(maxsize=1)
def hamza_al_words() -> frozenset[str]:
    return frozenset(_lines("hamza_al.txt"))


def hamza_al(word: str) -> bool:
    """Is folded ``word`` (starting with ال) one the corpus writes with أل/إل/آل at least three times as often
    as with a bare alif ("ألمانيا"، "إلغاء"، "آلاف"، "ألفي")? Its ال is then its own letters, not the article."""
    return word in hamza_al_words()


def strips_suffix(word: str) -> bool:
    """Is the final ون، ين، ان or ا of folded ``word`` (proclitics off) a suffix to strip?

    The corpus decides (``scripts/build_search_lexicon.py``): a plural or dual ending is a suffix where the
    word's other case form is a word too ("مسلحين" beside "مسلحون", "طرفين" beside "طرفان"), the word and its
    remainder share articles clearly above chance, or the word is a verb of the present tense ("يعرفون"); a
    final ا where the word is rarer than its remainder (the accusative, "هجوما"); a known name keeps its
    ending unless it shares articles with its remainder above chance ("الحوثيين"), a month name always. A
    word the corpus has too rarely to decide loses its ending unless it is a name."""
    got = suffix_table().get(word)
    if got is not None:
        return got
    return not is_name(word)


def keeps_ending(word: str) -> bool:
    """A known name whose ending is no suffix: every name, unless the corpus table says its ending is one
    (a listed name that is itself inflected: "الحوثيين" beside "الحوثيون")."""
    return is_name(word) and not suffix_table().get(word, False)


@lru_cache(maxsize=1)
def keep_whole() -> frozenset[str]:
    return frozenset(_lines("keep.txt"))


@lru_cache(maxsize=1)
def load_plural_pairs() -> tuple[tuple[str, str], ...]:
    """(plural, singular) as written in ``plurals.tsv`` (not folded)."""
    pairs = []
    for line in _lines("plurals.tsv"):
        plural, _, singular = line.partition("\t")
        if plural and singular:
            pairs.append((plural.strip(), singular.strip()))
    return tuple(pairs)


def _is_name(word: str) -> bool:
    """A known name, also with up to two letters of suffix ("لبنانا" is لبنان in the accusative)."""
    names = clitic_names()
    return any(word[: len(word) - k] in names for k in range(3) if len(word) - k >= 4)


def is_proclitic_split(word: str, rest: str) -> bool:
    """Is folded ``word`` = one proclitic letter + ``rest`` (a word of its own), rather than one word?

    Yes when ``rest`` is a known word (df >= MIN_STEM_DF, with or without the article) at least as common
    as ``word``, ``word`` is not a
    known name or a listed exception, and ``word`` does not itself take the article or a preposition.
    So "لإيران" -> إيران and "بمصر" -> مصر, but not "لبنان" (بنان is far rarer), "بغداد" (no غداد),
    "فكرة" (الفكرة exists) or "فيصل" (a name).
    """
    df = word_df()
    # the remainder's own article form counts too: "لكرة" (as in "لكرة القدم") is commoner than a bare
    # "كرة", but "الكرة" settles it
    n_rest = df_with_article(rest)
    if n_rest < MIN_STEM_DF or word in keep_whole() or _is_name(word):
        return False
    n_word = df.get(word, 0)
    if n_rest < n_word:
        return False
    hosted = df.get("ال" + word, 0) + sum(df.get(p + word, 0) for p in PREPOSITIONS if p != word[0])
    return hosted < max(2, n_word / _HOSTED_SHARE)


def reset() -> None:
    """Forget the loaded tables (after ``scripts/build_search_lexicon.py`` rewrites them, and in tests)."""
    for fn in (word_df, clitic_names, keep_whole, load_plural_pairs, feminine_table, suffix_table, ta_own_words,
               hamza_al_words):
        fn.cache_clear()
