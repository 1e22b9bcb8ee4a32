"""A PDF or an image served as text/html was handed on as an article with an empty body. The fetcher now
refuses a page whose body is evidently a file (a signature, or control bytes no text carries) with a
``PermanentFetchError`` (no retry); ``fetch_item`` then falls back to the feed's own text when the item
has some, and otherwise fails permanently with that message."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from tests.open_hosts import OpenHosts
from worker.ingest.articles import fetch_item
from worker.ingest.errors import PermanentFetchError
from worker.ingest.fetcher import Fetcher, binary_body
from worker.records import FeedItem
from worker.settings import Settings

URL = "http://93.184.216.34/article"  # a public literal: the SSRF guard passes without DNS
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 100
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100
ARTICLE = ("<html><head><meta charset='utf-8'><title>خبر</title></head><body><article><p>"
           + "هذا نص عربي طويل عن الأحداث في سوريا. " * 40 + "</p></article></body></html>").encode()


def _fetcher(body: bytes, ctype: str = "text/html") -> Fetcher:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": ctype}, content=body)
    return Fetcher(Settings(), transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("body,what", [(PDF, "PDF"), (PNG, "PNG"), (b"\x01\x02\x03" * 1000, "binary")],
                         ids=["pdf", "png", "control-bytes"])
def test_a_file_served_as_html_is_a_permanent_error(body, what):
    with pytest.raises(PermanentFetchError, match=f"body is a {what} file, not a web page"):
        _fetcher(body).fetch(URL, kind="page")


def test_text_pages_pass():
    assert binary_body(ARTICLE) is None
    assert binary_body(("\ufeff" + ARTICLE.decode()).encode("utf-16-le")) is None  # decoded later
    assert binary_body(("<p>abc</p>" * 300).encode("utf-16-be")) is None  # UTF-16 without a BOM
    assert binary_body(ARTICLE.decode().encode("cp1256")) is None
    assert _fetcher(ARTICLE).fetch(URL, kind="page").status == 200
    assert _fetcher(PDF, "application/rss+xml").fetch(URL, kind="feed").status == 200  # feeds: the parser says


class _Seen:
    def was_handed(self, _id: str) -> bool:
        return False

    def claim_alias(self, _id: str, owner: str) -> bool:
        return True


def _ctx(body: bytes) -> SimpleNamespace:
    return SimpleNamespace(settings=Settings(respect_robots=False), seen=_Seen(), fetcher=_fetcher(body),
                           hosts=OpenHosts())


def test_fetch_item_fails_permanently_without_feed_text():
    item = FeedItem(id="i1", url=URL, link=URL, title="خبر", source="s", feed_id="f")
    with pytest.raises(PermanentFetchError, match="PDF file"):
        fetch_item(_ctx(PDF), item, lambda a: None, commit=False)


def test_fetch_item_falls_back_to_the_feed_text():
    item = FeedItem(id="i1", url=URL, link=URL, title="خبر", summary="ملخص الخبر من الموجز", source="s",
                    feed_id="f")
    got: list = []
    out = fetch_item(_ctx(PNG), item, got.append, commit=False)
    assert out.result == "handed" and out.body_from == "feed_summary" and "PNG file" in (out.page_error or "")
    assert got[0].body == "ملخص الخبر من الموجز"
