"""The CSV formula guard, one definition for both directions: export defuses a cell, import undoes it.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR as a formula (CSV
injection: a title such as ``=HYPERLINK(...)`` from a hostile feed), so the CSV export prefixes such a cell
with ``'``. Reading that CSV back (``newsworker import``) removes the prefix again, or a round trip would
change the data.

The guard also covers a cell whose leading ``'`` are followed by a formula character (``'=x`` is written
``''=x``): then ``unguard(guard(t)) == t`` for every text, even one that started with ``'`` itself. A cell
that ``guard`` would not have written (``'quoted'``, ``'1``) is left as it is.
"""

from __future__ import annotations

FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _needs_guard(text: str) -> bool:
    """A formula character at the start, once any leading guard characters are skipped."""
    return text.lstrip(GUARD).startswith(FORMULA_START)


def guard(text: str) -> str:
    """``text`` as a cell a spreadsheet shows as text."""
    return GUARD + text if _needs_guard(text) else text


def unguard(cell: str) -> str:
    """The text ``guard`` was given for ``cell`` (the inverse: one leading ``'`` removed only where
    ``guard`` put one)."""
    return cell[1:] if cell.startswith(GUARD) and _needs_guard(cell[1:]) else cell
