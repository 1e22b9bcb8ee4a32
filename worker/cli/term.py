"""The rich console of the CLI's tables and messages, and what may reach the terminal through them.

On a terminal a table fits the window (long cells are cut with "…"). Written to a pipe or a file it is laid
out at its natural width instead of rich's 80 columns (or the width of a terminal on stderr): ``newsworker
feeds list | grep replay`` must see whole feed ids, not ``replay-a…``. ``COLUMNS`` still wins when set.

Text the CLI did not write itself (titles, sources, a feed's last error, a remote server's message) can
carry terminal control sequences: a feed title with ``ESC ] 52`` writes the analyst's clipboard, ``ESC [ 2 J``
clears the screen. Ingest strips them (``worker.controls``), but not from documents stored before, nor from
error messages. So such text goes out through ``plain`` (controls written out as ``\\x1b``), ``cell`` (the
same, rich markup escaped: a title ``[/]`` must not end the table's markup) or ``dumps`` (JSON). And as a
last net, ``SafeConsole`` removes any control character still inside the text it renders: rich lays out a
control as zero cells wide, so removing one changes no column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, ConsoleDimensions, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.segment import Segment

from worker.controls import BIDI_RUNS, has_terminal_controls, show_controls

# Wide enough for any row a command prints; a table without ``expand`` is only as wide as its content.
PIPE_WIDTH = 10_000

# JSON escapes C0 itself; DEL, C1 and the bidi runs pass through ``ensure_ascii=False`` as they are. Written
# as ``\\u009b`` they are the same string to any JSON reader, and nothing to a terminal.
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0), *BIDI_RUNS)}
_REMOVE = dict.fromkeys((*(c for c in range(0x20) if c not in (0x09, 0x0A)), 0x7F, *range(0x80, 0xA0),
                         *BIDI_RUNS))


def plain(text: Any) -> str:
    """``text`` (or ``str(text)``) for a terminal, without markup: control characters written out."""
    return show_controls("" if text is None else str(text))


def cell(text: Any) -> str:
    """``plain(text)`` with rich markup escaped: for a table cell or a message printed with markup."""
    return escape(plain(text))


def utc_time(value: Any, *, seconds: bool = False) -> str:
    """A time for a table cell, in UTC, whose column header says "(UTC)": ``2018-06-26 23:00`` (with
    ``:SS`` when ``seconds``). ``value``: an ISO 8601 string (an offset is converted; none means UTC, as the
    index reads it), a ``datetime``, or epoch seconds; None is empty, and text that is no time is shown cut,
    as it is. Every CLI table shows times this way: an imported article keeps its own offset in the index, a
    feed item is stored in UTC, and printed as stored (QA round 4 re-test, N3) a date-sorted list read
    ``2018-06-26 18:00`` (-05:00) above ``2018-06-27 01:20`` (+04:00), both on 26 June in UTC, which is
    also the day ``date:`` and ``--from``/``--to`` mean. ``--json`` keeps the stored value and its offset."""
    width = 19 if seconds else 16
    if value is None or value == "":
        return ""
    try:
        if isinstance(value, datetime):
            when = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            when = datetime.fromtimestamp(value, tz=UTC)
        else:
            when = datetime.fromisoformat(str(value).strip())
    except (TypeError, ValueError, OverflowError, OSError):
        return cell(str(value)[:width])
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, **kwargs)`` with DEL, C1 and the bidi runs escaped too: the same
    JSON to a reader, Arabic still readable, and nothing a terminal obeys."""
    return json_safe(json.dumps(obj, ensure_ascii=False, **kwargs))


def json_safe(text: str) -> str:
    """JSON text (``ensure_ascii=False``, which escapes C0 already) with DEL, C1 and the bidi runs escaped:
    they can only stand inside its strings, where ``\\u009b`` is the same character to a reader."""
    return text.translate(_JSON_ESCAPES)


class SafeConsole(Console):
    """A rich console that never writes a control character it did not make: rich's own styles and cursor
    moves are control segments, left alone; any text segment loses C0 (but tab and newline), DEL, C1 and the
    bidi runs (rich keeps ESC in text, and lays it out as zero cells)."""

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            text, style, control = segment
            if control or not has_terminal_controls(text):
                yield segment
            else:
                yield Segment(text.translate(_REMOVE), style, control)


class CliConsole(SafeConsole):
    @property  # type: ignore[override]
    def size(self) -> ConsoleDimensions:
        dims = Console.size.fget(self)  # type: ignore[attr-defined]
        if self._width is None and not self.is_terminal and not self._environ.get("COLUMNS"):
            return ConsoleDimensions(PIPE_WIDTH, dims.height)
        return dims

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]
