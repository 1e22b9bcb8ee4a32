"""Arabic text normalisation for matching.

``fold`` produces the *matching key* used by every rule-based stage: NFKC, no diacritics or
tatweel, alef variants folded to bare alef, alef maqsura to ya, taa marbuta to ha, the Persian/Urdu
letters for ya, kaf and ha to the Arabic ones, Arabic-Indic and Persian digits to ASCII, zero-width and bidi controls removed, whitespace collapsed.

The original text is never replaced: stages match on the folded string and map positions back
with the offset table from ``fold_with_offsets`` so reported spans always index the original.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "fold_with_offsets", "folded_words", "ascii_digits", "DIACRITICS_RE"]

_DELETE = "\x00"  # placeholder for characters removed by folding (never in real text we keep)

# Characters deleted by folding: Arabic diacritics/Quranic marks, tatweel, zero-width and bidi controls.
_DELETED_CODEPOINTS: list[int] = [
    *range(0x0610, 0x061B),
    *range(0x064B, 0x0660),
    0x0670,
    *range(0x06D6, 0x06EE),
    0x0640,  # tatweel
    0x061C,  # Arabic letter mark
    0x00AD,  # soft hyphen
    *range(0x200B, 0x2010),  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    *range(0x202A, 0x202F),  # bidi embeddings/overrides
    *range(0x2066, 0x206A),  # bidi isolates
    0xFEFF,  # BOM / ZWNBSP
]

_TABLE: dict[int, str] = {cp: _DELETE for cp in _DELETED_CODEPOINTS}
_TABLE.update({ord(c): "ا" for c in "أإآٱ"})
_TABLE.update({ord("ى"): "ي", ord("ة"): "ه"})
# The letters a Persian or Urdu keyboard types for Arabic ones ("کرکوک"، "إیران"): one key for both, so the
# gazetteer and the tagger know the place (QA7 qa7a-12: search found such words, the extraction no place).
# Not Urdu's ta marbuta ۃ (U+06C3): the search analysis carries a written ة through this fold as that letter.
_TABLE.update({ord(c): "ي" for c in "\u06cc\u06d2"})  # Farsi yeh ی, yeh barree ے
_TABLE.update({ord(c): "ك" for c in "\u06a9\u06aa"})  # keheh ک, swash kaf ڪ
_TABLE.update({ord(c): "ه" for c in "\u06c0\u06c1\u06c2\u06be"})  # ۀ ہ ۂ ھ
_TABLE.update({0x0660 + i: str(i) for i in range(10)})  # Arabic-Indic digits
_TABLE.update({0x06F0 + i: str(i) for i in range(10)})  # Extended (Persian/Urdu) digits
_TABLE[0x066B] = "."  # Arabic decimal separator
_TABLE[0x066C] = ","  # Arabic thousands separator

# every whitespace character (str.isspace, i.e. what re's \s matches) becomes a plain space, 1:1
_TABLE.update({c: " " for c in range(0x3001) if chr(c).isspace() and c not in _TABLE})

# _TABLE as a list indexed by code point, every other BMP character mapped to itself: ``str.translate``
# looks each character up in its table, and a dict miss (most characters) raises and clears a KeyError
# inside CPython; with every character present the lookup is a list index. Same result (a character past
# the list raises IndexError, a LookupError, and is kept, as a dict miss is); measured on news bodies,
# translate 140 -> 64 us an article. ~2 MB (the ints above 256 are objects of their own).
_TRANSLATE: list[int | str] = list(range(0x10000))
for _cp, _rep in _TABLE.items():
    _TRANSLATE[_cp] = _rep

_DIGIT_TABLE: dict[int, str] = {0x0660 + i: str(i) for i in range(10)}
_DIGIT_TABLE.update({0x06F0 + i: str(i) for i in range(10)})

# Exported for stages that want to strip marks from a surface form without full folding.
DIACRITICS_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

# A run of kept text: non-space characters and single spaces between them (no deleted characters).
_KEEP_RE = re.compile(r"[^\x00 ](?:[^\x00 ]| (?=[^\x00 ]))*")
_SPACES_RE = re.compile(r"  +")


def _nfkc_with_map(text: str) -> tuple[str, list[int] | None]:
    """NFKC per character so every output character can be traced to one input character.

    Returns ``(text, None)`` when the text is already NFKC (the usual case for news text) so
    callers can skip the offset composition.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
        out.append(n)
        if len(n) == 1:
            index.append(i)
        else:
            index.extend([i] * len(n))
    return "".join(out), index


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and return ``(folded, offsets)`` with ``offsets[k]`` = index in ``text`` of ``folded[k]``.

    A collapsed whitespace run maps to its first character. ``len(offsets) == len(folded)``.
    To map a folded span ``[a, b)`` back: ``start = offsets[a]``, ``end = offsets[b - 1] + 1``.
    """
    nfkc, nmap = _nfkc_with_map(text)
    s = nfkc.translate(_TRANSLATE)
    parts: list[str] = []
    offsets: list[int] = []
    prev_end = -1
    for m in _KEEP_RE.finditer(s):
        a, b = m.span()
        if prev_end >= 0:
            # the gap between two kept runs holds spaces and/or deleted characters
            sp = s.find(" ", prev_end, a)
            if sp >= 0:
                parts.append(" ")
                offsets.append(sp)
        parts.append(m.group())
        offsets.extend(range(a, b))
        prev_end = b
    folded = "".join(parts)
    if nmap is not None:
        offsets = [nmap[o] for o in offsets]
    return folded, offsets


def fold(text: str) -> str:
    """Matching key for ``text`` (see module docstring). Idempotent: ``fold(fold(t)) == fold(t)``."""
    if not unicodedata.is_normalized("NFKC", text):
        text = "".join(unicodedata.normalize("NFKC", ch) for ch in text)
    s = text.translate(_TRANSLATE)
    if _DELETE in s:
        s = s.replace(_DELETE, "")
    if "  " in s:
        s = _SPACES_RE.sub(" ", s)
    return s.strip(" ")



def folded_words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``, folded: how the word lists of the rules are written."""
    return frozenset(fold(w) for w in text.split())

def ascii_digits(text: str) -> str:
    """Replace Arabic-Indic and Persian digits by ASCII digits; the result has the same length."""
    return text.translate(_DIGIT_TABLE)
