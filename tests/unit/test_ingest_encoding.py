"""Feeds and pages in the encodings Arabic sites actually use."""

from __future__ import annotations

import codecs

import pytest

from worker.ingest.encoding import decode_html, prepare_feed_bytes
from worker.ingest.feedparse import parse_feed

TITLE = "مقتل خمسة أشخاص في انفجار بغداد"
SUMMARY = "قالت الشرطة العراقية إن الانفجار وقع صباح اليوم"


def rss(decl: str | None) -> str:
    prolog = '<?xml version="1.0"?>' if decl is None else f'<?xml version="1.0" encoding="{decl}"?>'
    return (
        f"{prolog}\n<rss version=\"2.0\"><channel><title>أخبار</title><link>http://x.example/</link>"
        f"<item><title>{TITLE}</title><link>http://x.example/a/1</link>"
        f"<description>{SUMMARY}</description><pubDate>Mon, 26 Feb 2018 02:20:10 GMT</pubDate></item>"
        "</channel></rss>"
    )


@pytest.mark.parametrize(
    ("encoding", "decl", "content_type", "bom"),
    [
        ("utf-8", "utf-8", None, b""),
        ("utf-8", None, None, codecs.BOM_UTF8),
        ("windows-1256", "windows-1256", None, b""),
        ("windows-1256", None, "application/rss+xml; charset=windows-1256", b""),
        ("windows-1256", None, None, b""),  # undeclared: must not become windows-1252 mojibake
        ("windows-1256", "utf-8", None, b""),  # lying declaration
        ("iso-8859-6", "iso-8859-6", None, b""),
        ("iso-8859-6", None, "text/xml; charset=ISO-8859-6", b""),
        ("utf-16-le", "utf-16", None, codecs.BOM_UTF16_LE),
        ("utf-16-be", None, None, codecs.BOM_UTF16_BE),
        ("utf-16-le", None, None, b""),  # no BOM, no declaration
        ("utf-16-be", None, None, b""),
        ("utf-16-le", "utf-16", None, b""),  # declared, no BOM
    ],
)
def test_feed_encodings(encoding: str, decl: str | None, content_type: str | None, bom: bytes) -> None:
    data = bom + rss(decl).encode(encoding)
    parsed = parse_feed(data, content_type)
    assert len(parsed.items) == 1, parsed.error
    assert parsed.items[0].title == TITLE
    assert parsed.items[0].summary == SUMMARY


def test_undeclared_iso_8859_6_is_told_apart_from_windows_1256() -> None:
    data = rss(None).encode("iso-8859-6")
    parsed = parse_feed(data)
    assert parsed.items and parsed.items[0].title == TITLE


def test_prepare_leaves_declared_utf8_alone() -> None:
    # The bytes pass untouched; the content type always names UTF-8 so feedparser never picks a charset.
    data = rss("utf-8").encode("utf-8")
    assert prepare_feed_bytes(data, None) == (data, "application/xml; charset=utf-8")


PAGE = f"<html><head>{{meta}}<title>{TITLE}</title></head><body><p>{SUMMARY}</p></body></html>"


@pytest.mark.parametrize(
    ("encoding", "meta", "content_type", "bom"),
    [
        ("utf-8", "", "text/html; charset=utf-8", b""),
        ("utf-8", "", None, b""),
        ("windows-1256", '<meta charset="windows-1256">', None, b""),
        ("windows-1256", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">', None, b""),
        ("windows-1256", "", "text/html; charset=windows-1256", b""),
        ("windows-1256", "", None, b""),  # nothing declared
        ("windows-1256", '<meta charset="utf-8">', None, b""),  # meta lies
        ("iso-8859-6", '<meta charset="iso-8859-6">', None, b""),
        ("iso-8859-6", "", None, b""),
        ("utf-16-le", "", None, codecs.BOM_UTF16_LE),
        ("utf-16-le", "", None, b""),
        ("utf-16-be", "", "text/html; charset=utf-16", b""),
        ("utf-8", "", None, codecs.BOM_UTF8),
    ],
)
def test_page_encodings(encoding: str, meta: str, content_type: str | None, bom: bytes) -> None:
    data = bom + PAGE.format(meta=meta).encode(encoding)
    text, used = decode_html(data, content_type)
    assert TITLE in text and SUMMARY in text, used
    assert not text.startswith("\ufeff")


def test_garbage_bytes_never_raise() -> None:
    text, _ = decode_html(bytes(range(256)) * 10, "text/html; charset=no-such-charset")
    assert isinstance(text, str)
