"""Article pages whose markup, not their size, is the attack (QA round 2).

* 3 MB of unclosed ``<p><b><i>x`` (900,000 elements) cost 363 s of CPU and 658 MB inside trafilatura; a
  million ``<p>`` 76 s and 1.1 GB; 49,000 ``<span>`` in one paragraph 39 s. A page with more start tags
  than ``MAX_TAGS`` (real article pages: under 1,000) gets no tree: its text comes from a linear tag strip.
* A 4.8 MB ``<head>`` of unclosed ``<link rel=x`` left the body past the 3 M-character cap: the page's
  text was lost (``body_from=none``). Past the cap the page is now taken from its ``<body>``.

Sizes are the smallest that cross the bounds; the asserts are on which path ran, not on timings.
"""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from tests.open_hosts import OpenHosts
from tests.unit.test_hostile_feeds import hang_guard
from worker.ingest import article as article_mod
from worker.ingest.article import MAX_HTML_CHARS, MAX_TAGS, build_article, extract_page
from worker.ingest.articles import fetch_item
from worker.ingest.fetcher import Fetcher
from worker.ingest.markup import count_tags, plain_text
from worker.records import FeedItem
from worker.settings import Settings

URL = "http://93.184.216.34/article"  # a public literal: the SSRF guard passes without DNS
PARA = "شن مسلحون هجوما على سجن في مدينة الحسكة وفر عدد من السجناء بعد اشتباكات مع الحراس. "
ITEM = FeedItem(id="i1", url=URL, link=URL, title="خبر", summary="ملخص الخبر من الموجز", source="s", feed_id="f")
OVER = MAX_TAGS // 3 + 10  # repeats of a three-tag unit just past the bound


def _no_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if trafilatura or lxml is asked for a tree: past the bound only the linear strip may run."""
    def refuse(*_a: object, **_kw: object) -> None:
        raise AssertionError("a tree was built for a page past the tag bound")
    monkeypatch.setattr(article_mod, "_bare", refuse)
    monkeypatch.setattr(article_mod, "_parse", refuse)


SHAPES = {
    "nested-inline": "<html><body><article><p>" + PARA * 4 + "</p>" + "<p><b><i>x" * OVER,
    "unclosed-div": "<html><body>" + "<div>" * (MAX_TAGS + 10) + PARA * 4,
    "nested-table": "<html><body>" + "<table><tr><td>" * OVER + PARA * 4,
    "sibling-p": "<html><body>" + f"<p>{PARA}" * (MAX_TAGS + 10),
    "closed-spans": "<html><body><article><p>" + "<span>x</span>" * (MAX_TAGS + 10) + PARA * 4 + "</p>",
    "link-head": "<html><head>" + "<link rel=x " * (MAX_TAGS + 10) + "</head><body><p>" + PARA * 4 + "</p>",
}


@pytest.mark.parametrize("html", SHAPES.values(), ids=SHAPES.keys())
def test_pages_past_the_tag_bound_get_no_tree(html, monkeypatch):
    _no_tree(monkeypatch)
    with hang_guard(20):
        page = extract_page(html, URL)
    assert "الحسكة" in page["text"]
    assert page["title"] is None and page["date"] is None  # no metadata pass either
    assert len(page["text"]) <= article_mod.MAX_BODY_CHARS


def test_nested_inline_page_through_fetch_item(monkeypatch):
    """The QA page at a test's size: handed with the page's words, and trafilatura never ran."""
    _no_tree(monkeypatch)
    raw = ("<html><body><article><p>" + PARA * 4 + "</p>" + "<p><b><i>x" * OVER).encode()
    transport = httpx.MockTransport(lambda _r: httpx.Response(200, headers={"Content-Type": "text/html"},
                                                              content=raw))
    ctx = SimpleNamespace(settings=Settings(respect_robots=False), fetcher=Fetcher(Settings(), transport=transport),
                          seen=SimpleNamespace(was_handed=lambda _id: False, claim_alias=lambda _id, owner: True),
                          hosts=OpenHosts())
    got: list = []
    with hang_guard(20):
        out = fetch_item(ctx, ITEM, got.append, commit=False)
    assert out.result == "handed" and out.body_from == "page"
    assert got[0].body.startswith(PARA.strip()[:20])


def test_pages_under_the_bound_still_go_through_trafilatura(monkeypatch):
    calls: list = []
    real = article_mod._bare
    monkeypatch.setattr(article_mod, "_bare", lambda *a, **kw: (calls.append(1), real(*a, **kw))[1])
    html = "<html><body><nav>الرئيسية</nav><article>" + f"<p>{PARA}</p>" * 20 + "</article><footer>حقوق</footer>"
    page = extract_page(html, URL)
    assert calls and "الحسكة" in page["text"] and "حقوق" not in page["text"]


def test_head_past_the_cap_keeps_the_body():
    """One huge attribute fills the first 3 M characters: the body after it is still read."""
    html = ('<html><head><meta name=x content="' + "a" * MAX_HTML_CHARS + '"></head><body><article>'
            + f"<p>{PARA}</p>" * 10 + "</article></body></html>")
    assert count_tags(html, MAX_TAGS) < MAX_TAGS
    with hang_guard(30):
        payload, body_from = build_article(ITEM, html=html, doc_id="d", url=URL)
    assert body_from == "page" and "الحسكة" in payload.body


def test_count_tags_stops_past_its_limit():
    assert count_tags("<p>" * 1000, 10) == 11
    assert count_tags("a < b, <3, <!-- c --> </p>", 10) == 0
    assert count_tags("<html><body><p>x</p></body></html>", 100) == 3


def test_plain_text_is_what_a_browser_shows():
    html = ("<html><head><title>T</title><style>p{}</style></head><body><nav>a</nav><p>one &amp; <b>two</b>"
            "</p><!-- <p>hidden</p> --><script>if (a<b) document.write('<p>INJECTED</p>')</script>"
            "<SCRIPT type=x>x</SCRIPT ><p>three</p><textarea>typed</textarea></body></html>")
    assert plain_text(html, 1000) == "a\none & two\nthree\ntyped"
    assert plain_text("<body><p>" + PARA + "<script>never closed " + PARA, 1000) == PARA.strip()
    assert plain_text("<body><p>kept<!-- never closed", 1000) == "kept"
    assert plain_text("<body><p>kept<a href='x", 1000) == "kept"
    assert len(plain_text("<body>" + "<p>" + PARA * 100, 500)) == 500
    # Tags and blanks before the text do not use up the quota (a million unclosed <div> hid the text).
    assert plain_text("<body>" + "<div>" * 5000 + "text", 1000) == "text"
    assert plain_text("<body>" + "<div> \n " * 5000 + "text", 1000) == "text"


def test_plain_text_is_linear_on_unclosed_raw_text_tags():
    """Every unclosed <script> or comment looks forward once: the first swallows the rest of the page."""
    with hang_guard(10):
        assert plain_text("<body>" + "<script>x" * 300_000, 1000) == ""
        assert plain_text("<body>ok" + "<!-- x" * 300_000, 1000) == "ok"
        assert plain_text("<body>" + "<script>x</script>" * 200_000 + "end", 1000) == "end"
