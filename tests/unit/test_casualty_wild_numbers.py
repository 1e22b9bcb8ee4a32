"""Numbers of economy, sport and health news next to casualty words (issue #18, session 15).

Each sentence is of the kind the session-14 scorer had reported as a toll on corpus articles outside the training
set: a number that measures a share, a duration, a season, money or a length is never a candidate, and a count
near an illness word carries the feature that lets the scorer learn that epidemics are no casualties.
"""

from __future__ import annotations

import pytest

from worker.extract.casualty_model import candidates


@pytest.mark.parametrize(
    "text",
    [
        "تهدف الحكومة إلى رفع قيمة الحصيلة الضريبية إلى 18% من الناتج المحلي الإجمالي",
        "وبلغت الحصيلة 18 ٪ من الإيرادات",
        "وبلغت نسبة احتمال الإصابة بالخرف 37 في المئة في مرحلة ما من العمر",
        "أنه سيترك النادي بعد أن قضى معه 17 موسماً",
        "يعاني المهاجم من جرح بطول ستة سنتيمترات في ساقه",
        "وقتل الرجل بعد أن أمضى 12 عاما في السجن",
        "أصيب اللاعب وسيغيب 3 أسابيع عن الملاعب",
    ],
)
def test_a_measured_number_is_no_candidate(text: str) -> None:
    assert candidates(text) == []


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("قتل 17 شخصا وأصيب 30 آخرون في الهجوم", ("killed", 17)),
        ("ارتفعت حصيلة القتلى إلى 18 بعد وفاة جريحين", ("killed", 18)),
        ("أصيب 37 من المتظاهرين في المواجهات", ("injured", 37)),
    ],
)
def test_a_head_count_stays_a_candidate(text: str, pair: tuple[str, int]) -> None:
    assert pair in {(c.kind, c.count) for c in candidates(text)}


def test_a_count_near_an_illness_word_says_so() -> None:
    ill = candidates("وقالت الوزارة إن وباء الكوليرا أصاب 49 شخصا في خمس ولايات")
    assert ill and all("illness" in c.feats for c in ill)
    assert all("illness" not in c.feats for c in candidates("أصيب 49 شخصا في قصف على السوق"))
