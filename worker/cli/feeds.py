"""Feed commands: ``feeds add|list|remove|show|load|load-replay|enable|disable|set``, ``poll``,
``replay-server`` and ``deadletter list|show|replay|delete``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from worker.cli.errors import NotFound
from worker.cli.term import CliConsole, cell, dumps, utc_time

console = CliConsole()

# poll outcomes that make ``poll ID`` / ``poll --once`` exit 1: the fetch failed (error, dead) or the feed was
# removed while the round ran (unknown; a feed named that does not exist is refused first: exit 2). locked
# (another poller has it), deferred and disabled are not failures.
POLL_FAILED = frozenset({"error", "dead", "unknown"})


def _ctx() -> Any:
    from worker.pipeline.context import current

    return current()


def _runner(inline: bool) -> Any:
    """A pipeline runner on the process's context: queuing through Celery, or running every stage here."""
    from worker.pipeline.context import current
    from worker.pipeline.runner import inline_runner
    from worker.pipeline.table import STAGES

    if inline:
        return inline_runner(current(), STAGES)
    from worker.celery_app import app
    from worker.tasks import runner_for

    return runner_for(app, STAGES)


def _dead_letters() -> Any:
    from worker.pipeline.context import current
    from worker.pipeline.deadletters import DeadLetters

    ctx = current()
    return DeadLetters(ctx.redis, ctx.keys)


def _ago(ts: float | None) -> str:
    if not ts:
        return "-"
    delta = time.time() - ts
    sign = "" if delta >= 0 else "in "
    delta = abs(delta)
    text = f"{delta:.0f}s" if delta < 120 else f"{delta / 60:.0f}m" if delta < 7200 else f"{delta / 3600:.1f}h"
    return f"{sign}{text}" + (" ago" if not sign else "")


def _print_json(obj: Any) -> None:
    print(dumps(obj, indent=1, default=str))


# ``feeds add`` option -> Feed field, for --replace's "what was not given keeps its stored value"
_ADD_OPTIONS = {"name": "name", "source": "source", "language": "language", "interval": "interval",
                "tag": "tags", "allow_private": "allow_private"}


def _keep_unset(click_ctx: Any, fields: dict[str, Any], old: Any) -> dict[str, Any]:
    """``fields`` with every option the command line did not give taken from the stored feed ``old`` (and
    its ``enabled``, which ``feeds add`` has no option for)."""
    out = dict(fields, enabled=old.enabled)
    for option, field in _ADD_OPTIONS.items():
        # by name: typer's context may come from its own copy of click, whose enum is another class
        given = getattr(click_ctx.get_parameter_source(option), "name", "DEFAULT")
        if given in ("DEFAULT", "DEFAULT_MAP"):
            out[field] = getattr(old, field)
    return out


def register(app: typer.Typer) -> None:
    feeds = typer.Typer(help="Manage the feeds being polled (stored in Redis; config/feeds.yaml seeds them).",
                        no_args_is_help=True)
    app.add_typer(feeds, name="feeds")

    @feeds.command("add")
    def add(
        click_ctx: typer.Context,
        url: str,
        feed_id: str = typer.Option(None, "--id", help="short id (default: from the name or URL)"),
        name: str = typer.Option("", help="display name"),
        source: str = typer.Option("", help="outlet name put on documents (default: the URL's host "
                                                 "without www., e.g. bbc.com)"),
        language: str = typer.Option("ar"),
        interval: int = typer.Option(None, help="base polling interval, seconds (within NEWSWORKER_POLL_MIN_INTERVAL.."
                                     "POLL_MAX_INTERVAL, 60-21600 by default)"),
        tag: list[str] = typer.Option([], "--tag", help="repeatable"),  # noqa: B008
        allow_private: bool = typer.Option(False, "--allow-private/--no-allow-private",
                                           help="this feed may be on a private address (an intranet feed)"),
        replace: bool = typer.Option(False, "--replace", help="update the feed of this id if one exists: "
                                     "the options given change, the others keep their stored values"),
    ) -> None:
        """Register a feed; it is polled on the next beat tick. A taken id is refused unless --replace."""
        from worker.cli.errors import CliError
        from worker.ingest.errors import BlockedURLError, DNSLookupError
        from worker.ingest.registry import FeedExistsError, feed_input, slugify
        from worker.ingest.ssrf import AddressPolicy, check_url

        fields: dict[str, Any] = {"id": feed_id or slugify(name or url), "url": url, "name": name,
                                  "source": source, "language": language, "interval": interval, "tags": tag,
                                  "allow_private": allow_private}
        ctx = _ctx()
        old = ctx.registry.get(fields["id"]) if replace else None
        if old is not None:  # --replace changes what was given: a new URL must not reset the outlet's name
            fields = _keep_unset(click_ctx, fields, old)
        feed = feed_input(fields, ctx.settings)  # the API's rules: an interval out of bounds is exit 2
        try:
            s = ctx.settings
            check_url(feed.url, policy=AddressPolicy.from_entries(
                s.private_hosts, allow_all=s.allow_private_addresses or feed.allow_private))
        except BlockedURLError as err:  # added anyway, but say it will fail
            console.print(f"[yellow]warning: polling will be refused: {cell(err)}[/yellow]")
        except DNSLookupError as err:  # added anyway (DNS may not be ready): polling retries it
            console.print(f"[yellow]warning: polling will fail until the name resolves: {cell(err)}[/yellow]")
        if replace:
            # polling state (status, schedule) is kept, as `feeds load` does; a new URL drops the old
            # one's ETag, Last-Modified and body hash (the registry's put), so it is fetched in full
            ctx.registry.put(feed)
        else:
            try:
                ctx.registry.add(feed)
            except FeedExistsError as err:  # the API answers 409; silently replacing lost the old URL
                raise CliError(f"{err} (--replace updates it)") from err
        console.print(f"{'updated' if replace else 'added'} [bold]{cell(feed.id)}[/bold] -> {cell(feed.url)}")

    @feeds.command("load")
    def load(
        path: Path = typer.Argument(None, help="YAML file (default: config/feeds.yaml)"),  # noqa: B008
        section: str = typer.Option(None, help="top-level list to read (default: feeds)"),
        replace: bool = typer.Option(False, help="remove registered feeds not in the file"),
    ) -> None:
        """Register every feed of a YAML file (state such as ETags is kept for existing ids)."""
        from worker.cli.errors import CliError
        from worker.cli.strict import check_feeds_file
        from worker.ingest.registry import FeedFileError
        from worker.settings import get_settings

        path = path or get_settings().feeds_file
        check_feeds_file(path, section)  # unknown keys and invalid feeds refused before anything is stored
        ctx = _ctx()
        try:
            loaded = ctx.registry.load_yaml(path, section=section, replace=replace, settings=ctx.settings)
        except FeedFileError as err:  # an interval out of the polling bounds
            raise CliError(str(err)) from err
        console.print(f"loaded {len(loaded)} feeds from {cell(path)}")

    @feeds.command("load-replay")
    def load_replay(url: str = typer.Argument("http://127.0.0.1:8765"),
                    interval: int = typer.Option(60, help="base polling interval, seconds")) -> None:
        """Register every feed a running replay server lists at /feeds.json."""
        import httpx

        from worker.ingest.registry import feed_input

        ctx = _ctx()
        listing = httpx.get(url.rstrip("/") + "/feeds.json", timeout=10).json()
        reg = ctx.registry
        for f in listing["feeds"]:
            # put: running it again re-registers the same feeds (their polling state kept), never a conflict
            reg.put(feed_input({"id": f["id"], "url": f["url"], "name": f["name"], "source": f["source"],
                                "interval": interval, "tags": f.get("tags", [])}, ctx.settings))
        console.print(f"registered {len(listing['feeds'])} replay feeds from {cell(url)}")

    @feeds.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """Every feed with its status, last success/error and next poll."""
        from worker.ingest.registry import list_feeds

        rows = list_feeds(_ctx().redis, _ctx().keys)
        if as_json:
            return _print_json(rows)
        t = Table(title=f"{len(rows)} feeds")
        for col in ("id", "status", "last success", "fails", "next", "interval", "new", "last error"):
            t.add_column(col)
        colour = {"ok": "green", "failing": "yellow", "dead": "red", "new": "cyan"}
        for r in rows:
            t.add_row(
                cell(r["id"] + ("" if r["enabled"] else " (off)")),
                f"[{colour.get(r['status'], 'white')}]{cell(r['status'])}[/]",
                _ago(r["last_success"]), str(r["consecutive_failures"]),
                _ago(r["next_poll"]) if r["enabled"] else "paused",
                f"{r['current_interval']:.0f}s" if r["current_interval"] else "-", str(r["items_new"]),
                cell(r["last_error"] or ""),  # whole, as in `deadletter list` (QA5 qa5a-5)
            )
        console.print(t)

    @feeds.command("show")
    def show(feed_id: str) -> None:
        """A feed's configuration and full polling state as JSON."""
        from worker.ingest.registry import feed_view

        ctx = _ctx()
        feed = ctx.registry.get(feed_id)
        if feed is None:
            raise NotFound("feed", feed_id)
        view = feed_view(feed, ctx.registry.state(feed_id))
        view["state"] = ctx.registry.state(feed_id).model_dump()
        _print_json(view)

    def _set_enabled(feed_id: str, enabled: bool) -> None:
        if _ctx().registry.set_enabled(feed_id, enabled) is None:
            raise NotFound("feed", feed_id)
        console.print(f"{'enabled' if enabled else 'disabled'} {cell(feed_id)}"
                      + ("; polled on the next beat tick" if enabled else "; not polled until `feeds enable`"),
                      highlight=False)

    @feeds.command("enable")
    def enable(feed_id: str) -> None:
        """Resume polling a disabled feed (on the next beat tick); its polling state was kept."""
        _set_enabled(feed_id, True)

    @feeds.command("disable")
    def disable(feed_id: str) -> None:
        """Pause a feed: kept with its polling state (ETag, counts), not polled until `feeds enable`."""
        _set_enabled(feed_id, False)

    @feeds.command("set")
    def set_(
        feed_id: str,
        interval: int = typer.Option(..., help="base polling interval, seconds (within NEWSWORKER_POLL_MIN_INTERVAL.."
                                     "POLL_MAX_INTERVAL, 60-21600 by default); polling adapts from it"),
    ) -> None:
        """Change a feed's interval, keeping its polling state; it applies from now."""
        from worker.ingest.registry import feed_input

        ctx = _ctx()
        feed = ctx.registry.get(feed_id)
        if feed is None:
            raise NotFound("feed", feed_id)
        feed_input({**feed.model_dump(), "interval": interval}, ctx.settings)  # the one rule: exit 2 if out of bounds
        if ctx.registry.set_interval(feed_id, interval) is None:  # removed meanwhile
            raise NotFound("feed", feed_id)
        console.print(f"{cell(feed_id)}: interval {interval}s", highlight=False)

    @feeds.command("remove")
    def remove(feed_id: str) -> None:
        """Stop polling a feed and forget its state (already ingested articles stay)."""
        if not _ctx().registry.remove(feed_id):
            raise NotFound("feed", feed_id)
        console.print(f"removed {cell(feed_id)}")

    @app.command("poll")
    def poll(
        feed_id: str = typer.Argument(None, help="one feed (default: every due feed; with --all every feed)"),
        once: bool = typer.Option(False, "--once", help="one round, then exit (else loop on due feeds)"),
        all_feeds: bool = typer.Option(False, "--all", help="poll every feed, due or not"),
        inline: bool = typer.Option(False, help="fetch articles here and hand them to extract (no fetch queue)"),
        full: bool = typer.Option(False, help="ignore ETag/Last-Modified/body hash this time"),
    ) -> None:
        """Poll synchronously (debugging, or a worker-less setup). New items go to the fetch queue, or
        with --inline run the whole pipeline here (fetch, extract, index, match, deliver)."""
        from worker.ingest.poller import poll_feed_once
        from worker.records import FeedItem

        runner = _runner(inline)
        ctx = runner.ctx
        if feed_id and ctx.registry.get(feed_id) is None:  # wrong input, not a failed poll
            raise NotFound("feed", feed_id)

        def emit(item: FeedItem) -> None:
            console.print(f"  new: {cell((item.title or '')[:70])}  [dim]{cell(item.url)}[/dim]")
            runner.submit("fetch", [item])

        while True:
            if feed_id:
                ids = [feed_id]
            elif all_feeds or once:
                ids = ctx.registry.ids() if all_feeds else ctx.registry.due()
            else:
                ids = ctx.registry.due()
            failed = 0
            for fid in ids:
                out = poll_feed_once(ctx, fid, emit, force_full=full)
                bad = out.result in POLL_FAILED
                failed += bad
                console.print(f"[{'red' if bad else 'green'}]{cell(fid)}[/]: {out.result} http={out.http_status} "
                              f"items={out.total_items} new={out.new_items} next={_ago(out.next_due)}"
                              + (f" error={cell(out.error)}" if out.error else ""))
            if once or feed_id:
                if failed:  # a script (or a person) polling by hand must see that it did not work
                    raise typer.Exit(1)
                return
            time.sleep(max(1.0, ctx.settings.beat_tick_seconds))

    @app.command("replay-server")
    def replay_server(
        port: int = typer.Option(8765),
        host: str = typer.Option("127.0.0.1"),
        corpus: Path = typer.Option(None, help="ANT JSONL.gz (default: the 300-item sample in the package)"),  # noqa: B008
        rate: float = typer.Option(0.2, help="items released per second (the clock)"),
        start_released: int = typer.Option(None, help="items out at start (default 10 per source)"),
        split: int = typer.Option(1, help="split each source into N feeds (benchmarks)"),
        faults: str = typer.Option("", help='e.g. "bbc=500,cnn=cp1256,page:bbc=slow:2,skynews=429:30*3"'),
        window: int = typer.Option(30, help="items per feed"),
        verbose: bool = typer.Option(False),
    ) -> None:
        """Serve real ANT corpus articles as live RSS/Atom feeds with article pages (demo, tests, bench)."""
        from worker.replay.server import make_server, parse_faults
        from worker.settings import get_settings

        server = make_server(host=host, port=port, corpus=corpus, rate=rate, start_released=start_released,
                             split=split, faults=parse_faults(faults), window=window, verbose=verbose)
        snap = server.state.snapshot()
        started = (f"replay server on {server.url}: {snap['corpus_items']} items, {snap['feeds']} feeds, "
                   f"{snap['released']} released, +{rate}/s; feeds at {server.url}/feeds.json")
        if get_settings().log_format == "json" and not sys.stdout.isatty():  # run's replay.log: JSON lines
            from worker.logs import json_record

            print(json_record(started, "newsworker.replay"), flush=True)
        else:
            console.print(started, highlight=False)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    dl = typer.Typer(help="Work that failed for good, by stage: inspect and re-enqueue.", no_args_is_help=True)
    app.add_typer(dl, name="deadletter")

    @dl.command("list")
    def dl_list(stage: str = typer.Option(None), limit: int = typer.Option(50),
                as_json: bool = typer.Option(False, "--json")) -> None:
        dead = _dead_letters()
        rows = dead.list(stage, limit)
        if as_json:
            return _print_json(rows)
        t = Table(title=f"{dead.count()} dead letters")
        for col in ("id", "stage", "when (UTC)", "item", "error"):
            t.add_column(col)
        from worker.pipeline.deadletters import subject

        for r in rows:
            what = subject(r)
            when = utc_time(r["recorded_at"], seconds=True)
            # whole: the console fits the table to a terminal and keeps every cell whole in a pipe or a file
            # (worker.cli.term); the error's end is often its advice ("save the rule with the receiver's new
            # URL"), which a cut at 70 characters hid (QA5 qa5a-5)
            t.add_row(cell(r["id"]), cell(r["stage"]), when, cell(what), cell(r["error"]))
        console.print(t)

    @dl.command("show")
    def dl_show(dl_id: str) -> None:
        entry = _dead_letters().get(dl_id)
        if entry is None:
            raise NotFound("dead letter", dl_id)
        _print_json(entry)

    @dl.command("replay")
    def dl_replay(dl_id: str = typer.Argument(None), all_: bool = typer.Option(False, "--all"),
                  stage: str = typer.Option(None, help="with --all: only this stage")) -> None:
        """Send each record back to the stage it died in (through the ``replay`` stage) and remove it."""
        dead = _dead_letters()
        if not dl_id and not all_:
            console.print("[red]give an id or --all[/red]")
            raise typer.Exit(2)
        from worker.pipeline.deadletters import replay_records

        if dl_id and dead.get(dl_id) is None:
            raise NotFound("dead letter", dl_id)
        ids = [dl_id] if dl_id else [r["id"] for r in dead.list(stage, limit=100_000)]
        for done in replay_records(dead, _runner(inline=False), ids):
            if done.stage is None:
                console.print(f"[red]{cell(done.id)}: no such dead letter[/red]")
            elif done.outcome == "busy":
                console.print(f"[yellow]{cell(done.id)}: another replay of it is running[/yellow]")
            else:
                console.print(f"{cell(done.id)} -> {cell(done.stage)}")

    @dl.command("delete")
    def dl_delete(dl_id: str) -> None:
        if not _dead_letters().delete(dl_id):
            raise NotFound("dead letter", dl_id)
