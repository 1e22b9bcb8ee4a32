"""The ``newsworker`` command. Each command group lives in its own module with a ``register(app)``."""

from __future__ import annotations

import typer

from worker.cli import alerts, archive, extract, feeds, ner, ops, search, service, train

app = typer.Typer(
    name="newsworker",
    help="Streaming Arabic news ingestion: feeds -> extraction -> Elasticsearch -> alerts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (ops, feeds, extract, ner, search, alerts, train, service, archive):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
