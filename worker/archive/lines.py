"""The CSV reader's input: an archive's physical lines, handed to ``csv.reader`` one at a time, none held
whole when it is longer than the cap, and no record (a quoted field may span lines) longer than the cap.

``csv.field_size_limit`` alone does not bound memory: ``csv.reader`` checks it on a line it already has,
and a text stream iterated for lines reads each one whole first (QA: one 600 MB line in a 611 KB
``.csv.gz`` took 1.35 GB before it was refused). Here a line is read with ``readline(cap + 1)``, as the
JSONL reader does: memory follows the cap, not the line.

An over-long line or record raises ``Overlong`` out of the ``csv.reader`` that is reading it, after the
rest of that record has been read past (``_skip_record``), so the reader starts afresh, at its next call,
on the first line of the next record. Where that record starts is decided by csv's own grammar, which
needs three states, not the record's text: ``_scan`` follows it over the skipped text in pieces of at most
``_CHUNK`` characters. Before (QA round 4, N1), only the rest of the physical line was skipped, so the
lines of a quoted cell after the cap were read as records of their own: a CSV-like line inside the cell
became an imported article with whatever URL and title it held, and an unclosed quote over 100 Mi lines
gave 100 M bad rows. The records after a refused one are now exactly those a reader without a cap gives.

A quoted field the archive ends inside (an unclosed quote) has no end to skip to: the refused record then
reports it, and so does a record under the cap (``unclosed``), which csv would otherwise return with the
rest of the archive as its last field.
"""

from __future__ import annotations

import re
from typing import TextIO

_ENDS = ("\n", "\r")  # the text is read with newline="": line ends come back as written
_LINE_END = re.compile(r"\r\n|\r|\n")
_CHUNK = 1024 * 1024  # characters read at a time while skipping a refused record (at most the cap)

# csv's parser states (CPython ``_csv.c``, default dialect: quotechar '"', doublequote, not strict) as far
# as they decide where a record ends. A field's start and the character after a quote inside a quoted
# field move alike: '"' -> quoted (a new quoted field / an escaped quote), the delimiter -> a field's start,
# a line end -> the record's end, anything else -> an unquoted field (non-strict csv keeps ``"a"b`` as
# ``ab``). In an unquoted field a quote is an ordinary character.
_QUOTED, _FIELD_START, _IN_FIELD = range(3)


class Overlong(Exception):  # noqa: N818 - not an error of the archive: one bad row, its message the reason
    """A line or record longer than the cap; the message says which."""


def _content(line: str) -> int:
    """The length of ``line`` without its line end."""
    return len(line) - (2 if line.endswith("\r\n") else 1 if line.endswith(_ENDS) else 0)


def _line_ends(text: str, after_cr: bool) -> int:
    """The line ends in ``text`` (``\\r\\n`` is one), ``after_cr``: the text before it ended with ``\\r``."""
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    return ends - 1 if after_cr and text.startswith("\n") else ends


def _scan(text: str, state: int, delimiter: str, field_end: re.Pattern[str]) -> tuple[int, int]:
    """csv's state after ``text``, begun in ``state``, and the index of the line end that ends the record
    (-1: the record goes on past ``text``). Quoted text is passed over with ``str.find``, unquoted text
    with a regex: C speed, whatever the field's length."""
    pos, n = 0, len(text)
    while pos < n:
        if state == _QUOTED:
            pos = text.find('"', pos)
            if pos < 0:
                return state, -1
            state, pos = _FIELD_START, pos + 1  # a closing quote, or the first of an escaped pair
            continue
        if state == _IN_FIELD:
            found = field_end.search(text, pos)
            if found is None:
                return state, -1
            pos = found.start()
            if text[pos] != delimiter:
                return state, pos
            state, pos = _FIELD_START, pos + 1
            continue
        char = text[pos]
        if char in _ENDS:
            return state, pos
        state = _QUOTED if char == '"' else _FIELD_START if char == delimiter else _IN_FIELD
        pos += 1
    return state, -1


class BoundedLines:
    """The lines of ``text`` (opened with ``newline=""``), ``first`` (already read) in front, for a
    ``csv.reader`` with ``delimiter``."""

    def __init__(self, text: TextIO, cap: int, first: str = "", delimiter: str = ",") -> None:
        self.text = text
        self.cap = cap
        self.count = 0  # physical lines read, refused ones included (csv's own line_num leaves those out)
        self.unclosed = False  # the archive ended inside a quoted field of the record csv just returned
        self._record = 0  # characters of the record under way, before this line
        self._first = first
        self._pending = ""  # read while skipping a record, past its end: the next lines start here
        self._delimiter = delimiter
        self._field_end = re.compile(f"[{re.escape(delimiter)}\r\n]")

    def __iter__(self) -> BoundedLines:
        return self

    def start_record(self) -> None:
        """Called before each ``next(reader)``: the reader reads exactly one record's lines, no further."""
        self._record = 0

    def __next__(self) -> str:
        line = self._next_line()
        if not line:
            # csv asks for another line only while a quoted field is open: the archive ends inside it.
            self.unclosed = self._record > 0
            raise StopIteration
        self.count += 1
        start = self.count
        if len(line) > self.cap and not line.endswith(_ENDS):
            # A record's first line starts outside any field; any later line of it inside a quoted one.
            raise Overlong(self._refused("line", start, self._skip_record(line, quoted=self._record > 0)))
        if self._record + _content(line) > self.cap:  # only a record's later lines: the first is <= cap
            raise Overlong(self._refused("record", start, self._skip_record(line, quoted=True)))
        self._record += len(line)
        return line

    def _refused(self, what: str, start: int, ended: bool) -> str:
        message = f"{what} longer than {self.cap} characters"
        if not ended:
            return (f"{message}, in a quoted field that never closes: the rest of the archive (to line "
                    f"{self.count}) is inside it and was not read as rows")
        if self.count > start:
            return f"{message}; skipped to the end of its record (a quoted field), line {self.count}"
        return message

    def _next_line(self) -> str:
        if self._first:
            line, self._first = self._first, ""
            return line
        if self._pending:
            return self._pending_line()
        return self.text.readline(self.cap + 1)

    def _pending_line(self) -> str:
        """The next line, as ``readline(cap + 1)`` would give it, from what ``_skip_record`` read ahead."""
        pending, limit = self._pending, self.cap + 1
        found = _LINE_END.search(pending)
        if found is not None and found.end() <= limit:
            end = found.end()
            if end == len(pending) and pending[-1] == "\r":  # its "\n" may be the next character
                after = self.text.read(1)
                if after == "\n":
                    self._pending = ""
                    return pending + after
                self._pending = after
                return pending
            line, self._pending = pending[:end], pending[end:]
            return line
        if len(pending) >= limit:
            line, self._pending = pending[:limit], pending[limit:]
            return line
        self._pending = ""
        return pending + self.text.readline(limit - len(pending))

    def _read(self, size: int) -> str:
        if self._pending:
            piece, self._pending = self._pending[:size], self._pending[size:]
            return piece
        return self.text.read(size)

    def _skip_record(self, piece: str, *, quoted: bool) -> bool:
        """Read past the rest of the record that ``piece`` (the refused line's text so far, already
        counted) belongs to, in pieces of at most ``_CHUNK`` characters, counting lines. True when the
        record ended (at a line end, or at the archive's end outside a quoted field); False when the
        archive ended inside a quoted field."""
        state = _QUOTED if quoted else _FIELD_START
        size = max(1, min(self.cap, _CHUNK))
        self.count -= 1  # counted again below, from the line ends read
        after_cr = False
        open_line = False  # text read since the last line end
        while piece:
            state, end = _scan(piece, state, self._delimiter, self._field_end)
            if end >= 0:
                stop = end + 1
                if piece[end] == "\r":
                    if stop == len(piece):  # its "\n" may be the next character
                        piece += self._read(1)
                    if piece[stop:stop + 1] == "\n":
                        stop += 1
                self.count += _line_ends(piece[:stop], after_cr)
                self._pending = piece[stop:] + self._pending
                return True
            self.count += _line_ends(piece, after_cr)
            after_cr = piece.endswith("\r")
            open_line = not piece.endswith(_ENDS)
            piece = self._read(size)
        self.count += open_line  # the archive's last line, without a line end
        return state != _QUOTED
