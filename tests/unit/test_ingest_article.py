from __future__ import annotations

from dataclasses import replace

from worker.ingest.article import MIN_BODY_CHARS, build_article
from worker.records import FeedItem

BODY = ("أعلنت وزارة الداخلية العراقية مقتل خمسة أشخاص وإصابة عشرة آخرين في انفجار سيارة مفخخة في بغداد. "
        "وقال المتحدث باسم الوزارة إن الانفجار وقع في سوق شعبي مزدحم صباح اليوم الاثنين. ") * 4

PAGE = f"""<html><head><title>انفجار في بغداد | موقع</title>
<meta property="article:published_time" content="2020-01-01T10:00:00+00:00">
<meta property="og:image" content="http://site.example/lead.jpg"></head><body>
<nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/world">العالم</a></li></ul></nav>
<article><h1>انفجار في بغداد</h1><p>{BODY}</p></article>
<aside><h2>اقرأ أيضاً</h2><ul><li><a href="/x">خبر آخر عن الاقتصاد والأسعار</a></li></ul></aside>
<footer>جميع الحقوق محفوظة</footer><script>var x = 1;</script></body></html>"""

ITEM = FeedItem(id="i1", url="http://site.example/a", title="انفجار في بغداد", summary="ملخص الخبر", content="",
                source="Test", feed_id="f1", published="2018-02-26T02:20:10+00:00", tags=("iraq",), language="ar")

KEYS = {"id", "url", "source", "feed_id", "title", "body", "summary", "author", "image", "published", "fetched",
        "tags", "language"}


def test_page_text_used_and_boilerplate_dropped() -> None:
    payload, body_from = build_article(ITEM, html=PAGE, doc_id="d1", url="http://site.example/a")
    assert set(payload.as_payload()) == KEYS
    assert body_from == "page"
    assert "مقتل خمسة أشخاص" in payload.body
    assert "جميع الحقوق محفوظة" not in payload.body
    assert "var x" not in payload.body
    assert payload.image == "http://site.example/lead.jpg"


def test_feed_date_wins_over_page_date() -> None:
    payload, _ = build_article(ITEM, html=PAGE, doc_id="d1", url="http://site.example/a")
    assert payload.published.startswith("2018-02-26T02:20:10")


def test_page_date_used_when_feed_has_none() -> None:
    payload, _ = build_article(replace(ITEM, published=None), html=PAGE, doc_id="d1", url="http://site.example/a")
    assert payload.published is not None and payload.published.startswith("2020-01-01")


def test_unreachable_page_falls_back_to_feed_content() -> None:
    payload, body_from = build_article(replace(ITEM, content=BODY), html=None, doc_id="d1", url="http://s/a")
    assert body_from == "feed_content" and payload.body == BODY.strip()
    payload, body_from = build_article(ITEM, html=None, doc_id="d1", url="http://s/a")
    assert body_from == "feed_summary" and payload.body == "ملخص الخبر"


def test_too_short_page_falls_back_to_feed() -> None:
    stub = "<html><body><article><p>اشترك للقراءة</p></article></body></html>"
    payload, body_from = build_article(replace(ITEM, content=BODY), html=stub, doc_id="d1", url="http://s/a")
    assert body_from == "feed_content"
    assert len(payload.body) > MIN_BODY_CHARS


def test_hostile_html_does_not_raise() -> None:
    deep = "<div>" * 20000 + "نص" + "</div>" * 20000
    payload, _ = build_article(ITEM, html=deep, doc_id="d1", url="http://s/a")
    assert payload.title == ITEM.title
    payload, _ = build_article(ITEM, html="\x00\ufeff<<<>>>", doc_id="d1", url="http://s/a")
    assert payload.body == "ملخص الخبر"


def test_metadata_pass_skipped_when_the_feed_states_it_same_article(monkeypatch) -> None:
    """A feed item with title, date, author and summary needs nothing from trafilatura's metadata pass but
    the lead image: the article is the same as with the full pass, image included."""
    import worker.ingest.article as mod

    full_item = replace(ITEM, author="مراسل الموقع")
    json_ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
               ' "image": "http://site.example/ld.jpg", "headline": "انفجار"}</script></head>')
    pages = (PAGE, PAGE.replace('<meta property="og:image" content="http://site.example/lead.jpg"></head>', json_ld),
             PAGE.replace('<meta property="og:image" content="http://site.example/lead.jpg">', ""))
    seen_meta: list[bool] = []
    real = mod.extract_page
    monkeypatch.setattr(mod, "extract_page", lambda *a, **kw: (seen_meta.append(kw["metadata"]), real(*a, **kw))[1])
    for page in pages:
        fast, _ = build_article(full_item, html=page, doc_id="d1", url="http://site.example/a")
        with monkeypatch.context() as m:
            m.setattr(mod, "_needs_page_metadata", lambda item: True)
            slow, _ = build_article(full_item, html=page, doc_id="d1", url="http://site.example/a")
        assert replace(fast, fetched="") == replace(slow, fetched="")
    assert seen_meta == [False, True] * len(pages)
    assert [build_article(full_item, html=p, doc_id="d", url="http://s/a")[0].image for p in pages] == [
        "http://site.example/lead.jpg", None, None]  # trafilatura 2.3 reads no image from that JSON-LD
    # an item without an author still asks the page for one
    build_article(ITEM, html=PAGE, doc_id="d1", url="http://site.example/a")
    assert seen_meta[-1] is True


def test_hostile_html_without_the_metadata_pass_does_not_raise() -> None:
    full_item = replace(ITEM, author="مراسل")
    deep = "<div>" * 20000 + "نص" + "</div>" * 20000
    for html in (deep, "\x00\ufeff<<<>>>", "<html><head><meta property='og:image' content='" + "x" * 50_000 + "'>"):
        payload, _ = build_article(full_item, html=html, doc_id="d1", url="http://s/a")
        assert payload.title == ITEM.title and payload.body == "ملخص الخبر"
        assert payload.image is None  # an oversized image URL is dropped (MAX_META_CHARS)
