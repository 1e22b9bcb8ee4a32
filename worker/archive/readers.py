"""Archives -> rows: JSONL, CSV and WARC readers, format detection, and the byte count a progress bar
follows.

Each reader yields ``Row`` or ``BadRow`` (``worker.archive.rows``) and never raises for one bad row: an
unreadable line (invalid JSON or UTF-8, JSON nested too deeply, a wrong field count, a line or CSV record
over ``MAX_LINE_BYTES``, a row the schema refuses) is a ``BadRow`` with its line number and the import goes
on. Only an archive that cannot be read at all raises ``ArchiveFormatError``.

Text is UTF-8, with or without a BOM. A CSV archive may also be UTF-16 or UTF-32 when it starts with that
byte order mark (Excel's "Unicode text" is UTF-16 LE with a BOM, tab-separated); a JSONL archive with one is
refused in one line naming the encoding (JSON Lines are UTF-8). So is an archive whose first rows are
Arabic in Windows-1256 or ISO-8859-6 (``worker.archive.charset``: Excel's CSV on an Arabic Windows).

Compressed archives are recognised by their bytes (gzip magic), not only by their name, so ``-`` (stdin)
works for ``.gz`` input too. The format comes from the name (``.jsonl``, ``.ndjson``, ``.csv``, ``.warc``,
each optionally ``.gz``), else from ``--format``, else from the first bytes.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from worker.archive.charset import legacy_arabic, refusal
from worker.archive.columns import URL, RowError, article_from_columns, gives_text
from worker.archive.errors import ArchiveFormatError
from worker.archive.formula import unguard
from worker.archive.lines import BoundedLines, Overlong
from worker.archive.rows import BadRow, Item, Row
from worker.archive.warc import read_warc

Format = Literal["jsonl", "csv", "warc"]
FORMATS: tuple[str, ...] = ("jsonl", "csv", "warc")
MAX_LINE_BYTES = 8 * 1024 * 1024  # one JSONL line (bytes) or CSV record (characters): real articles are ~300 KB
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".warc": "warc"}
_GZIP_MAGIC = b"\x1f\x8b"
HEAD_BYTES = 64 * 1024  # the archive's identity for the checkpoint, and what format sniffing looks at
# A .gz cut short (an interrupted download) or damaged: what was read is kept, the rest is one bad row.
_TRUNCATED = (EOFError, zlib.error, gzip.BadGzipFile)
# Byte order marks of the wide encodings, UTF-32 first: UTF-32 LE's (FF FE 00 00) starts with UTF-16 LE's.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
# CSV separators, in order of preference; the header decides (the first that gives a url column). Tab:
# Excel's "Unicode text"; semicolon: Excel's CSV where the decimal mark is a comma.
CSV_DELIMITERS = (",", "\t", ";")


class CountingReader(io.RawIOBase):
    """A read-only stream that serves ``prefix`` (the head already read to identify the archive), then
    ``raw``, and counts the bytes taken from the file: an import's progress is its position in the file
    (maybe compressed), whose size is known up front."""

    def __init__(self, raw: BinaryIO, prefix: bytes = b"") -> None:
        self.raw = raw
        self.prefix = memoryview(prefix)
        self.count = len(prefix)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer, per io.RawIOBase
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def _read_head(raw: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes, however a pipe splits them (the same archive must give the same head)."""
    chunks, got = [], 0
    while got < n:
        chunk = raw.read(n - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


@dataclass
class Source:
    """An opened archive: its name, format, decompressed binary stream and byte counter."""

    name: str
    format: Format
    stream: BinaryIO  # decompressed for JSONL/CSV; as stored for WARC (warcio reads gzip members itself)
    counter: CountingReader
    size: int | None  # bytes on disk, None for stdin
    head: bytes = field(default=b"", repr=False)  # the first raw bytes: the archive's identity (checkpoint)

    @property
    def bytes_read(self) -> int:
        return self.counter.count

    def close(self) -> None:
        self.stream.close()  # a GzipFile does not close the file under it: close that too (not stdin)
        if self.name != "-":
            self.counter.raw.close()


def format_from_name(name: str) -> Format | None:
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None  # type: ignore[return-value]


def wide_encoding(first: bytes) -> str | None:
    """``"UTF-16"`` or ``"UTF-32"`` when ``first`` (an archive's first bytes) starts with that byte order
    mark, else None (UTF-8, with or without its BOM). Python's codec of that name reads the mark (the
    byte order) and drops it."""
    return next((name for bom, name in _WIDE_BOMS if first.startswith(bom)), None)


def _sniff(first: bytes) -> Format:
    wide = wide_encoding(first)
    text = (first.decode(wide, "ignore").encode("utf-8") if wide else first.lstrip(codecs.BOM_UTF8)).lstrip()
    if text.startswith(b"WARC/"):
        return "warc"
    if text.startswith(b"{"):
        return "jsonl"
    return "csv"


def open_archive(path: str, fmt: str | None = None) -> Source:
    """Open ``path`` (``-`` for stdin). Raises ``ArchiveFormatError`` for an unknown format or a missing
    file."""
    if fmt is not None and fmt not in FORMATS:
        raise ArchiveFormatError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if path == "-":
        raw: BinaryIO = sys.stdin.buffer
        size = None
    else:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - closed by Source.close
        except OSError as err:
            raise ArchiveFormatError(f"cannot open {path}: {err.strerror}") from err
        size = Path(path).stat().st_size
    head = _read_head(raw, HEAD_BYTES)
    counter = CountingReader(raw, head)
    buffered = io.BufferedReader(counter, buffer_size=256 * 1024)
    compressed = head[:2] == _GZIP_MAGIC
    chosen = fmt or (format_from_name(path) if path != "-" else None)
    if chosen is None:
        chosen = _sniff(_gunzip_start(head) if compressed else head[:64])
    if chosen != "warc" and not wide_encoding(head):
        try:
            _refuse_legacy_arabic(path, head, compressed, complete=len(head) < HEAD_BYTES)  # <: the whole file
        except ArchiveFormatError:
            if path != "-":
                raw.close()
            raise
    stream: BinaryIO = buffered
    if compressed and chosen != "warc":
        stream = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
    return Source(path, chosen, stream, counter, size, head)  # type: ignore[arg-type]


def _refuse_legacy_arabic(path: str, head: bytes, compressed: bool, *, complete: bool) -> None:
    """``ArchiveFormatError`` naming the encoding when the archive is Arabic in Windows-1256 or ISO-8859-6
    (``worker.archive.charset``); a damaged gzip start is left to the reader to report."""
    sample = head
    if compressed:
        try:
            inflater = zlib.decompressobj(wbits=31)
            sample = inflater.decompress(head, HEAD_BYTES)
        except zlib.error:
            return
        complete = complete and inflater.eof
    if encoding := legacy_arabic(sample, complete=complete):
        raise ArchiveFormatError(refusal(path, encoding, compressed=compressed))


def _gunzip_start(head: bytes) -> bytes:
    try:
        return zlib.decompressobj(wbits=31).decompress(head, 64)
    except zlib.error as err:
        raise ArchiveFormatError(f"corrupt gzip data: {err}") from err


def read_rows(src: Source, *, source: str | None = None) -> Iterator[Item]:
    """The rows of an opened archive, in order. ``source``: default source name for rows without one."""
    if src.format == "jsonl":
        return read_jsonl(src.stream, source=source)
    if src.format == "csv":
        return read_csv(src.stream, source=source)

    return read_warc(src.stream, source=source)


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------------- JSONL


def read_jsonl(stream: BinaryIO, *, source: str | None = None) -> Iterator[Item]:
    """One JSON object per line; blank lines are skipped (they still count for line numbers)."""
    ordinal = 0
    line_no = 0
    fetched = _now()
    while True:
        try:
            raw = stream.readline(MAX_LINE_BYTES + 1)
        except _TRUNCATED as err:
            yield BadRow(ordinal + 1, line_no + 1, f"corrupt or truncated compressed data, stopped reading: {err}")
            return
        if not raw:
            return
        line_no += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the over-long line
                raw = stream.readline(MAX_LINE_BYTES)
            ordinal += 1
            yield BadRow(ordinal, line_no, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        if line_no == 1 and (wide := wide_encoding(raw)):
            raise ArchiveFormatError(f"the archive is {wide} (byte order mark): JSON Lines must be UTF-8; "
                                     f"convert it first, e.g. iconv -f {wide} -t UTF-8")
        if not raw.strip():
            continue
        ordinal += 1
        try:
            text = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            obj = json.loads(text)
        except UnicodeDecodeError as err:
            yield BadRow(ordinal, line_no, f"invalid UTF-8 at byte {err.start}")
            continue
        except json.JSONDecodeError as err:
            yield BadRow(ordinal, line_no, f"invalid JSON: {err.msg} (column {err.colno})")
            continue
        except RecursionError:
            # json's scanner recurses per array or object level and stops at the interpreter's recursion
            # limit (~1,000 levels): a 400 KB line of brackets is far under the line cap. What it does read
            # is safe: nothing after it walks a value (the schema reads the top level and a list of tags).
            yield BadRow(ordinal, line_no, "invalid JSON: nested too deeply")
            continue
        if not isinstance(obj, dict):
            yield BadRow(ordinal, line_no, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield _row(ordinal, line_no, {str(k).strip().lower(): v for k, v in obj.items()}, source, fetched)


def _row(ordinal: int, line: int, values: dict, source: str | None, fetched: datetime) -> Item:
    try:
        return Row(ordinal, line, article_from_columns(values, source=source, fetched=fetched),
                   has_text=gives_text(values))
    except RowError as err:
        return BadRow(ordinal, line, str(err))


# ------------------------------------------------------------------------------------------------ CSV


def read_csv(stream: BinaryIO, *, source: str | None = None) -> Iterator[Item]:
    """A header row, then one article per record (RFC 4180: quoted fields may hold newlines, which is
    why a record's line is where it starts). Comma-, tab- or semicolon-separated (``CSV_DELIMITERS``: the
    header decides). UTF-8 with or without a BOM, or UTF-16/UTF-32 with theirs; a record with invalid text
    is a bad row (UTF-8 is decoded with ``surrogateescape``, the wide encodings with ``surrogatepass``, so
    the damage is found per record, not fatal). A record over the cap is one bad row, read past to its end
    as csv's grammar places it (``worker.archive.lines``): its quoted cells never come back as rows. A
    quoted field the archive ends inside is one bad row, and the end of the rows."""
    first = _read_head(stream, 4)
    wide = wide_encoding(first)
    label = wide or "UTF-8"
    # The first bytes go back in front of the rest: the decoder needs the byte order mark.
    binary = io.BufferedReader(CountingReader(stream, first))  # type: ignore[arg-type]
    text = io.TextIOWrapper(binary, encoding=wide or "utf-8-sig",
                            errors="surrogatepass" if wide else "surrogateescape", newline="")
    cap = MAX_LINE_BYTES
    csv.field_size_limit(cap)  # a second bound: BoundedLines already holds a whole record under the cap
    try:
        header_line = text.readline(cap + 1)
    except UnicodeDecodeError as err:
        raise ArchiveFormatError(f"line 1: invalid {label} in the CSV header: {err.reason}") from err
    if not header_line:
        return
    if len(header_line) > cap and not header_line.endswith(("\n", "\r")):
        raise ArchiveFormatError(f"line 1: the CSV header is longer than {cap} characters")
    delimiter = _delimiter(header_line)
    lines = BoundedLines(text, cap, header_line, delimiter)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except (csv.Error, Overlong) as err:
        raise ArchiveFormatError(f"line 1: unreadable CSV header: {err}") from err
    if lines.unclosed:
        raise ArchiveFormatError("line 1: the CSV header opens a quoted field that never closes")
    names = [h.strip().lower() for h in header]
    if not any(n in names for n in URL):
        raise ArchiveFormatError(f"line 1: the CSV header has no 'url' column: {header[:12]}")
    ordinal = 0
    fetched = _now()
    start = lines.count + 1
    while True:
        lines.start_record()
        try:
            record = next(reader)
        except StopIteration:
            return
        except _TRUNCATED as err:
            yield BadRow(ordinal + 1, start, f"corrupt or truncated compressed data, stopped reading: {err}")
            return
        except UnicodeDecodeError as err:  # only the wide encodings: an odd byte count at the end
            yield BadRow(ordinal + 1, start, f"invalid {label} ({err.reason}), stopped reading")
            return
        except Overlong as err:  # the rest of the record was read past: the reader starts afresh on the next one
            ordinal += 1
            yield BadRow(ordinal, start, str(err))
            start = lines.count + 1
            continue
        except csv.Error as err:
            ordinal += 1
            yield BadRow(ordinal, start, f"unreadable CSV: {err}")
            start = lines.count + 1
            continue
        line, start = start, lines.count + 1
        if lines.unclosed:
            # csv (not strict) returns the rest of the archive as the open field: those lines are not rows,
            # and this one's text would be all of them.
            yield BadRow(ordinal + 1, line, f"a quoted field never closes: the rest of the archive (to line "
                                            f"{lines.count}) is inside it and was not read as rows")
            return
        if not record or all(not f.strip() for f in record):
            continue
        ordinal += 1
        if len(record) != len(names):
            yield BadRow(ordinal, line, f"{len(record)} fields, the header has {len(names)}")
            continue
        if any(_has_surrogates(f) for f in record):
            yield BadRow(ordinal, line, f"invalid {label}")
            continue
        # The export's formula guard (a ``'`` before ``=``...) is undone: an exported CSV imports back as it was.
        yield _row(ordinal, line, {n: unguard(f) for n, f in zip(names, record, strict=True)}, source, fetched)


def _delimiter(header_line: str) -> str:
    """The first of ``CSV_DELIMITERS`` under which the header has a url column; when none has, the one
    that splits it into the most cells (the header is then refused, and its columns named readably)."""
    widest, most = ",", 0
    for delimiter in CSV_DELIMITERS:
        try:
            cells = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        if any(c.strip().lower() in URL for c in cells):
            return delimiter
        if len(cells) > most:
            widest, most = delimiter, len(cells)
    return widest


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
