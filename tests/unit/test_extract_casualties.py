"""Casualty counts from digits and number words."""

import pytest

from worker.extract.casualties import find_casualties


def pairs(text):
    return {(c.kind, c.count) for c in find_casualties(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وأوضحت القيادة أن عدد قتلى التنظيم خلال الهجوم على السجن بلغ 374 قتيلا.", {("killed", 374)}),
        ("وأن عدد القتلى من عناصر التنظيم في سجن الصناعة بلغ 374 عنصرا.", {("killed", 374)}),
        ("أعلنت الشرطة مقتل 5 أشخاص في الهجوم.", {("killed", 5)}),
        ("أسفر الانفجار عن سقوط 3 قتلى و10 جرحى.", {("killed", 3), ("injured", 10)}),
        ("أعلنت السلطات اعتقال 12 شخصا بتهمة التخطيط للهجوم.", {("arrested", 12)}),
        ("وبلغ عدد القتلى ثلاثمئة وأربعة وسبعين شخصا", {("killed", 374)}),
        ("قتل 15 طفلا وامرأتان في غارة جوية على بلدة عربين", {("killed", 15), ("killed", 2)}),
        ("وقتل أكثر من 10 آلاف شخص في اليمن منذ مارس/آذار 2015", {("killed", 10000)}),
        ("وتم توقيف الثلاثة في 27 نيسان/ابريل", {("arrested", 3)}),
        ("بينما نجح 12 سجينا في الفرار", {("escaped", 12)}),
        ("وقال إن ثلاثة أشخاص أصيبوا خلال الحادثة", {("injured", 3)}),
        ("وأصابوا أربعة آخرين بجروح متفاوتة الخطورة", {("injured", 4)}),
        ("قتل مسلحون ما لا يقل عن 11 سائق سيارة أجرة", {("killed", 11)}),
        ("واختطف مسلحون 7 عمال أجانب", {("kidnapped", 7)}),
        ("ولا يزال 20 شخصا في عداد المفقودين", {("missing", 20)}),
        ("وارتفعت حصيلة القتلى إلى 20", {("killed", 20)}),
        # one figure of the dead and the wounded together counts neither (as the learned stage's finder)
        ("وأسفر التفجير عن سقوط 88 قتيلا وجريحا", set()),
        ("وأعلنت الوزارة عن مقتل وإصابة 20 شخصا", set()),
    ],
)
def test_counts(text, expected):
    assert pairs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "فرار عشرات السجناء من السجن",  # vague
        "وأصيب المئات في الاحتجاجات",  # vague
        "قضت المحكمة بسجنه 3 سنوات",  # years in prison
        "وحكم عليه بالسجن 15 عاما",
        "دفعت الشركة غرامة قدرها 500 ألف دولار",  # money
        "صدرت 205 مذكرات توقيف بحق عناصر الشبكة",  # warrants are not arrests
        "وتشمل الحادثة أقل من خمسة عناصر",  # upper bound
        "في محاولة لقتل ثلاثة قضاة",  # purpose, not a report
        "منذ عام 2011 قتل",
    ],
)
def test_not_counts(text):
    assert pairs(text) == set()


def test_repeated_figure_listed_once_and_subset_ignored():
    text = "أسفر التفجير عن سقوط 14 قتيلاً بينهم سبعة رجال دين. وأكدت الشرطة مقتل 14 شخصا."
    assert pairs(text) == {("killed", 14)}


def test_arabic_indic_digits_and_approximate_flag():
    (c,) = find_casualties("وأسفر القصف عن مقتل أكثر من ٢٠ مدنيا")
    assert (c.kind, c.count, c.approximate) == ("killed", 20, True)
    assert "٢٠" in c.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وذكر وزير الصحة أن المصابين وعددهم 35 لا يزالون يتلقون العلاج", {("injured", 35)}),
        ("اصطدمت إحدى الحافلتين بالأخرى ما أدى لإصابة 32 شخصا", {("injured", 32)}),
        ("أن ما لا يقل عن 30 من عناصر الميليشيات قتلوا في المواجهات", {("killed", 30)}),
        ("هناك 60 شخصا قتلوا و3 آلاف أصيبوا", {("killed", 60), ("injured", 3000)}),
        ("أعلن الجيش مقتل أحد جنوده", {("killed", 1)}),
    ],
)
def test_more_constructions(text, expected):
    assert pairs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "فأسلوب القتل واحد، وطبيعة المستهدفين متطابقة",
        "القتلى الذين سقطوا في المحافظة خلال الأسابيع السبعة الأخيرة",
        "ويشتبه بأنه اغتصب وقتل بين 22 و23 مايو فتاة",
        "وتم ضبط عدد 14 عربة محملة بالأسلحة",
    ],
)
def test_more_non_counts(text):
    assert pairs(text) == set()


def test_escaped_counts_prisoners_only():
    assert pairs("واستطاع 12 سجينا الفرار") == {("escaped", 12)}
    assert pairs("وقال المرصد إن 12500 مدني هربوا من ديارهم") == set()


def test_dual_nouns_count_two():
    assert pairs("أسفر الانفجار عن سقوط قتيلين وثلاثة جرحى") == {("killed", 2), ("injured", 3)}
    assert pairs("أعلنت الشرطة مقتل شخصين") == {("killed", 2)}
    assert pairs("وصل شخصين إلى المطار") == set()
    assert pairs("وقضى الرجلان الأشهر التالية منغمسين في العمل") == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("زلزال حصد أرواح 30 شخصا", {("killed", 30)}),
        ("ارتفع عدد ضحايا الفيضانات إلى 50", {("killed", 50)}),
        ("انفجار راح ضحيته 20 شخصا", {("killed", 20)}),
        ("حادث أودى بحياة 14 شخصا", {("killed", 14)}),
        ("ارتفع سعر النفط إلى 70 دولارا", set()),
    ],
)
def test_toll_phrasings(text, expected):
    assert pairs(text) == expected


def test_a_version_number_before_fa_qad_is_no_missing_count():
    # "فقد" here is "فـ + قد", and people are never counted as 2.0; "1.5 مليون" still counts
    assert pairs("أما WannaCry 2.0 فقد أطلق عليه هجوم برمجية الفدية.") == set()
    assert pairs("وأصيب 1.5 مليون شخص بالمرض") == {("injured", 1500000)}
