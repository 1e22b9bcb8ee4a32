"""The ``newsworker`` command. Each command group lives in its own module with a ``register(app)``.

The command modules import their work inside each command, on purpose: the clients, the API and the
extraction chain take ~3 s to import (measured: 0.7 s for this module, 3.1 s more for
``worker.pipeline.context``, ``worker.store.search``, ``worker.alerts.notify`` and ``worker.api.app``),
which ``newsworker --help`` or ``newsworker feeds list`` should not pay. Those imports dodge no cycle:
``tools/import_cycles.py`` counts them and finds none.
"""

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
