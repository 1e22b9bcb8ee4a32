"""What an archive reader yields: a ``Row`` (an article ready for the extraction chain, with where it was
in the archive) or a ``BadRow`` (where, and why it was refused). Both are immutable.

``line`` is the 1-based line of the row's first line for JSONL and CSV (a CSV record may span lines: a
quoted body with newlines), and the 1-based record number for WARC, which has no useful lines.
``ordinal`` counts every row and bad row the reader yielded, in order: the checkpoint of an import is an
ordinal, so a resumed import skips exactly what was done, bad rows included.
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.records import FetchedArticle


@dataclass(frozen=True, slots=True)
class Row:
    ordinal: int
    line: int
    article: FetchedArticle
    unit: str = "line"  # "line" (JSONL, CSV) or "record" (WARC): how a refusal of this row is located
    # The row has a text of its own (its body is not a summary standing in): only such a row may replace
    # a stored article that has a text (``worker.archive.stored``).
    has_text: bool = True


@dataclass(frozen=True, slots=True)
class BadRow:
    ordinal: int
    line: int
    error: str
    unit: str = "line"  # "line" (JSONL, CSV) or "record" (WARC)

    def describe(self) -> str:
        return f"{self.unit} {self.line}: {self.error}"


Item = Row | BadRow
