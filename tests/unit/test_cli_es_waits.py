"""Who waits on the CLI's Elasticsearch client: a person's short command gets the bounded one
(``api_es_timeout`` a call, no retry; ``newsworker search`` and ``alerts list`` took 121 s to fail on a node
that accepts connections and never answers), a bulk command keeps the patient one (30 s a call, 3 retries),
as ``worker.cli.main.PATIENT_ES`` declares. No Elasticsearch is asked: the work is replaced by fakes that
note the client they were given."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from worker.cli.main import PATIENT_ES, app, command_words
from worker.settings import get_settings
from worker.store import clients, elastic


def _waits(es: Any) -> tuple[Any, Any, Any]:
    return es._request_timeout, es._max_retries, es._retry_on_timeout


PATIENT = (30, 3, True)


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The clients the faked Elasticsearch work was handed, in order."""
    got: list[Any] = []

    def stats(es: Any, alias: str | None = None) -> dict[str, Any]:
        got.append(es)
        return {"indices": {}, "docs": 0}

    def reindex(es: Any, *args: Any, **kwargs: Any) -> Any:
        got.append(es)
        raise RuntimeError("faked: stop here")

    monkeypatch.setattr(elastic, "stats", stats)
    monkeypatch.setattr(elastic, "reindex", reindex)
    clients.reset_clients()
    return got


def test_a_short_command_gets_the_bounded_client(seen: list[Any]) -> None:
    CliRunner().invoke(app, ["index", "stats", "--json"])
    assert _waits(seen[-1]) == (get_settings().api_es_timeout, 0, False)
    assert _waits(clients.get_es()) == PATIENT  # once the command is over, the process's client is patient again


def test_a_bulk_command_keeps_the_patient_client(seen: list[Any]) -> None:
    CliRunner().invoke(app, ["index", "reindex"])
    assert seen and _waits(seen[-1]) == PATIENT


def test_the_pipeline_context_follows_the_client() -> None:
    """The commands reach Elasticsearch through ``current()`` too (alerts, feeds): it must not keep a client
    built for the other kind of wait."""
    from worker.pipeline.context import current

    clients.reset_clients()
    assert _waits(current().es) == PATIENT
    with clients.interactive_es():
        assert current().es is clients.get_es() and _waits(current().es)[1:] == (0, False)
    assert _waits(current().es) == PATIENT


@pytest.mark.parametrize(("line", "words"), [
    (["search", "foo", "--limit", "3"], ("search",)),
    (["--debug", "index", "stats", "--json"], ("index", "stats")),
    (["index", "reindex"], ("index", "reindex")),
    (["alerts", "list"], ("alerts", "list")),
    (["import", "archive.jsonl"], ("import",)),
    (["nosuch", "index"], ()),
])
def test_command_words(line: list[str], words: tuple[str, ...]) -> None:
    group = typer.main.get_command(app)
    ctx = group.make_context("newsworker", list(line))
    assert command_words(group, ctx) == words


def test_every_patient_command_exists() -> None:
    """A renamed bulk command must not silently lose its patience."""
    group: Any = typer.main.get_command(app)
    for words in PATIENT_ES:
        command = group
        for word in words:
            command = command.get_command(None, word)
            assert command is not None, words
