"""Hostile archives (QA round 4, H2-H4): a row that would crash a reader or blow its memory is one bad row,
and the rows after it are imported.

* H2: a JSONL value nested 200,000 levels deep (400 KB, under the line cap) raised ``RecursionError``
  out of ``json.loads`` and aborted the import.
* H3: a lone surrogate escape (``\\ud800``) in a JSONL url raised ``UnicodeEncodeError`` out of the URL
  canonicaliser and aborted the import; in tags it was indexed as it was.
* H4: the CSV reader took a whole physical line into memory before ``csv.field_size_limit`` could refuse
  it (a 611 KB ``.csv.gz`` holding one 600 MB line took 1.35 GB). The tests use a small cap and a
  generated stream, and assert on peak memory (tracemalloc), not time.
"""

from __future__ import annotations

import io
import json
import random
import tracemalloc
from collections.abc import Iterator

import pytest

from worker.archive import readers
from worker.archive.columns import RowError, checked_url
from worker.archive.readers import read_csv, read_jsonl
from worker.archive.rows import BadRow, Row

TEXT = "نص عربي طويل عن هجوم على سجن في سوريا. " * 10


def _shape(items: list) -> list[tuple[str, int]]:
    return [(type(i).__name__, i.line) for i in items]


# ------------------------------------------------------------------------------------- H2: deep JSON


def test_jsonl_value_nested_200000_deep_is_a_bad_row_and_the_next_row_imports():
    deep = '{"url":"http://example.com/deep","title":"t","text":' + "[" * 200_000 + "]" * 200_000 + "}"
    ok = json.dumps({"url": "http://example.com/ok1", "title": "هجوم على سجن", "text": TEXT}, ensure_ascii=False)
    items = list(read_jsonl(io.BytesIO(f"{deep}\n{ok}\n".encode())))
    assert _shape(items) == [("BadRow", 1), ("Row", 2)]
    assert items[0].error == "invalid JSON: nested too deeply"
    assert items[1].article.url == "http://example.com/ok1"


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_jsonl_deep_nesting_anywhere_in_the_row(opener):
    """Arrays or objects, in an ignored column, or as the whole line: each is one bad row."""
    closer = "]" if opener == "[" else "}"
    deep = opener * 50_000 + "1" + closer * 50_000
    lines = ['{"url":"http://example.com/a","title":"t","extra":' + deep + "}", deep,
             json.dumps({"url": "http://example.com/b", "title": "t"})]
    items = list(read_jsonl(io.BytesIO("\n".join(lines).encode())))
    assert _shape(items) == [("BadRow", 1), ("BadRow", 2), ("Row", 3)]
    assert all(i.error == "invalid JSON: nested too deeply" for i in items[:2])


def test_jsonl_nesting_that_json_reads_is_never_walked():
    """What ``json.loads`` does read (a few hundred levels) reaches the schema, which only looks at the top
    level: a nested value in a text column is a wrongly typed column, in an ignored column nothing."""
    deep = "[" * 300 + "]" * 300
    lines = ['{"url":"http://example.com/a","title":' + deep + "}",
             '{"url":"http://example.com/b","title":"t","docno":' + deep + ',"tags":' + deep + "}"]
    items = list(read_jsonl(io.BytesIO("\n".join(lines).encode())))
    assert _shape(items) == [("BadRow", 1), ("Row", 2)]
    assert "column 'title': expected text, got list" in items[0].error
    assert items[1].article.tags == ()


# --------------------------------------------------------------------------------- H3: lone surrogates


def test_jsonl_url_with_a_lone_surrogate_is_a_bad_row_and_the_next_row_imports():
    lines = ['{"url":"http://example.com/s3\\ud800","title":"t","text":"' + TEXT + '"}',
             '{"url":"http://example.com/s\\udfff4","title":"t"}',
             '{"url":"http://example.com/s5","title":"after","text":"' + TEXT + '"}']
    items = list(read_jsonl(io.BytesIO("\n".join(lines).encode())))
    assert _shape(items) == [("BadRow", 1), ("BadRow", 2), ("Row", 3)]
    assert items[0].error == "url is not valid Unicode: a lone surrogate (\\ud800) at character 22"
    assert "\\udfff" in items[1].error
    items[0].error.encode("utf-8")  # the message itself prints anywhere


def test_checked_url_refuses_lone_surrogates_wherever_they_come_from():
    """The WARC reader's target URI goes through the same check."""
    with pytest.raises(RowError, match="not valid Unicode"):
        checked_url("http://example.com/\udc80x")
    assert checked_url("http://example.com/\U0001f600") == "http://example.com/%F0%9F%98%80"  # a pair is fine


def test_jsonl_lone_surrogates_in_other_text_become_replacement_characters():
    """Text other than the url is repaired one for one, as the extraction chain repairs a title or body
    from JSON (``worker.extract.pipeline._clean``): tags, source, author, summary no longer reach the index
    as text that cannot be encoded."""
    row = {"url": "http://example.com/x", "title": "عنوان\ud800", "text": TEXT + "\ud83d",
           "tags": ["\udfff", "سياسة"], "source": "bbc\ud800", "author": "\udc00كاتب", "summary": "ملخص\ud800",
           "category": "unused"}
    [item] = list(read_jsonl(io.BytesIO(json.dumps(row).encode())))
    assert isinstance(item, Row)
    a = item.article
    assert (a.title, a.source, a.author, a.summary) == ("عنوان\ufffd", "bbc\ufffd", "\ufffdكاتب", "ملخص\ufffd")
    assert a.body.endswith("\ufffd") and a.tags == ("\ufffd", "سياسة")
    for value in (a.title, a.body, a.source, a.author, a.summary, *a.tags):
        value.encode("utf-8")


# ----------------------------------------------------------------------------- H4: CSV line memory


class _Generated(io.RawIOBase):
    """An archive produced as it is read, from ``parts``: bytes, or ``(unit, times)`` for ``unit`` repeated.
    Never materialised: the test's memory is the reader's. ``read_bytes`` counts what was served."""

    def __init__(self, *parts: bytes | tuple[bytes, int]) -> None:
        self._chunks = self._generate(parts)
        self._left = b""
        self.read_bytes = 0

    @staticmethod
    def _generate(parts: tuple[bytes | tuple[bytes, int], ...]) -> Iterator[bytes]:
        for part in parts:
            if isinstance(part, bytes):
                yield part
                continue
            unit, times = part
            per = max(1, 64 * 1024 // len(unit))
            while times > 0:
                yield unit * min(per, times)
                times -= per

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer, per io.RawIOBase
        while not self._left:
            self._left = next(self._chunks, None)
            if self._left is None:
                self._left = b""
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        self.read_bytes += n
        return n


def _long_line(size: int, *, quote: bool = False) -> _Generated:
    """A header, one row, one row whose last field is ``size`` bytes (after an opening quote that never
    closes with ``quote``), one row after it."""
    return _Generated(b"url,title\r\nhttp://example.com/0,t0\r\nhttp://example.com/long," + (b'"' if quote else b""),
                      (b"b", size), b"\r\nhttp://example.com/after0,a0\r\n")


def _peak(stream: io.RawIOBase) -> tuple[list, int]:
    tracemalloc.start()
    try:
        items = list(read_csv(io.BufferedReader(stream)))  # type: ignore[arg-type]
        return items, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


CAP = 64 * 1024
LINE = 24 * 1024 * 1024  # 384 times the cap
RECORD = 6 * 1024 * 1024  # 96 times the cap, in ~60,000 short lines


@pytest.mark.parametrize("quote", [False, True], ids=["plain", "unclosed-quote"])
def test_csv_overlong_line_is_refused_within_the_cap(monkeypatch, quote):
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", CAP)
    stream = _long_line(LINE, quote=quote)
    items, peak = _peak(stream)
    assert stream.read_bytes > LINE  # read through to the line's end (to find the next row)...
    assert peak < 16 * CAP + 2 * 1024 * 1024  # ...but never held: 24 MB of line, peak ~1 MB
    if not quote:
        assert _shape(items) == [("Row", 2), ("BadRow", 3), ("Row", 4)]
        assert items[1].error == f"line longer than {CAP} characters"
        assert items[2].article.url == "http://example.com/after0"
        return
    # The quote never closes: the line after it is inside the quoted field, as it is for csv without a cap
    # (QA round 4, N1: it was read as a row of its own).
    assert _shape(items) == [("Row", 2), ("BadRow", 3)]
    assert items[1].error == (f"line longer than {CAP} characters, in a quoted field that never closes: the "
                              "rest of the archive (to line 4) is inside it and was not read as rows")


def test_csv_record_over_the_cap_across_many_short_lines_is_refused_within_the_cap(monkeypatch):
    """A quoted field may hold newlines, so a record can be many short lines, each under the cap: 6 MB of
    quoted fields of 101 characters with a newline in the middle, one record. csv's field limit never
    fires (each field is small); before, the record's fields piled up until its end."""
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", CAP)
    # Physical lines 'x…","x…': read afresh after a refusal, the rest is again one long record (bad once per
    # cap, not once per line).
    unit = b'"' + b"x" * 50 + b"\n" + b"x" * 50 + b'",'
    stream = _Generated(b"url,title\r\nhttp://example.com/1,t\r\nhttp://example.com/2,", (unit, RECORD // len(unit)),
                        b'""\r\n')
    items, peak = _peak(stream)
    assert stream.read_bytes > RECORD * 0.99 and peak < 16 * CAP + 2 * 1024 * 1024
    # The rest of the record is read past to its end (the final '""'), not read as records (QA round 4,
    # N1: before, each cap's worth of it was another bad row).
    assert _shape(items) == [("Row", 2), ("BadRow", 3)]
    last = 3 + RECORD // len(unit)
    assert items[1].error == (f"record longer than {CAP} characters; skipped to the end of its record (a quoted "
                              f"field), line {last}")


def test_csv_line_numbers_count_the_refused_line(monkeypatch):
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", CAP)
    data = (b"url,title\r\nhttp://example.com/1,\"a\nb\"\r\nhttp://example.com/2," + b"z" * (3 * CAP)
            + b"\r\n\r\nhttp://example.com/3,t\r\n")
    items = list(read_csv(io.BytesIO(data)))
    assert _shape(items) == [("Row", 2), ("BadRow", 4), ("Row", 6)]


def test_csv_lines_and_records_just_under_the_cap_still_import(monkeypatch):
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", CAP)
    field = "y" * (CAP - 40)
    data = (f"url,title\r\nhttp://example.com/1,{field}\r\n"
            f'http://example.com/2,"{field[:1000]}\n{field[:1000]}"\r\n').encode()
    items = list(read_csv(io.BytesIO(data)))
    assert _shape(items) == [("Row", 2), ("Row", 3)]


def test_csv_header_longer_than_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", CAP)
    from worker.archive.errors import ArchiveFormatError

    with pytest.raises(ArchiveFormatError, match="header is longer than"):
        list(read_csv(io.BytesIO(b"url," + b"h" * (2 * CAP) + b"\r\nx,y\r\n")))


# ------------------------------------------- N1: after a refused record, the next record, not its cell


def _injected(cap: int, delimiter: str = ",") -> bytes:
    """QA round 4 re-test, N1, at a small cap: two records, ``big`` (its quoted text over the cap, with a
    CSV-like line inside it) and ``after``."""
    d = delimiter
    cell = "a" * (cap + 100) + f"\nhttp://evil.example/inj{d}INJECTED ROW{d}{TEXT}\nmore text of the same cell"
    return (f'url{d}title{d}text\nhttp://example.com/big{d}big{d}"{cell}"\n'
            f"http://example.com/after{d}after{d}{TEXT}\n").encode()


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_overlong_quoted_cell_is_skipped_to_its_end_not_read_as_rows(monkeypatch, delimiter):
    """Before: the cell's lines after the refused one were read as records, and the CSV-like one became an
    article (``http://evil.example/inj`` titled "INJECTED ROW"), which could replace a stored article."""
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", CAP)
    items = list(read_csv(io.BytesIO(_injected(CAP, delimiter))))
    assert _shape(items) == [("BadRow", 2), ("Row", 5)]
    assert items[0].error == (f"line longer than {CAP} characters; skipped to the end of its record (a quoted "
                              "field), line 4")
    assert items[1].article.url == "http://example.com/after"


def test_csv_record_over_the_cap_resumes_after_the_closing_quote_and_the_fields_after_it(monkeypatch):
    """A record over the cap in short lines, refused inside its quoted field: escaped quotes, delimiters,
    CRLF and lone CR line ends and row-like lines after the cap are all part of the cell; after the cell
    closes, the record goes on (another field, another multi-line quoted field) to its line end."""
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", CAP)
    short = "سطر قصير من نص الخلية\n" * (2 * CAP // 22)  # ~2 caps of short lines
    cell = (short + 'http://evil.example/a,""INJ"",x\r\n' + 'http://evil.example/b,t,y\r'
            + 'he said ""stop"", then,\nhttp://evil.example/c,t,z\n')
    data = ("url,title,text\r\nhttp://example.com/1,one,a\r\n"
            f'http://example.com/big,"{cell}",tail ""literal,"a ""quoted"" field\r\nhttp://evil.example/d,t,w"\r\n'
            "http://example.com/2,two,b\r\n").encode()
    items = list(read_csv(io.BytesIO(data)))
    assert [i.article.url for i in items if isinstance(i, Row)] == ["http://example.com/1", "http://example.com/2"]
    assert _shape(items) == [("Row", 2), ("BadRow", 3), ("Row", data.count(b"\n") + data.count(b"\r") -
                                                         data.count(b"\r\n"))]
    assert "skipped to the end of its record" in items[1].error


def test_csv_unclosed_quote_over_many_lines_is_one_bad_row(monkeypatch):
    """QA: an unclosed quote over 100 Mi lines gave 100,663,308 bad rows in 756 s. Now one bad row, the
    archive read through (to count its lines) in pieces, never held."""
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", CAP)
    lines = 300_000
    stream = _Generated(b'url,title\r\nhttp://example.com/0,t0\r\nhttp://example.com/1,"open\n',
                        (b"http://evil.example/x,t\n", lines))
    items, peak = _peak(stream)
    assert _shape(items) == [("Row", 2), ("BadRow", 3)]
    assert items[1].error.endswith(f"in a quoted field that never closes: the rest of the archive (to line "
                                   f"{3 + lines}) is inside it and was not read as rows")
    assert peak < 16 * CAP + 2 * 1024 * 1024


def test_csv_unclosed_quote_under_the_cap_is_a_bad_row_not_a_row_holding_the_rest(monkeypatch):
    """csv (not strict) returns a field the archive ends inside as it is: the row imported with the rows
    after it as its text (a cut download: its text cut too). It is now a bad row."""
    data = ('url,title,text\nhttp://example.com/1,one,"' + TEXT + "\nhttp://example.com/2,two," + TEXT
            + "\n").encode()
    items = list(read_csv(io.BytesIO(data)))
    assert _shape(items) == [("BadRow", 2)]
    assert items[0].error == ("a quoted field never closes: the rest of the archive (to line 3) is inside it "
                              "and was not read as rows")
    # A quote closed at the very end, without a last line end, is a record as before.
    items = list(read_csv(io.BytesIO(data[:-1] + b'"')))
    assert _shape(items) == [("Row", 2)] and "http://example.com/2" in items[0].article.body


def test_csv_header_with_an_unclosed_quote_is_refused():
    from worker.archive.errors import ArchiveFormatError

    with pytest.raises(ArchiveFormatError, match="header opens a quoted field that never closes"):
        list(read_csv(io.BytesIO(b'url,"title\nhttp://example.com/1,t\n')))


# csv's grammar, followed over the skipped text, must give the records a reader without a cap gives: random
# records (quoted fields with escaped quotes, delimiters and CR/LF/CRLF inside, text after a closing quote,
# literal quotes in unquoted fields), some far over the cap, compared with csv.reader reading the same text.
_UNITS = ("ab", "ج د", "x", " ", "http://evil.example/r", '""', "\n", "\r\n", "\r", "{d}", '{d}""{d}', "z\nq{d}r")


def _random_field(rng: random.Random, d: str, big: int) -> str:
    kind = rng.choice(("plain", "quoted", "quoted", "tail", "literal", "empty"))
    if kind == "empty":
        return ""
    if kind in ("plain", "literal"):
        text = "".join(rng.choice(("ab", "ج د", "x", " ", "7")) for _ in range(big or rng.randint(1, 8)))
        return text + ('a"b' if kind == "literal" else "")
    units = [u.replace("{d}", d) for u in _UNITS]
    text = "".join(rng.choice(units) for _ in range(big or rng.randint(0, 8)))
    return f'"{text}"' + ("tail" if kind == "tail" else "")


def _random_csv(rng: random.Random, d: str, cap: int) -> tuple[str, list[bool]]:
    records, refused = [], []
    for _ in range(rng.randint(1, 8)):
        fields = rng.randint(2, 4)
        big = rng.randrange(fields) if rng.random() < 0.4 else -1
        cells = [_random_field(rng, d, cap if i == big else 0) for i in range(fields)]
        if big >= 0 and len(cells[big]) < 2 * cap:
            cells[big] = f'"{"y" * 2 * cap}\n"'
        records.append(d.join(cells) + rng.choice(("\n", "\r\n", "\r")))
        refused.append(big >= 0)
    if rng.random() < 0.3:  # the last record without a line end
        records[-1] = records[-1].rstrip("\r\n") or "x"
    return "".join(records), refused


@pytest.mark.parametrize("chunk", [3, 64, 1 << 20])
def test_csv_records_after_a_refused_one_are_those_csv_reads_without_a_cap(monkeypatch, chunk):
    import csv

    from worker.archive import lines as lines_module
    from worker.archive.lines import BoundedLines, Overlong

    monkeypatch.setattr(lines_module, "_CHUNK", chunk, raising=False)
    cap, rng, limit, refusals = 256, random.Random(4), csv.field_size_limit(), 0
    csv.field_size_limit(1 << 20)
    try:
        for case in range(400):
            d = rng.choice((",", "\t", ";"))
            text, refused = _random_csv(rng, d, cap)
            plain = csv.reader(io.StringIO(text, newline=""), delimiter=d)
            expected = [("refused" if big else record, plain.line_num)
                        for record, big in zip(plain, refused, strict=True)]
            bounded = BoundedLines(io.StringIO(text, newline=""), cap, delimiter=d)
            reader, got = csv.reader(bounded, delimiter=d), []
            while True:
                bounded.start_record()
                try:
                    got.append((next(reader), bounded.count))
                except StopIteration:
                    break
                except Overlong:
                    got.append(("refused", bounded.count))
            assert got == expected, (case, text)
            refusals += sum(refused)
        assert refusals > 300  # the skip itself is exercised, in every kind of field
    finally:
        csv.field_size_limit(limit)


# ------------------------------------------------------------------- the report of a bad row is text


def test_bad_row_and_format_error_messages_are_printed_as_text_not_markup(monkeypatch, tmp_path):
    """Found beside H3: a bad row's message quotes the row (``url '…' is not an http(s) URL``), and the
    terminal report read it as rich markup: ``[/]`` in a url raised ``MarkupError`` and aborted the import,
    ``[red]`` restyled the report. A CSV header's cells, quoted in its refusal, did the same."""
    from types import SimpleNamespace

    from typer.testing import CliRunner

    from worker.archive.errors import ArchiveFormatError
    from worker.archive.importer import ImportSummary
    from worker.cli.main import app

    ctx = SimpleNamespace(settings=SimpleNamespace(es_index="news-test"))
    bad = BadRow(1, 1, "url 'ftp://x/[/]' is not an http(s) URL")

    def import_archive(*a, on_bad, **k):  # noqa: ANN001, ANN202
        on_bad(bad)
        return ImportSummary(rows=1, imported=0, bad=1, failed=0, skipped=0, deliveries=0, seconds=0.1,
                             bad_rows=(bad,))

    monkeypatch.setattr("worker.archive.importer.context_for", lambda alias: ctx)
    monkeypatch.setattr("worker.archive.importer.import_archive", import_archive)
    path = tmp_path / "a.jsonl"
    path.write_text("{}\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["import", str(path), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "skipped line 1: url 'ftp://x/[/]' is not an http(s) URL" in r.stderr

    def refused(*a, **k):  # noqa: ANN001, ANN202
        raise ArchiveFormatError("line 1: the CSV header has no 'url' column: ['[/]', '[red]x']")

    monkeypatch.setattr("worker.archive.importer.import_archive", refused)
    r = CliRunner().invoke(app, ["import", str(path), "--quiet"])
    assert r.exit_code == 2, r.output
    assert "no 'url' column: ['[/]', '[red]x']" in r.stderr
