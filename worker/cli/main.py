"""The ``newsworker`` command. Each command group lives in its own module with a ``register(app)``.

The command modules import their work inside each command, on purpose: the clients, the API and the
extraction chain take ~3 s to import (measured: 0.7 s for this module, 3.1 s more for
``worker.pipeline.context``, ``worker.store.search``, ``worker.alerts.notify`` and ``worker.api.app``),
which ``newsworker --help`` or ``newsworker feeds list`` should not pay. Those imports dodge no cycle:
``tools/import_cycles.py`` counts them and finds none.

Every command runs under one dispatcher (``_Dispatcher``): a failure ``worker.cli.errors`` knows (a store
that is down, a missing file, broken YAML, an invalid feed) ends in one line on stderr and its exit code
instead of a traceback; any other exception is a bug and keeps its traceback.
It also runs every command with the Redis client of a person waiting (``interactive_redis``): a Redis that
does not answer is that one line within ``interactive_redis_timeout``, not after the workers' 40 s. And every
command but those of ``PATIENT_ES`` with the Elasticsearch client of a person waiting (``interactive_es``):
``api_es_timeout`` a call and no retry, as the API's routes, not the patient client's 30 s x 4 tries.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import typer
from typer.core import TyperGroup

from worker.cli import alerts, archive, errors, export, extract, feeds, ner, ops, search, service, train
from worker.cli.term import plain

# The commands whose Elasticsearch work is long by nature keep the process's patient client (30 s a call, 3
# retries), so that a busy or briefly stalled cluster slows them without failing them: bulk writes (``import``,
# ``poll`` with --inline indexing, ``setup`` and ``run``, which create indices and templates, ``index setup``,
# ``index reindex``, ``index prune``), a streamed ``export``, and the ``api``, whose routes bound each request
# themselves (``worker.api.backend``). ``worker`` and ``beat`` exec Celery, ``train`` and ``eval`` do not use
# Elasticsearch. Every other command is a question a person waits on: search, alerts, index stats, feeds...
PATIENT_ES = frozenset({
    ("import",), ("export",), ("poll",), ("setup",), ("run",), ("api",),
    ("index", "setup"), ("index", "reindex"), ("index", "prune"),
})


def command_words(group: Any, ctx: Any) -> tuple[str, ...]:
    """The names of the (sub-)commands the command line asks ``group`` for, before they are parsed
    (``("index", "stats")``); as far as they name commands (a misspelt one ends them; click reports it)."""
    # click 8 keeps the first words in _protected_args, click 9 in args alone
    args = [*getattr(ctx, "_protected_args", ()), *ctx.args]
    words: list[str] = []
    command = group
    for arg in args:
        sub = command.get_command(ctx, arg) if hasattr(command, "get_command") else None
        if sub is None:
            break
        words.append(arg)
        command = sub
    return tuple(words)


class _Dispatcher(TyperGroup):
    """The top-level group: sub-commands (and sub-groups) are invoked inside its ``invoke``, so this is the
    one place where a known failure of any command becomes its one line (for the entry point and for
    ``typer.testing.CliRunner`` alike)."""

    def invoke(self, ctx: Any) -> Any:
        # a person waits on every command (``api`` serves people too; ``worker`` and ``beat`` exec Celery, a
        # process of its own with the workers' patient client): a frozen Redis is an error within seconds
        from worker.store.clients import interactive_es, interactive_redis

        patient_es = command_words(self, ctx) in PATIENT_ES
        try:
            with interactive_redis(), nullcontext() if patient_es else interactive_es():
                return super().invoke(ctx)
        except Exception as err:
            failure = errors.describe(err)
            if failure is None or ctx.params.get("debug"):
                raise
            label = typer.style("error:", fg="red", bold=True)
            typer.echo(f"{label} {plain(failure.message)}", err=True)
            raise typer.Exit(failure.code) from None


app = typer.Typer(
    name="newsworker",
    help="Streaming Arabic news ingestion: feeds -> extraction -> Elasticsearch -> alerts.",
    cls=_Dispatcher,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    debug: bool = typer.Option(False, "--debug",
                               help="show the traceback of a failure (a store down, a bad file...) too"),
) -> None:
    """Streaming Arabic news ingestion: feeds -> extraction -> Elasticsearch -> alerts."""
    del debug  # read by _Dispatcher from the context


for module in (ops, feeds, extract, ner, search, alerts, train, service, archive, export):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
