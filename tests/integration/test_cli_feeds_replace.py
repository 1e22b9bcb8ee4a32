"""``feeds add URL --id X --replace`` changes what is given and keeps the rest (QA: source, name, tags,
interval and allow_private went back to their defaults), and a new URL drops the old one's conditional-GET
validators (QA: the old ETag and Last-Modified would have been sent to the new server). Real Redis, own
key prefix (``test_ingest_cli_api``'s fixture)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.integration.test_ingest_cli_api import isolated  # noqa: F401
from worker.cli.main import app

OLD, NEW = "https://feeds.example.test/bbc.rss", "https://feeds.example.test/bbc-new.rss"


def _show(runner: CliRunner, feed_id: str) -> dict:
    r = runner.invoke(app, ["feeds", "show", feed_id])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _polled(feed_id: str) -> None:
    """As if polled: validators, a status and counters in the feed's state."""
    from worker.pipeline.context import current

    reg = current().registry
    state = reg.state(feed_id).model_copy(update={
        "status": "ok", "etag": '"abc"', "last_modified": "Tue, 01 Mar 2022 10:00:00 GMT",
        "body_hash": "deadbeef", "polls": 7, "items_seen": 40})
    reg.save_state(feed_id, state)


def test_replace_keeps_the_options_not_given_and_a_new_url_is_fetched_in_full(isolated) -> None:  # noqa: F811
    from worker.pipeline.context import current

    runner = CliRunner()
    r = runner.invoke(app, ["feeds", "add", OLD, "--id", "bbc", "--name", "BBC", "--source", "BBC Arabic",
                            "--tag", "uk", "--tag", "ar", "--interval", "300", "--allow-private"])
    assert r.exit_code == 0, r.output
    current().registry.update(current().registry.get("bbc").model_copy(update={"enabled": False}))
    _polled("bbc")

    r = runner.invoke(app, ["feeds", "add", NEW, "--id", "bbc", "--replace"])
    assert r.exit_code == 0 and "updated" in r.output, r.output
    shown = _show(runner, "bbc")
    assert shown["url"] == NEW
    assert (shown["name"], shown["source"], shown["tags"], shown["interval"], shown["allow_private"],
            shown["enabled"]) == ("BBC", "BBC Arabic", ["uk", "ar"], 300, True, False)
    state = current().registry.state("bbc")
    assert (state.etag, state.last_modified, state.body_hash) == (None, None, None)
    assert (state.status, state.polls, state.items_seen) == ("ok", 7, 40)  # the rest of the state is kept


def test_replace_changes_only_what_is_given_and_the_same_url_keeps_its_validators(isolated) -> None:  # noqa: F811
    from worker.pipeline.context import current

    runner = CliRunner()
    assert runner.invoke(app, ["feeds", "add", OLD, "--id", "bbc2", "--source", "BBC Arabic", "--tag", "uk",
                               "--allow-private"]).exit_code == 0
    _polled("bbc2")
    r = runner.invoke(app, ["feeds", "add", OLD, "--id", "bbc2", "--replace", "--tag", "news",
                            "--no-allow-private"])
    assert r.exit_code == 0, r.output
    shown = _show(runner, "bbc2")
    assert (shown["source"], shown["tags"], shown["allow_private"]) == ("BBC Arabic", ["news"], False)
    assert current().registry.state("bbc2").etag == '"abc"'
