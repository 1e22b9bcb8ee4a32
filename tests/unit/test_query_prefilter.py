"""Prefilter: candidates are always a superset of the matching rules, and small for selective rules."""

from __future__ import annotations

import random

from worker.query import compile
from worker.query.compiled import Anchor
from worker.query.fields import index_view
from worker.query.matcher import ViewContext
from worker.query.prefilter import Prefilter

DOCS = [
    index_view({"id": "p1", "title": "هجوم على سجن غويران في الحسكة", "body": "فرار السجناء ومقتل 20 في اشتباكات",
                "source": "BBC", "published": "2022-01-21T00:00:00Z",
                "entities": [{"text": "الحسكة", "type": "LOC", "canonical": "الحسكة", "start": 0, "end": 6}],
                "casualties": [{"kind": "killed", "count": 20, "text": "مقتل 20"}],
                "events": [{"type": "prison_attack", "evidence": "هجوم على سجن"}]}),
    index_view({"id": "p2", "title": "مباراة كرة القدم", "body": "فاز الفريق بثلاثة أهداف", "source": "cnn"}),
    index_view({"id": "p3", "title": "اعتقال 5 أشخاص في بغداد", "body": "اعتقلت القوات العراقية خمسة",
                "casualties": [{"kind": "arrested", "count": 5, "text": "اعتقال 5"}],
                "events": [{"type": "arrest", "evidence": "اعتقال"}]}),
]

RULES = {
    "prison": "(هجوم OR اقتحام) سجن",
    "prison_event": "event:prison_attack place:الحسكة",
    "escape_phrase": '"فرار السجناء"',
    "football": "كرة -سلة",
    "prefix": "غوير*",
    "killed": "killed:>10",
    "arrests": "arrested:>=1",
    "not_only": "-مباراة",
    "date_only": "date:2022",
    "source": "source:cnn",
    "never": "killed:{5 TO 6}",  # empty (both ends excluded); a reversed range is refused
    "nothing_here": "طائرة مسيرة",
    "kw_prefix": "event:arr*",
}


def test_required_terms_shapes() -> None:
    assert compile("-سجن").required_terms is None
    assert compile("killed:<5").required_terms is None
    assert compile("killed:>5").required_terms == frozenset({Anchor("killed", "", "present")})
    assert compile("killed:{5 TO 6}").required_terms == frozenset()
    assert compile("event:arrest OR سجن").required_terms == frozenset(
        {Anchor("event_types", "arrest"), Anchor("title_ar", "سجن"), Anchor("body_ar", "سجن")})
    # AND keeps one child's anchors: the most selective (longest token)
    assert compile("في الاستعصاء").required_terms == frozenset(
        {Anchor("title_ar", "استعصاء"), Anchor("body_ar", "استعصاء")})


def test_candidates_superset_of_matches_and_selective() -> None:
    pf = Prefilter(RULES)
    for view in DOCS:
        ctx = ViewContext(view)
        cands = pf.candidates(ctx)
        truth = {rid for rid, q in RULES.items() if compile(q).matches(view)}
        assert truth <= cands
        assert pf.match(ctx) == truth
        assert "never" not in cands and "nothing_here" not in cands
        assert "not_only" in cands  # no anchors: always a candidate
        assert ("date_only" in cands) == ("published" in view)  # anchored on the field being present
    assert pf.match(DOCS[0]) >= {"prison", "prison_event", "escape_phrase", "prefix", "killed", "not_only", "date_only"}
    assert pf.match(DOCS[1]) == {"football", "source"}
    assert pf.match(DOCS[2]) == {"arrests", "not_only", "kw_prefix"}


def test_incremental_add_remove_replace() -> None:
    pf = Prefilter()
    assert pf.candidates(DOCS[0]) == set()
    pf.add("r1", "سجن")
    assert pf.match(DOCS[0]) == {"r1"}
    pf.add("r2", compile("بغداد"))
    assert pf.match(DOCS[2]) == {"r2"} and len(pf) == 2
    pf.add("r1", "بغداد")  # replace
    assert pf.match(DOCS[0]) == set() and pf.match(DOCS[2]) == {"r1", "r2"}
    pf.remove("r2")
    pf.remove("missing")
    assert pf.match(DOCS[2]) == {"r1"} and "r2" not in pf


def test_random_rules_never_lose_a_match() -> None:
    rng = random.Random(7)
    vocab = sorted({t for v in DOCS for t in (v.get("title_ar", "") + " " + v.get("body_ar", "")).split()})
    vocab += ["طائرة", "سوري", "قصف"]
    rules = {}
    for i in range(400):
        a, b = rng.sample(vocab, 2)
        shape = rng.choice(["{a}", "{a} {b}", "{a} OR {b}", '"{a} {b}"', "{a} -{b}", "{a}* killed:>1", "NOT {a}"])
        rules[f"r{i}"] = shape.format(a=a, b=b[:3] if "*" in shape else b).replace("{a}*", a[:2] + "*")
    pf = Prefilter(rules)
    for view in DOCS:
        truth = {rid for rid, q in rules.items() if compile(q).matches(view)}
        assert truth <= pf.candidates(view)
        assert pf.match(view) == truth


def test_rules_using_the_qa_fixes_are_found() -> None:
    # source words and feed ids (no anchor: always a candidate), killed:* (anchored on "a count > 0"),
    # gazetteer aliases (one anchor per name)
    views = [
        index_view({"id": "q1", "title": "هجوم", "source": "BBC Arabic", "feed_id": "bbc-arabic",
                    "casualties": [{"kind": "killed", "count": 3, "text": "مقتل 3"}],
                    "entities": [{"text": "قسد", "type": "ORG", "canonical": "قوات سوريا الديمقراطية",
                                  "start": 0, "end": 3}]}),
        index_view({"id": "q2", "title": "هجمات", "source": "CNN Arabic"}),
    ]
    rules = {"bbc": "source:bbc", "feed": "source:bbc-arabic", "arabic": "source:arabic", "killed": "killed:*",
             "sdf": 'entity:"قوات سورية الديمقراطية"', "alias": "entity:SDF", "attacks": "هجمات"}
    pf = Prefilter(rules)
    assert compile("killed:*").required_terms == frozenset({Anchor("killed", "", "present")})
    for v in views:
        ctx = ViewContext(v)
        expected = {rid for rid, q in rules.items() if compile(q).matches(ctx)}
        assert pf.match(ctx) == expected
    assert pf.match(views[0]) == set(rules)
    assert pf.match(views[1]) == {"arabic", "attacks"}
