"""Hostile article pages through the page path: bytes -> ``decode_html`` -> ``canonical_for_page`` ->
``build_article`` (trafilatura main text, feed fallback). Nothing raises, nothing hangs, markup from
the page never reaches the article's text fields as live markup, and a page cannot redirect the
document id to a non-http URL.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_hostile_feeds import CONTROL, hang_guard
from worker.ingest.article import build_article
from worker.ingest.canonical import canonical_for_page, canonicalize_url, doc_id
from worker.ingest.encoding import decode_html
from worker.records import FeedItem, FetchedArticle

URL = "http://news.example.com/2024/01/story.html"
ITEM = FeedItem(id=doc_id(URL), url=URL, link=URL, source="example", feed_id="f1", title="عنوان الخبر من الخلاصة",
                summary="ملخص الخبر كما ورد في الخلاصة", content="", published="2024-01-20T10:00:00+00:00")
PARA = "شن مسلحون هجوما على سجن في مدينة الحسكة وفر عدد من السجناء بعد اشتباكات مع الحراس. "


def page_through(raw: bytes, ctype: str | None = "text/html; charset=utf-8", seconds: int = 30) -> FetchedArticle:
    with hang_guard(seconds):
        html, _enc = decode_html(raw, ctype)
        assert isinstance(html, str)
        canonical = canonical_for_page(URL, html)
        assert canonical.lower().startswith(("http://", "https://")), canonical
        payload, body_from = build_article(ITEM, html=html, doc_id=doc_id(canonical), url=canonical)
    assert body_from in ("page", "feed_content", "feed_summary", "none")
    assert isinstance(payload.body, str) and isinstance(payload.title, str)
    return payload


def doc(body: str, head: str = "", title: str = "عنوان") -> bytes:
    return (f"<!doctype html><html lang=ar dir=rtl><head><meta charset=utf-8><title>{title}</title>{head}"
            f"</head><body><nav>الرئيسية | أخبار</nav><article><h1>{title}</h1>{body}</article>"
            f"<footer>جميع الحقوق محفوظة</footer></body></html>").encode("utf-8", "surrogatepass")


def test_ordinary_page_gives_the_page_text():
    payload = page_through(doc("".join(f"<p>{PARA} وقال مصدر رقم {n} إن الوضع متوتر.</p>" for n in range(6))))
    assert "الحسكة" in payload.body


def test_huge_page_is_bounded():
    payload = page_through(doc("<p>" + PARA * 40_000 + "</p>"), seconds=120)  # ~6 MB
    assert len(payload.body) < 8_000_000


def test_deeply_nested_html():
    deep = "<div>" * 30_000 + f"<p>{PARA * 5}</p>" + "</div>" * 30_000
    page_through(doc(deep))


def test_many_unclosed_elements():
    page_through(doc("<p><b><i><span><table><tr><td>" * 5000 + PARA))


def test_entity_bomb_in_html_is_not_expanded():
    head = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    raw = f'<!DOCTYPE html [<!ENTITY l0 "lol">{head}]><html><body><p>&l9;</p><p>{PARA * 5}</p></body></html>'
    payload = page_through(raw.encode())
    assert len(payload.body) < 1_000_000


def test_xxe_in_page_does_not_read_files():
    raw = (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           f"<html><body><p>&x;</p><p>{PARA * 5}</p></body></html>")
    payload = page_through(raw.encode())
    assert "root:" not in payload.body + payload.title


def test_scripts_styles_and_handlers_do_not_reach_the_text():
    body = (f"<script>document.write('<p>INJECTED</p>')</script><style>p{{color:red}}</style>"
            f"<p onclick=\"alert('x')\">{PARA * 4}</p><iframe src=javascript:alert(1)></iframe>"
            f"<noscript><p>NOSCRIPT</p></noscript>")
    payload = page_through(doc(body, title="<script>alert(1)</script>عنوان"))
    text = payload.body + payload.title
    assert "INJECTED" not in text and "document.write" not in text and "color:red" not in text
    assert "<script" not in text.lower()


@pytest.mark.parametrize("target", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x",
                                    "http://127.0.0.1/admin", "//evil.example/x", "   "])
def test_rel_canonical_cannot_point_the_id_off_site(target):
    raw = doc(f"<p>{PARA * 5}</p>", head=f'<link rel="canonical" href="{target}">')
    html, _ = decode_html(raw, "text/html")
    canonical = canonical_for_page(URL, html)
    assert canonical.startswith(("http://", "https://"))
    if target.startswith(("javascript", "file", "data", "http://127.0.0.1", "//evil")) or not target.strip():
        # a canonical on another site or scheme is ignored: the id stays the page's own
        assert canonical == canonicalize_url(URL)


@pytest.mark.parametrize("raw,ctype", [
    (b"\xc3\x28" * 5000, "text/html; charset=utf-8"),  # invalid UTF-8 declared as UTF-8
    (("<p>" + PARA * 5 + "</p>").encode("windows-1256"), None),  # undeclared windows-1256
    (b"\xff\xfe" + ("<p>" + PARA * 5 + "</p>").encode("utf-16-le"), "text/html"),
    (("<p>" + PARA * 5 + "</p>").encode("utf-16-le"), "text/html; charset=utf-8"),  # lying header
    (b"<meta charset=x-bogus><p>" + PARA.encode() * 5, None),
    (b"\x00" * 50_000, "text/html"),
    (bytes(range(256)) * 100, "text/html"),
    (b"", "text/html"),
])
def test_broken_encodings(raw, ctype):
    page_through(raw, ctype)


def test_zero_width_bidi_and_lone_surrogates():
    text = f"{CONTROL}{PARA}\ud800{CONTROL}\u202e{PARA * 4}"
    page_through(doc(f"<p>{text}</p>", title=f"\u202e{CONTROL}عنوان\udfff"))


TAGS = ["<div>", "</div>", "<p>", "</p>", "<script>", "</script>", "<table>", "<td>", "<!--", "-->", "<br>",
        "<![CDATA[", "]]>", "&nbsp;", "&#0;", "&#x110000;", "<a href='javascript:x'>", "</a>", "<svg onload=x>",
        "<math><mi xlink:href=x>", PARA, "\u200b", "\u202e", "\x00", "<base href='file:///'>",
        "<meta http-equiv=refresh content='0;url=file:///etc/passwd'>", "<link rel=canonical href=x>"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TAGS), max_size=80), st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                                                        "text/html; charset=windows-1256"]))
def test_tag_soup_never_raises(parts, ctype):
    page_through(doc("".join(parts)), ctype)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=8192))
def test_random_bytes_never_raise(raw):
    page_through(raw, None)
