"""The event model's row featuriser (``event_rows``) against its feature strings (``unit_features``).

Both paths must give bit-identical unit scores, gate scores and decisions: the chain runs the rows,
training and the tests of the model run the strings."""

from datetime import datetime

import numpy as np
import pytest

from worker.extract.event_model import find_unit_dates, load_model, split_units, unit_ages, unit_features

ARTICLES = [
    ("مقتل 5 أشخاص في انفجار سيارة مفخخة ببغداد",
     "قتل خمسة أشخاص وأصيب 12 آخرون في انفجار سيارة مفخخة في حي الكرادة وسط بغداد صباح الثلاثاء. "
     "وقالت الشرطة إن الهجوم وقع قرب سوق شعبي. وكان هجوم مماثل قد وقع عام 2016."),
    ("الإعدام لـ13 مدانا بواقعة الهروب الكبير من السجن",
     "قضت محكمة جنايات بالإعدام على 13 متهما في قضية اقتحام السجن وتهريب السجناء عام 2011. "
     "وهاجم مسلحون السجن آنذاك."),
    ("", "تظاهر آلاف المحتجين في وسط العاصمة للمطالبة بالإصلاح. واعتقلت الشرطة عشرات منهم."),
    ("غارات جوية على إدلب", ""),
]


@pytest.mark.parametrize("title,body", ARTICLES)
@pytest.mark.parametrize("year", [2018, None])
def test_rows_match_feature_strings(title, body, year):
    m = load_model()
    _, folds, n_title = split_units(title, body)
    pub = datetime(year, 5, 14) if year else None
    ages = unit_ages(title, body, None, find_unit_dates(title, body, pub), pub)
    assert (ages is None) == (year is None)
    feats = unit_features(folds, n_title, year, ages)
    rows = m.row_featurizer().unit_rows(folds, n_title, year, ages)
    assert len(rows.rows) == len(feats)
    for fs, ids in zip(feats, rows.rows, strict=True):
        assert ids == [m.index[f] for f in fs if f in m.index]  # same rows, same order
    assert np.array_equal(m.unit_scores(feats), m._scores_of_rows(rows.rows))
    assert np.array_equal(m.rule_gate_scores(feats), m._rule_gate_of_rows(rows))
    assert m.decide(feats) == m.decide_rows(rows)


def test_unit_ages_place_each_date_in_its_sentence():
    """The dates the chain resolves are aged against the publication day in the unit that mentions them, and
    cross the types whose full rule fires there: yesterday's bombing is news, one of 2016 is background."""
    title, body = ARTICLES[0]
    pub = datetime(2018, 5, 16)
    ages = unit_ages(title, body, None, find_unit_dates(title, body, pub), pub)
    _, folds, n_title = split_units(title, body)
    assert len(ages) == len(folds) == 4
    assert ages[0] == ()  # the title names no date
    assert ages[1] == ("0-1",)  # "صباح الثلاثاء": the day before a Wednesday's publication
    assert ages[3] == ("years_older",)  # "عام 2016"
    feats = unit_features(folds, n_title, 2018, ages)
    assert "age:none" in feats[0] and "age:0-1" in feats[1] and "age:years_older" in feats[3]
    assert any(f.startswith("age:0-1|") for f in feats[1])  # crossed with the bombing rule that fires there
    assert unit_features(folds, n_title, None) == unit_features(folds, n_title, None, None)


def test_scores_do_not_depend_on_the_order_of_the_rows():
    # a float32 sum depends on its order, and the rows come in the iteration order of sets of strings, which
    # changes with each process's hash seed: the model sums them in one fixed order
    m = load_model()
    title, body = "مقتل 5 في هجوم على سجن", "قال مسؤولون إن مسلحين هاجموا السجن المركزي. وقتل خمسة حراس وأصيب 12 آخرون."
    _, folds, n_title = split_units(title, body)
    rows = m.row_featurizer().unit_rows(folds, n_title, 2018).rows
    rng = np.random.default_rng(0)
    shuffled = [list(rng.permutation(r)) for r in rows]
    assert np.array_equal(m._scores_of_rows(rows), m._scores_of_rows(shuffled))
    assert np.array_equal(m._gate_of_rows(rows), m._gate_of_rows(shuffled))
