"""``newsworker import`` (an archive through the live chain into the index) and ``newsworker export``
(any search as CSV, JSONL or GeoJSON). The work is ``worker.archive``'s; this is the terminal side:
options, the progress bar, the report, exit codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from worker.cli.term import SafeConsole, cell, dumps

if TYPE_CHECKING:  # the import's modules load only when the command runs
    from worker.archive.importer import ImportSummary, Tally
    from worker.pipeline.context import AppContext

err_console = SafeConsole(stderr=True, highlight=False)
MAX_BAD_SHOWN = 50  # bad rows printed as they come; the rest are counted (the summary has the total)


def import_cmd(
    path: Annotated[str, typer.Argument(help="archive file, or - for stdin")],
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl | csv | warc (default: from the "
                                            "extension, .gz allowed, else from the first bytes)")] = None,
    alias: Annotated[str | None, typer.Option("--index", help="alias to write (default: settings)")] = None,
    source: Annotated[str | None, typer.Option("--source", help="source for rows without one "
                                               "(default: the URL's host)")] = None,
    alerts: Annotated[bool, typer.Option("--alerts/--no-alerts", help="match the imported articles against "
                                         "the alert rules and queue notifications (off: an archive is history)")] = False,
    restart: Annotated[bool, typer.Option("--restart", help="ignore the checkpoint of an interrupted run")] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, max=500, help="rows per micro-batch")] = 32,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as one JSON object")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Import an archive (JSONL, CSV or WARC) through the same extraction chain, story grouping and
    indexing as live articles. Resumable (re-run after Ctrl-C) and idempotent (ids from canonical URLs)."""
    from elasticsearch import ApiError as ESApiError
    from elasticsearch import TransportError as ESTransportError
    from redis import RedisError
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from worker.archive.errors import ArchiveFormatError, ImportAborted
    from worker.archive.importer import Tally, context_for, import_archive

    ctx = context_for(alias)
    shown = [0]

    def on_bad(bad: Any) -> None:
        shown[0] += 1
        if shown[0] <= MAX_BAD_SHOWN:
            err_console.print(f"[yellow]skipped[/] {cell(bad.describe())}")
        elif shown[0] == MAX_BAD_SHOWN + 1:
            err_console.print("[yellow]more bad rows: counted in the summary[/]")

    bar = Progress(TextColumn("[bold]import[/]"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[counts]}"),
                   TimeElapsedColumn(), console=err_console, disable=quiet or as_json, transient=False)
    task = bar.add_task("import", total=None, counts="")
    opened: dict[str, Any] = {}

    def on_open(src: Any, before: Any) -> None:
        opened["src"] = src
        bar.update(task, total=src.size)
        if before.done:
            err_console.print(f"resuming after row {before.done} ({before.imported} imported before); "
                              "--restart starts over")

    def on_batch(done: Any) -> None:
        bar.update(task, completed=opened["src"].bytes_read,
                   counts=f"{done.imported} imported, {done.bad} bad, {done.failed} refused")

    tally = Tally()  # the finished batches: what is reported if the import stops half-way
    try:
        with bar:
            summary = import_archive(ctx, path, fmt=fmt, source=source, restart=restart, on_open=on_open,
                                     batch=batch, alerts=alerts, on_bad=on_bad, on_batch=on_batch, tally=tally,
                                     on_deliveries=_queue_deliveries if alerts else None)
    except ArchiveFormatError as err:
        err_console.print(f"[red]error:[/] {cell(err)}")
        raise typer.Exit(2) from err
    except ImportAborted as err:
        _stopped(ctx, tally, alerts, as_json, f"stopped: {err}")
        raise typer.Exit(1) from err
    except (RedisError, ESTransportError, ESApiError) as err:  # a store went away mid-import
        _stopped(ctx, tally, alerts, as_json, f"stopped: {type(err).__name__}: {err}; run the same command "
                 "again to resume after the last indexed batch")
        raise typer.Exit(1) from err
    except KeyboardInterrupt:
        _stopped(ctx, tally, alerts, as_json, "interrupted: run the same command again to resume after the "
                 "last indexed batch")
        raise typer.Exit(130) from None
    _report(ctx, summary, alerts, as_json)
    totals = summary.totals
    if not (summary.rows or summary.skipped or totals.done):
        # Not one row in the whole archive: an empty or cut download, a CSV with only its header, a crawl
        # without an HTML page. A script importing many files must not take it for success (QA qa7b-3).
        err_console.print("[red]error:[/] the archive holds no rows (an empty file, a CSV header alone, a WARC "
                          "without an HTML page); nothing was imported")
        raise typer.Exit(2)
    if totals.done and totals.bad == totals.done:
        # Read to the end, but not one row could be read: to a script that is an archive it cannot read (2),
        # not a finished import with some bad rows (0). QA: a Windows-1256 CSV "succeeded" with every row bad.
        err_console.print(f"[red]error:[/] none of the archive's {totals.done} rows could be read (the reasons are "
                          "above); nothing was imported")
        raise typer.Exit(2)


def _report(ctx: AppContext, summary: ImportSummary, alerts: bool, as_json: bool, why: str | None = None) -> None:
    """The summary on stdout: one JSON object with ``--json``, else one line. ``why``: the import stopped
    before the end (the summary then covers the finished batches, which a re-run skips)."""
    if as_json:
        out = {"alias": ctx.settings.es_index, "rows": summary.rows, "imported": summary.imported,
               # "refused", the README's word; "failed" is the same count under its older name
               "bad": summary.bad, "refused": summary.failed, "failed": summary.failed, "skipped": summary.skipped,
               "deliveries": summary.deliveries, "seconds": round(summary.seconds, 3),
               "interrupted": summary.interrupted,
               "bad_rows": [{"line": b.line, "unit": b.unit, "error": b.error} for b in summary.bad_rows]}
        if why:
            out["error"] = why
        typer.echo(dumps(out))
        return
    resumed = f", {summary.skipped} done by an earlier run" if summary.skipped else ""
    alerts_note = f", {summary.deliveries} notifications queued" if alerts else " (alerts not matched)"
    stopped = "; interrupted" if summary.interrupted else ""
    typer.echo(f"{ctx.settings.es_index}: {summary.imported} imported from {summary.rows} rows, "
               f"{summary.bad} bad, {summary.failed} refused{resumed}, {summary.seconds:.1f}s "
               f"({summary.per_second:.1f} rows/s){alerts_note}{stopped}")


def _stopped(ctx: AppContext, tally: Tally, alerts: bool, as_json: bool, why: str) -> None:
    """An import that stopped half-way: why on stderr (as before), and the summary of the finished batches
    on stdout, in the same shape as a finished import's (``"interrupted": true``), for scripts."""
    head, _, rest = why.partition(":")
    err_console.print(f"[{'yellow' if head == 'interrupted' else 'red'}]{head}[/]:{cell(rest)}")
    _report(ctx, tally.summary(interrupted=True), alerts, as_json, why)


def _queue_deliveries(deliveries: list[Any]) -> None:
    """Hand notifications to the ``deliver`` stage through the queue: workers send them (retries, history)."""
    from worker.celery_app import app
    from worker.pipeline.table import STAGES
    from worker.tasks import runner_for

    runner_for(app, STAGES).submit("deliver", deliveries)


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
