"""The event model's row featuriser (``event_rows``) against its feature strings (``unit_features``).

Both paths must give bit-identical unit scores, gate scores and decisions: the chain runs the rows,
training and the tests of the model run the strings."""

import numpy as np
import pytest

from worker.extract.event_model import load_model, split_units, unit_features

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
    feats = unit_features(folds, n_title, year)
    rows = m.row_featurizer().unit_rows(folds, n_title, year)
    assert len(rows.rows) == len(feats)
    for fs, ids in zip(feats, rows.rows, strict=True):
        assert ids == [m.index[f] for f in fs if f in m.index]  # same rows, same order
    assert np.array_equal(m.unit_scores(feats), m._scores_of_rows(rows.rows))
    assert np.array_equal(m.rule_gate_scores(feats), m._rule_gate_of_rows(rows))
    assert m.decide(feats) == m.decide_rows(rows)
