"""Damaged WARC archives (QA7 qa7b-1..3): a record cut short, a record header without its target URI, a
file that is no WARC. A damaged record is a bad row with its record number and byte offset, never an
article cut mid-word; the reading goes on where warcio can; a file that is not a WARC is refused whole."""

from __future__ import annotations

import io

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.unit.test_archive_readers import _page_html, _warc
from worker.archive.errors import ArchiveFormatError
from worker.archive.readers import open_archive, read_rows
from worker.archive.rows import BadRow, Row
from worker.archive.warc import read_warc

HTML = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
FIRST = "https://www.bbc.com/arabic/middleeast-1"
SECOND = "https://www.bbc.com/arabic/middleeast-2"


def _two_pages(gz: bool) -> tuple[bytes, int]:
    """A WARC of two article pages, and the offset where the second record starts."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    for url in (FIRST, SECOND):
        if url == SECOND:
            second = buf.tell()
        payload = _page_html(url, "هجوم على سجن الحسكة").encode()
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=HTML,
                                            warc_headers_dict={"WARC-Date": "2018-02-12T08:00:00Z"}))
    return buf.getvalue(), second


def _kinds(items: list) -> list[tuple[str, int]]:
    return [(type(i).__name__, i.line) for i in items]


@pytest.mark.parametrize("gz", [False, True])
def test_a_record_cut_short_is_a_bad_row_not_a_cut_article(gz):
    """qa7b-1: an interrupted download leaves the last page short of its Content-Length (or its gzip
    member ends early); it was imported with its text cut mid-word and replaced the whole stored page."""
    data, second = _two_pages(gz)
    whole = list(read_warc(io.BytesIO(data)))
    assert _kinds(whole) == [("Row", 1), ("Row", 2)]
    cut = data[: second + (len(data) - second) * 3 // 4]  # three quarters of the second record
    items = list(read_warc(io.BytesIO(cut)))
    assert _kinds(items) == [("Row", 1), ("BadRow", 2)]
    assert items[0].article.body == whole[0].article.body
    bad = items[1]
    assert bad.unit == "record" and bad.error.startswith("truncated record: the archive ends ")
    assert f"(byte offset {second}, {SECOND})" in bad.error


@pytest.mark.parametrize("gz", [False, True])
def test_wherever_a_warc_is_cut_no_article_is_cut_and_nothing_crashes(gz):
    """Every cut of a small crawl (headers, HTTP headers, content, gzip members): the page is imported
    whole or not at all, and the reader never raises but for a file too short to be a WARC."""
    data = _warc(gz)
    [page] = [i for i in read_warc(io.BytesIO(data)) if isinstance(i, Row)]
    records = ArchiveIterator(io.BytesIO(data))
    after_page = [records.get_record_offset() for _ in records][2]  # where the record after the page starts
    outcomes = set()
    for end in range(0, len(data), 3):
        try:
            items = list(read_warc(io.BytesIO(data[:end])))
        except ArchiveFormatError:
            outcomes.add("not a WARC")
            continue
        rows = [i for i in items if isinstance(i, Row)]
        assert all(r.article.body == page.article.body for r in rows), end
        outcomes.add("page" if rows else "bad" if items else "nothing")
        if not rows and end >= after_page:
            pytest.fail(f"cut at {end}: the complete page was lost")
    assert {"page", "bad"} <= outcomes


def test_a_page_record_without_target_uri_is_a_bad_row_and_the_next_record_imports():
    """qa7b-2: warcio crashed on ``uri.startswith`` (AttributeError, a traceback, exit 1)."""
    data, _ = _two_pages(gz=False)
    nameless = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 4\r\n\r\nxxxx\r\n\r\n"
    items = list(read_warc(io.BytesIO(nameless + data)))
    assert _kinds(items) == [("BadRow", 1), ("Row", 2), ("Row", 3)]
    assert items[0].error == "response record without WARC-Target-URI (byte offset 0)"


def test_the_qa_record_header_is_one_bad_row_not_a_traceback():
    """qa7b-2's exact archive: no target URI, and 2 bytes of a declared 99,999."""
    items = list(read_warc(io.BytesIO(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nxx")))
    assert len(items) == 1 and isinstance(items[0], BadRow) and items[0].line == 1
    assert "truncated record: the archive ends 2 bytes into its 99999-byte content" in items[0].error


def test_a_header_without_content_length_or_with_a_bad_one_is_a_bad_row():
    items = list(read_warc(io.BytesIO(b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: https://e.org/a\r\n"
                                      b"Content-Type: text/html\r\n\r\n<p>x</p>")))
    assert [i.error for i in items] == ["truncated or malformed record: its header has no Content-Length "
                                        "(byte offset 0, https://e.org/a)"]
    items = list(read_warc(io.BytesIO(b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: abc\r\n\r\n")))
    assert [i.error for i in items] == ["malformed record: Content-Length 'abc' is not a number of bytes "
                                        "(byte offset 0)"]


@pytest.mark.parametrize("content", [b"not a warc at all\n", b"hello\n", b"<html><body>page</body></html>\n"])
def test_a_file_that_is_no_warc_is_refused_whole(tmp_path, content):
    """qa7b-3: warcio read a line of five words as an ARC header, and the file "imported" as 0 rows."""
    path = tmp_path / "junk.warc"
    path.write_bytes(content)
    src = open_archive(str(path))
    try:
        with pytest.raises(ArchiveFormatError, match="^not a WARC file: "):
            list(read_rows(src))
    finally:
        src.close()


def test_an_empty_warc_has_no_rows():
    """No record at all: no row (the command then refuses it, as an empty JSONL or CSV)."""
    assert list(read_warc(io.BytesIO(b""))) == []
