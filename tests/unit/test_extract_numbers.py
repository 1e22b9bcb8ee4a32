"""Arabic numbers: digits and words."""

import pytest

from worker.extract.numbers import find_numbers, parse_number
from worker.extract.tokens import tokenize


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ثلاثمئة وأربعة وسبعون", 374),
        ("ثلاثمائة وأربعة وسبعين", 374),
        ("عشرة", 10),
        ("عشرين", 20),
        ("ألف", 1000),
        ("ألفين", 2000),
        ("ثلاثة عشر", 13),
        ("خمسة وعشرون", 25),
        ("ستة آلاف", 6000),
        ("مئتين وخمسين ألفا", 250000),
        ("ثلاث مئة", 300),
        ("374", 374),
        ("٣٧٤", 374),
        ("10 آلاف", 10000),
        ("320 ألف", 320000),
        ("1.5 مليون", 1500000),
        ("1,200", 1200),
        ("الثلاثة", 3),
        # construct-state duals drop the nun before their noun (session 17)
        ("ألفي شخص", 2000),
        ("مئتي جريح", 200),
        ("مائتي قتيل", 200),
        # the remainder of a worded thousand or hundred written in digits
        ("ستة آلاف و259 مدنيا", 6259),
        ("82 ألف و652 مواطنا", 82652),
        ("مائتين و30 شخصا", 230),
        ("عشرين ألفا و300", 20300),
    ],
)
def test_values(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["مئات", "عشرات", "العشرات", "آلاف", "بضعة"])
def test_vague_amounts_have_no_value(text):
    spans = find_numbers(tokenize(text))
    assert len(spans) == 1 and spans[0].value is None and spans[0].vague


def test_hedges_mark_approximate_and_upper_bounds_are_vague():
    (s,) = find_numbers(tokenize("أكثر من 20"))
    assert s.value == 20 and s.approximate
    (s,) = find_numbers(tokenize("نحو مئة"))
    assert s.value == 100 and s.approximate
    (s,) = find_numbers(tokenize("أقل من خمسة"))
    assert s.value is None and s.vague


def test_weekday_words_are_not_numbers():
    assert find_numbers(tokenize("الاثنين الأحد")) == []


def test_two_figures_stay_separate():
    text = "سقوط 3 قتلى و10 جرحى"
    spans = find_numbers(tokenize(text))
    assert [s.value for s in spans] == [3, 10]
    assert [text[s.start : s.end] for s in spans] == ["3", "10"]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("ما بين عشرين وثلاثين مدنيا", [20, 30]),  # a range: two tens are never one number
        ("ما بين ثمانية وعشرة أشخاص", [8, 10]),
        ("ثمانية واربعين مهاجرا", [48]),
        ("مئة وعشرة", [110]),
        ("ثلاثمئة وأربعة وسبعون", [374]),
        ("ألفين وثلاثمئة وخمسة", [2305]),
    ],
)
def test_only_compound_numbers_join_with_wa(text, values):
    assert [s.value for s in find_numbers(tokenize(text))] == values


def test_clock_times_and_scores_are_no_numbers():
    # "عند الساعة 10:30 صباحا (7:30 ت غ)": neither side of a time is an amount; the count beside it stays
    text = "اعتقلت عند الساعة 10:30 صباحا (7:30 ت غ) وفاز الفريق 2:1 واعتقلت الشرطة 12 شخصا"
    assert [s.value for s in find_numbers(tokenize(text))] == [12]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("قتل 5 و3 جرحى", [5, 3]),  # digits after digits: two counts
        ("ألف و2000", [1000, 2000]),  # not below the thousand: two numbers
        ("عام 2018 و2019", [2018, 2019]),
        ("الساعة 10 و30 دقيقة", [10, 30]),
    ],
)
def test_digits_after_wa_stay_apart_unless_they_complete_a_worded_place(text, values):
    assert [s.value for s in find_numbers(tokenize(text))] == values


@pytest.mark.parametrize(
    "text",
    [
        "قتل فتى في الخامسة عشرة من العمر",  # an age: "the fifteenth (year)", not ten
        "قتل شاب في السابعة عشرة بالرصاص",
        "اعتقل في الثامن عشر من فبراير",  # a day of the month
        "قتلت امرأة في الخامسة والعشرين من عمرها",
        "في الحادي والعشرين من مارس",
    ],
)
def test_the_rest_of_an_ordinal_is_no_count(text):
    assert [s.value for s in find_numbers(tokenize(text))] == []


def test_a_teen_after_a_cardinal_still_counts():
    assert [s.value for s in find_numbers(tokenize("قتل ثلاثة عشر شخصا وأصيب عشرة آخرون"))] == [13, 10]


def test_digits_glued_to_a_word_by_a_hyphen_name_a_model():
    text = 'مقتل قائد مقاتلة "إف-16" وطائرات سو-35 ومقتل 12 - 13 شخصا'
    assert [s.value for s in find_numbers(tokenize(text))] == [12, 13]
