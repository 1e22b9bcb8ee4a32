"""CSV archives in UTF-16 and UTF-32 (found by their byte order mark) and tab- or semicolon-separated, as
Excel's "Unicode text" saves them; a UTF-16 JSONL archive refused in one clear line.

QA: a UTF-16 CSV with a BOM was read as UTF-8, and the import stopped on a garbled "no 'url' column"."""

from __future__ import annotations

import codecs
import gzip
import io

import pytest

from worker.archive.errors import ArchiveFormatError
from worker.archive.readers import open_archive, read_csv, read_rows
from worker.archive.rows import BadRow, Row

TITLE = "هجوم على سجن الحسكة"
BODY = "قتل خمسة أشخاص في هجوم على سجن في مدينة الحسكة.\nسطر ثان"


def _table(sep: str) -> str:
    """A header and three records (a quoted body that spans lines, a blank line) with ``sep`` between cells."""
    return sep.join(["URL", "Title", "Text"]) + "\r\n" + "\r\n".join([
        sep.join(["https://e.org/1", TITLE, f'"{BODY}"']),  # lines 2-3
        sep.join(["https://e.org/2", "=1+1", "نص"]),  # line 4
        "",
        sep.join(["https://e.org/3", "عنوان", "نص"]),  # line 6
    ]) + "\r\n"


def _check(items: list) -> None:
    assert [(type(i).__name__, i.line) for i in items] == [("Row", 2), ("Row", 4), ("Row", 6)]
    first = items[0].article
    assert (first.url, first.title, first.body) == ("https://e.org/1", TITLE, BODY)
    assert items[1].article.title == "=1+1"


@pytest.mark.parametrize("encoding,bom", [
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", codecs.BOM_UTF32_BE), ("utf-8", codecs.BOM_UTF8),
])
@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_csv_with_a_byte_order_mark_and_any_separator(encoding, bom, sep):
    _check(list(read_csv(io.BytesIO(bom + _table(sep).encode(encoding)))))


def test_excel_unicode_text_file_is_found_and_read(tmp_path):
    """Excel's "Unicode text": UTF-16 LE with a BOM, tab-separated, saved as .txt (sniffed), maybe gzipped."""
    data = codecs.BOM_UTF16_LE + _table("\t").encode("utf-16-le")
    for name, raw in (("excel.txt", data), ("excel.txt.gz", gzip.compress(data))):
        (tmp_path / name).write_bytes(raw)
        src = open_archive(str(tmp_path / name))
        try:
            assert src.format == "csv"
            _check(list(read_rows(src)))
        finally:
            src.close()


def test_utf16_csv_without_url_column_names_the_columns_readably():
    data = codecs.BOM_UTF16_LE + "title\ttext\r\nعنوان\tنص\r\n".encode("utf-16-le")
    with pytest.raises(ArchiveFormatError, match=r"no 'url' column: \['title', 'text'\]"):
        list(read_csv(io.BytesIO(data)))


def test_utf16_csv_damaged_text_is_a_bad_row():
    good = codecs.BOM_UTF16_LE + "url,title\r\nhttps://e.org/1,ok\r\n".encode("utf-16-le")
    lone = "https://e.org/2,".encode("utf-16-le") + b"\x00\xd8" + "\r\n".encode("utf-16-le")  # a lone surrogate
    last = "https://e.org/3,ok\r\n".encode("utf-16-le")
    items = list(read_csv(io.BytesIO(good + lone + last + b"x")))  # and an odd byte at the end
    assert [(type(i).__name__, i.line) for i in items] == [("Row", 2), ("BadRow", 3), ("Row", 4), ("BadRow", 5)]
    assert items[1].error == "invalid UTF-16" and "UTF-16" in items[3].error
    assert all(isinstance(i, Row | BadRow) for i in items)


@pytest.mark.parametrize("encoding,bom,label", [("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"),
                                                ("utf-32-be", codecs.BOM_UTF32_BE, "UTF-32")])
def test_jsonl_in_utf16_is_refused_in_one_line_naming_the_encoding(tmp_path, encoding, bom, label):
    path = tmp_path / "dump.jsonl"
    path.write_bytes(bom + '{"url": "https://e.org/1", "title": "t"}\n'.encode(encoding))
    for fmt in ("jsonl", None):  # by name, and sniffed from the first bytes (".data")
        if fmt is None:
            path = path.rename(tmp_path / "dump.data")
        src = open_archive(str(path))
        try:
            assert src.format == "jsonl"
            with pytest.raises(ArchiveFormatError, match=f"{label} .*UTF-8") as err:
                list(read_rows(src))
            assert "\n" not in str(err.value)
        finally:
            src.close()
