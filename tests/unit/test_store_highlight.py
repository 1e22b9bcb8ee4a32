"""Readable highlights: analysed query terms mapped back onto the original Arabic words."""

from __future__ import annotations

import re

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
    assert qt.terms == {"سجن", "سد", "نهض"}
    assert qt.prefixes == {"حسك"}


def test_entity_and_place_keys_highlight_too():
    qt = hl.query_terms({"term": {"entity_keys": {"value": "قسد"}}})
    assert qt.terms == {"قسد"}


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
