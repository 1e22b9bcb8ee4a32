"""Numbers in Arabic news text: digits (ASCII, Arabic-Indic, Persian) and number words.

Contract: ``find_numbers(tokens)`` scans tokens from :func:`worker.extract.tokens.tokenize` and returns
one :class:`NumberSpan` per numeric expression, with its value (``None`` when vague, e.g. "عشرات",
"مئات"), whether a hedge precedes it ("أكثر من 20", "نحو 100" -> approximate), and token/char
spans. Clock times and scores ("10:30", "2:1") are no numeric expression. ``parse_number(text)`` is a convenience for a whole phrase ("ثلاثمئة وأربعة وسبعون" -> 374).
Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.extract.normalize import fold
from worker.extract.tokens import Token, tokenize

__all__ = ["NumberSpan", "find_numbers", "parse_number", "WORD_VALUES"]


def _forms(spec: str, value: int, table: dict[str, int]) -> None:
    for w in spec.split():
        table[fold(w)] = value


# Cardinal words (folded keys). Masculine/feminine and nominative/oblique/accusative forms.
WORD_VALUES: dict[str, int] = {}
_forms("واحد واحدة أحد إحدى", 1, WORD_VALUES)
_forms("اثنان اثنين اثنتان اثنتين اثنا اثني", 2, WORD_VALUES)
_forms("ثلاث ثلاثة", 3, WORD_VALUES)
_forms("أربع أربعة", 4, WORD_VALUES)
_forms("خمس خمسة", 5, WORD_VALUES)
_forms("ست ستة", 6, WORD_VALUES)
_forms("سبع سبعة", 7, WORD_VALUES)
_forms("ثمان ثماني ثمانية", 8, WORD_VALUES)
_forms("تسع تسعة", 9, WORD_VALUES)
_forms("عشر عشرة", 10, WORD_VALUES)
for _w, _v in (("عشر", 20), ("ثلاث", 30), ("أربع", 40), ("خمس", 50), ("ست", 60), ("سبع", 70), ("ثمان", 80), ("تسع", 90)):
    _forms(f"{_w}ون {_w}ين", _v, WORD_VALUES)
_forms("مئة مائة مية مئه", 100, WORD_VALUES)
# with the construct forms that drop the nun before a noun ("مئتي شخص")
_forms("مئتان مئتين مائتان مائتين مئتا مائتا مئتي مائتي", 200, WORD_VALUES)
for _w, _v in (("ثلاث", 3), ("أربع", 4), ("خمس", 5), ("ست", 6), ("سبع", 7), ("ثمان", 8), ("ثماني", 8), ("تسع", 9)):
    _forms(f"{_w}مئة {_w}مائة", _v * 100, WORD_VALUES)

# Multipliers: singular/plural forms; dual forms carry their own value.
MULTIPLIERS: dict[str, int] = {}
_forms("ألف ألفا آلاف", 1000, MULTIPLIERS)
_forms("مليون مليونا ملايين", 1_000_000, MULTIPLIERS)
_forms("مليار مليارا مليارات", 1_000_000_000, MULTIPLIERS)
DUALS: dict[str, int] = {}
_forms("ألفان ألفين ألفي", 2000, DUALS)  # ألفي: the construct state, "ألفي شخص" (two thousand people)
_forms("مليونان مليونين مليوني", 2_000_000, DUALS)

# Vague quantities: not counts per the guidelines.
VAGUE: frozenset[str] = frozenset(
    fold(w)
    for w in "عشرات العشرات مئات المئات آلاف الآلاف الألوف ملايين الملايين بضع بضعة عدة العديد".split()
)

# Hedges before a number: "أكثر من 20" -> 20 approximate. Folded word sequences.
_HEDGES: tuple[tuple[str, ...], ...] = tuple(
    tuple(fold(h).split())
    for h in (
        "أكثر من", "اكثر من", "ما لا يقل عن", "لا يقل عن", "ما يزيد على", "ما يزيد عن", "يزيد على", "يزيد عن",
        "نحو", "حوالي", "حوالى", "قرابة", "زهاء", "ما يقارب", "ما يناهز", "يناهز", "يقارب", "تقريبا", "أقل من",
    )
)
# the hedges by their last word, each list in _HEDGES' order: only those ending with the word before a
# number can match, so a number tries those instead of all 19 (the first match in order still wins)
_HEDGES_BY_LAST: dict[str, tuple[tuple[str, ...], ...]] = {}
for _h in _HEDGES:
    _HEDGES_BY_LAST[_h[-1]] = (*_HEDGES_BY_LAST.get(_h[-1], ()), _h)
# Upper bounds are not counts ("أقل من خمسة"): the span is reported but marked vague.
_UPPER_BOUND = (fold("أقل"), fold("من"))
# Folded words that can start a number expression (with an optional و/ب/ل, or "ال" on 3..10).
_BASE = set(WORD_VALUES) | set(MULTIPLIERS) | set(DUALS) | set(VAGUE)
_STARTERS: frozenset[str] = frozenset(
    _BASE
    | {p + w for w in _BASE for p in "وبل"}
    | {"ال" + w for w, v in WORD_VALUES.items() if 3 <= v <= 10}
)
_WA = "و"
_TEEN = (fold("عشر"), fold("عشرة"))  # "ثلاثة عشر": folded once here, not at every step of find_numbers
# Ordinal units: after one, "عشر"/"عشرة" or "و" + a tens word is the rest of an ordinal, not a count: an age
# ("فتى في الخامسة عشرة", "في الخامسة والعشرين") or a day ("في الثامن عشر من فبراير", "الحادي والعشرين").
_ORDINAL_UNITS: frozenset[str] = frozenset(
    fold(p + w + e)
    for w in ("حادي", "ثاني", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن", "تاسع")
    for p in ("ال", "وال", "بال")
    for e in ("", "ة")
)
_TENS_AFTER_WA: frozenset[str] = frozenset(_WA + w for w, v in WORD_VALUES.items() if v in range(20, 100, 10))


@dataclass(frozen=True, slots=True)
class NumberSpan:
    value: int | None  # None for vague amounts and upper bounds
    start: int  # char offsets into the tokenised text
    end: int
    tok_start: int  # token indices [tok_start, tok_end)
    tok_end: int
    approximate: bool = False
    vague: bool = False


def _digit_value(norm: str) -> float | None:
    """'1,200' -> 1200, '3.5' -> 3.5, '1.200' (thousands dot) -> 1200."""
    if "," in norm:
        parts = norm.split(",")
        if all(len(p) == 3 for p in parts[1:]):
            return float("".join(parts))
        return None
    if "." in norm:
        parts = norm.split(".")
        if len(parts) > 2:
            return float("".join(parts)) if all(len(p) == 3 for p in parts[1:]) else None
        try:
            return float(norm)
        except ValueError:
            return None
    return float(norm) if norm.isdigit() else None


def _word(norm: str, continuing: bool) -> tuple[str, int | None, str]:
    """Classify a folded word: returns (stem, value, kind) with kind in unit/mult/dual/teen/''."""
    stem = norm
    if continuing and stem.startswith(_WA) and len(stem) > 2:
        stem = stem[1:]
    if stem in WORD_VALUES:
        return stem, WORD_VALUES[stem], "card"
    if stem in MULTIPLIERS:
        return stem, MULTIPLIERS[stem], "mult"
    if stem in DUALS:
        return stem, DUALS[stem], "dual"
    return stem, None, ""


def _joins(current: float, v: int) -> bool:
    """Whether "current و v" is one compound number: units after hundreds ("ثلاثمئة وأربعة"), tens after units
    or hundreds ("ثلاثة وعشرين", "مئة وعشرون", "ثلاثمئة وأربعة وسبعون"); not two tens or a unit and ten."""
    rest = current % 100
    if v < 10:
        return rest == 0
    if v < 100:
        return rest < 10 and (v != 10 or rest == 0)
    return True


def _clock_time(tokens: list[Token], i: int) -> bool:
    """The digits at ``i`` are one side of a clock time or a score ("10:30", "7:30 ت غ", "2:1"): no amount."""
    def colon(k: int) -> bool:
        return 0 <= k < len(tokens) and tokens[k].text == ":"

    def digits(k: int) -> bool:
        return 0 <= k < len(tokens) and tokens[k].kind == "number"

    return (colon(i + 1) and digits(i + 2)) or (colon(i - 1) and digits(i - 2))


_HYPHENS = frozenset("-‐–")


def _model_name(tokens: list[Token], i: int) -> bool:
    """Digits glued by a hyphen to the word before them name a model, not an amount: "إف-16"، "سو-35"."""
    return (i >= 2 and tokens[i - 1].text in _HYPHENS and tokens[i - 2].kind == "word"
            and tokens[i - 2].end == tokens[i - 1].start and tokens[i - 1].end == tokens[i].start)


def find_numbers(tokens: list[Token]) -> list[NumberSpan]:
    """All numeric expressions in ``tokens`` (see module docstring)."""
    out: list[NumberSpan] = []
    n = len(tokens)
    # only numbers and number words can start an expression: skip the rest without per-token work
    starts = [k for k, t in enumerate(tokens) if t.kind == "number" or t.norm in _STARTERS]
    consumed = 0
    for i in starts:
        if i < consumed:
            continue
        consumed = i + 1
        tok = tokens[i]
        norm = tok.norm
        first_val: float | None = None
        kind = ""
        if tok.kind == "number":
            first_val = _digit_value(norm)
            if first_val is None or _clock_time(tokens, i) or _model_name(tokens, i):
                continue
            kind = "digit"
        elif tok.kind == "word":
            if norm in VAGUE or (norm.startswith(_WA) and norm[1:] in VAGUE):
                out.append(NumberSpan(None, tok.start, tok.end, i, i + 1, vague=True))
                continue
            if i and tokens[i - 1].norm in _ORDINAL_UNITS and (norm in _TEEN or norm in _TENS_AFTER_WA):
                continue
            _, v, kind = _word(norm, continuing=False)
            if v is None and norm.startswith("ال") and 3 <= WORD_VALUES.get(norm[2:], 0) <= 10:
                v, kind = WORD_VALUES[norm[2:]], "card"  # "الثلاثة" (the three); not الاثنين/الأحد
            if v is None:
                # allow one proclitic (و/ب/ل) on the first number word: "بثلاثة", "وخمسة"
                if len(norm) > 3 and norm[0] in "وبل":
                    _, v, kind = _word(norm[1:], continuing=False)
                if v is None:
                    continue
            first_val = float(v)
        else:
            continue

        total = 0.0
        current = 0.0
        last_mult = 0  # the multiplier (thousand, million) the expression last filled
        j = i
        if kind == "digit":
            current = first_val
        elif kind == "mult":
            total += first_val
            last_mult = int(first_val)
        elif kind == "dual":
            total += first_val
            last_mult = int(first_val) // 2
        else:
            current = first_val
        j = i + 1
        # extend with further number words
        while j < n and tokens[j].kind == "word":
            jn = tokens[j].norm
            if jn in _TEEN and 0 < current < 10 and kind != "digit":
                current += 10  # "ثلاثة عشر" -> 13
                j += 1
                continue
            _, v, k = _word(jn, continuing=True)
            if v is None:
                break
            if k == "mult":
                total += (current or 1) * v
                current = 0
                last_mult = v
            elif k == "dual":
                if current or total:
                    break
                total += v
            elif kind == "digit" and not jn.startswith(_WA):
                break  # "5 ثلاثة" is two numbers
            elif v == 100 and 0 < current < 10:
                current *= 100  # "ثلاث مئة"
            elif v >= 100 and current and current < v:
                break
            else:
                if not jn.startswith(_WA) and current and not (v < 10 and current % 100 == 0):
                    break
                if current and not _joins(current, v):
                    break  # "عشرين وثلاثين", "ثمانية وعشرة": a range or a list, two numbers
                current += v
            kind = k or kind
            j += 1
        # "ستة آلاف و259", "82 ألف و652", "مائتين و30": the digits after "و" complete the number when they are
        # below the last place it filled (news writes the remainder of a worded thousand or hundred in digits)
        if j + 1 < n and tokens[j].norm == _WA and tokens[j + 1].kind == "number" and not _clock_time(tokens, j + 1):
            rest = _digit_value(tokens[j + 1].norm)
            place = last_mult if not current else 100 if current >= 100 and current % 100 == 0 and kind != "digit" else 0
            if rest is not None and rest == int(rest) and 0 < rest < place:
                current += rest
                j += 2
        value = total + current
        # hedges before the number
        approximate = False
        vague = False
        for hedge in _HEDGES_BY_LAST.get(tokens[i - 1].norm, ()) if i else ():
            h = len(hedge)
            if i - h >= 0 and all(tokens[i - h + k].norm == hedge[k] for k in range(h)):
                approximate = True
                if hedge == _UPPER_BOUND:
                    vague = True
                break
        consumed = j
        ival = int(round(value)) if value == value and value < 1e15 else None
        out.append(
            NumberSpan(
                None if vague else ival,
                tok.start,
                tokens[j - 1].end,
                i,
                j,
                approximate=approximate,
                vague=vague,
            )
        )
    return out


def parse_number(text: str) -> int | None:
    """Value of the first numeric expression in ``text`` ("ثلاثمئة وأربعة وسبعون" -> 374)."""
    spans = find_numbers(tokenize(text))
    return spans[0].value if spans else None
