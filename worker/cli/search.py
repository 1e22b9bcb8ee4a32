"""``newsworker search`` and ``newsworker index setup|reindex|stats|prune``."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import typer

index_app = typer.Typer(help="Create, migrate and inspect the articles index.", no_args_is_help=True)

_MARK_RE = re.compile(r"</?mark>")
# the forms worker.query.dates reads (not imported: it loads the whole query language at start-up)
_DATE_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD or an ISO date-time (2018-03-15T10:00+03:00; no zone is UTC)"
FROM_HELP = f"{_DATE_FORMS}: from the start of that year, month, day or instant"
TO_HELP = f"{_DATE_FORMS}: through the end of that year, month, day or instant (inclusive)"


def _es_and_alias(alias: str | None) -> tuple[Any, str]:
    from worker.settings import get_settings
    from worker.store.clients import get_es

    return get_es(), alias or get_settings().es_index


def _plain(snippet_html: str) -> str:
    """Snippet HTML (escaped text + <mark>) to terminal text with rich markup for the marks (the text's
    own markup escaped, its control characters written out: ``term.cell``)."""
    import html

    from worker.cli.term import cell

    parts = re.split(r"(</?mark>)", snippet_html)
    out, inside = [], False
    for part in parts:
        if part == "<mark>":
            inside = True
        elif part == "</mark>":
            inside = False
        elif part:
            text = cell(html.unescape(part))
            out.append(f"[bold yellow]{text}[/]" if inside else text)
    return "".join(out)


def search_cmd(
    query: Annotated[str, typer.Argument(help="query language, e.g. '\"سجن غويران\" AND place:الحسكة'")] = "",
    date_from: Annotated[str | None, typer.Option("--from", help=FROM_HELP)] = None,
    date_to: Annotated[str | None, typer.Option("--to", help=TO_HELP)] = None,
    source: Annotated[str | None, typer.Option("--source", help="comma-separated sources (a name, a word of one, or a feed id; as source:)")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="number of results")] = 10,
    sort: Annotated[str, typer.Option("--sort", help="relevance | date")] = "relevance",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (one result object)")] = False,
    alias: Annotated[str | None, typer.Option("--index", help="alias to search (default: settings)")] = None,
) -> None:
    """Search indexed articles."""
    from rich.table import Table

    from worker.cli.term import CliConsole, cell, dumps, utc_time
    from worker.query import QuerySyntaxError
    from worker.store.search import SearchError, iter_hits, search

    es, alias = _es_and_alias(alias)
    if sort not in ("relevance", "date"):
        raise typer.BadParameter("--sort must be relevance or date")
    console = CliConsole()
    try:
        # --json carries each hit's story_articles as the API's /search does (the table has no column for it)
        if limit <= 100:
            res = search(
                es, query, alias=alias, source=source, date_from=date_from, date_to=date_to,
                size=limit, sort=sort, facets=as_json, stories=as_json,
            )  # fmt: skip
            total, hits, facets = res.total, res.hits, res.facets
        else:  # deep: walk with a point in time; the total is that snapshot's, as the rows listed (qa7b-5)
            it = iter_hits(
                es, query, alias=alias, sort=sort, source=source, date_from=date_from, date_to=date_to,
                stories=as_json,
            )
            hits = []
            for hit in it:
                hits.append(hit)
                if len(hits) >= limit:
                    break
            it.close()
            total = it.total or 0
            facets = {}
    except QuerySyntaxError as err:
        console.print(f"[red]query error:[/] {cell(getattr(err, 'message', err))}")
        pos = getattr(err, "position", None)
        if isinstance(pos, int):
            console.print("  " + query, markup=False, highlight=False)
            console.print("  " + " " * pos + "^", markup=False, highlight=False)
        raise typer.Exit(2) from err
    except SearchError as err:
        console.print(f"[red]error:[/] {cell(err)}")
        raise typer.Exit(2) from err
    if as_json:
        from dataclasses import asdict

        out = {"total": total, "hits": [asdict(h) for h in hits], "facets": facets}
        typer.echo(dumps(out, indent=2))
        return
    table = Table(title=cell(f"{total} results for {query!r}"), show_lines=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("published (UTC)", no_wrap=True)
    table.add_column("source", style="cyan")
    table.add_column("title / snippet", overflow="fold")
    table.add_column("events", style="magenta")
    for i, h in enumerate(hits, 1):
        text = f"[bold]{_plain(h.title_html)}[/]\n{_plain(h.snippet)}"
        table.add_row(
            str(i), utc_time(h.published), cell(h.source or ""), text,
            cell(", ".join(h.events)),
        )
    console.print(table)


@index_app.command("setup")
def index_setup(
    alias: Annotated[str | None, typer.Option("--index", help="alias (default: settings)")] = None,
) -> None:
    """Put the index template and create <alias>-v1 behind the alias if missing (re-runnable)."""
    from worker.store.elastic import ensure_index

    es, alias = _es_and_alias(alias)
    res = ensure_index(es, alias)
    state = "created" if res.created else "exists"
    typer.echo(f"{res.alias} -> {res.index} ({state})")
    if res.analysis_stale:
        typer.echo(res.analysis_message())
    if res.mapping_error:
        typer.echo(f"mapping differs from the template, run `newsworker index reindex`: {res.mapping_error}")
    if res.mapping_error or res.analysis_stale:
        raise typer.Exit(1)


@index_app.command("reindex")
def index_reindex(
    version: Annotated[
        int | None, typer.Option("--version", help="new version number (default: next)")
    ] = None,
    delete_old: Annotated[
        bool, typer.Option("--delete-old", help="delete the previous index afterwards")
    ] = False,
    alias: Annotated[str | None, typer.Option("--index", help="alias (default: settings)")] = None,
) -> None:
    """Copy the live index into a new version with the current template (re-analysing every document),
    replay the writes made meanwhile, then swap the alias. Indexing may keep running."""
    from worker.cli.term import plain
    from worker.store.elastic import reindex

    es, alias = _es_and_alias(alias)
    res = reindex(es, version, alias=alias, delete_old=delete_old)
    typer.echo(
        f"{res.alias}: {res.old_index} -> {res.new_index}, {res.copied} documents, "
        f"{res.caught_up} written meanwhile and replayed ({res.rounds} rounds), "
        f"{len(res.failed)} failed, {res.seconds:.1f}s"
    )
    for f in res.failed[:20]:
        typer.echo(f"  failed {f.id}: {plain(f.error)}")
    if not res.swapped:
        typer.echo(f"alias NOT swapped: {res.alias} still points at {res.old_index}; inspect {res.new_index}")
    if res.failed:
        raise typer.Exit(1)


@index_app.command("stats")
def index_stats(
    alias: Annotated[str | None, typer.Option("--index", help="alias (default: settings)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Documents, size and versions behind the alias."""
    from rich.table import Table

    from worker.cli.term import CliConsole
    from worker.settings import get_settings
    from worker.store.elastic import analysis_message, stats

    es, alias = _es_and_alias(alias)
    st = stats(es, alias)
    if as_json:
        typer.echo(json.dumps(st, indent=2))
        return
    if not st["indices"]:
        typer.echo(f"{alias}: no index (run `newsworker index setup`)")
        raise typer.Exit(1)
    table = Table(title=f"alias {alias}: {st['docs']} documents")
    for col in ("index", "docs", "deleted", "size MB", "indexed ops", "queries"):
        table.add_column(col, justify="right" if col != "index" else "left")
    for name, s in st["indices"].items():
        table.add_row(
            name, str(s["docs"]), str(s["deleted"]), f"{s['size_bytes'] / 1e6:.1f}",
            str(s["index_total"]), str(s["query_total"]),
        )  # fmt: skip
    CliConsole().print(table)
    if st.get("other_versions"):
        typer.echo(f"other versions not behind the alias: {', '.join(st['other_versions'])}")
    for name, s in st["indices"].items():
        if s["analysis_version"] != st["analysis_version"]:
            typer.echo(analysis_message(name, s["analysis_version"]))
    days = get_settings().retention_days
    typer.echo(f"retention: articles older than {days} days are deleted hourly (NEWSWORKER_RETENTION_DAYS)"
               if days else "retention: off, articles are kept for ever (NEWSWORKER_RETENTION_DAYS=0)")


@index_app.command("prune")
def index_prune(
    older_than: Annotated[int | None, typer.Option(
        "--older-than", min=1, max=36_500, metavar="DAYS",
        help="delete what is older than DAYS (default: NEWSWORKER_RETENTION_DAYS, or "
             "NEWSWORKER_ALERT_HISTORY_RETENTION_DAYS with --alert-history)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only say how many would be deleted")] = False,
    alert_history: Annotated[bool, typer.Option(
        "--alert-history", help="prune the alert history (NEWSWORKER_ES_ALERT_HISTORY_INDEX) instead of the "
        "articles")] = False,
    alias: Annotated[str | None, typer.Option("--index", help="alias or index (default: settings)")] = None,
) -> None:
    """Delete the articles (or alert-history records) past their retention now, as the hourly retention task
    does, but until none is left. An article's age counts from when newsworker stored it, not from its
    published date."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from worker import metrics
    from worker.settings import get_settings
    from worker.store.clients import get_es
    from worker.store.retention import count_expired, cutoff, prune, targets

    articles, history = targets(get_settings())
    target = history if alert_history else articles
    if older_than is not None:
        target = replace(target, days=older_than)
    if alias:
        target = replace(target, index=alias)
    what = "alert-history records" if alert_history else "articles"
    before = cutoff(target.days, datetime.now(UTC))
    if before is None:
        typer.echo(f"retention is off ({target.setting}=0): nothing to prune; --older-than DAYS prunes anyway")
        return
    es = get_es()
    since = f"older than {target.days} days (stored before {before.isoformat(timespec='seconds')})"
    if dry_run:
        n = count_expired(es, target.index, target.fields, before)
        typer.echo(f"{target.index}: {n} {what} {since} would be deleted (dry run: nothing deleted)")
        return
    deleted = kept = 0
    while True:  # each call is bounded; an operator's prune goes on until nothing expired is left
        res = prune(es, target, before)
        deleted, kept = deleted + res.deleted, kept + res.kept
        if res.deleted:
            metrics.inc("retention_deleted_total", {"index": target.kind}, res.deleted)
        if res.errors:
            metrics.flush()
            typer.echo(f"{target.index}: deleted {deleted} {what} {since}, then Elasticsearch refused: "
                       + "; ".join(res.errors), err=True)
            raise typer.Exit(1)
        if not res.more:
            break
        typer.echo(f"{target.index}: {deleted} deleted so far...")
    metrics.flush()
    note = f" ({kept} written again meanwhile, kept)" if kept else ""
    typer.echo(f"{target.index}: deleted {deleted} {what} {since}{note}")


def register(app: typer.Typer) -> None:
    """Add ``search`` and the ``index`` group to the top-level app."""
    app.command("search")(search_cmd)
    app.add_typer(index_app, name="index")
