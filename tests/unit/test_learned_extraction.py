"""The learned event and casualty stages: shipped models, their contracts, and a fit/save/load round trip.

The figures themselves come from ``newsworker eval`` (cross-validation by article); these tests pin
behaviour a user relies on, with made-up sentences (no article of the training set)."""

from datetime import UTC, datetime

import numpy as np
import pytest

from worker.document import EVENT_TYPES
from worker.extract.casualty_model import candidates, score_casualties
from worker.extract.event_doc import doc_features, n_features
from worker.extract.event_model import detect_events, from_npz, load_model, split_units, unit_features
from worker.extract.normalize import fold

PUB = datetime(2018, 5, 1, tzinfo=UTC)


def _types(title: str, body: str) -> set[str]:
    return {e.type for e in detect_events(title, body, published=PUB)}


def test_shipped_event_model_covers_the_taxonomy():
    m = load_model()
    assert m.types == list(EVENT_TYPES)
    assert m.weights.shape == (len(m.index), len(EVENT_TYPES) + 1)  # one column per type, then the gate
    assert m.rare[EVENT_TYPES.index("prison_attack")]  # too few annotated articles: rule + gate
    assert m.doc is not None and m.doc.threshold.shape == (len(EVENT_TYPES),)  # the document stage decides


def test_reported_events_are_found_with_their_evidence():
    title = "مقتل 5 أشخاص في انفجار سيارة مفخخة ببغداد"
    body = "قتل خمسة أشخاص وأصيب 12 آخرون في انفجار سيارة مفخخة في حي الكرادة وسط بغداد صباح الثلاثاء."
    events = detect_events(title, body, published=PUB)
    assert "bombing" in {e.type for e in events}
    assert all(e.evidence and (e.evidence in title or e.evidence in body) for e in events)


@pytest.mark.parametrize("title,body", [
    ("السجن 10 سنوات لرجل هاجم شرطيا", "قضت محكمة بريطانية بسجن رجل عشر سنوات بعد إدانته بمهاجمة شرطي بسكين."),
    ("فيلم جديد عن الهروب من السجن", "يروي الفيلم قصة سجين ينجح في الهروب من السجن، ويعرض في مهرجان سينمائي."),
    ("تهريب هواتف إلى السجون", "كشف تحقيق أن موظفين متورطون بتهريب هواتف وممنوعات للسجناء."),
])
def test_prison_words_that_are_no_prison_attack(title, body):
    assert "prison_attack" not in _types(title, body)


def test_a_prison_break_is_a_prison_attack():
    title = "فرار عشرات السجناء بعد هجوم على سجن"
    body = "قال مسؤول أمني إن مسلحين هاجموا سجنا ليلة الأحد، وتمكن نحو 100 سجين من الفرار."
    assert "prison_attack" in _types(title, body)


def test_casualty_counts_of_the_reported_event():
    title = "مقتل 5 أشخاص في انفجار سيارة مفخخة"
    body = "قتل خمسة أشخاص وأصيب 12 آخرون في انفجار سيارة مفخخة صباح الثلاثاء، بحسب مصادر أمنية."
    got = {(c.kind, c.count) for c in score_casualties(title, body, published=PUB)}
    assert {("killed", 5), ("injured", 12)} <= got


def test_casualty_candidates_carry_duals_and_spans():
    text = "وأسفر الهجوم عن مقتل جنديين واعتقال 3 مسلحين."
    cands = candidates(text, pub_year=2018)
    keys = {(c.kind, c.count) for c in cands}
    assert ("killed", 2) in keys and ("arrested", 3) in keys
    for c in cands:
        assert 0 <= c.start < c.end <= len(text)


def test_event_features_are_bounded_on_huge_bodies():
    body = "اشتباكات عنيفة في المدينة. " * 5000
    texts, folds, n_title = split_units("عنوان", body)
    assert len(texts) <= 121
    assert len(unit_features(folds, n_title, 2018)) == len(texts)


def test_fit_save_load_round_trip(tmp_path):
    pytest.importorskip("sklearn", reason="the train extra (scikit-learn) fits models; not a service")
    from worker.training import events as ev
    from worker.training.dataset import Article

    arts = []
    for i in range(40):
        if i % 2:
            arts.append(Article(id=f"a{i}", title=f"اشتباكات عنيفة في البلدة {i}", body="اندلعت اشتباكات عنيفة بين الجيش ومسلحين.",
                                published="2018-05-01", events=(("armed_clash", "اندلعت اشتباكات عنيفة بين الجيش ومسلحين."),)))
        else:
            arts.append(Article(id=f"a{i}", title=f"افتتاح معرض الكتاب {i}", body="افتتح الوزير معرض الكتاب السنوي.",
                                published="2018-05-01"))
    prepared = [ev.prepare(a) for a in arts]
    model = ev.train(prepared, inner_k=2)
    path = tmp_path / "events.npz"
    model.save(str(path))
    z = np.load(path)
    again = from_npz(z)
    assert again.doc is not None
    assert again.doc.weights.shape == (len(EVENT_TYPES), n_features(len(EVENT_TYPES), bow=ev.BOW))
    # the whole-article model is saved with it, and reads the clash articles' words as a clash
    assert (again.bow_weights is not None) == ev.BOW
    if ev.BOW:
        j = EVENT_TYPES.index("armed_clash")
        assert again.bow_scores(prepared[1].feats)[j] > 0.5 > again.bow_scores(prepared[0].feats)[j]
    assert again.rare_gate == model.rare_gate is False
    got = ev.predict(again, prepared)
    assert got[1] == {"armed_clash"} and got[0] == set()
    assert ev.predict(model, prepared) == got  # the saved document stage decides as the fitted one
    # the vocabulary is saved as one joined UTF-8 string; a file of the older layout (a str array) still loads
    assert "vocab_utf8" in z and "vocab" not in z
    older = {k: z[k] for k in z.files if k != "vocab_utf8"} | {"vocab": np.array(sorted(again.index, key=again.index.get))}
    assert from_npz(older).index == again.index
    # features whose every weight is under the cut are left out of the file; the rest keep their decisions
    mag = np.abs(model.weights).max(axis=1)
    if model.bow_weights is not None:
        mag = np.maximum(mag, np.abs(model.bow_weights).max(axis=1))
    cut = float(np.median(mag))  # half of this toy model's features
    model.save(str(tmp_path / "pruned.npz"), prune=cut)
    pruned = from_npz(np.load(tmp_path / "pruned.npz"))
    assert set(pruned.index) == {f for f, r in model.index.items() if mag[r] >= cut}
    assert 0 < len(pruned.index) < len(model.index)
    model.save(str(tmp_path / "whole.npz"), prune=0)
    assert len(from_npz(np.load(tmp_path / "whole.npz")).index) == len(model.index)
    assert ev.predict(pruned, prepared) == got


def test_casualty_model_save_leaves_out_tiny_weights(tmp_path):
    from worker.extract.casualty_model import CasualtyModel

    m = CasualtyModel(["a", "b", "c"], np.array([0.5, 1e-4, -0.2], np.float32), -1.0, 0.4)
    m.save(str(tmp_path / "c.npz"))  # SAVE_PRUNE: "b" cannot move a decision
    again = CasualtyModel.from_npz(np.load(tmp_path / "c.npz"))
    assert list(again.index) == ["a", "c"] and np.allclose(again.weights, [0.5, -0.2])
    assert again.threshold == pytest.approx(0.4) and again.bias == pytest.approx(-1.0)
    m.save(str(tmp_path / "whole.npz"), prune=0)
    assert list(CasualtyModel.from_npz(np.load(tmp_path / "whole.npz")).index) == ["a", "b", "c"]


def test_casualty_model_reads_the_older_str_array_format(tmp_path):
    from worker.extract.casualty_model import CasualtyModel

    np.savez(tmp_path / "old.npz", vocab=np.array(["a", "b"]), weights=np.array([0.5, -0.2], np.float32),
             bias=np.array(-1.0), threshold=np.array(0.4))
    old = CasualtyModel.from_npz(np.load(tmp_path / "old.npz"))
    assert list(old.index) == ["a", "b"] and old.threshold == pytest.approx(0.4)


def test_shipped_casualty_candidates_read_the_extra_cues():
    from worker.extract.casualty_model import FeatureSet

    # cues the rule tables lack ("قضى" died, "بغرق" by drowning, "ضبط" seized): candidates of the shipped set
    for text, key in (("وقضى خمسة أشخاص في الحادث.", ("killed", 5)), ("أفادت الأنباء بغرق نحو 100 مهاجر.", ("killed", 100)),
                      ("وتمكنت الشرطة من ضبط 3 أفراد مطلوبين.", ("arrested", 3))):
        got = candidates(text, pub_year=2018)
        assert key in {(c.kind, c.count) for c in got}, text
        assert any("cue:extra" in f for c in got for f in c.feats)
    # and without them (the rule tables alone), "قضى" gives no candidate
    assert not candidates("وقضى خمسة أشخاص في الحادث.", pub_year=2018, fs=FeatureSet(extra_cues=False))


def test_casualty_candidates_read_their_whole_sentence():
    from worker.extract.casualty_model import FeatureSet
    from worker.extract.normalize import fold

    # "تقرير" (a report) sits far outside the two-word window around the count: only the sentence bag sees it,
    # and it stops at the sentence's end
    text = "وقال تقرير صادر عن منظمة حقوقية في جنيف إن القصف أدى إلى مقتل 12 مدنيا. وفي تطور آخر اعتقلت الشرطة رجلا."
    got = [c for c in candidates(text, pub_year=2018) if (c.kind, c.count) == ("killed", 12)]
    assert got
    feats = set(got[0].feats)
    assert "sw:" + fold("تقرير") in feats and "sb:" + fold("وقال") + "_" + fold("تقرير") in feats
    assert "sw:" + fold("الشرطة") not in feats  # the next sentence
    assert not any(f.startswith(("sw:", "sb:")) for c in candidates(text, pub_year=2018, fs=FeatureSet(sentence_bag=False))
                   for f in c.feats)


def test_a_clock_time_or_a_score_is_no_casualty_count():
    # "اعتقلت ... عند الساعة 10:30": neither side of the time is a count of people arrested
    text = "وقالت إن المجموعة اعتقلت عند الساعة 10:30 صباحا (7:30 ت غ) واحتجزت طوال النهار. واعتقلت الشرطة 12 شخصا."
    got = {(c.kind, c.count) for c in candidates(text, pub_year=2018)}
    assert ("arrested", 12) in got
    assert not got & {("arrested", n) for n in (10, 30, 7)}


def test_background_features_place_a_figure_in_the_past():
    from worker.extract.casualty_context import background_feats
    from worker.extract.normalize import fold

    words = [fold(w) for w in "وكان الهجوم قد أوقع قتلى في مارس الماضي".split()]
    got = background_feats([w[1:] if w.startswith("و") else w for w in words], pub_month=5)
    assert "past:كان" in got and "month:older" in got and any(f.startswith("past:") and "ماض" in f for f in got)
    assert background_feats([fold("مايو")], pub_month=5) == ["month:now"]


def test_document_features_of_repeated_and_competing_figures():
    from worker.extract.casualty_context import document_feats

    keys = [("killed", 5, True, 0), ("killed", 5, False, 10), ("killed", 40, False, 20), ("injured", 3, False, 30)]
    f = document_feats(keys)
    assert "doc:repeated" in f[1] and "doc:key_in_title" in f[1] and "doc:first_of_kind" in f[1]
    assert "doc:largest" in f[2] and "doc:repeated" not in f[2] and "killed|doc:largest" in f[2]
    assert "doc:other_kind_in_title" in f[3] and "doc:n:1" in f[3]


def test_casualty_error_buckets_and_candidate_ceiling():
    from worker.extract.casualty_model import Candidate
    from worker.training.casualties import Prepared
    from worker.training.casualty_analysis import buckets, ceiling
    from worker.training.dataset import Article

    art = Article(id="x", title="", body="", published="", casualties=(("killed", 5, ""), ("injured", 7, "")))
    cands = [Candidate("killed", 5, 0, 1, ()), Candidate("arrested", 5, 0, 1, ()), Candidate("killed", 9, 0, 1, ())]
    p = Prepared(art, cands, [("body", i, i + 1) for i in range(len(cands))])
    assert ceiling([p]) == (1, 2)
    counts, errors = buckets([p], [{("killed", 9), ("arrested", 5)}])
    assert counts == {"FP second figure of a gold kind": 1, "FP wrong kind": 1, "FN not a candidate": 1,
                      "FN predicted under another kind": 1}
    assert ("FN not a candidate", "x", ("injured", 7)) in errors


def test_document_features_of_an_article():
    # three units (title, lead, one more), two types: type 0 fires in the title and the lead, type 1 nowhere
    u = np.array([[0.9, 0.01], [0.7, 0.02], [0.1, 0.01]], np.float32)
    g = np.full_like(u, -1.0)
    g[0, 0] = 0.8  # type 0's rule fires in the title, and the gate passes it
    x = doc_features(u, g, n_title=1)
    assert x.shape == (2, n_features(2))
    assert x[0, 0] > 0 > x[1, 0]  # best unit's logit
    assert x[0, 7] == pytest.approx(0.8) and x[1, 7] == 0.0  # best gate score where the rule fires
    assert x[0, 10] == 1 and x[1, 10] == 0  # rule in the title
    assert np.allclose(x[0, -2:], x[1, -2:])  # every type sees every type's best score
    assert doc_features(np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32), 0).shape == (2, n_features(2))
    # the whole-article model's probability, when the model has one, as the logit after the own features
    xb = doc_features(u, g, 1, np.array([0.9, 0.1], np.float32))
    assert xb.shape == (2, n_features(2, bow=True)) == (2, x.shape[1] + 1)
    assert xb[0, x.shape[1] - 2] == pytest.approx(np.log(9)) and xb[1, x.shape[1] - 2] < 0
    assert np.array_equal(xb[:, -2:], x[:, -2:]) and np.array_equal(xb[:, :-3], x[:, :-2])


def test_a_prison_break_in_a_trial_headline_is_not_reported():
    from worker.extract.event_model import _trial_story

    title = unit_features([fold("الإعدام لـ13 مدانا بواقعة الهروب الكبير من السجن")], 1, 2018)
    assert _trial_story(title)
    news = unit_features([fold("فرار عناصر من سجن في سوريا")], 1, 2018)
    assert not _trial_story(news) and not _trial_story([])


def test_a_rare_type_by_its_rule_alone_or_gated():
    from worker.extract.event_model import EventModel

    types = ["bombing", "prison_attack"]
    feats = [["pos:title", "sig:rule:prison_attack"], ["pos:s0"]]
    shut = dict(weights=np.zeros((2, 3), np.float32), bias=np.array([-9, -9, -9], np.float32),
                threshold=np.array([0.5, 0.5, 0.5], np.float32), rare=np.array([False, True]))
    assert "prison_attack" not in EventModel(types, ["pos:title", "pos:s0"], **shut).decide(feats)  # the gate says no
    assert "prison_attack" in EventModel(types, ["pos:title", "pos:s0"], **shut, rare_gate=False).decide(feats)
    trial = [feats[0] + ["sig:courtprison"], feats[1]]
    assert "prison_attack" not in EventModel(types, ["pos:title", "pos:s0"], **shut, rare_gate=False).decide(trial)


def test_date_features_age_the_dates_of_a_counts_sentence():
    from datetime import date

    from worker.extract.casualty_context import date_feats
    from worker.extract.dates import date_age

    pub = date(2018, 3, 20)
    assert date_age("2018-03-19", pub) == "0-1" and date_age("2018-03-14", pub) == "2-7"
    assert date_age("2018-02-14", pub) == "month_older" and date_age("2014", pub) == "years_older"
    assert date_age("2018-03", pub) == "month_now" and date_age("2018-03-25", pub) == "future"
    assert date_feats([], pub) == ["date:none"] and date_feats(["2018-03-19"], None) == ["date:none"]


def test_candidates_carry_the_age_of_their_sentence_dates_and_their_place_in_the_body():
    from worker.extract.casualty_model import all_candidates

    pub = datetime(2018, 3, 20, 12, tzinfo=UTC)
    body = "قتل 5 أشخاص في هجوم أمس. وفي 14 فبراير قتل 17 شخصا في إطلاق نار بمدرسة."
    got = {c.count: c.feats for _, c in all_candidates("", body, published=pub)}
    assert "date:0-1" in got[5] and "killed|date:0-1" in got[5] and "at:lead" in got[5]
    assert "date:month_older" in got[17] and "date:0-1" not in got[17]


def test_a_definite_plural_is_no_count_of_two():
    from worker.extract.casualty_model import FeatureSet

    assert not [c for c in candidates("دافعت الزعيمة عن اعتقال الصحفيين.") if c.count == 2]
    got = candidates("دافعت الزعيمة عن اعتقال الصحفيين.", fs=FeatureSet(plain_duals=False))
    assert ("arrested", 2) in {(c.kind, c.count) for c in got}
    assert ("arrested", 2) in {(c.kind, c.count) for c in candidates("أعلنت الشرطة اعتقال صحفيين.")}


def test_a_definite_nominative_dual_is_a_count_of_two():
    from worker.extract.casualty_model import FeatureSet

    # ـان is the dual's nominative (the sound plural's is ـون), so "الطياران" names two people
    for text, kind in (("ولقد قتل الطياران في الحادث.", "killed"), ("واعتقل المشتبهان بعد ساعات.", "arrested")):
        assert (kind, 2) in {(c.kind, c.count) for c in candidates(text)}
        assert not [c for c in candidates(text, fs=FeatureSet(nominative_duals=False)) if c.count == 2]


def test_units_with_no_known_feature_score_the_bias():
    from worker.extract.event_model import EventModel

    types = ["armed_clash", "arrest"]
    m = EventModel(types, ["x"], np.zeros((1, 3), np.float32), np.array([-2.0, 0.0, 1.0], np.float32),
                   np.full(3, 0.5, np.float32))
    s = m._scores_of_rows([[], []])
    assert s.shape == (2, 3) and np.allclose(s[0], 1 / (1 + np.exp([2.0, 0.0, -1.0])))


def test_thresholds_follow_the_weighted_articles():
    pytest.importorskip("sklearn", reason="the train extra (scikit-learn) fits models; not a service")
    from worker.training import events as ev
    from worker.training.dataset import Article

    # A negative between two positives: unweighted, the best F1 takes all three (cut at the floor); counted
    # five times, as the reference annotators' articles count in training, it pushes the cut above itself.
    scores = np.array([[0.9], [0.37], [0.3]], np.float32)  # off the 0.0125 grid
    gold = np.array([[True], [False], [True]])
    assert ev.best_thresholds(scores, gold)[0] <= 0.3
    weighted = ev.best_thresholds(scores, gold, w=np.array([1.0, 5.0, 1.0]))[0]
    assert (scores[:, 0] >= weighted).tolist() == [True, False, False]
    assert ev.article_weight(Article(id="x", title="", body="", published="", source_set="train-events")) == (
        ev.REFERENCE_WEIGHT)
    assert ev.article_weight(Article(id="y", title="", body="", published="", source_set="extraction-2026")) == 1.0


def test_naive_bayes_ratios_scale_the_whole_article_model_and_fold_into_its_weights():
    pytest.importorskip("sklearn", reason="the train extra (scikit-learn) fits models; not a service")
    from scipy.sparse import csr_matrix, diags
    from sklearn.linear_model import LogisticRegression

    from worker.training.events import _nb_ratios

    # features: 0 only in positives, 1 only in negatives, 2 in both alike
    X = csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1]], np.float32))
    y = np.array([True, True, False, False])
    r = _nb_ratios(X, y, 1.0)
    # smoothed shares: positives (3, 1, 3) / 7, negatives (1, 3, 3) / 7
    assert np.allclose(r, np.log([3.0, 1 / 3, 1.0]), atol=1e-6)
    # a fit on the scaled features decides as the unscaled features times the folded weights (run time)
    clf = LogisticRegression(C=1.0, solver="liblinear").fit(X @ diags(r), y)
    assert np.allclose(X @ (clf.coef_[0] * r), clf.decision_function(X @ diags(r)) - clf.intercept_[0], atol=1e-5)
