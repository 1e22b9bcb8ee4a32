"""Tokens, sentence spans and proclitic splitting for Arabic news text.

All offsets index the original (un-normalised) string. ``Token.norm`` is the folded matching key
(see :mod:`worker.extract.normalize`).
"""

from __future__ import annotations

import gzip
import re
from collections import namedtuple
from functools import cache
from importlib import resources

from worker.extract.memo import WORD_TYPES, memo
from worker.extract.normalize import fold, folded_words

__all__ = ["Token", "tokenize", "sentences", "split_proclitics", "WORD_RE", "TOKEN_RE"]

_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d"
# A word starts with a letter and continues with letters or Arabic marks/tatweel/ZWNJ.
WORD_RE = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{_MARKS}])*")
# words | numbers (3.5, 1,200, ٣٫٥) | any other single non-space character
TOKEN_RE = re.compile(rf"([^\W\d_](?:[^\W\d_]|[{_MARKS}])*)|(\d+(?:[.,\u066b\u066c]\d+)*)|(\S)")
# TOKEN_RE without its groups, for findall (a list of strings, no match object per token). A token's kind
# is told by its first character: the alternatives are tried in order and the first two need a letter /
# a digit there, so a letter starts a word, a digit a number, anything else a one-character punct.
_TOKEN_TEXT_RE = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{_MARKS}])*|\d+(?:[.,\u066b\u066c]\d+)*|\S")
_LETTER_RE = re.compile(r"[^\W\d_]")
_DIGIT_RE = re.compile(r"\d")
_KINDS: dict[str, str] = {}  # first character -> kind


_fold_word = memo(WORD_TYPES)(fold)  # tokens repeat a lot; folding is the hot path


class Token(namedtuple("_TokenFields", "text start end kind norm")):
    """A token with offsets into the original text: ``text == source[start:end]``.

    ``kind`` is "word", "number" or "punct"; ``norm`` is the folded matching key (computed from
    ``text`` when not given). Immutable. A tuple underneath (creating one is the chain's most
    frequent allocation, and a tuple is several times cheaper to build than a frozen dataclass);
    equality and hash ignore ``norm``, as before.
    """

    __slots__ = ()

    def __new__(cls, text: str, start: int, end: int, kind: str = "word", norm: str = "") -> Token:
        if not norm:
            norm = _fold_word(text) if kind != "punct" else text
        return _tuple_new(cls, (text, start, end, kind, norm))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return self[:4] == other[:4]

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return self[:4] != other[:4]

    def __hash__(self) -> int:
        return hash(self[:4])

    def __repr__(self) -> str:
        return f"Token(text={self.text!r}, start={self.start}, end={self.end}, kind={self.kind!r}, norm={self.norm!r})"


_tuple_new = tuple.__new__
_FOLDS: dict[str, str] = {}  # word -> fold(word); a plain dict read inline (the hot path)
_FOLDS_MAX = WORD_TYPES


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into word, number and punctuation tokens (whitespace dropped)."""
    out: list[Token] = []
    append = out.append
    folds = _FOLDS
    if len(folds) > _FOLDS_MAX:
        folds.clear()
    new = _tuple_new
    kinds = _KINDS
    find = text.find
    end = 0
    # only white space lies between two tokens (every other character is matched by \S), and a token
    # starts with a non-space, so a token's start is the first occurrence of its text after the last one
    for w in _TOKEN_TEXT_RE.findall(text):
        a = find(w, end)
        end = a + len(w)
        kind = kinds.get(w[0]) or _kind(w[0])
        if kind == "punct":
            append(new(Token, (w, a, end, "punct", w)))
            continue
        norm = folds.get(w)
        if norm is None:
            norm = folds[w] = fold(w)
        append(new(Token, (w, a, end, kind, norm)))
    return out


def _kind(first: str) -> str:
    """The kind of a token starting with ``first`` (see ``_TOKEN_TEXT_RE``), cached per character."""
    kind = "word" if _LETTER_RE.match(first) else "number" if _DIGIT_RE.match(first) else "punct"
    if len(_KINDS) < 65536:  # bounded: one entry per distinct first character
        _KINDS[first] = kind
    return kind


# Sentence ends: . ! ? ؟ … (possibly repeated, possibly followed by closing quotes/brackets) then space,
# or a newline. A period after a digit followed by a digit never matches (no whitespace), so "3.5" stays.
_SENT_END_RE = re.compile(r"(?:[.!?\u061f\u2026]+[\"'\u00bb\u201d)\]]*)(?=\s)|\n+")
# Single-letter abbreviations ("د. محمد", "أ.ف.ب", "U.S.") and a few common short forms.
_ABBREV_RE = re.compile(r"(?:^|[\s.(])(?:[^\W\d_]|[Dd]r|[Mm]r|[Mm]rs|[Ss]t|[Nn]o|[Vv]s|ص\.?ب|ت)$")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` over ``text``, stripped of surrounding whitespace.

    Splits on ., !, ?, ؟, … followed by whitespace, and on newlines; does not split after a
    single-letter abbreviation ("د. محمد") or inside numbers ("3.5").
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _SENT_END_RE.finditer(text):
        if m.group()[0] == ".":
            before = text[max(0, m.start() - 4) : m.start()]
            if _ABBREV_RE.search(before):
                continue
        end = m.end() if m.group()[0] != "\n" else m.start()
        _push(text, start, end, spans)
        start = m.end()
    _push(text, start, n, spans)
    return spans


def _push(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        spans.append((a, b))


# --- proclitics -------------------------------------------------------------------------------

# Folded words that begin with a proclitic letter but are not prefixed (place names and very common
# nouns where a clitic reading is wrong). Stripping is also refused when the rest is too short.
_NO_SPLIT = frozenset(
    fold(w)
    for w in """
    لبنان ليبيا لندن لاهاي لاتفيا ليتوانيا لوكسمبورغ لاوس لشبونة لوس ليون لاغوس لحج لواء لجنة لقاء لقب
    بغداد بيروت باريس برلين بروكسل بكين بريطانيا بلجيكا بلغاريا بولندا البرازيل بنغازي بنغلاديش باكستان
    بورما بوتين بايدن بومبيو بابا بيان بلد بلاد بين بعد بعض بسبب بشأن بكر بحر بنك بيت بشار برنامج بنت
    بحث بند بيع بطل
    كركوك كندا كوريا كوبا كينيا كابول كيري كلينتون كلية كتاب كلمة كان كانت كانوا كل كلا كما كيف كبير كثير
    كرة كأس كمال كريم
    فلسطين فرنسا فنزويلا فنلندا فيتنام فيينا فيلق فريق فصائل فصيل فترة فيها فيه في فوق فقط فرع فكرة فوز
    وزير وزارة وزراء وكالة واشنطن وقف وقت وضع واحد واحدة وسط ولاية ولايات وادي وحدات وحدة وطني وطنية وجود
    وقع وصل ورقة وفد وفاة ولي وليد وائل وهو وهي وفق وراء وجه وجهة وثيقة وقود
    """.split()
)
_ARTICLE_EXCEPTIONS = folded_words(
    "الى إلى ألا إلا الذي التي الذين اللذين اللتين اللاتي اللواتي الله الآن ألف آلاف ألم آلة")
_CONJ = "وف"
_PREP = "بلك"


def split_proclitics(word: str, *, keep_article: bool = False) -> tuple[str, str]:
    """Split attached proclitics off ``word``: ``(prefix, rest)``.

    Strips an optional conjunction (و/ف), an optional preposition (ب/ل/ك) and, unless
    ``keep_article``, the definite article ال; "لل" (ل + ال with the alef elided) is handled.
    Conservative: the stem must keep >= 2 letters (>= 3 when no article follows a one-letter
    clitic), known words such as "لبنان", "بغداد", "وزارة" are never split, and a one-letter clitic
    without the article is split off only when the shipped corpus word table says the stem is a word
    on its own ("بدمشق" -> "دمشق", "فيلم" and "بطولة" stay whole).

    Default (``keep_article=False``): ``prefix + rest == word`` always.
    ``keep_article=True`` (mention form per the guidelines): the article stays on ``rest``; for
    "لل" the rest is rewritten to start with "ال" ("للأمم" -> ("ل", "الأمم")), so then
    ``prefix + rest != word``; the rest's offset in ``word`` is ``len(word) - len(rest) + 1``.
    """
    return _split(word, keep_article)


def _folded(s: str) -> str:
    """``fold(s)``, read from tokenize's own table (word -> fold) when it holds ``s`` (the word and most
    stems are in it already), else through the ``_fold_word`` memo."""
    return _FOLDS.get(s) or _fold_word(s)


@memo(WORD_TYPES)
def _split(word: str, keep_article: bool) -> tuple[str, str]:
    """Cached worker for :func:`split_proclitics`.

    Runs once per first-seen word (~6.5 us, much of it folding): a fold is read from tokenize's table
    ``_FOLDS`` when there (the word itself, and stems that occurred bare), else through the
    ``_fold_word`` memo, and each substring is folded once (``word[i:]`` was folded twice, the rest
    again when the preposition reading stayed)."""
    if len(word) < 3:
        return "", word
    key = _folded(word)
    if key in _NO_SPLIT or key in _ARTICLE_EXCEPTIONS:
        return "", word
    i = 0
    if word[0] in _CONJ and len(word) > 3:
        i = 1
    j = i
    if j < len(word) and word[j] in _PREP:
        j += 1
    rest = word[j:]
    if word[j:j + 1] == "ل" and word[j - 1:j] == "ل" and j > i:
        # "لل" + stem: ل (preposition) + ال with elided alef
        stem = word[j + 1 :]
        if len(stem) >= 2:
            if keep_article:
                return word[:j], "ال" + stem
            return word[: j + 1], stem
    rest_key = key if j == 0 else _folded(rest)
    if rest_key.startswith("ال") and len(rest_key) >= 4 and rest_key not in _ARTICLE_EXCEPTIONS:
        if keep_article:
            return word[:j], rest
        return word[: j + 2], word[j + 2 :]
    # no article: a one-letter clitic needs a long enough stem, and (when the word table is shipped)
    # evidence that the stem is a word of its own: "بدمشق" -> دمشق, but not "فيلم" -> يلم, "بطولة" -> طولة
    vocab = _vocab()
    if j > i:
        whole = key if i == 0 else _folded(word[i:])  # the word without its conjunction
        if len(rest_key) < 3 or whole in _NO_SPLIT or (vocab and not _stem_ok(whole, rest_key, vocab)):
            j = i  # drop the preposition reading
            if j:
                rest_key = _folded(word[j:])
    if j == 0:
        return "", word
    if len(rest_key) < 3 or (vocab and not _stem_ok(key, rest_key, vocab, conj=j == i)):
        return "", word
    return word[:j], word[j:]


def _stem_ok(whole: str, stem: str, vocab: dict[str, int], conj: bool = False) -> bool:
    """The stem occurs on its own in the reference corpus, at least a fifth as often as the whole word
    ("بدمشق" -> دمشق yes; "وسائل" -> سائل and "بطولة" -> طولة no: far rarer than the whole word).
    The conjunction و/ف is so productive that any well-attested stem is enough ("وأضاف" -> أضاف)."""
    n = vocab.get(stem, 0)
    if conj and n >= _COMMON_STEM_DF:
        return True
    return n >= _MIN_STEM_DF and 5 * n >= vocab.get(whole, 0)


_MIN_STEM_DF = 3
_COMMON_STEM_DF = 200


@cache
def _vocab() -> dict[str, int]:
    """Document frequencies of whole folded words in the ANT corpus (``data/words.tsv.gz``), or {}.
    Loaded once per process; ``reset_vocab`` forgets it."""
    try:
        raw = resources.files("worker.extract.data").joinpath("words.tsv.gz").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    table: dict[str, int] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines()[1:]:
        w, _, n = line.partition("\t")
        table[w] = int(n)
    return table


def reset_vocab() -> None:
    """Forget the loaded word table and cached splits (used when the tables are rebuilt)."""
    _vocab.cache_clear()
    _split.cache_clear()  # type: ignore[attr-defined]
