"""Hostile text through the extraction chain (``extract_many`` / the extract task's ``enrich``): huge
bodies, control and bidi characters, lone surrogates (JSON can carry them), markup and digits soup.
The chain is pure, so the contract is simple: a document comes out (or a classed error), every offset
indexes the string it names, and it does not hang.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_hostile_feeds import CONTROL, hang_guard
from worker.document import EnrichedDocument
from worker.extract.pipeline import extract_many

SURROGATES = {c: "\ufffd" for c in range(0xD800, 0xE000)}
PARA = ("قتل 12 شخصا وأصيب 30 آخرون في هجوم على سجن غويران في الحسكة يوم الخميس 20 يناير 2022، "
        "وقال المتحدث باسم قوات سوريا الديمقراطية \"إن الوضع تحت السيطرة\". ")


# What the chain strips before it takes offsets (``worker.controls``): C0 but tab and newline, DEL, C1.
STRIPPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def check(docs: list[EnrichedDocument], articles: list[dict]) -> None:
    assert len(docs) == len(articles)
    for d, a in zip(docs, articles, strict=True):
        assert isinstance(d, EnrichedDocument)
        # offsets index the document's own text (document.py), which has lost its control characters
        texts = {"title": d.title, "body": d.body}
        for field, text in texts.items():
            assert not STRIPPED.search(text), (field, text[:80])
            if not STRIPPED.search(a.get(field) or ""):  # anything else the chain keeps
                assert text == (a.get(field) or "").translate(SURROGATES), field
        for e in d.entities:
            src = texts[e.field]
            assert 0 <= e.start <= e.end <= len(src), (e, len(src))
            assert src[e.start:e.end] == e.text, (e, src[e.start:e.end])
        json.dumps(d.model_dump(mode="json"), ensure_ascii=False)  # serialisable for the index task


def run(articles: list[dict], seconds: int = 60) -> list[EnrichedDocument]:
    with hang_guard(seconds):
        docs = extract_many(articles)
    check(docs, articles)
    return docs


def test_huge_body_is_bounded():
    run([{"id": "big", "title": "عنوان", "body": PARA * 3000}], seconds=180)  # ~600 KB of dense facts


def test_one_enormous_sentence_and_one_enormous_token():
    run([{"id": "s", "title": "x", "body": ("كلمة " * 100_000)},
         {"id": "t", "title": "y", "body": "ب" * 200_000},
         {"id": "d", "title": "z", "body": "1" * 100_000 + " قتيلا"}], seconds=180)


def test_controls_bidi_and_zero_width_everywhere():
    body = CONTROL.join(PARA.split(" "))
    docs = run([{"id": "c", "title": f"\u202e{CONTROL}هجوم على سجن", "body": body}])
    assert docs[0].id == "c"


def test_lone_surrogates_and_nul():
    run([{"id": "u", "title": "\ud800عنوان\udfff", "body": PARA + "\x00\ud83d" + PARA}])


def test_markup_and_script_in_title_is_kept_as_inert_text():
    docs = run([{"id": "x", "title": "<script>alert(1)</script> هجوم على سجن", "body": PARA}])
    assert docs[0].title.startswith("<script>")  # text, not executed here; the page escapes it


def test_empty_and_whitespace():
    run([{"id": "e1", "title": "", "body": ""}, {"id": "e2", "title": " \n\t", "body": "\u200b" * 1000}])


ATOMS = ["قتل", "12", "١٢", "شخصا", "هجوم", "سجن", "الحسكة", "يوم", "الخميس", "20", "يناير", "2022", "\"", "«",
         "»", ":", "قال", "،", ".", "\n", " ", "\u200b", "\u202e", "\u061c", "ـ", "ً", "\x00", "\ud800", "<b>",
         "&amp;", "9" * 40, "-", "/", "مليون", "ألف", "نصف", "عشرات", "http://x.example/?a=1"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ATOMS), max_size=120), st.lists(st.sampled_from(ATOMS), max_size=20),
       st.one_of(st.none(), st.sampled_from(["2022-01-20T10:00:00Z", "garbage", "9999-99-99", "", "0"])))
def test_token_soup_never_raises(body, title, published):
    article = {"id": "p", "title": " ".join(title), "body": " ".join(body)}
    if published is not None:
        article["published"] = published
    try:
        run([article])
    except ValueError as err:  # a classed validation error for an unparseable date is acceptable
        assert published not in (None, "2022-01-20T10:00:00Z"), err


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=3000))
def test_arbitrary_unicode_never_raises(text):
    run([{"id": "a", "title": text[:200], "body": text}])
