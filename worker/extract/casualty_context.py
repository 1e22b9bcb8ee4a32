"""Context and document-level features of casualty candidates (used by :mod:`worker.extract.casualty_model`).

Two sources of error dominate the casualty scorer (error analysis of issue #18): figures of another or an
older event recalled as background ("وكان 17 قتلوا في ... العام الماضي"), and the choice among several
figures of one kind in one article. This module holds the cues for both:

- ``EXTRA_CUES``: casualty verbs and nouns the rule tables lack ("قضى"، "ضبط"، "حبس"), used only to raise
  candidates and as features, so the rules of :mod:`worker.extract.casualties` keep their behaviour;
- ``background_feats``: words of the clause that place a figure in the past (pluperfect "كان", "الماضي",
  "قبل", an older month than the publication's);
- ``document_feats``: how a (kind, count) sits among the article's candidates (repeated, in the title, the
  largest or first of its kind, how many figures its kind has);
- ``date_feats``: how old the dates of a count's sentence are against the publication day (today or
  yesterday, this week, this month, months or years ago, no date), as resolved by
  :mod:`worker.extract.dates`: the news of the day against a toll recalled from an older event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from worker.extract.dates import date_ages
from worker.extract.normalize import folded_words

__all__ = ["EXTRA_CUES", "background_feats", "document_feats", "date_feats", "MONTHS"]

# Cue words missing from the rule tables, found among the candidate misses of the training folds: gold counts
# that were never candidates ("تم القضاء على 26 إرهابيا"، "بغرق نحو 100 مهاجر"، "ضبط 3 أفراد"، "70 حالة اختناق").
# Some also raise noise candidates (القضاء the judiciary, إعدام a sentence, حبس a prison term); the scorer
# learns their weight. Session 11, 2,600 articles, 7 fold assignments: F1 +.005 on average (6 of 7 higher).
EXTRA_CUES: dict[str, frozenset[str]] = {
    "killed": folded_words("قضى قضوا قضت مصرعهم مصرعه مصرعها غرق غرقوا بغرق وغرق غرقا القضاء أعدموا أعدم إعدام "
                           "سقط سقوط اغتيل اغتيال اغتالت اغتالوا اغتالتهم أوديا"),
    "injured": folded_words("إصابتهم اختناق حالات"),
    "arrested": folded_words("ضبط ضبطت ضبطوا محبوسين تحتجز يحتجز تعتقل يعتقل إيقاف ايقاف أوقفت حبس إيقافهم احتجزت "
                             "تقبض يقبض المقبوض محبوس محبوسا"),
    "kidnapped": folded_words("اقتياد اقتادوا"),
    "missing": folded_words("مصيرهم"),
}
# Words placing a clause in the past or in another event: pluperfect, "last", "before", "earlier", "anniversary".
_PAST = folded_words("كان كانت كانوا وكان وكانت سبق سابق سابقة السابق السابقة الماضي الماضية قبل سابقا ذكرى مطلع أواخر")
_SINCE = folded_words("منذ طوال مدار خلال")
# Month names (Gregorian and Levantine): a month other than the publication's marks an older event.
MONTHS: dict[str, int] = {}
for _n, _names in enumerate((
    "يناير كانون_الثاني", "فبراير شباط", "مارس آذار", "أبريل إبريل نيسان", "مايو أيار", "يونيو حزيران",
    "يوليو تموز", "أغسطس", "سبتمبر أيلول", "أكتوبر تشرين_الأول", "نوفمبر تشرين_الثاني", "ديسمبر كانون_الأول",
), start=1):
    for _w in folded_words(_names.replace("_", " ")):
        if _w not in ("كانون", "تشرين", "الثاني", "الاول", "الأول"):
            MONTHS[_w] = _n
for _w in ("كانون", "تشرين"):  # ambiguous alone: the first of the two months
    MONTHS.setdefault(_w, 12 if _w == "كانون" else 10)


def background_feats(words: Sequence[str], pub_month: int | None) -> list[str]:
    """Features of the clause words (folded, proclitics off) around a number."""
    out: list[str] = []
    for w in words:
        if w in _PAST:
            out.append("past:" + w)
        elif w in _SINCE:
            out.append("since:" + w)
        elif w in MONTHS and pub_month is not None:
            m = MONTHS[w]
            out.append("month:now" if m == pub_month else "month:older" if (pub_month - m) % 12 <= 6 else "month:other")
    return sorted(set(out))


def _bucket(n: int) -> str:
    return "1" if n == 1 else "2" if n == 2 else "3+"


def document_feats(keys: Sequence[tuple[str, int, bool, int]]) -> list[list[str]]:
    """For each candidate (kind, count, in title, order of appearance): its document-level features.

    Duplicated figures are more often the article's own toll (headline + body); the largest figure of a
    kind is either the updated toll or a war-wide total, which the kind conjunction lets the model tell.
    """
    mentions: dict[tuple[str, int], int] = {}
    title_keys: set[tuple[str, int]] = set()
    title_kinds: set[str] = set()
    title_counts: set[int] = set()
    counts_of: dict[str, set[int]] = {}
    first_of: dict[str, int] = {}
    for kind, count, in_title, order in keys:
        mentions[(kind, count)] = mentions.get((kind, count), 0) + 1
        counts_of.setdefault(kind, set()).add(count)
        if in_title:
            title_keys.add((kind, count))
            title_kinds.add(kind)
            title_counts.add(count)
        elif kind not in first_of or order < first_of[kind]:
            first_of[kind] = order
    out = []
    for kind, count, in_title, order in keys:
        f = ["doc:n:" + _bucket(len(counts_of[kind]))]
        if mentions[(kind, count)] > 1:
            f.append("doc:repeated")
        if (kind, count) in title_keys:
            f.append("doc:key_in_title")
        elif count in title_counts:
            f.append("doc:count_in_title")
        if kind in title_kinds:
            f.append("doc:kind_in_title")
        elif title_kinds:
            f.append("doc:other_kind_in_title")
        if count == max(counts_of[kind]) and len(counts_of[kind]) > 1:
            f.append("doc:largest")
        if not in_title and first_of.get(kind) == order:
            f.append("doc:first_of_kind")
        f += [f"{kind}|{x}" for x in f]
        out.append(f)
    return out


def date_feats(values: Sequence[str], pub: date | None) -> list[str]:
    """Features of the dates resolved in a count's sentence (``date:none`` when it has none, or when the
    publication day is unknown and nothing can be aged: the class most counts have, so the model's calibration
    holds for undated input)."""
    if pub is None:
        return ["date:none"]
    ages = date_ages(values, pub)
    return ["date:" + a for a in ages] if ages else ["date:none"]
