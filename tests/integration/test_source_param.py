"""The ``source`` filter parameter reads names as ``source:`` does (QA: ``/search?source=bbc`` found 0 of
the 28 "BBC Arabic" articles that ``q=source:bbc`` found): the whole name, a word or run of words of it, or
the feed id, in any case, for /search, /facets, /export, /search.atom and ``newsworker search|export
--source``. The facet's display name (what a click on the page sends) keeps working."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.integration.search_app import search_app
from tests.integration.test_search_es import _doc
from worker.cli.main import app as cli

pytestmark = pytest.mark.integration

DOCS = [
    _doc("s-bbc1", "سجن الحسكة", "هجوم على سجن", "BBC Arabic", "2022-01-20T10:00:00", feed_id="replay-bbc"),
    _doc("s-bbc2", "سجن حلب", "خبر عن سجن", "BBC Arabic", "2022-01-21T10:00:00", feed_id="replay-bbc"),
    _doc("s-cnn", "سجن بغداد", "خبر آخر عن سجن", "CNN بالعربية", "2022-01-22T10:00:00", feed_id="cnn-ar"),
    _doc("s-abbc", "سجن", "سجن", "abbcd news", "2022-01-23T10:00:00", feed_id="abbcd"),  # "bbc" inside a word
]
BBC = {"s-bbc1", "s-bbc2"}


@pytest.fixture(scope="module")
def api(es_client):
    with search_app(es_client, "tsource-param-", DOCS) as served:
        yield served


def _ids(client: TestClient, source: str) -> set[str]:
    r = client.get("/search", params={"q": "", "source": source})
    assert r.status_code == 200, r.text
    return {h["id"] for h in r.json()["hits"]}


@pytest.mark.parametrize("source", ["bbc", "BBC", "replay-bbc", "BBC Arabic", "bbc arabic", " bbc "])
def test_search_source_reads_a_word_of_the_name_or_the_feed_id(api, source):
    client, _ = api
    assert _ids(client, source) == BBC
    assert {h["id"] for h in client.get("/search", params={"q": f'source:"{source.strip()}"'}).json()["hits"]} == BBC


def test_several_sources_are_an_or_and_a_facet_name_finds_itself(api):
    client, _ = api
    assert _ids(client, "bbc,cnn") == BBC | {"s-cnn"}
    assert _ids(client, "arabic news") == set()
    facet = client.get("/facets", params={"q": ""}).json()["facets"]["source"]
    for bucket in facet:  # a click on the page sends the display name
        assert len(_ids(client, bucket["key"])) == bucket["count"]
    assert client.get("/facets", params={"source": "bbc"}).json()["total"] == 2


def test_export_and_atom_read_source_the_same_way(api):
    client, _ = api
    r = client.get("/export", params={"source": "bbc", "format": "jsonl"})
    assert {json.loads(line)["id"] for line in r.text.splitlines()} == BBC
    r = client.get("/search.atom", params={"source": "bbc"})
    assert r.status_code == 200 and r.text.count("<entry>") == 2


def test_cli_search_and_export_read_source_the_same_way(api):
    _, alias = api
    runner = CliRunner()
    r = runner.invoke(cli, ["search", "", "--source", "bbc", "--index", alias, "--json"])
    assert r.exit_code == 0, r.output
    assert {h["id"] for h in json.loads(r.output)["hits"]} == BBC
    r = runner.invoke(cli, ["export", "", "--source", "replay-bbc", "--index", alias, "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    assert {json.loads(line)["id"] for line in r.stdout.splitlines() if line.startswith("{")} == BBC
