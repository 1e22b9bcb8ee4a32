"""Arabic analysis for search, done in Python so the core Elasticsearch distribution needs no plugin.

``analyze(text)`` turns text into the token list that is indexed (space-joined, with the built-in
``whitespace`` analyzer) *and* that the Python matcher compares against, so both backends see the same
terms. Steps, in order:

1. a final alif carrying tanween fath is dropped ("هجوماً" -> "هجوم"), then
   ``worker.extract.normalize.fold``: NFKC, diacritics and tatweel removed, أ/إ/آ/ٱ -> ا, ى -> ي,
   ة -> ه, Arabic-Indic digits -> ASCII. Then lowercase (Latin).
2. Tokenise on runs of letters/digits (``[^\\W_]+``); punctuation and underscores separate tokens.
   One-letter Arabic tokens (a detached "و" in "سجن و هروب") are dropped: they carry nothing to search.
3. Arabic tokens are light-stemmed (Latin/digit tokens are only lowercased):

   * proclitics: the article and its combinations (ال، بال، كال، فال، لل، وال، وبال، فبال...) are
     stripped when at least two letters remain; a lone conjunction و is stripped when at least three
     letters remain and the word is not one of the common nouns that begin with و ("وزير", "وطن"...).
     Then a lone ف, and a lone ب/ل/ك (also after و/ف: "ولمصر"), are stripped when the corpus says so
     (``worker.query.lexicon.is_proclitic_split``): the remainder is a known word at least as common as the
     whole, the whole is not a known name, and the whole never takes the article itself. So "لإيران" and
     "بمصر" reduce to "إيران" and "مصر", while "لبنان", "بغداد", "فرنسا" and "فكرة" stay whole.
   * one suffix: first the nisba ending -يه/-يا -> -ي (so "سوريا", "سورية", "السوري", "السوريين" all
     become "سوري"), otherwise one of ات، ون، ين، ان، ها، هم، هن، ه، ا when at least three letters remain (the final
     alif catches the accusative written without its tanween: "هجوما" -> "هجوم").
   * broken plurals: the stem of a listed plural becomes the stem of its singular ("سجون" -> "سجن",
     "قتلى" -> "قتيل", "أطفال" -> "طفل", "مدن" -> "مدين"; table in ``worker/query/data/plurals.tsv``).

``analyze_exact`` stops after step 2 (folded surface forms): it feeds the ``exact:`` query field, for the
analyst who needs "لبنان" and not "بنان", or "سجون" and not "سجن".

The rules are deliberately simple and symmetric: query and document pass through the same function, so
any over-stemming only costs precision through collisions, never recall between surface variants.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

# The chain's fold is the single definition of the matching key.
from worker.extract.normalize import fold as _chain_fold
from worker.query import lexicon
from worker.query.lexicon import PREPOSITIONS, is_proclitic_split, load_plural_pairs

__all__ = [
    "analyze", "analyze_exact", "analyze_key", "analyze_pair", "base_stem", "fold_text", "plural_keys", "prefix_form",
    "reset_tables", "stem", "tokens", "MAX_TOKEN_CHARS",
]

# Tokens longer than this are dropped (URL debris, base64): ES's whitespace tokenizer splits at 255 chars,
# so keeping them would make the two backends disagree.
MAX_TOKEN_CHARS = 100

_TOKEN_RE = re.compile(r"[^\W_]+")
# Accusative tanween written on a final alif ("هجوماً", "شخصاً"): the alif is only a seat for the mark,
# so drop both; without this "هجوماً" would fold to "هجوما" and miss "هجوم".
_TANWEEN_ALIF_RE = re.compile("(?:\u0627\u064b|\u064b\u0627)(?![^\\W_])")
_ARABIC_RE = re.compile("[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff]")

# Fallback folding that also guarantees the properties we test even if the chain's fold changes.
_FOLD_TABLE = {ord(c): "ا" for c in "أإآٱ"}
_FOLD_TABLE.update({ord("ى"): "ي", ord("ة"): "ه", 0x0640: None})
_FOLD_TABLE.update({cp: None for cp in (*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670)})
_FOLD_TABLE.update({0x0660 + i: str(i) for i in range(10)})
_FOLD_TABLE.update({0x06F0 + i: str(i) for i in range(10)})

# Article forms (already folded), longest first: conjunction? + preposition? + article.
_ARTICLES = (
    "وبال", "وكال", "فبال", "فكال", "ولل", "فلل", "وال", "فال", "بال", "كال", "لل", "ال",
)
_ARTICLE_EXCEPTIONS = frozenset({"الله", "اللهم", "الا", "الي", "الان", "الف", "الذي", "التي", "الذين"})
# Folded word starts that are part of the stem, not a conjunction و.
_WAW_STEMS = (
    "وزير", "وزار", "وزراء", "وكال", "واشنطن", "وقت", "وقف", "ولاي", "وحد", "وطن", "وجود", "وفد", "وفا",
    "وثيق", "وقود", "وسط", "وضع", "وصل", "وقع", "واحد", "ولد", "والد", "وعد", "وجه", "ورق", "ولي", "وليد",
    "وائل", "وفق", "وراء", "وادي", "واقع", "وكيل", "وسيل", "وسائل", "وصول", "وضح", "وظيف", "ورش", "ورد",
    "وسام", "وهاب", "وليام", "ويلز", "ويب", "واتساب", "وارسو", "ويكيليكس",
)
_SUFFIXES = ("ات", "ون", "ين", "ان", "ها", "هم", "هن", "ه", "ا")
_MIN_STEM = 3


def fold_text(text: str) -> str:
    """Fold (see module docstring) and lowercase; no tokenisation or stemming."""
    if "\u064b" in text:
        text = _TANWEEN_ALIF_RE.sub("", text)
    text = _chain_fold(text)
    return text.translate(_FOLD_TABLE).lower()


def _strip_prefix(word: str) -> str:
    if word in _ARTICLE_EXCEPTIONS:
        return word
    for art in _ARTICLES:
        if word.startswith(art) and len(word) - len(art) >= 2:
            return word[len(art):]
    if word[0] == "و" and len(word) - 1 >= _MIN_STEM and (
        not word.startswith(_WAW_STEMS) or is_proclitic_split(word, word[1:])  # "ولإيران": و + لإيران
    ):
        return _strip_preposition(word[1:])
    if word[0] == "ف" and len(word) - 1 >= _MIN_STEM and is_proclitic_split(word, word[1:]):
        return _strip_preposition(word[1:])
    return _strip_preposition(word)


def _strip_preposition(word: str) -> str:
    """A lone ب/ل/ك when the corpus evidence says it is one (see the module docstring)."""
    if word[0] in PREPOSITIONS and len(word) - 1 >= _MIN_STEM and is_proclitic_split(word, word[1:]):
        return word[1:]
    return word


def _strip_suffix(word: str) -> str:
    if len(word) - 2 >= _MIN_STEM and (word.endswith("يه") or word.endswith("يا")):
        return word[:-1]  # nisba: سوريه / سوريا -> سوري
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= _MIN_STEM:
            return word[: -len(suf)]
    return word


def base_stem(token: str) -> str:
    """Proclitics and one suffix stripped, no plural mapping (the key that ``plurals.tsv`` pairs map)."""
    if not _ARABIC_RE.search(token):
        return token
    return _strip_suffix(_strip_prefix(token))


@cache
def plural_keys() -> dict[str, str]:
    """Base stem of each listed broken plural -> base stem of its singular (built once per process;
    ``reset_tables`` forgets it)."""
    table: dict[str, str] = {}
    for plural, singular in load_plural_pairs():
        p, s = base_stem(fold_text(plural)), base_stem(fold_text(singular))
        if p != s:
            table[p] = s
    return table


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Search key of one folded, lowercased token (non-Arabic tokens come back unchanged)."""
    s = base_stem(token)
    return plural_keys().get(s, s)


def tokens(folded: str) -> list[str]:
    """Tokens of already folded text, before stemming (the over-long and one-letter Arabic ones dropped)."""
    return [
        t
        for t in _TOKEN_RE.findall(folded)
        if len(t) <= MAX_TOKEN_CHARS and (len(t) > 1 or not _ARABIC_RE.match(t))
    ]


def analyze(text: str) -> list[str]:
    """Index/query tokens for ``text``: fold, lowercase, tokenise, light-stem (see module docstring)."""
    if not text:
        return []
    return [stem(t) for t in tokens(fold_text(text))]


def analyze_pair(text: str) -> tuple[list[str], list[str]]:
    """``(analyze(text), analyze_exact(text))`` with one fold and one tokenisation (``index_view`` needs both
    for every title and body)."""
    if not text:
        return [], []
    surface = tokens(fold_text(text))
    return [stem(t) for t in surface], surface


def analyze_exact(text: str) -> list[str]:
    """Folded surface tokens of ``text``, nothing stripped: the ``exact:`` field's analysis."""
    if not text:
        return []
    return tokens(fold_text(text))


def analyze_key(text: str) -> str:
    """A name (entity, place, keyword) as a space-joined token string; "" when nothing is left."""
    return " ".join(analyze(text))


def prefix_form(text: str) -> str:
    """Normalise the stem of a trailing-``*`` query (``سج*``): fold, lowercase, strip proclitics only.

    Suffixes are not stripped because the user typed a prefix, not a word.
    """
    toks = _TOKEN_RE.findall(fold_text(text))
    if len(toks) != 1:
        return ""
    tok = toks[0]
    return _strip_prefix(tok) if _ARABIC_RE.search(tok) else tok


def reset_tables() -> None:
    """Reload the lexicon tables and forget cached stems (after the tables are rebuilt)."""
    lexicon.reset()
    plural_keys.cache_clear()
    stem.cache_clear()
