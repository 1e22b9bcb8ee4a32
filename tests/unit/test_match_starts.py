"""``worker.extract.match_starts``: the filtered scan gives exactly the matches ``finditer`` gives."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.extract import dates
from worker.extract.match_starts import NOT_AFTER_LETTER, StartFilter
from worker.extract.normalize import fold

# date phrases of every alternative, clitics, digits in and around words, brackets, and plain text
DATE_TEXTS = (
    "يوم الخميس، 20 يناير/كانون الثاني 2022", "الرابع من آذار/مارس", "12 - 13 ابريل/نيسان عام 2010",
    "15 رمضان 1439 هـ", "يونيو/حزيران 2017", "أكتوبر من عام 2016", "وفي فبراير/شباط", "أمس الثلاثاء",
    "أول من أمس", "بعد غد", "الليلة الماضية", "صباح يوم امس", "15/3/2018", "2018-03-15", "في 14 من الشهر الجاري",
    "الخامس من الشهر الماضي", "منذ 2013", "بين عامي 2017 و2018", "صيف 2016", "مواليد 1979", "(1940-1945)",
    "العام الماضي", "هذا العام", "مطلع الشهر المقبل", "ولعام 2019", "والخميس", "بالأمس", "x2018y", "ال 15 مارس",
    "قتل 3 أشخاص في بغداد يوم الخميس.", "كاس العالم 2018", "اب/أغسطس 2015", "2018مارس", "مارس2018",
)


def _texts() -> list[str]:
    rng = random.Random(7)
    words = [fold(t) for t in DATE_TEXTS] + ["قال", "الرئيس", "في", "و", "من", "2", "،", "(", ")", "1999", "الا"]
    out = [fold(t) for t in DATE_TEXTS]
    for _ in range(400):
        out.append(rng.choice(["", " ", "  "]).join(rng.choice(words) for _ in range(rng.randint(1, 12))))
    return out


def _spans(it) -> list[tuple[tuple[int, int], dict]]:  # noqa: ANN001
    return [(m.span(), m.groupdict()) for m in it]


def test_date_scan_finds_what_finditer_finds() -> None:
    scan = StartFilter(dates._DATE_RE, 4)
    for text in _texts():
        assert _spans(scan.finditer(text, 0, len(text))) == _spans(dates._DATE_RE.finditer(text)), text
        for a in range(0, len(text), 5):  # windows, as find_dates searches them
            b = min(len(text), a + 17)
            assert _spans(scan.finditer(text, a, b)) == _spans(dates._DATE_RE.finditer(text, a, b)), (text, a, b)


_SMALL = re.compile(NOT_AFTER_LETTER + r"(?:[وب]?(?:abc|ab\d|x\s*y)|\d\d?[-/]|\(z|q+r)")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcxyzqrوب12 -/(_\u064b.", max_size=40), st.integers(0, 40), st.integers(0, 40))
def test_small_pattern_scan_finds_what_finditer_finds(text: str, a: int, b: int) -> None:
    for k in (1, 2, 3, 4):
        scan = StartFilter(_SMALL, k)
        assert _spans(scan.finditer(text, a, b)) == _spans(_SMALL.finditer(text, a, b))


def test_letters_a_match_can_start_with() -> None:
    scan = StartFilter(_SMALL, 3)
    assert {"abc", "وab", "بab", "qqq", "qqr"} <= scan.exact
    assert scan.may_start("xyz") and scan.may_start("qr") and scan.may_start("ab")  # "ab" then a digit
    assert not scan.may_start("abd") and not scan.may_start("za")
    assert scan.may_start_other("(") and scan.may_start_other("٣") and not scan.may_start_other("-")


@pytest.mark.parametrize("pattern", [
    NOT_AFTER_LETTER + r"\w+",  # may start with any letter: nothing to filter
    NOT_AFTER_LETTER + r"a*",  # may match the empty string
    NOT_AFTER_LETTER + r"\s*a",  # may start with white space, which the candidates skip
    r"abc",  # no leading NOT_AFTER_LETTER: matches may start inside words
])
def test_patterns_the_filter_cannot_serve_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        StartFilter(re.compile(pattern))


def test_case_insensitive_patterns_are_refused() -> None:
    with pytest.raises(ValueError):
        StartFilter(re.compile(NOT_AFTER_LETTER + "abc", re.IGNORECASE))
