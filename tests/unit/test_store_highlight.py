"""Readable highlights: analysed query terms mapped back onto the original Arabic words."""

from __future__ import annotations

import re

import pytest

from worker.query.analysis import analyze
from worker.store import highlight as hl


def _marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_query_terms_skip_must_not_and_read_term_phrase_prefix():
    dsl = {
        "bool": {
            "must": [
                {"term": {"body_ar": {"value": "سجن"}}},
                {"match_phrase": {"title_ar": {"query": "سد نهض", "analyzer": "whitespace"}}},
                {"prefix": {"body_ar": {"value": "حسك"}}},
            ],
            "filter": [{"term": {"event_types": {"value": "prison_attack"}}}],
            "must_not": [{"term": {"body_ar": {"value": "محكم"}}}],
        }
    }
    qt = hl.query_terms(dsl)
    assert qt.terms == {"سجن"}
    assert qt.phrases == {("سد", "نهض")}
    assert qt.prefixes == {"حسك"}


def test_entity_and_place_clauses_become_names():
    qt = hl.query_terms(
        {"bool": {"should": [{"term": {"entity_keys": {"value": "قسد"}}},
                             {"match_phrase": {"place_keys": {"query": "سجن غويران"}}}]}}
    )  # fmt: skip
    assert qt.names == {("قسد",), ("سجن", "غويران")} and not qt.terms and not qt.phrases


def test_entity_mentions_are_marked_by_offsets():
    body = "شنت قوات سوريا الديمقراطية حملة في الحسكة.\nوقالت   قسد إن الحملة مستمرة."
    ents = [
        {"text": "قوات سوريا الديمقراطية", "canonical": "قسد", "type": "ORG", "field": "body",
         "start": body.index("قوات"), "end": body.index(" حملة")},
        {"text": "الحسكة", "canonical": "الحسكة", "type": "LOC", "field": "body",
         "start": body.index("الحسكة"), "end": body.index("الحسكة") + 6},
        {"text": "قسد", "canonical": "قسد", "type": "ORG", "field": "title", "start": 0, "end": 3},
    ]  # fmt: skip
    spans = hl.entity_spans(ents, {tuple(analyze("قسد"))}, "body")
    assert [body[s.start : s.end] for s in spans] == ["قوات سوريا الديمقراطية"]
    marker = hl.Marker(hl.QueryTerms(terms=set(analyze("حملة"))))
    snip = hl.snippet(body, marker, extra=spans)
    assert _marked(snip) == ["قوات سوريا الديمقراطية", "حملة", "الحملة"]
    assert "\n" not in snip and "   " not in snip  # whitespace collapsed after escaping


def test_clitic_and_spelling_variants_are_marked_in_original_form():
    marker = hl.Marker(hl.QueryTerms(terms=set(analyze("سجن سوريا"))))
    text = "وأصدرت المحكمة حكمًا وبالسجن على مواطن سوري في سورية."
    marks = _marked(hl.render(text, marker.spans(text)))
    assert "وبالسجن" in marks
    assert "سورية" in marks and "سوري" in marks
    assert "المحكمة" not in marks


def test_diacritics_stay_in_the_shown_word():
    marker = hl.Marker(hl.QueryTerms(terms=set(analyze("السجن"))))
    text = "أُودِع في السِّجْنِ أمس"
    assert _marked(hl.render(text, marker.spans(text))) == ["السِّجْنِ"]


def test_everything_but_mark_is_escaped():
    marker = hl.Marker(hl.QueryTerms(terms=set(analyze("سجن"))))
    text = '<script>alert("x")</script> <b>سجن</b> & <img src=x onerror=alert(1)>'
    out = hl.render(text, marker.spans(text))
    assert "<script>" not in out and "<img" not in out and "<b>" not in out
    stripped = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped
    assert "&lt;script&gt;" in out and "&amp;" in out
    assert _marked(out) == ["سجن"]


def test_snippet_window_centres_on_matches_and_ellipsises():
    filler = " ".join(["كلمة"] * 200)
    text = f"{filler} هجوم على السجن المركزي {filler}"
    marker = hl.Marker(hl.QueryTerms(terms=set(analyze("سجن"))))
    snip = hl.snippet(text, marker, width=120)
    assert _marked(snip) == ["السجن"]
    assert snip.startswith("… ") and snip.endswith(" …")
    assert len(snip) < 200


def test_snippet_without_match_is_the_lead():
    marker = hl.Marker(hl.QueryTerms())
    text = "الخبر الأول. " * 50
    snip = hl.snippet(text, marker, width=60)
    assert snip.startswith("الخبر الأول.") and "<mark>" not in snip and snip.endswith(" …")


def test_best_window_prefers_dense_region():
    text = "سجن " + "حشو " * 100 + "سجن سجن سجن " + "حشو " * 100
    marker = hl.Marker(hl.QueryTerms(terms={"سجن"}))
    spans = marker.spans(text)
    start, end = hl.best_window(text, spans, 60)
    assert text[start:end].count("سجن") == 3


def test_phrases_are_marked_only_in_sequence():
    dsl = {
        "match_phrase": {"body_ar": {"query": " ".join(analyze("الأمم المتحدة")), "analyzer": "whitespace"}}
    }
    qt = hl.query_terms(dsl)
    assert qt.phrases == {tuple(analyze("الأمم المتحدة"))} and not qt.terms
    marker = hl.Marker(qt)
    text = "قالت الولايات المتحدة إن الأمم المتحدة، وللأمم المتحدة وكالات، تعمل في المنطقة."
    out = hl.render(text, marker.spans(text))
    assert _marked(out) == ["الأمم", "المتحدة", "وللأمم", "المتحدة"]
    assert "الولايات المتحدة" in out  # not marked: "المتحدة" there is not part of the phrase


def test_exact_queries_are_highlighted() -> None:
    from worker.query import compile as compile_query
    from worker.store.highlight import Marker, query_terms

    text = "زار الوفد لبنان ثم تحدث عن السجون السرية في المنطقة"
    for q, marked in (("exact:لبنان", ["لبنان"]), ('exact:"السجون السرية"', ["السجون", "السرية"])):
        spans = Marker(query_terms(compile_query(q).es)).spans(text)
        assert [text[s.start : s.end] for s in spans] == marked


@pytest.mark.parametrize(
    ("q", "marked"),
    [
        # QA round 4: exact:سجون marked السجن, بالسجن, سجنا; exact:لبنان marked بلبنان: the marker compared the
        # analysed forms, which are not what exact: matched
        ("exact:سجون", ["سجون"]),
        ("exact:السجون", ["السجون"]),
        ("exact:لبنان", ["لبنان"]),
        ('exact:"السجون السرية"', ["السجون", "السرية"]),
        ("exact:سج*", ["سجون", "سجنا"]),
        ("exact:الشرطة", ["الشرطة"]),
        ("سجون", ["السجن", "بالسجن", "سجون", "السجون", "سجنا"]),  # the analysed search still marks its forms
    ],
)
def test_exact_queries_mark_only_the_forms_they_matched(q: str, marked: list[str]) -> None:
    from worker.query import compile as compile_query

    text = "نقل إلى السجن ثم حكم بالسجن في سجون لبنان وبلبنان، السجون السرية، حكم عليه سجنا، شروط الشرطة"
    spans = hl.Marker(hl.query_terms(compile_query(q).es)).spans(text)
    assert [text[s.start : s.end] for s in spans] == marked
