"""The rich console of the CLI's tables and messages.

On a terminal a table fits the window (long cells are cut with "…"). Written to a pipe or a file it is laid
out at its natural width instead of rich's 80 columns (or the width of a terminal on stderr): ``newsworker
feeds list | grep replay`` must see whole feed ids, not ``replay-a…``. ``COLUMNS`` still wins when set.
"""

from __future__ import annotations

from rich.console import Console, ConsoleDimensions

# Wide enough for any row a command prints; a table without ``expand`` is only as wide as its content.
PIPE_WIDTH = 10_000


class CliConsole(Console):
    @property  # type: ignore[override]
    def size(self) -> ConsoleDimensions:
        dims = Console.size.fget(self)  # type: ignore[attr-defined]
        if self._width is None and not self.is_terminal and not self._environ.get("COLUMNS"):
            return ConsoleDimensions(PIPE_WIDTH, dims.height)
        return dims

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]
