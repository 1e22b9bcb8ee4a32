"""``newsworker export``: any search as CSV, JSONL or GeoJSON (the walk is ``worker.archive.exporter``'s).

``--out`` is written through a temporary file in the same directory, renamed over the target only when the
export has finished: a failed, refused or interrupted export leaves an existing file as it was (and no
half-written file that would look like a short result). Without ``--format`` the format comes from the
extension of ``--out`` (``.csv``, ``.jsonl``/``.ndjson``, ``.geojson``); an explicit ``--format`` wins.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from worker.cli.errors import EXIT_INPUT, CliError
from worker.cli.search import FROM_HELP, TO_HELP
from worker.cli.term import SafeConsole, cell, json_safe, plain

err_console = SafeConsole(stderr=True, highlight=False)
FORMATS = ("csv", "jsonl", "geojson")
DEFAULT_FORMAT = "jsonl"
BY_EXTENSION = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".geojson": "geojson"}


def format_for(fmt: str | None, out: str | None) -> str:
    """The export format: ``--format`` if given, else from ``--out``'s extension, else JSONL.

    ``.json`` is refused rather than guessed: JSONL is not one JSON document, and GeoJSON holds only the
    articles with a resolved place, so either guess would surprise someone."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise CliError(f"--format must be csv, jsonl or geojson, not {fmt!r}")
        return fmt
    suffix = Path(out).suffix.lower() if out else ""
    if suffix == ".json":
        raise CliError(f"--out {out}: a .json file could be JSONL or GeoJSON; give --format jsonl or --format geojson")
    return BY_EXTENSION.get(suffix, DEFAULT_FORMAT)


class AtomicOutput:
    """A text file written as ``<dir>/.<name>.<random>.part`` and renamed to ``path`` by ``commit``;
    ``discard`` (or an exception before ``commit``) removes the temporary file and leaves ``path`` alone."""

    def __init__(self, path: str) -> None:
        self.path = path
        target = Path(path)
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        except OSError as err:  # name the file the user gave, not the temporary one
            raise type(err)(err.errno, err.strerror, path) from None
        self.stream: TextIO = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> None:
        self.stream.close()
        os.chmod(self.tmp, _mode_for(self.path))  # mkstemp makes 0600; a new file gets the usual mode
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        self.stream.close()
        Path(self.tmp).unlink(missing_ok=True)


def _mode_for(path: str) -> int:
    """An existing file keeps its permissions; a new one gets 0666 minus the umask, as ``open`` would."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def export_cmd(
    query: Annotated[str, typer.Argument(help="query language, as for search ('' for everything)")] = "",
    fmt: Annotated[str | None, typer.Option("--format", help="csv | jsonl | geojson (default: from the "
                                            "extension of --out: .csv, .jsonl/.ndjson, .geojson; else jsonl)")] = None,
    out: Annotated[str | None, typer.Option("--out", "-o", help="file to write (default: stdout); replaced "
                                            "only when the export succeeds")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help=FROM_HELP)] = None,
    date_to: Annotated[str | None, typer.Option("--to", help=TO_HELP)] = None,
    source: Annotated[str | None, typer.Option("--source", help="comma-separated sources (a name, a word of one, or a feed id; as source:)")] = None,
    sort: Annotated[str, typer.Option("--sort", help="date (newest first) | relevance")] = "date",
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="at most this many articles")] = None,
    alias: Annotated[str | None, typer.Option("--index", help="alias to read (default: settings)")] = None,
) -> None:
    """Export every article matching a search (no 10,000-hit limit) as CSV (UTF-8 with BOM), JSONL or GeoJSON."""
    from worker.archive.exporter import ExportQuery, export_pages
    from worker.archive.formats import RENDERERS
    from worker.query import QuerySyntaxError
    from worker.settings import get_settings
    from worker.store.clients import get_es
    from worker.store.search import SearchError

    fmt = format_for(fmt, out)
    if sort not in ("date", "relevance"):
        raise CliError("--sort must be date or relevance", EXIT_INPUT)
    alias = alias or get_settings().es_index
    q = ExportQuery(query, source, date_from, date_to, sort, limit)  # type: ignore[arg-type]
    # The output file first: a path that cannot be written fails before any query is sent.
    target = AtomicOutput(out) if out else None
    tty = target is None and sys.stdout.isatty()
    count = [0]

    def counted(it: Any) -> Any:
        for page in it:
            count[0] += len(page)
            yield page

    try:
        try:
            pages = export_pages(get_es(), alias, q)
        except (QuerySyntaxError, SearchError) as err:
            err_console.print(f"[red]query error:[/] {cell(getattr(err, 'message', err))}")
            raise typer.Exit(2) from err
        for chunk in RENDERERS[fmt](counted(pages)):
            if target:
                target.stream.write(chunk)
            else:
                sys.stdout.buffer.write((_for_terminal(chunk, fmt) if tty else chunk).encode("utf-8"))
        if not target:
            sys.stdout.buffer.flush()
    except BaseException:
        if target:
            target.discard()
        raise
    if target:
        target.commit()
        err_console.print(f"{count[0]} articles -> {out} ({fmt})")


def _for_terminal(chunk: str, fmt: str) -> str:
    """An export chunk for a terminal rather than a file: no control character the terminal would obey
    (a stored title with ``ESC ] 52``, from before ingest stripped them). JSON stays the same JSON; a CSV's
    controls are written out (``\\x1b``), its CRLF line ends shown as the terminal shows LF."""
    return plain(chunk.replace("\r\n", "\n")) if fmt == "csv" else json_safe(chunk)


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
