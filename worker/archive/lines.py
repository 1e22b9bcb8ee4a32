"""The CSV reader's input: an archive's physical lines, handed to ``csv.reader`` one at a time, none held
whole when it is longer than the cap, and no record (a quoted field may span lines) longer than the cap.

``csv.field_size_limit`` alone does not bound memory: ``csv.reader`` checks it on a line it already has,
and a text stream iterated for lines reads each one whole first (QA: one 600 MB line in a 611 KB
``.csv.gz`` took 1.35 GB before it was refused). Here a line is read with ``readline(cap + 1)``, as the
JSONL reader does, and the rest of an over-long line is skipped in pieces of the cap: memory follows the
cap, not the line.

An over-long line or record raises ``Overlong`` out of the ``csv.reader`` that is reading it; the reader
starts afresh at its next call, so the caller makes it one bad row and reads on.
"""

from __future__ import annotations

from typing import TextIO

_ENDS = ("\n", "\r")  # the text is read with newline="": line ends come back as written


class Overlong(Exception):  # noqa: N818 - not an error of the archive: one bad row, its message the reason
    """A line or record longer than the cap; the message says which."""


def _content(line: str) -> int:
    """The length of ``line`` without its line end."""
    return len(line) - (2 if line.endswith("\r\n") else 1 if line.endswith(_ENDS) else 0)


class BoundedLines:
    """The lines of ``text`` (opened with ``newline=""``), ``first`` (already read) in front."""

    def __init__(self, text: TextIO, cap: int, first: str = "") -> None:
        self.text = text
        self.cap = cap
        self.count = 0  # physical lines read, over-long ones included (csv's own line_num leaves those out)
        self._record = 0  # characters of the record under way, before this line
        self._first = first

    def __iter__(self) -> BoundedLines:
        return self

    def start_record(self) -> None:
        """Called before each ``next(reader)``: the reader reads exactly one record's lines, no further."""
        self._record = 0

    def __next__(self) -> str:
        if self._first:
            line, self._first = self._first, ""
        else:
            line = self.text.readline(self.cap + 1)
        if not line:
            raise StopIteration
        self.count += 1
        if len(line) > self.cap and not line.endswith(_ENDS):
            while line and not line.endswith(_ENDS):  # skip the rest of the line, a cap at a time
                line = self.text.readline(self.cap)
            raise Overlong(f"line longer than {self.cap} characters")
        if self._record + _content(line) > self.cap:
            raise Overlong(f"record longer than {self.cap} characters")
        self._record += len(line)
        return line
