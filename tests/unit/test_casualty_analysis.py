"""The casualty error analysis sorts the cross-validated errors by the cue words of their clause (issue #18)."""

from worker.extract.casualty_model import all_candidates
from worker.training.casualty_analysis import cause_buckets, context_bucket


def test_context_bucket_names_the_error_class():
    assert context_bucket("لترتفع بذلك حصيلة القتلى منذ بدء الهجوم إلى 149", 2018, 7) == "running or campaign total"
    assert context_bucket("وكان 17 شخصا قد قتلوا في هجوم مماثل", 2018, 7) == "older event (past cue)"
    assert context_bucket("قتل 12 عنصرا في هجوم عام 2015", 2018, 7) == "older event (past cue)"
    assert context_bucket("قتل 12 عنصرا في هجوم في مارس", 2018, 7) == "older event (past cue)"
    assert context_bucket("إصابة 14 آخرين من بينهم 6 أطفال", 2018, 7) == "part of a total"
    assert context_bucket("أسفر الهجوم عن مقتل 3 جنود", 2018, 7) == "no context cue"


def test_cause_buckets_sort_false_and_missed_pairs():
    title = "مقتل 3 جنود في هجوم"
    body = "أسفر الهجوم عن مقتل 3 جنود وإصابة 14 آخرين. وكان 17 شخصا قد قتلوا في هجوم مماثل العام الماضي."
    cands = all_candidates(title, body)
    gold = frozenset({("killed", 3), ("injured", 14), ("arrested", 5)})
    got = dict((k, c) for c, k in cause_buckets(title, body, gold, {("killed", 3), ("killed", 17)}, cands, 2018, 7))
    assert got[("killed", 17)] == "FP older event (past cue)"
    assert got[("arrested", 5)] == "FN not a candidate"
    assert got[("injured", 14)] == "FN below threshold, no context cue"
    assert ("killed", 3) not in got
