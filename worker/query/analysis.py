"""Arabic analysis for search, done in Python so the core Elasticsearch distribution needs no plugin.

``analyze(text)`` turns text into the token list that is indexed (space-joined, with the built-in
``whitespace`` analyzer) *and* that the Python matcher compares against, so both backends see the same
terms. Steps, in order:

1. a final alif carrying tanween fath is dropped ("هجوماً" -> "هجوم"), then
   ``worker.extract.normalize.fold``: NFKC, diacritics and tatweel removed, أ/إ/آ/ٱ -> ا, ى -> ي,
   ة -> ه, Arabic-Indic digits -> ASCII; then the search's own folds: the hamza seats ؤ/ئ -> ء
   ("مسئول" = "مسؤول", "شئون" = "شؤون": the seat varies with spelling habit and case, not with the word),
   and the Persian/Urdu letters a Persian keyboard types for Arabic ones: ی/ے -> ي, ک/ڪ -> ك,
   ۀ/ہ/ۂ/ھ -> ه, ۃ -> ة ("ایران" = "إيران"). Then lowercase (Latin). The stemmer still knows which ه was
   written ة (see the suffix step).
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
   * one suffix: first the nisba ending -ية/-يه/-يا -> -ي (so "سوريا", "سورية", "السوري", "السوريين" all
     become "سوري"), otherwise one of ات، ون، ين، ان، ها، هم، هن، ه، ا when at least three letters remain (the final
     alif catches the accusative written without its tanween: "هجوما" -> "هجوم"). The feminine ending ة is
     not the pronoun ه (the fold writes both ه): it is stripped only where the corpus says the word is the
     feminine form of the word without it ("جديدة" -> "جديد", "مسلحة" -> "مسلح", "دولة" -> "دول"), and kept
     where it is a word of its own, so "النصرة" (al-Nusra) keeps its key apart from "النصر" (victory),
     "الشرطة" (police) from "شرط" (condition), "بعثة" (mission) from "البعث" (the Baath). A word written
     with a final ه is read as ة when the corpus hardly ever writes it with ه ("الحكومه" is "الحكومة";
     "قتله", "killed him", is a verb with its pronoun). The sound plural -ات takes the key of the singular
     the corpus pairs it with: "عربات" that of "عربة", not "عرب"; "قرارات" that of "قرار". Evidence:
     ``worker.query.lexicon`` (``is_ta_marbuta``, ``ta_is_own``, ``plural_of_feminine``).
   * broken plurals: the stem of a listed plural becomes the stem of its singular ("سجون" -> "سجن",
     "قتلى" -> "قتيل", "أطفال" -> "طفل", "مدن" -> "مدين"; table in ``worker/query/data/plurals.tsv``).

``analyze_exact`` stops after step 2 (folded surface forms): it feeds the ``exact:`` query field, for the
analyst who needs "لبنان" and not "بنان", or "سجون" and not "سجن".

``ANALYSIS_VERSION`` names this analysis: an index records the version its analysed fields were made with
(``worker.store.elastic``), and a change of the keys any word gets needs the number raised, since an index
made before it holds the old keys until ``newsworker index reindex`` re-analyses it.

The rules are deliberately simple and symmetric: query and document pass through the same function, so
any over-stemming only costs precision through collisions, never recall between surface variants.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

# The chain's fold is the single definition of the matching key.
from worker.extract.normalize import fold as _chain_fold
from worker.query import lexicon
from worker.query.lexicon import (
    MIN_STEM_DF,
    PREPOSITIONS,
    df_with_article,
    hamza_al,
    is_name,
    is_proclitic_split,
    is_ta_marbuta,
    keeps_ending,
    load_plural_pairs,
    plural_of_feminine,
    strips_suffix,
    ta_is_own,
    ta_own_words,
    word_df,
)

__all__ = [
    "analyze", "analyze_exact", "analyze_key", "analyze_pair", "base_stem", "fold_text", "plural_keys", "prefix_form",
    "reset_tables", "stem", "tokens", "ANALYSIS_VERSION", "MAX_TOKEN_CHARS",
]

# Raised whenever a word's key changes (fold, stemming rules or word tables): see the module docstring.
# 1: issue 16 (clitics, suffixes, broken plurals); 2: ة kept apart from the pronoun ه, -ات plurals to their
# feminine singular, hamza seats ؤ/ئ/ء folded, Persian/Urdu letters folded; 3: QA round 7 (qa7a): names keep
# their endings, the corpus decides plural/dual/accusative endings, construct plurals (-و), the future
# prefix س, a pronoun after ة (-ته), the preposition على apart from the name علي.
ANALYSIS_VERSION = 3

# Tokens longer than this are dropped (URL debris, base64): ES's whitespace tokenizer splits at 255 chars,
# so keeping them would make the two backends disagree.
MAX_TOKEN_CHARS = 100

_TOKEN_RE = re.compile(r"[^\W_]+")
# Accusative tanween written on a final alif ("هجوماً", "شخصاً"): the alif is only a seat for the mark,
# so drop both; without this "هجوماً" would fold to "هجوما" and miss "هجوم".
_TANWEEN_ALIF_RE = re.compile("(?:\u0627\u064b|\u064b\u0627)(?![^\\W_])")
_ARABIC_RE = re.compile("[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff]")

# The stemmer must tell a ta marbuta from a pronoun ه, which the chain's fold merges: ``_marked_fold``
# carries every ة through the fold as U+06C3 (ARABIC LETTER TEH MARBUTA GOAL, Urdu's own ta marbuta: a letter,
# so tokenisation is unchanged, and one NFKC leaves alone). It never reaches a key, an exact token or the
# lexicon: stemming turns it back into ه.
_TA = "\u06c3"
_MARK_TA = {ord("ة"): _TA, 0xFE93: _TA, 0xFE94: _TA}
# Likewise a written alif maqsura ى is carried through the fold as U+06CD (YEH WITH TAIL, a letter the folds
# leave alone), because the fold's ى -> ي (writers interchange them: "مستشفى"، "مستشفي") makes the
# preposition "على", in nearly every article, the name "علي" (QA7 qa7a-2: an alert on Ali fired on most
# articles). Only the preposition keeps it, as the key ``_ALA``; every other marked ى becomes ي again.
_YA = "\u06cd"
_MARK_YA = {ord("ى"): _YA, 0xFEEF: _YA, 0xFEF0: _YA}
_ALA = "على"  # no other key holds a ى: the fold writes every other one ي
# And an alif written with a hamza (أ/إ/آ) as U+0672 (ALEF WITH WAVY HAMZA ABOVE), until the article step has
# looked at it: the article is written with a bare alif, so "ألفي" (two thousand) is no "ال" + "في" and
# "ألغام" keeps its first letters, as "الألغام" does once its article is off (QA7 qa7a-15).
_HA = "\u0672"
_ALA_FORMS = frozenset({"عل" + _YA, "وعل" + _YA, "فعل" + _YA})
_MARKS = (_TA, _YA, _HA)  # every letter the marked fold carries and no key or exact token may hold
_PRONOUNS = frozenset({"ها", "هم", "هن", "ه"})
_T_FORM_SHARE = 20  # a ت-form this much rarer than its ة-word is that word before a pronoun or dual ending
# The other attached pronouns (ours, yours, their two): taken off only where the corpus says so (they end
# like words: "أحيانا"، "لدينا" aside), before the suffix step would read "نا" as an accusative ا.
_OTHER_PRONOUNS = ("هما", "كما", "نا", "كم")

# Fallback folding that also guarantees the properties we test even if the chain's fold changes, plus the
# search's own folds (module docstring, step 1): hamza seats, Persian/Urdu letters. All one character to one,
# so offsets into the folded text stay those of the chain's fold.
_FOLD_MARKED = {ord(c): "ا" for c in "أإآٱ"}
_FOLD_MARKED.update({ord("ى"): "ي", ord("ة"): "ه", 0x0640: None})
_FOLD_MARKED.update({cp: None for cp in (*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670)})
_FOLD_MARKED.update({0x0660 + i: str(i) for i in range(10)})
_FOLD_MARKED.update({0x06F0 + i: str(i) for i in range(10)})
_FOLD_MARKED.update({ord("ؤ"): "ء", ord("ئ"): "ء"})
_FOLD_MARKED.update({ord(c): "ي" for c in "\u06cc\u06d2"})  # Farsi yeh ی, yeh barree ے
_FOLD_MARKED.update({ord(c): "ك" for c in "\u06a9\u06aa"})  # keheh ک, swash kaf ڪ
_FOLD_MARKED.update({ord(c): "ه" for c in "\u06c0\u06c1\u06c2\u06be"})  # ۀ ہ ۂ ھ
# the plain fold (``fold_text``, exact tokens): a ta marbuta, Urdu's too, is ه as the chain folds it
_FOLD_TABLE = {**_FOLD_MARKED, ord(_TA): "ه", ord(_YA): "ي", ord(_HA): "ا"}

# Article forms (already folded), longest first: conjunction? + preposition? + article.
_ARTICLES = (
    "وبال", "وكال", "فبال", "فكال", "ولل", "فلل", "وال", "فال", "بال", "كال", "لل", "ال",
)
# An article form standing alone (a stray "ال" before a space, a query of it): not "بال" (mind) or "كال".
_LONE_ARTICLES = frozenset({"ال", "لل", "وال", "فال", "ولل", "فلل"})
_ARTICLE_EXCEPTIONS = frozenset({"الله", "اللهم", "الا", "الي", "الان", "الف", "الذي", "التي", "الذين"})
# Folded word starts that are part of the stem, not a conjunction و (folded again below, so a fold
# change cannot leave one behind: "وزراء", "وسائل").
_WAW_STEMS = (
    "وزير", "وزار", "وزراء", "وكال", "واشنطن", "وقت", "وقف", "ولاي", "وحد", "وطن", "وجود", "وفد", "وفا",
    "وثيق", "وقود", "وسط", "وضع", "وصل", "وقع", "واحد", "ولد", "والد", "وعد", "وجه", "ورق", "ولي", "وليد",
    "وائل", "وفق", "وراء", "وادي", "واقع", "وكيل", "وسيل", "وسائل", "وصول", "وضح", "وظيف", "ورش", "ورد",
    "وسام", "وهاب", "وليام", "ويلز", "ويب", "واتساب", "وارسو", "ويكيليكس",
)
_WAW_STEMS = tuple(w.translate(_FOLD_TABLE) for w in _WAW_STEMS)
_SUFFIXES = ("ات", "ون", "ين", "ان", "ها", "هم", "هن", "ه", "ا")
_MIN_STEM = 3
# The future prefix س comes before a present-tense verb, whose own prefix is one of these letters; the verb
# that remains has at least four letters ("سيهاجم"، "ستعقد"), so no short word loses a first س.
_PRESENT_PREFIXES = "يتنا"
_MIN_FUTURE_STEM = 4


def fold_text(text: str) -> str:
    """Fold (see module docstring) and lowercase; no tokenisation or stemming."""
    if "\u064b" in text:
        text = _TANWEEN_ALIF_RE.sub("", text)
    text = _chain_fold(text)
    return text.translate(_FOLD_TABLE).lower()


def _marked_fold(text: str) -> str:
    """``fold_text`` except that a written ة stays a ta marbuta (U+06C3) for the stemmer."""
    if "\u064b" in text:
        text = _TANWEEN_ALIF_RE.sub("", text)
    # str.replace, not translate: a dict translate of a whole body costs more than the rest of the fold
    text = text.replace("ة", _TA).replace("ى", _YA).replace("أ", _HA).replace("إ", _HA).replace("آ", _HA)
    if "\ufe93" in text or "\ufe94" in text or "\ufeef" in text or "\ufef0" in text:
        text = text.translate({**_MARK_TA, **_MARK_YA})  # presentation forms, which NFKC would make ة / ى
    return _chain_fold(text).translate(_FOLD_MARKED).lower()


def _plain(token: str) -> str:
    """A marked token as ``fold_text`` would have made it."""
    token = _unmarked_but_hamza(token)
    return token.replace(_HA, "ا") if _HA in token else token


def _unmarked_but_hamza(token: str) -> str:
    if _TA in token:
        token = token.replace(_TA, "ه")
    return token.replace(_YA, "ي") if _YA in token else token


def _prefix_off(token: str) -> str:
    """A marked token without its proclitics, every mark gone (what the suffix step takes)."""
    return _strip_prefix(_unmarked_but_hamza(token))


def _strip_prefix(word: str) -> str:
    """``word`` (folded; a hamza alif may still be marked) without its proclitics, unmarked."""
    marked = word
    if _HA in word:
        word = word.replace(_HA, "ا")
    if word in _ARTICLE_EXCEPTIONS:
        return word
    for art in _ARTICLES:
        if marked.startswith(art) and len(word) - len(art) >= 2:
            if art.endswith("ال") and marked[len(art)] != _HA and hamza_al(word[len(art) - 2:]):
                # "المانيا" is "ألمانيا" written without its hamza, not ال + "مانيا": the corpus writes that
                # word with أل/إل/آل at least three times as often as with a bare alif (QA7 qa7r-1)
                return word[len(art) - 2:] if len(art) > 2 else word
            return _after_article(word, art)
    if word[0] == "و" and len(word) - 1 >= _MIN_STEM and (
        not word.startswith(_WAW_STEMS) or is_proclitic_split(word, word[1:])  # "ولإيران": و + لإيران
    ):
        return _strip_preposition(word[1:])
    if word[0] == "ف" and len(word) - 1 >= _MIN_STEM and is_proclitic_split(word, word[1:]):
        return _strip_preposition(word[1:])
    return _strip_preposition(word)


def _after_article(word: str, art: str) -> str:
    """``word`` without the article form ``art``. "لل" is ل + the article ("للحكومة") or, before a word
    that starts with ل, ل + that word, the article merged into it ("للاجئين" is ل + "اللاجئين", "للبنان" ل +
    "لبنان"): the reading whose remainder the corpus knows better wins (QA7 qa7a-18)."""
    rest = word[len(art):]
    if art.endswith("لل"):
        whole = word[len(art) - 1:]
        if df_with_article(whole) > df_with_article(rest):
            return whole
    return rest


def _strip_preposition(word: str) -> str:
    """A lone ب/ل/ك when the corpus evidence says it is one (see the module docstring); else the future
    prefix س before a verb of the present tense ("سيهاجم" -> "يهاجم"), on the same evidence."""
    if word[0] in PREPOSITIONS and len(word) - 1 >= _MIN_STEM and is_proclitic_split(word, word[1:]):
        return word[1:]
    if (word[0] == "س" and len(word) - 1 >= _MIN_FUTURE_STEM and word[1] in _PRESENT_PREFIXES
            and is_proclitic_split(word, word[1:])):
        return word[1:]
    return word


def _strip_suffix(word: str, ta: bool = False) -> tuple[str, bool]:
    """One suffix off ``word`` (folded: ة is ه; ``ta``: its final ه was written ة), as ``(stem, feminine)``:
    ``feminine`` when the stem ends in a ta marbuta, which :func:`stem` may still drop (``ta_is_own``)."""
    if word in ta_own_words():
        return word, True  # "مدرسة"، "دورية": a word of its own (``ta_own.txt``), before the nisba rule
    if len(word) - 2 >= _MIN_STEM and (word.endswith("يه") or word.endswith("يا")):
        return word[:-1], False  # nisba: سورية / سوريه / سوريا -> سوري
    if word.endswith("ه") and (ta or is_ta_marbuta(word) or is_name(word)):
        # a ta marbuta is not the pronoun ه (after ة a pronoun is written on a ت: "حكومته"): stripping it as
        # one made "النصرة" the key of "النصر" and "الشرطة" that of "شرط"; a name written with ه for its ة
        # ("الفلوجه") is the name
        return word, True
    if keeps_ending(word):
        return word, False  # "الإمارات"، "البحرين"، "درعا": no ending of a name is a suffix
    if word.endswith("ات") and len(word) - 2 >= _MIN_STEM:
        single = word[:-2]
        if single + "ه" in ta_own_words():
            return single + "ه", True  # "الدوريات" (patrols) is "دورية"'s plural, not "دوري"'s
        # the sound plural of a feminine noun keeps its singular's ة ("عربات" -> "عربه", not "عرب"); a
        # nisba's ("عمليات") is its singular's key already ("عملية" -> "عملي")
        if not single.endswith("ي") and plural_of_feminine(single):
            return single + "ه", True
        return single, False
    for suf in _OTHER_PRONOUNS:
        if word.endswith(suf) and len(word) - len(suf) >= _MIN_STEM and _pronoun_on_a_word(word, suf):
            return _before_pronoun(word[: -len(suf)])
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= _MIN_STEM:
            if suf in _PRONOUNS:
                return _before_pronoun(word[: -len(suf)])
            if not strips_suffix(word):
                return word, False  # "لبنان"، "عمران"، "ماكرون": the corpus reads the ending as part of the word
            if suf in ("ين", "ان"):
                return _feminine_of(word[: -len(suf)])  # a feminine dual: "سيارتين" is two "سيارة"
            return word[: -len(suf)], False
    if _construct_plural(word):
        return word[:-1], False  # a plural in construct: "مسلحو التنظيم" is "مسلحون", "مسلحي داعش" "مسلحين"
    return word, False


def _construct_plural(word: str) -> bool:
    """Is ``word`` a sound masculine plural in construct, its ن dropped: R + و ("مسلحو") or a participle
    م... + ي ("مسلحي")? Where the corpus writes both full plurals, R + ون and R + ين, and the word is no name
    ("بوتو" beside "بوتين" is not; "سوري" or "عسكري" are adjectives, not م-participles in construct)."""
    if len(word) - 1 < _MIN_STEM or word[-1] not in "وي" or is_name(word):
        return False
    if word[-1] == "ي" and not word.startswith("م"):
        return False
    rest = word[:-1]
    return all(df_with_article(rest + s) >= MIN_STEM_DF for s in ("ون", "ين"))


def _pronoun_on_a_word(word: str, suf: str) -> bool:
    """Is ``suf`` (نا، كم، هما، كما) an attached pronoun on ``word``? Where what is left is a word (or its
    ت-form stands for a ة-word) the corpus writes at least as often as the whole ("جنودنا" -> "جنود", QA7
    qa7a-16); not "أحيانا" (sometimes), which is commoner than "أحيا"."""
    rest = word[: -len(suf)]
    forms = (rest, rest[:-1] + "ه") if rest.endswith("ت") else (rest,)
    n_rest = max(df_with_article(f) for f in forms)
    return n_rest >= max(MIN_STEM_DF, word_df().get(word, 0)) and not is_name(word)


def _before_pronoun(stem: str) -> tuple[str, bool]:
    """What is left of a word when an attached pronoun is taken off. After a ta marbuta the pronoun stands on
    a ت ("حكومته"، "قواتها" aside): that ت is the ة when the ة-form is a word and the ت-form alone is not, so
    "حكومته" has the key of "حكومة" (QA7 qa7a-6), while "قتلته" ("killed him") stays a verb. The preposition
    "على" with a pronoun ("عليه"، "عليهم") is the preposition, not the name "علي"."""
    if stem == "علي":
        return _ALA, False
    return _feminine_of(stem)


def _feminine_of(stem: str) -> tuple[str, bool]:
    """A stem ending in ت before a pronoun or a dual ending, as its ة-word ("حكومت" -> "حكومة"، "سيارت" ->
    "سيارة") where the ة-form is a word and the ت-form alone is far rarer (a twentieth)."""
    if stem.endswith("ت") and len(stem) - 1 >= _MIN_STEM:
        feminine = stem[:-1] + "ه"
        if is_ta_marbuta(feminine) and df_with_article(stem) * _T_FORM_SHARE < max(df_with_article(feminine),
                                                                                      MIN_STEM_DF):
            return feminine, True
    return stem, False


def _base(token: str) -> tuple[str, bool]:
    if not _ARABIC_RE.search(token):
        return token, False
    return _strip_suffix(_prefix_off(token), token.endswith(_TA))


def base_stem(token: str) -> str:
    """Proclitics and one suffix stripped, a ta marbuta kept, no plural mapping (the key that ``plurals.tsv``
    pairs map). ``token``: folded as by ``fold_text``, or as by the analysis itself (a written ة marked,
    which tells the feminine ending from the pronoun ه without the corpus evidence)."""
    return _base(token)[0]


@cache
def plural_keys() -> dict[str, str]:
    """Base stem of each listed broken plural -> base stem of its singular (built once per process;
    ``reset_tables`` forgets it)."""
    table: dict[str, str] = {}
    for plural, singular in load_plural_pairs():
        p = base_stem(_marked_fold(plural))
        s = _unmarked_key(*_base(_marked_fold(singular)))
        if p != s:
            table[p] = s
    return table


def _unmarked_key(s: str, feminine: bool) -> str:
    """``s`` without its ta marbuta where the word is the feminine form of the word without it ("جديدة" ->
    "جديد", "دولة" -> "دول"; ``ta_is_own``): one key for both."""
    if feminine and len(s) - 1 >= _MIN_STEM and not ta_is_own(s):
        return s[:-1]
    return s


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Search key of one folded, lowercased token (non-Arabic tokens come back unchanged); ``token`` as
    ``base_stem`` takes it."""
    if token in _ALA_FORMS:
        return _ALA
    s, feminine = _base(token)
    table = plural_keys()
    if s in table:
        return table[s]
    key = _unmarked_key(s, feminine)
    return table.get(key, key)


def tokens(folded: str) -> list[str]:
    """Tokens of already folded text, before stemming (the over-long and one-letter Arabic ones dropped, and
    a lone article, "ال"، "لل"، "وال": nothing to search, like a lone و; QA7 qa7a-17). ``folded`` by
    ``fold_text`` (or marked by the analysis: the tokens are then marked too)."""
    return [
        t
        for t in _TOKEN_RE.findall(folded)
        if len(t) <= MAX_TOKEN_CHARS and (len(t) > 1 or not _ARABIC_RE.match(t)) and t not in _LONE_ARTICLES
    ]


def analyze(text: str) -> list[str]:
    """Index/query tokens for ``text``: fold, lowercase, tokenise, light-stem (see module docstring)."""
    if not text:
        return []
    return [stem(t) for t in tokens(_marked_fold(text))]


def analyze_pair(text: str) -> tuple[list[str], list[str]]:
    """``(analyze(text), analyze_exact(text))`` with one fold and one tokenisation (``index_view`` needs both
    for every title and body)."""
    if not text:
        return [], []
    marked = _marked_fold(text)
    surface = tokens(marked)
    stems = [stem(t) for t in surface]
    if not surface or not any(mark in marked for mark in _MARKS):
        return stems, surface
    return stems, _plain(" ".join(surface)).split(" ")  # tokens hold no space


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
    toks = _TOKEN_RE.findall(_marked_fold(text))
    if len(toks) != 1:
        return ""
    tok = toks[0]
    return _prefix_off(tok) if _ARABIC_RE.search(tok) else tok


def reset_tables() -> None:
    """Reload the lexicon tables and forget cached stems (after the tables are rebuilt)."""
    lexicon.reset()
    plural_keys.cache_clear()
    stem.cache_clear()
