"""``newsworker alerts ...``: manage alert rules, preview them over history, read the notification log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from worker.cli.errors import CliError, NotFound
from worker.cli.term import CliConsole, cell, dumps, utc_time

console = CliConsole()
alerts_app = typer.Typer(help="Alert rules (saved searches with delivery channels) and their history.",
                         no_args_is_help=True)


def _store() -> Any:
    from worker.alerts.store import RuleStore

    return RuleStore(_alerts())


def _alerts() -> Any:
    from worker.pipeline.context import current

    return current()




def _dump(obj: Any) -> None:
    typer.echo(dumps(obj, indent=2, default=str))


@alerts_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="unique rule name (letters, digits, _ - .)")],
    query: Annotated[str, typer.Option("--query", "-q", help="query in the search language")],
    webhook: Annotated[list[str] | None, typer.Option("--webhook", help="webhook URL (JSON); repeatable")] = None,
    slack: Annotated[list[str] | None, typer.Option("--slack", help="Slack-compatible webhook URL")] = None,
    email: Annotated[list[str] | None, typer.Option("--email", help="email address; repeatable")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="only these sources")] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="only these languages")] = None,
    min_casualties: Annotated[int | None, typer.Option("--min-casualties", help="killed + injured")] = None,
    mode: Annotated[str, typer.Option("--mode", help="instant | digest")] = "instant",
    digest_minutes: Annotated[int, typer.Option("--digest-minutes")] = 60,
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="save without enabling")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="replace an existing rule of that name with this "
                                          "one (options not given are not kept)")] = False,
) -> None:
    """Create a rule (the query is validated first); a taken name is refused unless --replace."""
    from worker.alerts.rules import RuleError

    data = {
        "name": name, "query": query, "mode": mode, "digest_minutes": digest_minutes, "owner": owner,
        "enabled": not disabled,
        "filters": {"sources": source or [], "languages": lang or [], "min_casualties": min_casualties},
        "channels": {"webhooks": [{"url": u} for u in webhook or []] + [{"url": u, "format": "slack"} for u in slack or []],
                     "emails": email or []},
    }
    store = _store()
    # as POST /alerts answers 409 and `feeds add` refuses a taken id: a typo'd or reused name must not
    # silently drop another rule's filters and channels
    if not replace and store.get(name) is not None:
        raise CliError(f"rule {name!r} exists: --replace updates it (`alerts show {name}` prints it)")
    try:
        rule, created = store.upsert(data)
    except RuleError as err:
        raise CliError(str(err)) from err
    console.print(f"{'created' if created else 'updated'} rule [bold]{cell(rule.name)}[/bold]", highlight=False)


@alerts_app.command("load")
def load(path: Annotated[Path, typer.Argument(help="alerts.yaml")]) -> None:
    # no exists=True: a missing file is the dispatcher's one-line `error: PATH: No such file or directory`
    # (exit 2), not typer's boxed usage error
    """Upsert every rule in a YAML file by name (idempotent; nothing is saved if any rule is invalid)."""
    from worker.alerts.rules import RuleError
    from worker.cli.strict import check_alerts_file

    check_alerts_file(path)  # unknown keys (a misspelt `channels:`) refused before anything is saved
    try:
        results = _store().load_file(path)
    except RuleError as err:
        raise CliError(str(err)) from err
    for rule, change in results:  # created | updated | unchanged
        console.print(f"{change} {cell(rule.name)}", highlight=False)


@alerts_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json"), owner: str | None = typer.Option(None, "--owner")) -> None:
    """List rules."""
    from worker.alerts.rules import query_problem

    rules = _store().list(owner=owner)
    problems = {r.name: query_problem(r) for r in rules}
    if as_json:
        _dump([{**r.model_dump(mode="json"), "problem": problems[r.name]} for r in rules])
        return
    table = Table("name", "enabled", "mode", "channels", "owner", "query")
    for r in rules:
        chans = len(r.channels.webhooks) + len(r.channels.emails)
        mode = r.mode if r.mode == "instant" else f"digest/{r.digest_minutes}m"
        enabled = "[red]INVALID[/red]" if problems[r.name] else "yes" if r.enabled else "no"
        table.add_row(cell(r.name), enabled, mode, str(chans), cell(r.owner or ""),
                      cell(r.query if len(r.query) < 80 else r.query[:77] + "..."))
    console.print(table)
    for name, problem in problems.items():
        if problem:
            console.print(f"[red]{cell(name)}[/red]: {cell(problem)}")


@alerts_app.command("show")
def show(name: str) -> None:
    """Show one rule as JSON."""
    rule = _store().get(name)
    if rule is None:
        raise NotFound("rule", name)
    from worker.alerts.rules import query_problem

    _dump({**rule.model_dump(mode="json"), "problem": query_problem(rule)})


@alerts_app.command("remove")
def remove(name: str) -> None:
    """Delete a rule."""
    if not _store().delete(name):
        raise NotFound("rule", name)
    console.print(f"removed {cell(name)}", highlight=False)


def _set_enabled(name: str, enabled: bool) -> None:
    try:
        _store().set_enabled(name, enabled)
    except KeyError:
        raise NotFound("rule", name) from None
    console.print(f"{'enabled' if enabled else 'disabled'} {cell(name)}", highlight=False)


@alerts_app.command("enable")
def enable(name: str) -> None:
    """Enable a rule."""
    _set_enabled(name, True)


@alerts_app.command("disable")
def disable(name: str) -> None:
    """Disable a rule (kept, not matched)."""
    _set_enabled(name, False)


@alerts_app.command("test")
def test(
    name: str = typer.Argument(..., help="a saved rule name"),
    limit: int = typer.Option(50, "--limit", help="articles to examine (oldest first)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Preview what a rule would have fired over the already-indexed articles, grouped by story."""
    from worker.alerts.preview import preview

    rule = _store().get(name)
    if rule is None:
        raise NotFound("rule", name)
    result = preview(rule, ctx=_alerts(), limit=limit)
    if as_json:
        _dump(result)
        return
    console.print(
        f"[bold]{cell(rule.name)}[/bold]: {result['total_hits']} indexed article(s) match; of the {result['examined']} "
        f"examined, {result['matched']} pass the filters -> {result['notifications']} notification(s)",
        highlight=False,
    )
    table = Table("story", "published (UTC)", "source", "title", "follow-ups")
    for s in result["stories"]:
        a = s["article"]
        table.add_row(cell((s["story_id"] or "")[:12]), utc_time(a.get("published")),
                      cell(a.get("source") or ""), cell(a.get("title") or ""), str(len(s["follow_ups"])))
    console.print(table)


@alerts_app.command("history")
def history(
    rule: str | None = typer.Option(None, "--rule"),
    status: str | None = typer.Option(None, "--status", help="pending | delivered | failed | recorded"),
    limit: int = typer.Option(20, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fired notifications, newest first, with delivery status and follow-ups."""
    from worker.alerts.history import History

    total, records = History(_alerts()).search(rule=rule, status=status, limit=limit)
    if as_json:
        _dump({"total": total, "records": records})
        return
    table = Table("created (UTC)", "rule", "kind", "status", "attempts", "title", "follow-ups")
    for r in records:
        title = (r.get("article") or {}).get("title") or f"{r.get('article_count') or 0} article(s)"
        table.add_row(utc_time(r.get("created"), seconds=True), cell(r.get("rule", "")), cell(r.get("kind", "")),
                      cell(r.get("status", "")), cell(r.get("attempts", 0)), cell(title),
                      cell(r.get("follow_up_count", 0)))
    console.print(f"{total} notification(s)", highlight=False)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``alerts`` group to the top-level app."""
    app.add_typer(alerts_app, name="alerts")
