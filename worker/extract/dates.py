"""Calendar references in Arabic news text, resolved against the publication time.

Contract: ``find_dates(text, published, field="body") -> list[DateRef]``. Matches run over the folded
text (:func:`worker.extract.normalize.fold_with_offsets`) and spans are mapped back, so
``text[ref.start:ref.end] == ref.text``. Results are deduplicated by resolved date (first mention kept).

Recognised (per the gold guidelines): absolute days in both Gregorian month series and combos
("20 يناير/كانون الثاني", "الرابع من آذار/مارس", "12 - 13 ابريل/نيسان عام 2010"), Hijri days with a day
number, weekdays ("المقبل"/"يوم غد الثلاثاء" -> future; "الماضي" -> strictly before; a bare "يوم الخميس" -> the
last or the next such day, as a small learned model over its sentence's words decides, see
:func:`weekday_features` and ``worker.training.weekdays``; without the model file, the most recent on or before
publication unless a future cue stands before it), relative days ("أمس"، "أول أمس"، "اليوم"، "غدا"، "الليلة الماضية"),
month references (-> YYYY-MM), year references ("عام 2011"، "منذ 2013"، "العام الماضي" -> YYYY).
Durations ("لمدة عامين"، "منذ أسبوعين") and times of day are not dates and are not matched.
When a weekday is stated together with a relative word ("أمس الثلاثاء"), the weekday wins: its occurrence within a
day of the relative day, else its last occurrence before publication.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from importlib import resources

import ahocorasick

from worker.document import DateRef
from worker.extract.keywords import load_idf
from worker.extract.match_starts import NOT_AFTER_LETTER, StartFilter
from worker.extract.normalize import fold, fold_with_offsets

__all__ = ["find_dates", "parse_published", "date_age", "date_ages", "hijri_to_gregorian", "load_weekday_model",
           "weekday_features", "weekday_score", "GREGORIAN_MONTHS", "LEVANTINE_MONTHS", "WEEKDAY_MODEL"]

GREGORIAN_MONTHS: dict[str, int] = {
    fold(k): v
    for k, v in {
        "يناير": 1, "جانفي": 1, "فبراير": 2, "فيفري": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "افريل": 4,
        "مايو": 5, "ماي": 5, "يونيو": 6, "يونيه": 6, "جوان": 6, "يوليو": 7, "يوليه": 7, "جويلية": 7,
        "أغسطس": 8, "اغسطس": 8, "أوت": 8, "سبتمبر": 9, "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    }.items()
}
LEVANTINE_MONTHS: dict[str, int] = {
    fold(k): v
    for k, v in {
        "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7,
        "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
        # also written without the article ("18 ديسمبر/كانون أول من عام 2000")
        "كانون ثاني": 1, "تشرين أول": 10, "تشرين ثاني": 11, "كانون أول": 12,
    }.items()
}
HIJRI_MONTHS: dict[str, int] = {
    fold(k): v
    for k, v in {
        "محرم": 1, "صفر": 2, "ربيع الأول": 3, "ربيع الثاني": 4, "ربيع الآخر": 4, "جمادى الأولى": 5,
        "جمادى الأول": 5, "جمادى الآخرة": 6, "جمادى الثانية": 6, "جمادى الآخر": 6, "رجب": 7, "شعبان": 8,
        "رمضان": 9, "شوال": 10, "ذو القعدة": 11, "ذي القعدة": 11, "ذو الحجة": 12, "ذي الحجة": 12,
    }.items()
}
WEEKDAYS: dict[str, int] = {  # Python weekday(): Monday = 0
    fold(k): v
    for k, v in {
        "الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الخميس": 3, "الجمعة": 4, "السبت": 5, "الأحد": 6,
    }.items()
}
_ORD_UNITS = {
    "الاول": 1, "الحادي": 1, "الثاني": 2, "الثالث": 3, "الرابع": 4, "الخامس": 5, "السادس": 6,
    "السابع": 7, "الثامن": 8, "التاسع": 9, "العاشر": 10,
}
ORDINALS: dict[str, int] = {}
for _w, _v in _ORD_UNITS.items():
    ORDINALS[_w] = _v
    if _v < 10:
        ORDINALS[f"{_w} عشر"] = _v + 10
        ORDINALS[f"{_w} والعشرين"] = _v + 20
ORDINALS["الثاني عشر"] = 12
ORDINALS["العشرين"] = 20
ORDINALS["الثلاثين"] = 30
ORDINALS["الحادي والثلاثين"] = 31
ORDINALS["الواحد والثلاثين"] = 31


def _alt(words) -> str:
    """Regex alternation of folded phrases, longest first, spaces matching any whitespace."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_G = _alt(GREGORIAN_MONTHS)
_L = _alt(k for k in LEVANTINE_MONTHS if k != "اب")
_LA = _alt(LEVANTINE_MONTHS)
_H = _alt(HIJRI_MONTHS)
_WD = _alt(WEEKDAYS)
_ORD = _alt(ORDINALS)
# counts of days written as words (folded), for "قبل خمسة أيام"
_DAYS_N = {w: n for n, ws in enumerate(("", "", "", "ثلاثه", "اربعه", "خمسه", "سته", "سبعه", "ثمانيه", "تسعه", "عشره"))
           for w in ws.split() if w}
_DAY_WORDS = "|".join(_DAYS_N)
_B = NOT_AFTER_LETTER  # not preceded by a letter (digits/punct/space ok)
_E = r"(?![^\W\d_])"  # not followed by a letter
_P = r"(?:[وفبل]|ول|وب|فب|في|وفي)?"  # proclitics attached to the first word ("في19 تموز" glued too)
_YEAR = r"(?:1[89]|20)\d\d"  # a four-digit year, 1800-2099
_YEAR_RANGE = r"\s*(?:-|و|الي|حتي|لغايه)\s*"  # between the two years of a range ("1978 إلى 1990")
_DAY_RANGE = r"\s*(?:-|و|الي|حتي)\s*"  # between the two days of a range ("16 و17 مارس"، "ليل 15 إلى 16")
_OLDEST_YEAR = 1800  # the oldest year a bare number is read as

def _mon(x: str) -> str:
    """Month: one series, optionally followed by the other with /, (, - or bare juxtaposition."""
    return (
        rf"(?P<m1{x}>{_G}|{_L}|اب(?=\s*[/(-]\s*(?:{_G})))"
        rf"(?:\s*[/(\-]?\s*(?P<m2{x}>{_G}|{_LA})(?:\s*\))?{_E})?"
    )


def _year(x: str) -> str:
    return rf"(?:\s*[,،]?\s*(?:من\s+)?(?:(?:عام|العام|سنه|لعام)\s*)?(?P<y{x}>(?:1[89]|20)\d\d)(?!\d))?"


def _day(x: str) -> str:
    return (
        rf"(?:(?:ال\s*)?(?P<d1{x}>[0-3]?\d)(?:{_DAY_RANGE}(?P<d2{x}>[0-3]?\d))?|(?P<ord{x}>{_ORD}))"
        rf"\s*(?:من\s+)?(?:شهر\s+)?"
    )


def _mod(x: str) -> str:
    # "مايو الماضي"، or the year named after the month: "مايو من العام الماضي"، "من العام نفسه"، "من نفس العام"
    return (rf"(?:\s+(?P<mod{x}>الماضي|المنصرم|الفائت|المقبل|القادم|الجاري|الحالي)"
            rf"|\s+من\s+(?:(?:العام|السنه)\s+(?P<ymod{x}>الماضي|الماضيه|المنصرم|المنصرمه|الفائت|الفائته|المقبل|"
            rf"المقبله|القادم|القادمه|الجاري|الحالي|الحاليه|نفسه|نفسها|ذاته|ذاتها|التالي|التاليه)"
            rf"|(?P<ysame{x}>نفس\s+(?:العام|السنه))){_E})?")


_WDPRE = r"(?:(?:يوم|صباح|مساء|ليل|ليله|فجر|ظهر|عصر|ظهيره|اليوم)\s+)?"

_DATE_ALTERNATIVES = [
    # weekday + absolute date: "يوم الخميس، 20 يناير/كانون الثاني"
    rf"(?P<wabs>{_B}{_P}{_WDPRE}(?:{_WD})\s*[,،]?\s*(?:الموافق\s+)?{_day('_a')}{_mon('_a')}{_E}{_year('_a')})",
    # absolute: "20 يناير/كانون الثاني 2022", "الرابع من آذار/مارس"
    rf"(?P<abs>{_B}{_P}{_day('_b')}{_mon('_b')}{_E}{_year('_b')}{_mod('_b')})",
    # hijri with a day number: "15 رمضان 1439"
    rf"(?P<hij>{_B}(?P<hd>[0-3]?\d)\s*(?:من\s+)?(?:شهر\s+)?(?P<hm>{_H}){_E}"
    rf"(?:\s*(?P<hy>1[34]\d\d)(?:\s*ه{_E})?)?)",
    # month (+ year): "يونيو/حزيران 2017", "أكتوبر من عام 2016", "فبراير/شباط"
    rf"(?P<mon>{_B}{_P}(?:شهر\s+)?{_mon('_c')}{_E}{_year('_c')}{_mod('_c')})",
    # weekday with optional relative prefix / future or past modifier
    rf"(?P<wd>{_B}{_P}(?:(?P<wrel>(?:يوم|صباح|مساء|ليل|ليله|فجر|ظهر|عصر)\s+)?"
    rf"(?P<wrel2>غد|غدا|امس|اول\s+امس|اول\s+من\s+امس|بعد\s+غد|اليوم)\s+)?"
    rf"(?:(?:يوم|صباح|مساء|ليل|ليله|فجر|ظهر|عصر|ظهيره)\s+)?"
    rf"(?P<wname>{_WD}){_E}"
    rf"(?P<wpost>\s+(?:قبل\s+الماضي|المقبل|القادم|الماضي|الفائت|المنصرم))?)",
    # relative days
    rf"(?P<rel>(?<!هذا\s)(?<!ذلك\s)(?<!نفس\s){_B}{_P}(?:(?:يوم|صباح|مساء|ليل|ليله|فجر|ظهر|عصر|ظهيره)\s+)?"
    rf"(?P<rword>اول\s+من\s+امس|اول\s+امس|امس|البارحه|بعد\s+غد|غدا|غد|الليله\s+الماضيه|اليوم|الليله){_E}"
    rf"(?!\s+(?:ال|الذي|التي))(?!\s+[0-3]?\d\s))",
    # a season named against the publication ("الصيف الماضي"، "هذا الخريف"، "الربيع المقبل") -> its year; a bare
    # "الصيف" is no reference (winter spans two years: left out)
    rf"(?P<season>{_B}{_P}(?:(?:مطلع|بدايه|نهايه|اواخر|اوائل|منتصف|خلال|في|طوال)\s+)?(?:(?P<sthis>هذا)\s+)?"
    rf"(?P<sname>الصيف|الخريف|الربيع)(?:\s+(?P<smod>الماضي|المنصرم|الفائت|المقبل|القادم|الحالي|الجاري))?{_E})",
    # "N days ago" (the guidelines: pub - N): "قبل يومين"، "قبل 5 أيام"; not "قبل يومين من الانتخابات" (before an
    # event), "قبل يومين أو ثلاثة" (a guess) or "قبل يوم الأحد" (before a weekday)
    rf"(?P<ago>{_B}{_P}قبل\s+(?:(?P<ago1>يوم(?:\s+واحد)?)|(?P<ago2>يومين)|(?P<agon>[1-9]|10|{_DAY_WORDS})\s+ايام){_E}"
    rf"(?!\s+(?:من|علي|او|الي|{_WD}){_E}))",
    # numeric dates: "15/3/2018", "15-03-2018", "2018-03-15"
    rf"(?P<num>{_B}(?P<nd>[0-3]?\d)[/.\-](?P<nm>[01]?\d)[/.\-](?P<ny>(?:19|20)\d\d)(?!\d))",
    rf"(?P<iso>{_B}(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<idd>[0-3]\d)(?!\d))",
    # day of a relative month: "في 14 من الشهر الجاري", "الخامس من الشهر الماضي"
    # ... and "في 18 منه"، "في الـ12 منه" ("of it": the month named last; only after "في", since "3 منه" is a count)
    rf"(?P<dom>{_B}{_P}(?:(?:ال\s*)?(?:(?P<dd0>[0-3]?\d){_DAY_RANGE})?(?P<dd>[0-3]?\d)|(?P<dord>{_ORD}))(?:\s+من\s+(?:(?P<dsame>الشهر\s+(?:نفسه|ذاته)|نفس\s+الشهر)|"
    rf"(?:الشهر|هذا\s+الشهر)(?:\s+(?P<dmod>الجاري|الحالي|الماضي|المنصرم|الفائت|المقبل|القادم))?)|(?P<dof>\s+منه)){_E})",
    # year: "عام 2011", "منذ 2013", "في 2006", "بين عامي 2017 و2018"
    # also a season, a birth year, a parenthesised year or range ("صيف 2016"، "مواليد 1979"، "(1940-1945)"); not a
    # tournament's year ("كأس العالم 2018"، "مونديال 2014"): a name, as the guidelines say (session 22 had taken it:
    # on the 2,760 read articles 0.936 -> 0.937 without it, FP 624 -> 598, FN 359 -> 369)
    rf"(?P<yr>{_B}{_P}(?:عام|العام|سنه|السنه|عامي|سنتي|في|منذ|حتي|مطلع|اوائل|اواخر|منتصف|بدايه|نهايه|خلال|بين|قبل|بعد|لعام|و|"
    # "من 1978 إلى 1990": "من" only before a range ("أكثر من 2000" is a count)
    # (a range joined by "و" is not taken after "من": as the rule was measured in session 22)
    rf"من(?=\s*{_YEAR}\s*(?:-|الي|حتي|لغايه)\s*{_YEAR})|موسم|الموسم|"
    rf"صيف|شتاء|ربيع|خريف|مواليد|\()"
    rf"\s*(?P<yv>{_YEAR})(?!\d)(?![-/.][01]?\d[-/.]\d)(?:{_YEAR_RANGE}(?P<yv2>{_YEAR})(?!\d))?)",
    # relative months / years
    rf"(?P<relmy>{_B}{_P}(?:(?:مطلع|بدايه|نهايه|اواخر|اوائل|منتصف|خلال|في|طوال)\s+)?"
    rf"(?:(?P<this>هذا|هذه)\s+(?P<unit>العام|السنه|الشهر)|(?P<unit2>العام|السنه|الشهر)\s+"
    rf"(?P<rmod>الماضي|الماضيه|المنصرم|المنصرمه|الفائت|الفائته|المقبل|المقبله|القادم|القادمه|الجاري|الحالي|الحاليه)){_E})",
    # "منذ بداية العام"، "منذ مطلع السنة": the start of the publication year
    rf"(?P<since>{_B}{_P}منذ\s+(?:بدايه|مطلع|اول|مستهل)\s+(?:العام|السنه)(?!\s+(?:الماضي|المنصرم|الفائت|المقبل|\d)){_E})",
    # a timeline's year heading an item: "1948 - الإطاحة بالرئيس ..."
    rf"(?P<yrl>{_B}(?:(?<![\s\S])|(?<=[.\n]\s)|(?<=[.\n]))(?P<yl>{_YEAR})\s+-\s+(?=[^\W\d_]))",
]


def _factor_boundary(alternatives: list[str]) -> re.Pattern[str]:
    """One pattern for all alternatives, with their common leading word-boundary assertion tested
    once per position instead of once per alternative (the assertions at the start of an
    alternative are zero-width, so their order does not matter: same matches, same groups)."""
    bare = []
    for alt in alternatives:
        assert _B in alt, alt
        bare.append(alt.replace(_B, "", 1))
    return re.compile(_B + "(?:" + "|".join(bare) + ")")


_DATE_RE = _factor_boundary(_DATE_ALTERNATIVES)
# _DATE_RE.finditer trying only the word starts whose first 4 letters can begin a date (and the digits and
# brackets): the same matches, without a ~2 us failed attempt of the whole alternation at every word
_DATE_STARTS = StartFilter(_DATE_RE, 4)


def date_age(value: str, pub: date) -> str | None:
    """The age class of a resolved date (YYYY-MM-DD, YYYY-MM or YYYY) against the publication day: today or
    yesterday, this week, this month, months or years ago, or in the future. The casualty scorer and the event
    model both weigh it: the news of the day against an older event recalled as background."""
    try:
        if len(value) == 10:
            days = (pub - date.fromisoformat(value)).days
        elif len(value) == 7:
            months = (pub.year - int(value[:4])) * 12 + pub.month - int(value[5:7])
            if months == 0:
                return "month_now"
            days = months * 30
        else:
            years = pub.year - int(value[:4])
            if years == 0:
                return "year_now"
            days = years * 365
    except ValueError:
        return None
    if days < 0:
        return "future"
    return "0-1" if days <= 1 else "2-7" if days <= 7 else "8-31" if days <= 31 else \
        "month_older" if days <= 366 else "years_older"


def date_ages(values: Iterable[str], pub: date) -> tuple[str, ...]:
    """The distinct age classes (:func:`date_age`) of these resolved dates, sorted; empty when none ages."""
    return tuple(sorted({a for a in (date_age(v, pub) for v in values) if a}))


def parse_published(value: str | datetime | None) -> datetime | None:
    """Parse an ISO 8601 or RFC 822 (RSS pubDate) timestamp; ``None`` when absent or unparseable."""
    if value is None or isinstance(value, datetime):
        return value
    s = value.strip()
    if not s:
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None


def hijri_to_gregorian(year: int, month: int, day: int) -> date:
    """Arithmetic (tabular) Islamic calendar to Gregorian; may differ by a day from sighting-based dates."""
    days = day + math.ceil(29.5 * (month - 1)) + (year - 1) * 354 + (3 + 11 * year) // 30
    return date.fromordinal(days + 227014)


def _gregorian_to_hijri_year(d: date) -> int:
    return int((d.toordinal() - 227014) * 30 / 10631) + 1


def _shift_month(y: int, m: int, delta: int) -> tuple[int, int]:
    k = y * 12 + (m - 1) + delta
    return k // 12, k % 12 + 1


_BOTH_RE = re.compile(r"(?:بين|كلا|هذين|هذان|لكلا)\s+الاثنين|الاثنين\s+(?:معا|كليهما|كلاهما)")
_NAMED_EVENT_RE = re.compile(r"(?:ثوره|حرب|انتفاضه|حراك|نكسه|ثورتي)\s+$")
_PAST = {"الماضي", "المنصرم", "الفائت", "الماضيه", "المنصرمه", "الفائته"}
_FUTURE = {"المقبل", "القادم", "المقبله", "القادمه"}


def _month_of(g, x: str) -> int | None:
    key = re.sub(r"\s+", " ", g("m1" + x))
    return GREGORIAN_MONTHS.get(key) or LEVANTINE_MONTHS.get(key)


def _year_for(month: int, day: int | None, pub: date | None, mod: str | None) -> int | None:
    """Year of a day/month stated without one.

    "الماضي"/"المقبل" fix the direction; otherwise the nearest occurrence around the publication date,
    with future distances weighted 1.5x (news refers back more often than ahead): in February,
    "7 ديسمبر" is last December, "20 أكتوبر" in June is this October.
    """
    if pub is None:
        return None
    y = pub.year
    cand = (month, day or 1)
    now = (pub.month, pub.day if day else 1)
    if mod in _PAST:
        return y - 1 if cand > now else y
    if mod in _FUTURE:
        return y + 1 if cand < now else y
    anchor = pub if day else pub.replace(day=1)

    def cost(year: int) -> float:
        d = _valid(year, month, day or 1)
        if d is None:
            return float("inf")
        delta = (d - anchor).days
        return delta * 1.5 if delta > 0 else -delta

    return min((y, y - 1, y + 1), key=cost)


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


class _Context:
    """What the text said before a mention: the last year it named, whether that was in the same
    sentence, and the last month it named (for "من العام نفسه"، "في 19 من الشهر نفسه")."""

    __slots__ = ("last_year", "year_at", "last_month")

    def __init__(self) -> None:
        self.last_year: int | None = None
        self.year_at = -1  # folded offset of the end of that year's mention
        self.last_month: tuple[int, int] | None = None


# Days the region's news names events by (general knowledge, not any article's): the word before the date says
# it is the event's name.
_NAMED_DAYS = {
    (9, 11): (re.compile(r"(?:هجمات|احداث|اعتداءات|تفجيرات|هجوم)\s+$"), "2001-09-11"),
    (1, 25): (re.compile(r"(?:ثوره|احداث)\s+$"), "2011-01-25"),
    (6, 30): (re.compile(r"(?:ثوره|احداث|مظاهرات)\s+$"), "2013-06-30"),
}
_SINCE = re.compile(r"منذ\s+(?:ال\s*)?$")
_SEASONS = {"الربيع": (3, 5), "الصيف": (6, 8), "الخريف": (9, 11)}  # first and last month
_IN_BEFORE = re.compile(r"(?:^|\s)في\s+$")
_SENTENCE_END = re.compile(r"[.!?؟\n]")


def _stated_year(g, x: str, month: int, day: int | None, pub: date | None, ctx: _Context | None,
                 at: int, text: str) -> int | None:
    """The year of a day or month stated without its own number: from "من العام الماضي"-like words after
    it, else a year named earlier in the same sentence ("اعتداء مارسيليا للعام 2017 في الأول من تشرين
    الأول"), else the nearest occurrence around publication (:func:`_year_for`)."""
    ymod = g("ymod" + x) if x != "_a" else None
    same = ymod in ("نفسه", "نفسها", "ذاته", "ذاتها") or (x != "_a" and g("ysame" + x))
    if ymod or same:
        known = ctx.last_year if ctx is not None else None
        if same:
            return known if known is not None else _year_for(month, day, pub, None)
        if ymod in ("التالي", "التاليه"):
            return known + 1 if known is not None else None
        if pub is None:
            return None
        return pub.year - 1 if ymod in _PAST else pub.year + 1 if ymod in _FUTURE else pub.year
    mod = g("mod" + x) if x != "_a" else None
    if not mod and _SINCE.search(text, max(0, at - 8), at):
        mod = "الماضي"  # "منذ 19 حزيران": since a day that has passed
    if (not mod and ctx is not None and ctx.last_year is not None and ctx.year_at <= at
            and not _SENTENCE_END.search(text, ctx.year_at, at) and (pub is None or ctx.last_year <= pub.year)):
        return ctx.last_year
    return _year_for(month, day, pub, mod)


def _resolve(m: re.Match, pub: date | None, ctx: _Context | None = None) -> list[str]:
    """Resolved date strings for one match (usually one; a day range gives two). ``ctx``: what the text
    named before it (:class:`_Context`), for the years and months a mention leaves implicit."""
    g = m.group
    if g("wabs") or g("abs"):
        x = "_a" if g("wabs") else "_b"
        month = _month_of(g, x)
        if month is None:
            return []
        d1 = int(g("d1" + x)) if g("d1" + x) else ORDINALS.get(re.sub(r"\s+", " ", g("ord" + x) or ""))
        if not d1:
            return []
        named = _NAMED_DAYS.get((month, d1))
        if not g("y" + x) and named and named[0].search(m.string, max(0, m.start() - 14), m.start()):
            return [named[1]]  # "هجمات 11 سبتمبر"، "ثورة 25 يناير": that day, not this year's
        year = int(g("y" + x)) if g("y" + x) else _stated_year(g, x, month, d1, pub, ctx, m.start(), m.string)
        if year is None:
            return []
        out = []
        for d in (d1, int(g("d2" + x)) if g("d2" + x) else None):
            if d is not None:
                dt = _valid(year, month, d)
                if dt:
                    out.append(dt.isoformat())
        return out
    if g("hij"):
        hm = HIJRI_MONTHS.get(re.sub(r"\s+", " ", g("hm")))
        hd = int(g("hd"))
        if not hm or not 1 <= hd <= 30:
            return []
        if g("hy"):
            hy = int(g("hy"))
        elif pub is not None:
            hy = _gregorian_to_hijri_year(pub)
        else:
            return []
        try:
            return [hijri_to_gregorian(hy, hm, hd).isoformat()]
        except (ValueError, OverflowError):
            return []
    if g("num") or g("iso"):
        y, mo, d = (g("ny"), g("nm"), g("nd")) if g("num") else (g("iy"), g("im"), g("idd"))
        dt = _valid(int(y), int(mo), int(d))
        return [dt.isoformat()] if dt else []
    if g("mon"):
        month = _month_of(g, "_c")
        if month is None:
            return []
        if not g("y_c") and re.sub(r"\s+", " ", g("m1_c")) == "ماي" and not g("m2_c"):
            return []  # Maghrebi "ماي" (May) alone is too ambiguous ("تيريزا ماي") without a day or year
        if not g("y_c") and _NAMED_EVENT_RE.search(m.string, max(0, m.start() - 12), m.start()):
            return []  # "ثورة يناير", "حرب أكتوبر": a named event, not a month of the publication year
        year = int(g("y_c")) if g("y_c") else _stated_year(g, "_c", month, None, pub, ctx, m.start(), m.string)
        return [f"{year:04d}-{month:02d}"] if year else []
    if pub is None:
        if g("yr"):
            return [y for y in (g("yv"), g("yv2")) if y]
        return []
    if g("wd"):
        wd = WEEKDAYS[g("wname")]
        if _is_the_two(m):
            return []
        rel = re.sub(r"\s+", " ", g("wrel2") or "")
        post = re.sub(r"\s+", " ", (g("wpost") or "").strip())
        back = (pub.weekday() - wd) % 7  # days back to the most recent such weekday (0 = today)
        if rel in ("غد", "غدا", "بعد غد") or post in _FUTURE:
            fwd = (wd - pub.weekday()) % 7 or 7
            return [(pub + timedelta(days=fwd)).isoformat()]
        if not rel and not post and _bare_weekday_ahead(m, back):
            return [(pub + timedelta(days=(wd - pub.weekday()) % 7)).isoformat()]
        if rel in ("امس", "اول امس", "اول من امس"):
            back = _stated_past_day(back, 1 if rel == "امس" else 2)
        elif post in _PAST:
            back = back or 7
        if post == "قبل الماضي":
            back = (back or 7) + 7
        return [(pub - timedelta(days=back)).isoformat()]
    if g("rel"):
        w = re.sub(r"\s+", " ", g("rword"))
        if w == "اليوم" and m.group() == "اليوم" and _inside_quote(m.string, m.start()):
            return []  # a bare "اليوم" inside a quotation is usually "nowadays" or the speaker's day
        if w == "البارحه" and m.group().startswith(("ب", "وب")):
            return []  # "ما أشبه الليلة بالبارحة": a proverb
        if w == "غد" and not re.search(r"(?:^|\s|[وف])(?:يوم|صباح|مساء|ليل|ليله|فجر|ظهر|عصر|ظهيره)\s", m.group()):
            return []  # "بغد أفضل" (a better tomorrow); the day needs "يوم غد" / "غدا"
        delta = {"امس": -1, "البارحه": -1, "اول امس": -2, "اول من امس": -2, "غدا": 1, "غد": 1, "بعد غد": 2,
                 "الليله الماضيه": -1, "اليوم": 0, "الليله": 0}[w]
        return [(pub + timedelta(days=delta)).isoformat()]
    if g("season"):
        mod = g("smod")
        if not (g("sthis") or mod):
            return []
        first, last = _SEASONS[g("sname")]
        if mod in _PAST:
            return [str(pub.year if pub.month > last else pub.year - 1)]
        if mod in _FUTURE:
            return [str(pub.year if pub.month < first else pub.year + 1)]
        return [str(pub.year)]
    if g("ago"):
        n = 1 if g("ago1") else 2 if g("ago2") else _DAYS_N.get(g("agon")) or int(g("agon"))
        return [(pub - timedelta(days=n)).isoformat()]
    if g("dom"):
        d = int(g("dd")) if g("dd") else ORDINALS.get(re.sub(r"\s+", " ", g("dord") or ""))
        if g("dof") and not _IN_BEFORE.search(m.string, max(0, m.start() - 4), m.start()):
            return []  # "3 منه" without "في" is a count ("of them")
        if g("dsame") or g("dof"):
            # "في 19 من الشهر نفسه"، "ليل 15 إلى 16 من الشهر ذاته"، "في 18 منه": the month named last
            if ctx is None or ctx.last_month is None or not d:
                return []
            days = [int(g("dd0")), d] if g("dd0") else [d]
            return [dt.isoformat() for dt in (_valid(*ctx.last_month, x) for x in days) if dt]
        mod = g("dmod")
        delta = -1 if mod in _PAST else 1 if mod in _FUTURE else 0
        y, mo = _shift_month(pub.year, pub.month, delta)
        dt = _valid(y, mo, d) if d else None
        return [dt.isoformat()] if dt else []
    if g("since"):
        return [str(pub.year)]
    if g("yrl"):
        return [g("yl")] if _OLDEST_YEAR <= int(g("yl")) <= pub.year else []
    if g("relmy"):
        unit = g("unit") or g("unit2")
        rmod = g("rmod")
        delta = -1 if rmod in _PAST else 1 if rmod in _FUTURE else 0
        if unit in ("العام", "السنه"):
            return [str(pub.year + delta)]
        y, mo = _shift_month(pub.year, pub.month, delta)
        return [f"{y:04d}-{mo:02d}"]
    if g("yr"):
        out = []
        for yv in (g("yv"), g("yv2")):
            if yv and _OLDEST_YEAR <= int(yv) <= pub.year + 10:
                out.append(yv)
        return out
    return []


# Words that every non-numeric match contains; matching runs only in windows around them and digits.
_ANCHORS: tuple[str, ...] = tuple(
    sorted(
        {k.split()[0] for k in GREGORIAN_MONTHS}
        | {k.split()[0] for k in LEVANTINE_MONTHS if k != "اب"}
        | {k.split()[0] for k in HIJRI_MONTHS}
        | {k[2:] for k in WEEKDAYS}  # without the article: also catches "ال" + clitic forms
        | {"امس", "البارحه", "غد", "اليوم", "الليله", "العام", "السنه", "الشهر", "الصيف", "الخريف", "الربيع"}
        | {"يوم", "ايام"}  # "قبل يومين"، "قبل 5 أيام" (also in "يومين": the automaton finds words inside words)
    )
)
_DIGITS_RE = re.compile(r"\d+")
# Every match lies within this many characters before / after one of its anchors (words or digits):
# the longest lead is a prefix like "وصباح يوم امس " or an ordinal day "الحادي والعشرين من "; the
# longest tail is a month's second word ("الثاني") or a modifier ("قبل الماضي").
_LEFT, _RIGHT = 30, 28


def _anchor_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for w in _ANCHORS:
        auto.add_word(w, len(w))
    auto.make_automaton()
    return auto


_AUTOMATON = _anchor_automaton()


def _matches(folded: str) -> list[re.Match]:
    """Every date match of the folded text, in order (the training of the weekday model reads the same ones)."""
    return [m for ws, we in _windows(folded) for m in _DATE_STARTS.finditer(folded, ws, we)]


def _stated_past_day(back: int, named: int) -> int:
    """Days back to the weekday stated with "أمس" (``named`` = 1) or "أول أمس" (2), ``back`` being the days back to
    its most recent occurrence on or before publication: the occurrence within a day of the day the relative word
    names, since the publication time and zone often differ from the writer's day ("أمس الاثنين" in an article
    stamped on a Monday is that Monday, not the one a week back); otherwise the stated weekday's last occurrence
    before publication."""
    for days in (back, back + 7):
        if abs(days - named) <= 1:
            return days
    return back or 7


def _is_the_two(m: re.Match) -> bool:
    """"بين الاثنين", "كلا الاثنين", "الاثنين معا": "the two", not Monday."""
    return m.group("wname") == "الاثنين" and bool(
        _BOTH_RE.search(m.string, max(0, m.start() - 8), min(len(m.string), m.end() + 6)))


def _windows(folded: str) -> list[tuple[int, int]]:
    """Merged [start, end) windows of the folded text around date anchors."""
    spots: list[tuple[int, int]] = [(m.start(), m.end()) for m in _DIGITS_RE.finditer(folded)]
    spots.extend((end + 1 - n, end + 1) for end, n in _AUTOMATON.iter(folded))
    if not spots:
        return []
    spots.sort()
    out: list[tuple[int, int]] = []
    n = len(folded)
    for a, b in spots:
        a, b = max(0, a - _LEFT), min(n, b + _RIGHT)
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


# ... or "حتى" right before the weekday: "until Monday" lies ahead of the publication.
_FUTURE_CUE_RE = re.compile(r"(?:(?:المقرر|مقرر|مقرره|المنتظر|المرتقب|مرتقب|مرتقبه|المزمع|المتوقع|يعتزم|تعتزم|يتوقع|ويتوقع|يستعد|"
                             r"تستعد|سوف)(?:\s+\S+){0,5}"
                             r"|(?:^|\s)(?:حتي|بحلول))\s+$")
_WORD_RE = re.compile(r"[^\W\d_]+")


def _inside_quote(folded: str, at: int) -> bool:
    """Whether position ``at`` lies inside a «...» or "..." quotation opened in the same paragraph."""
    start = max(folded.rfind("\n", 0, at), at - 300, 0)
    before = folded[start:at]
    if before.rfind("«") > before.rfind("»"):
        return True
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def _future_context(folded: str, at: int) -> bool:
    """A future cue shortly before a weekday: "من المقرر أن ..."، "حتى"، or a future verb "سيعقد"/"ستجري"."""
    before = folded[max(0, at - 60) : at]
    return bool(_FUTURE_CUE_RE.search(before)) or _future_verb(before)


_UNTIL_RE = re.compile(r"(?:^|\s)(?:حتي|بحلول)\s+$")


def _future_verb(before: str) -> bool:
    """A future verb among the last five words of ``before``: "سيعقد" (يعقد), "ستجري" (تجري)."""
    idf, _ = load_idf()
    for w in map(_bare, _WORD_RE.findall(before)[-5:]):
        # س + imperfect prefix + a known verb form; not "سيارة"/"سياسة"
        if len(w) >= 4 and w[0] == "س" and w[1] in "يتن" and w[1:] in idf:
            return True
    return False


_CLAUSE_END_RE = re.compile(r"[.!?؟\n«»\"]")
_DATA = "worker.extract.data"
WEEKDAY_MODEL = "weekdays.tsv"  # in _DATA


def weekday_features(folded: str, start: int, end: int, back: int) -> list[str]:
    """What decides whether a bare weekday ("الاثنين", no "المقبل"/"الماضي") is the one before or after the
    publication day: the words of its sentence before it (the nearest three by position), the three after
    it, the future cues of :func:`_future_context`, and how many days back the past reading lies (a
    weekday one day back is usually yesterday, six days back often next week's), each cue also crossed with that
    nearness."""
    before = _clause_words(folded, start)[-8:]
    after = [_bare(w) for w in _WORD_RE.findall(folded[end:end + 60])[:3]]
    feats = [f"back:{back}", *("b:" + w for w in before), *("a:" + w for w in after)]
    feats += [f"b{n}:{w}" for n, w in enumerate(reversed(before[-3:]), 1)]
    if after:
        feats.append("a1:" + after[0])
    # the cues, each alone and crossed with how far back the past reading lies (near: 1-2 days, 3-4, far: 5-6)
    near = "near" if back <= 2 else "mid" if back <= 4 else "far"
    before_text = folded[max(0, start - 60):start]
    for cue, on in (("plan", bool(_FUTURE_CUE_RE.search(before_text))), ("until", bool(_UNTIL_RE.search(before_text))),
                    ("sverb", _future_verb(before_text))):
        if on:
            feats += [f"cue:{cue}", f"cue:{cue}|{near}"]
    return feats


def _bare(w: str) -> str:
    """A word without a و/ف proclitic (the verb or noun it leads)."""
    return w[1:] if w[0] in "وف" and len(w) > 4 else w


def _clause_words(folded: str, at: int) -> list[str]:
    """The words (without و/ف) of the sentence or quotation before ``at``, at most 100 characters back."""
    lo = max(0, at - 100)
    cut = [c.end() for c in _CLAUSE_END_RE.finditer(folded, lo, at)]
    return [_bare(w) for w in _WORD_RE.findall(folded[cut[-1] if cut else lo:at])]


@lru_cache(maxsize=1)
def load_weekday_model() -> tuple[dict[str, float], float] | None:
    """The learned weekday-direction model (``worker.training.weekdays``), or None when not shipped."""
    try:
        raw = resources.files(_DATA).joinpath(WEEKDAY_MODEL).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    weights: dict[str, float] = {}
    for line in raw.splitlines():
        name, _, value = line.partition("\t")
        weights[name] = float(value)
    return weights, weights.pop("<bias>", 0.0)


def _bare_weekday_ahead(m: re.Match, back: int) -> bool:
    """Whether a bare weekday is the next one rather than the last: the learned model over
    :func:`weekday_features` when shipped, else the future cues alone."""
    if back == 0:
        return False  # today either way
    model = load_weekday_model()
    if model is None:
        return _future_context(m.string, m.start())
    if _plain_future_verb(m.string, m.start()):
        return True
    return weekday_score(model, weekday_features(m.string, m.start(), m.end(), back)) > 0


def weekday_score(model: tuple[dict[str, float], float], feats: list[str]) -> float:
    """The weekday model's log-odds that a bare weekday is the next one (> 0: the next)."""
    weights, bias = model
    return bias + sum(weights.get(f, 0.0) for f in feats)


# Verbs that report (perfect tense): a weekday after "أعلن ... أنه سيغادر" dates the announcement, not the leaving.
# Folded forms (أ -> ا).
_REPORTING = frozenset(
    "اعلن اعلنت قال قالت اكد اكدت ذكر ذكرت افاد افادت اوضح اوضحت صرح صرحت كشف كشفت اشار اشارت اضاف اضافت "
    "اعلنته اعلنها قاله اكده اعلنوا قالوا اكدوا "
    # ... and "كان": "كانت ستنظمه" is a plan of the past
    "كان كانت كانوا".split())


def _plain_future_verb(folded: str, at: int) -> bool:
    """A future verb ("سيزور"، "ستعقد") among the five words before a weekday, with no reporting verb before
    the weekday in its sentence: the weekday is the day of what will happen, the coming one, however near the
    last such day lies (the model, which weighs that nearness, reads "سيزور الرئيس باريس الأحد" in a Monday
    article as yesterday)."""
    words = _clause_words(folded, at)
    return _future_verb(" ".join(words[-5:])) and not any(w in _REPORTING for w in words)


def _remember(ctx: _Context, m: re.Match, values: list[str], end: int) -> None:
    """Note the year and month a mention states in full, for the mentions after it."""
    g = m.group
    if not values:
        return
    explicit = g("yr") or g("num") or g("iso") or any(g(k) for k in ("y_a", "y_b", "y_c"))
    if explicit and values[0][:4].isdigit():
        ctx.last_year, ctx.year_at = int(values[0][:4]), end
    if len(values[0]) >= 7 and not g("wd") and not g("rel"):
        ctx.last_month = (int(values[0][:4]), int(values[0][5:7]))


def find_dates(
    text: str,
    published: datetime | date | None,
    field: str = "body",
    folded: tuple[str, list[int]] | None = None,
    unique: bool = True,
) -> list[DateRef]:
    """Calendar references in ``text`` resolved against ``published`` (see module docstring).

    ``folded`` may carry ``fold_with_offsets(text)`` when the caller already has it. With ``unique=False``
    every mention is kept (the casualty stage places each count among the dates of its sentence); the first
    mention of each date is then the list ``unique=True`` gives.
    """
    if not text:
        return []
    if isinstance(published, datetime):
        pub: date | None = published.date()
    else:
        pub = published
    folded_text, offs = folded if folded is not None else fold_with_offsets(text)
    out: list[DateRef] = []
    seen: set[str] = set()
    folded = folded_text
    matches = _matches(folded)
    ctx = _Context()
    for m in matches:
        a, b = m.span()
        # trim a leading proclitic-free whitespace (the regex never starts on a space) and trailing spaces
        while b > a and folded[b - 1] == " ":
            b -= 1
        if b <= a:
            continue
        values = _resolve(m, pub, ctx)
        _remember(ctx, m, values, b)
        for value in values:
            if value in seen and unique:
                continue
            seen.add(value)
            start, end = offs[a], offs[b - 1] + 1
            out.append(DateRef(text=text[start:end], date=value, start=start, end=end, field=field))  # type: ignore[arg-type]
    return out
