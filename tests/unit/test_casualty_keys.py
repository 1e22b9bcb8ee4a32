"""The casualty stage's second step: per (kind, count) features, the numpy tree ensemble, and the model file.

The step's figures come from ``newsworker eval``; these tests pin the contract: the trees decide exactly as the
scikit-learn model they were exported from, the saved model round-trips, and the features say what they name."""

from datetime import UTC, datetime

import numpy as np
import pytest

from worker.extract.casualty_keys import KEY_FEATURES, best_kind_only, key_rows
from worker.extract.casualty_model import Candidate, CasualtyModel, load_model, score_casualties
from worker.extract.trees import TreeEnsemble

PUB = datetime(2018, 5, 1, tzinfo=UTC)


def _toy_trees():
    sklearn = pytest.importorskip("sklearn.ensemble")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 6))
    x[:, 3] = rng.integers(0, 2, len(x))
    y = x[:, 0] + x[:, 1] * x[:, 3] + rng.normal(size=len(x)) > 0.3
    clf = sklearn.HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, early_stopping=False,
                                                 random_state=0).fit(x, y)
    return clf, rng.normal(size=(200, 6))


def test_tree_ensemble_decides_as_the_sklearn_model_it_came_from():
    clf, x = _toy_trees()
    trees = TreeEnsemble.from_sklearn(clf)
    assert np.allclose(trees.decision(x), clf.decision_function(x), atol=1e-9)
    assert np.allclose(trees.proba(x), clf.predict_proba(x)[:, 1], atol=1e-9)
    assert trees.decision(np.zeros((0, 6))).shape == (0,)


def test_tree_ensemble_round_trips_through_a_model_file(tmp_path):
    clf, x = _toy_trees()
    trees = TreeEnsemble.from_sklearn(clf)
    np.savez(tmp_path / "t.npz", **trees.arrays("keys_"))
    again = TreeEnsemble.from_arrays(np.load(tmp_path / "t.npz"), "keys_")
    assert again is not None and again.depth == trees.depth
    assert np.array_equal(again.decision(x), trees.decision(x))
    assert TreeEnsemble.from_arrays(np.load(tmp_path / "t.npz"), "other_") is None


def _cand(kind: str, count: int, start: int, feats: tuple[str, ...] = ()) -> Candidate:
    return Candidate(kind, count, start, start + 2, feats)


def test_key_rows_place_each_count_among_the_articles_others():
    # a toll of 12 (two mentions), an earlier 8 of the same kind, and 3 injured; "3" is also a weak killed reading
    cands = [_cand("killed", 12, 0), _cand("killed", 8, 40, ("sum:part",)), _cand("killed", 12, 90),
             _cand("injured", 3, 120), _cand("killed", 3, 120)]
    mentions = [("title", 0, 2), ("body", 40, 42), ("body", 90, 92), ("body", 120, 122), ("body", 120, 122)]
    scores = np.array([0.9, 0.6, 0.7, 0.8, 0.2])
    rows = {k: (i, x) for k, i, x in key_rows(cands, mentions, scores, body_len=200)}
    assert set(rows) == {("killed", 12), ("killed", 8), ("injured", 3)}  # "3" is its number's best kind only
    f = {k: dict(zip(KEY_FEATURES, x, strict=True)) for k, (_, x) in rows.items()}
    assert all(len(x) == len(KEY_FEATURES) for _, x in rows.values())
    assert rows[("killed", 12)][0] == 0  # the best mention
    assert f["killed", 12]["rank0"] and f["killed", 8]["rank1"]
    assert f["killed", 12]["largest"] and f["killed", 8]["smallest"] and not f["killed", 8]["largest"]
    assert f["killed", 12]["in_title"] and f["killed", 8]["title_other"] and not f["killed", 12]["title_other"]
    assert f["killed", 8]["sum_part"] and not f["killed", 12]["sum_part"]
    assert f["killed", 12]["mentions"] == pytest.approx(np.log1p(2))
    assert f["injured", 3]["kind:injured"] and not f["injured", 3]["kind:killed"]
    assert f["injured", 3]["same_number_other_kind"] == pytest.approx(np.log(0.2 / 0.8))
    assert f["killed", 8]["position"] == pytest.approx(40 / 200) and f["killed", 12]["position"] == -0.1
    assert f["killed", 12]["margin"] == pytest.approx(np.log(9) - np.log(0.6 / 0.4))
    assert key_rows([], [], np.zeros(0), 10) == []


def test_best_kind_only_keeps_one_kind_per_number():
    keep = best_kind_only([("body", 1, 2), ("body", 1, 2), ("body", 5, 6)], np.array([0.2, 0.7, 0.1]))
    assert keep.tolist() == [False, True, True]


def test_casualty_model_with_its_second_step_round_trips(tmp_path):
    clf, _ = _toy_trees()
    trees = TreeEnsemble.from_sklearn(clf)
    m = CasualtyModel(["a", "b"], np.array([0.5, -0.2], np.float32), -1.0, 0.4, trees, 0.37)
    m.save(str(tmp_path / "c.npz"), prune=0)
    again = CasualtyModel.from_npz(np.load(tmp_path / "c.npz"))
    assert again.key_threshold == pytest.approx(0.37) and again.keys is not None
    assert np.array_equal(again.keys.threshold, trees.threshold)
    # a file without the step decides by the mention scores alone, as before
    CasualtyModel(["a"], np.array([0.5], np.float32), -1.0, 0.4).save(str(tmp_path / "plain.npz"), prune=0)
    assert CasualtyModel.from_npz(np.load(tmp_path / "plain.npz")).keys is None


def test_the_shipped_model_decides_with_its_second_step():
    m = load_model()
    assert m.keys is not None and 0 < m.key_threshold < 1
    assert int(m.keys.feature.max()) < len(KEY_FEATURES)
    title = "مقتل 5 أشخاص في انفجار سيارة مفخخة"
    body = "قتل خمسة أشخاص وأصيب 12 آخرون في انفجار سيارة مفخخة صباح الثلاثاء، بحسب مصادر أمنية."
    got = score_casualties(title, body, published=PUB)
    assert {("killed", 5), ("injured", 12)} <= {(c.kind, c.count) for c in got}
    assert all(c.text in title or c.text in body for c in got)


def test_without_its_second_step_the_model_keeps_the_mention_threshold():
    m = load_model()
    plain = CasualtyModel(sorted(m.index, key=m.index.get), m.weights, m.bias, m.threshold)
    cands = [_cand("killed", 5, 0, ("kind:killed",)), _cand("killed", 7, 10, ())]
    mentions = [("body", 0, 2), ("body", 10, 12)]
    s = plain.scores(cands)
    assert {k for k, _, _ in plain.decide(cands, mentions, 40)} == {
        (c.kind, c.count) for c, v in zip(cands, s, strict=True) if v >= plain.threshold}


def test_the_rule_event_types_are_the_same_from_the_pipelines_precomputed_text():
    from worker.extract.casualty_model import article_rule_types
    from worker.extract.normalize import fold_with_offsets
    from worker.extract.tokens import sentences

    title = "اعتقال 12 شخصا بعد هجوم على مركز للشرطة"
    body = "اعتقلت قوات الأمن 12 شخصا الثلاثاء. وكان مسلحون قد هاجموا مركزا للشرطة في المدينة، ما أدى إلى مقتل شرطيين."
    alone = article_rule_types(title, body)
    assert "arrest" in alone
    assert article_rule_types(title, body, sentences(body), fold_with_offsets(body)) == alone
    # and the stage decides the same either way
    a = score_casualties(title, body, published=PUB)
    b = score_casualties(title, body, published=PUB, folded_body=fold_with_offsets(body))
    assert [(c.kind, c.count) for c in a] == [(c.kind, c.count) for c in b]


def test_key_rows_carry_the_rule_and_the_event_stage_types_apart():
    cands, mentions = [_cand("killed", 4, 0)], [("body", 0, 2)]
    (_, _, x), = key_rows(cands, mentions, np.array([0.8]), 50, rule_types={"bombing"}, event_types={"airstrike"})
    f = dict(zip(KEY_FEATURES, x, strict=True))
    assert f["rule:bombing"] and not f["event:bombing"]
    assert f["event:airstrike"] and not f["rule:airstrike"]


def test_the_stage_reads_the_event_types_it_is_given_and_finds_them_when_not():
    from worker.extract.event_model import detect_events

    title = "مقتل 5 أشخاص في انفجار سيارة مفخخة"
    body = "قتل خمسة أشخاص وأصيب 12 آخرون في انفجار سيارة مفخخة صباح الثلاثاء، بحسب مصادر أمنية."
    found = {e.type for e in detect_events(title, body, published=PUB)}
    alone = score_casualties(title, body, published=PUB)
    given = score_casualties(title, body, published=PUB, event_types=found)
    assert [(c.kind, c.count) for c in alone] == [(c.kind, c.count) for c in given]
    # the shipped step splits on the event stage's types (the model was fitted with them)
    trees = load_model().keys
    used = {KEY_FEATURES[j] for j in np.unique(trees.feature[~trees.leaf])}
    assert any(f.startswith("event:") for f in used)
