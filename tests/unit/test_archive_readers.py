"""Archive readers: JSONL, CSV and WARC rows, bad rows with their line numbers, format detection."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from worker.archive.columns import RowError, article_from_columns, parse_published
from worker.archive.errors import ArchiveFormatError
from worker.archive.readers import format_from_name, open_archive, read_csv, read_jsonl, read_rows
from worker.archive.rows import BadRow, Row
from worker.ingest.canonical import canonicalize_url
from worker.replay.render import Entry, article_html

BODY = ("قتل خمسة أشخاص وأصيب عشرة آخرون في هجوم على سجن في مدينة الحسكة شمال شرقي سوريا، بحسب ما أعلنت "
        "قوات سوريا الديمقراطية التي قالت إن المهاجمين حاولوا تهريب عدد من السجناء. ") * 3


def _jsonl(*rows: object) -> io.BytesIO:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    return io.BytesIO("\n".join(lines).encode("utf-8") + b"\n")


def test_jsonl_ant_row_maps_every_column():
    ant = {"docno": "BB-1", "url": "http://www.bbc.co.uk/arabic/world-1?utm_source=x", "source": "BBC",
           "category": "world", "title": "هجوم على سجن", "time": "Sun, 11 Feb 2018 00:18:24 GMT",
           "author": "مراسل", "abstract": "ملخص قصير", "text": BODY}
    [row] = list(read_jsonl(_jsonl(ant)))
    assert isinstance(row, Row) and row.line == 1 and row.ordinal == 1
    a = row.article
    assert a.url == "http://www.bbc.co.uk/arabic/world-1"  # canonical: tracking parameter gone
    from worker.document import doc_id_for_url

    assert a.id == doc_id_for_url(canonicalize_url(ant["url"]))
    assert (a.title, a.body.strip(), a.summary, a.author, a.source) == ("هجوم على سجن", BODY.strip(), "ملخص قصير",
                                                                      "مراسل", "BBC")
    assert a.published == "2018-02-11T00:18:24+00:00" and a.tags == ("world",) and a.language == "ar"


def test_jsonl_bad_rows_keep_their_line_numbers_and_the_import_goes_on():
    good = {"url": "https://example.org/a", "title": "عنوان", "body": BODY}
    stream = _jsonl(
        good,                                             # 1
        "",                                               # 2 blank: skipped, still counted as a line
        "{not json",                                      # 3
        "[1, 2]",                                         # 4
        {"title": "بلا رابط", "text": BODY},              # 5
        {"url": "ftp://example.org/x", "text": BODY},     # 6
        {"url": "https://example.org/b", "date": "أمس"},  # 7 (no title, no text)
        {"url": "https://example.org/c", "title": "ت", "date": "31/12/2018"},  # 8
        {"url": "https://example.org/d", "title": ["x"]},  # 9
        {**good, "url": "https://example.org/e"},         # 10
    )
    items = list(read_jsonl(stream))
    bad = {i.line: i.error for i in items if isinstance(i, BadRow)}
    assert [i.line for i in items if isinstance(i, Row)] == [1, 10]
    assert sorted(bad) == [3, 4, 5, 6, 7, 8, 9]
    assert "invalid JSON" in bad[3] and "JSON object" in bad[4] and "no url" in bad[5]
    assert "http(s)" in bad[6] and "no title and no text" in bad[7] and "unreadable date" in bad[8]
    assert "'title'" in bad[9]
    assert [i.ordinal for i in items] == list(range(1, 10))  # blank lines are not rows
    assert BadRow(1, 3, "x").describe() == "line 3: x"


def test_jsonl_invalid_utf8_and_overlong_lines_are_bad_rows(monkeypatch):
    from worker.archive import readers

    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 200)
    ok = json.dumps({"url": "https://e.org/1", "title": "t"}).encode()
    data = ok + b"\n" + b'{"url": "https://e.org/2", "title": "\xff"}\n' + b"x" * 500 + b"\n" + ok + b"\n"
    items = list(read_jsonl(io.BytesIO(data)))
    assert [(type(i).__name__, i.line) for i in items] == [("Row", 1), ("BadRow", 2), ("BadRow", 3), ("Row", 4)]
    assert "UTF-8" in items[1].error and "longer than 200" in items[2].error


def test_csv_header_aliases_multiline_fields_and_line_numbers():
    text = (
        "\ufeffURL,Headline,Content,Date,Source,Lang\r\n"
        'https://e.org/1,عنوان أول,"سطر أول\nسطر ثان",2018-02-11T10:00:00Z,skynews,ar\r\n'  # lines 2-3
        "https://e.org/2,عنوان ثان,نص,not a date,bbc,ar\r\n"  # line 4
        "https://e.org/3,too,few\r\n"  # line 5
        "\r\n"  # line 6
        "https://e.org/4,عنوان رابع,نص,1518343104,,en\r\n"  # line 7
    )
    items = list(read_csv(io.BytesIO(text.encode("utf-8"))))
    assert [(type(i).__name__, i.line) for i in items] == [("Row", 2), ("BadRow", 4), ("BadRow", 5), ("Row", 7)]
    first, last = items[0].article, items[3].article
    assert first.body == "سطر أول\nسطر ثان" and first.source == "skynews" and first.published.startswith("2018-02-11T10")
    assert "unreadable date" in items[1].error and "3 fields, the header has 6" in items[2].error
    assert last.source == "e.org" and last.language == "en" and last.published == "2018-02-11T09:58:24+00:00"


def test_csv_without_url_column_is_refused_as_a_whole():
    with pytest.raises(ArchiveFormatError, match="no 'url' column"):
        list(read_csv(io.BytesIO(b"title,text\r\na,b\r\n")))


def test_csv_invalid_utf8_is_one_bad_row():
    data = b"url,title\r\nhttps://e.org/1,ok\r\nhttps://e.org/2,\xff\xfe\r\nhttps://e.org/3,ok\r\n"
    items = list(read_csv(io.BytesIO(data)))
    assert [(type(i).__name__, i.line) for i in items] == [("Row", 2), ("BadRow", 3), ("Row", 4)]


def test_published_formats():
    assert parse_published("2018-02-11") == "2018-02-11T00:00:00+00:00"
    assert parse_published("2018-02-11T10:00:00+03:00") == "2018-02-11T10:00:00+03:00"
    assert parse_published("Sun, 18 Feb 2018 21:35:43 +0400") == "2018-02-18T21:35:43+04:00"
    assert parse_published(1518343104) == datetime.fromtimestamp(1518343104, UTC).isoformat()
    assert parse_published("") is None
    with pytest.raises(RowError):
        parse_published("yesterday")
    # QA: "99999999999" was read as the year 5138; Unix seconds as text are 9-10 digits, and the message says so
    assert parse_published("1518343104") == parse_published(1518343104)
    for text in ("99999999999", "86400"):
        with pytest.raises(RowError, match="9-10 digits"):
            parse_published(text)
    with pytest.raises(RowError):
        article_from_columns({"url": "https://e.org/x", "title": "t", "lang": "<script>"})


def _page_html(url: str, title: str) -> str:
    e = Entry("d1", "BBC", title, "ملخص", BODY.replace("، ", "،\n"), "", "world",
              datetime(2018, 2, 11, 10, 0, tzinfo=UTC), url + "?utm_source=rss", url)
    return article_html(e, "بي بي سي عربي", [])


def _warc(gz: bool = True) -> bytes:
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    html_headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")

    def response(uri: str, payload: bytes, headers: StatusAndHeaders) -> None:
        w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(payload), http_headers=headers,
                                            warc_headers_dict={"WARC-Date": "2018-02-12T08:00:00Z"}))

    w.write_record(w.create_warcinfo_record("crawl.warc.gz", {"software": "test"}))  # record 1: not a page
    url = "https://www.bbc.com/arabic/middleeast-1"
    response(url + "?utm_source=rss", _page_html(url, "هجوم على سجن الحسكة").encode(), html_headers)  # 2
    response("https://www.bbc.com/logo.png", b"\x89PNG",
             StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1"))  # 3: skipped
    response("https://www.bbc.com/gone", b"", StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")],
                                                               protocol="HTTP/1.1"))  # 4: skipped
    response("https://www.bbc.com/empty", b"<html><body><nav>menu</nav></body></html>", html_headers)  # 5: bad
    return buf.getvalue()


@pytest.mark.parametrize("gz", [True, False])
def test_warc_pages_through_trafilatura_with_canonical_ids(tmp_path, gz):
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    path.write_bytes(_warc(gz))
    src = open_archive(str(path))
    assert src.format == "warc"
    items = list(read_rows(src))
    src.close()
    assert [(type(i).__name__, i.line) for i in items] == [("Row", 2), ("BadRow", 5)]
    a = items[0].article
    assert a.url == "https://www.bbc.com/arabic/middleeast-1"  # the page's rel=canonical, tracking gone
    assert a.title.startswith("هجوم على سجن الحسكة") and "قوات سوريا الديمقراطية" in a.body
    assert "menu" not in a.body and a.source == "bbc.com" and a.fetched.startswith("2018-02-12T08:00")
    assert items[1].unit == "record" and "no main text" in items[1].error and "/empty" in items[1].error


def test_format_from_name_sniffing_and_gzip(tmp_path):
    assert format_from_name("a/b.JSONL.gz") == "jsonl" and format_from_name("x.csv") == "csv"
    assert format_from_name("x.warc.gz") == "warc" and format_from_name("x.txt") is None
    rows = json.dumps({"url": "https://e.org/1", "title": "t"}).encode() + b"\n"
    odd = tmp_path / "dump.data"
    odd.write_bytes(gzip.compress(rows))
    src = open_archive(str(odd))  # unknown extension: gzip recognised by its bytes, JSON by its first byte
    assert src.format == "jsonl" and [type(i).__name__ for i in read_rows(src)] == ["Row"]
    assert src.bytes_read == odd.stat().st_size
    src.close()
    with pytest.raises(ArchiveFormatError, match="unknown format"):
        open_archive(str(odd), "xml")
    with pytest.raises(ArchiveFormatError, match="cannot open"):
        open_archive(str(tmp_path / "missing.jsonl"))


def test_truncated_gzip_keeps_what_was_read_and_reports_the_rest(tmp_path):
    rows = b"".join(json.dumps({"url": f"https://e.org/{i}", "title": "t" * 50}).encode() + b"\n" for i in range(2000))
    data = gzip.compress(rows)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])  # an interrupted download
    src = open_archive(str(cut))
    items = list(read_rows(src))
    good = [i for i in items if isinstance(i, Row)]
    assert 0 < len(good) < 2000 and [i.line for i in good] == list(range(1, len(good) + 1))
    assert isinstance(items[-1], BadRow) and "truncated" in items[-1].error
