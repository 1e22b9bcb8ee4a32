"""Span rules of the entity stage (``worker.extract.ner.rules``) and the clean-up of ``entities``, on given
spans, so that they do not depend on what the CRF happens to tag."""

from __future__ import annotations

from worker.extract.entities import _boilerplate_ranges, _name_keeps_clitic, extract_entities
from worker.extract.ner.features import fold_token
from worker.extract.ner.rules import Span, apply_rules, split_spans, trim_span


def _keys(text: str) -> list[str]:
    return [fold_token(w) for w in text.split()]


def _trim(text: str, typ: str, i: int = 0, j: int | None = None) -> str | None:
    keys = _keys(text)
    got = trim_span(keys, Span(i, len(keys) if j is None else j, typ, "crf"))
    return None if got is None else " ".join(keys[got[0]:got[1]])


def test_descriptors_before_a_name_are_cut() -> None:
    assert _trim("صحيفة لوموند", "ORG") == fold_token("لوموند")
    assert _trim("شركة لوكهيد مارتن", "ORG") == " ".join(_keys("لوكهيد مارتن"))
    assert _trim("ميليشيات الحوثي الإيرانية", "ORG") == fold_token("الحوثي")
    assert _trim("حركة حماس", "ORG") == " ".join(_keys("حركة حماس"))  # guidelines: حركة stays


def test_directions_around_a_known_place_are_cut() -> None:
    assert _trim("شمال العراق", "LOC") == fold_token("العراق")
    assert _trim("حلب الغربي", "LOC") == fold_token("حلب")
    assert _trim("الساحل الغربي", "LOC") == " ".join(_keys("الساحل الغربي"))  # a definite noun's adjective
    assert _trim("ذي قار", "LOC") == " ".join(_keys("ذي قار"))


def test_district_and_front_heads_before_a_place_give_the_place() -> None:
    keys = _keys("معارك في مديرية التحيتا و جبهة الدريهمي")
    spans = apply_rules(keys, [Span(3, 4, "LOC", "crf"), Span(6, 7, "LOC", "crf")])
    assert [(s.i, s.j, s.type) for s in spans] == [(3, 4, "LOC"), (6, 7, "LOC")]
    assert _trim("مديرية التحيتا", "LOC") == fold_token("التحيتا")


def test_facility_heads_do_not_take_clitic_words_or_adjectives() -> None:
    for text in ("نقل إلى مستشفى بمقاطعة", "احتجز في سجن سري", "اقتحموا مبنى حكومي"):
        keys = _keys(text)
        assert not [s for s in apply_rules(keys, []) if s.type == "FAC"], text


def test_a_long_person_span_splits_before_wa() -> None:
    keys = _keys("كاثرين واليكس بوفير")
    spans = split_spans(keys, [Span(0, 3, "PER", "crf")])
    assert [(s.i, s.j) for s in spans] == [(0, 1), (1, 3)]


def test_person_first_words_that_only_look_like_clitic_plus_word() -> None:
    assert _name_keeps_clitic("كوفي", "وفي", set())  # no conjunction after a preposition
    assert not _name_keeps_clitic("بترامب", "ترامب", set())  # a known name
    assert not _name_keeps_clitic("بفلان", "فلان", {"فلان"})  # the name occurs alone in the document


def test_boilerplate_lines_give_no_entities() -> None:
    body = ("قال الرئيس التركي رجب طيب أردوغان إن أنقرة سترد.\n"
            "يمكنكم استلام إشعارات بأهم الموضوعات بعد تحميل أحدث نسخة من تطبيق بي بي سي عربي على هاتفكم المحمول.")
    (a, b), = _boilerplate_ranges(body)
    assert body[a:b].startswith("يمكنكم") and b == len(body)
    ents = extract_entities("", body)
    assert ents and all(e.end <= a for e in ents)
    assert _boilerplate_ranges("اقرأ أيضا| خبر آخر\nنص") == [(0, len("اقرأ أيضا| خبر آخر"))]


def test_the_name_ali_is_not_the_preposition_and_aya_allah_is_a_title() -> None:
    assert _trim("علي السيستاني", "PER") == " ".join(_keys("علي السيستاني"))
    assert _trim("آية الله علي خامنئي", "PER") == " ".join(_keys("علي خامنئي"))
    assert _trim("آية الله", "PER") is None
    keys = _keys("خالد محمد علي الشهري")
    assert [(s.i, s.j) for s in split_spans(keys, [Span(0, 4, "PER", "crf")])] == [(0, 4)]
    keys = _keys("الجيش على الحدود")
    assert [(s.i, s.j) for s in split_spans(keys, [Span(0, 3, "ORG", "crf")])] == [(0, 1), (2, 3)]


def test_a_two_letter_organisation_from_the_tagger_is_dropped() -> None:
    assert _trim("سي", "ORG") is None
    assert _trim("سي", "PER") == fold_token("سي")
