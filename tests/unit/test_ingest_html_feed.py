"""A feed URL that is an HTML page (QA3 ops L8): recognised from its first bytes, and the RSS/Atom feeds it
links named, so the poll error says what to register instead of "SAXParseException: syntax error"."""

from __future__ import annotations

import time

import pytest

from worker.ingest.feedparse import HTML_HEAD_BYTES, html_page_feed_links, not_a_feed_message

HOME = b"""<!DOCTYPE html>
<html lang="ar"><head><meta charset="utf-8"><title>News</title>
<link rel="stylesheet" href="/a.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">
<link rel='alternate' type='application/atom+xml' href='https://other.example/atom'>
<link rel="alternate" hreflang="en" href="/en/">
</head><body><p>hello</p></body></html>"""


@pytest.mark.parametrize("body", [
    HOME, b"\xef\xbb\xbf  <html><body>x</body></html>", b"<!-- generated -->\n<!doctype HTML><p>x",
    b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head/></html>',
])
def test_an_html_page_is_recognised(body: bytes) -> None:
    assert html_page_feed_links(body, "http://news.example/") is not None


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>',
    b"", b"garbage", b'{"version": "https://jsonfeed.org/version/1"}',
])
def test_a_feed_or_other_bytes_are_not_an_html_page(body: bytes) -> None:
    assert html_page_feed_links(body, "http://news.example/") is None


def test_the_page_s_feed_links_are_resolved_and_named() -> None:
    links = html_page_feed_links(HOME, "http://news.example/home/")
    assert links == ["http://news.example/rss.xml", "https://other.example/atom"]
    msg = not_a_feed_message(links)
    assert msg.startswith("not a feed (HTML page; look for its RSS/Atom link)")
    assert "http://news.example/rss.xml" in msg and "https://other.example/atom" in msg
    assert not_a_feed_message([]) == "not a feed (HTML page; look for its RSS/Atom link)"


def test_a_link_that_is_not_http_is_not_named() -> None:
    page = b'<html><head><link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"></head>'
    assert html_page_feed_links(page, "http://news.example/") == []


def test_a_hostile_page_costs_a_bounded_pass() -> None:
    page = b"<html><head>" + b"<link rel=alternate " * 2_000_000  # 40 MB of unterminated link tags
    started = time.monotonic()
    assert html_page_feed_links(page, "http://news.example/") == []
    assert time.monotonic() - started < 5.0  # generous: it reads HTML_HEAD_BYTES, not 40 MB
    assert HTML_HEAD_BYTES <= 1024 * 1024
