"""``newsworker search`` and ``newsworker index setup|reindex|stats`` against the real Elasticsearch."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.integration.test_search_es import controlled_documents
from worker.cli.main import app
from worker.store import elastic
from worker.store.fields import forget

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture
def alias(es_client, unique_name):
    name = f"{unique_name}-cli"
    yield name
    elastic.drop_alias_and_indices(es_client, name)
    forget(name)


def test_index_setup_search_reindex_stats(es_client, alias):
    r = runner.invoke(app, ["index", "setup", "--index", alias])
    assert r.exit_code == 0, r.output
    assert f"{alias}-v1 (created)" in r.output
    assert "(exists)" in runner.invoke(app, ["index", "setup", "--index", alias]).output
    docs = controlled_documents()
    elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for")

    r = runner.invoke(app, ["search", "وبالسجن", "--index", alias, "--json", "--limit", "3"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["total"] == 4 and len(out["hits"]) == 3 and "source" in out["facets"]

    r = runner.invoke(app, ["search", "سجن", "--index", alias, "--source", "bbc", "--from", "2022-01-01"])
    assert r.exit_code == 0, r.output
    assert "2 results" in r.output and "بالسجن" in r.output

    r = runner.invoke(app, ["search", "(سجن OR", "--index", alias])
    assert r.exit_code == 2 and "query error" in r.output

    r = runner.invoke(app, ["search", "", "--index", alias, "--limit", "150", "--sort", "date", "--json"])
    assert r.exit_code == 0 and len(json.loads(r.output)["hits"]) == len(docs)  # deep walk (PIT)

    r = runner.invoke(app, ["index", "reindex", "--index", alias, "--delete-old"])
    assert r.exit_code == 0, r.output
    assert f"{alias}-v1 -> {alias}-v2, {len(docs)} documents, 0 written meanwhile" in r.output
    assert "0 failed" in r.output
    forget(alias)
    r = runner.invoke(app, ["index", "stats", "--index", alias, "--json"])
    st = json.loads(r.output)
    assert st["docs"] == len(docs) and list(st["indices"]) == [f"{alias}-v2"]


def test_from_to_refuse_values_elasticsearch_reads_differently(es_client, alias):
    # QA4 #3: `search '' --from 1521072000` and `export '' --from 20180315` gave every article (Elasticsearch
    # read the digits as epoch milliseconds); --to 2022-02 was refused although date:2022-02 works
    elastic.ensure_index(es_client, alias)
    elastic.index_documents(es_client, controlled_documents(), alias=alias, refresh="wait_for")
    for cmd in ("search", "export"):
        for opt, value in (("--from", "1521072000"), ("--from", "20180315"), ("--to", "2018-W11")):
            r = runner.invoke(app, [cmd, "", "--index", alias, opt, value])
            assert r.exit_code == 2, (cmd, opt, value, r.output)
            assert f"bad date for {opt[2:]}: {value!r}" in r.output and "YYYY-MM-DD" in r.output
    r = runner.invoke(app, ["search", "", "--index", alias, "--to", "2022-02", "--json", "--limit", "20"])
    assert r.exit_code == 0, r.output
    assert {h["id"] for h in json.loads(r.output)["hits"]} == {"c-prison", "c-sentence", "c-aleppo", "c-idlib"}


def test_index_setup_and_stats_name_an_index_made_by_another_analysis(es_client, alias):
    """QA round 4: the analysis changed (version 2); an index made before says so, and reindex mends it."""
    mappings = elastic.load_template_body()["mappings"]
    mappings["_meta"] = {**mappings["_meta"], "analysis_version": 1}
    es_client.indices.create(index=f"{alias}-v1", mappings=mappings, aliases={alias: {"is_write_index": True}})
    r = runner.invoke(app, ["index", "setup", "--index", alias])
    assert r.exit_code == 1 and "analysed with search analysis version 1" in r.output
    assert "newsworker index reindex" in r.output
    r = runner.invoke(app, ["index", "stats", "--index", alias])
    assert "analysed with search analysis version 1" in r.output
    assert runner.invoke(app, ["index", "reindex", "--index", alias]).exit_code == 0
    forget(alias)
    r = runner.invoke(app, ["index", "setup", "--index", alias])
    assert r.exit_code == 0 and "analysis version" not in r.output, r.output


def test_search_table_shows_published_in_utc_whatever_offset_was_stored(es_client, alias, monkeypatch):
    """QA round 4 re-test, N3: imported rows keep their offset, feed items are stored in UTC; the table
    printed each as stored without a zone, so a date-sorted list read 26 June above 27 June."""
    from datetime import datetime, timedelta, timezone

    from worker.document import EnrichedDocument

    def at(hours: int, *clock: int) -> datetime:
        return datetime(2018, *clock, tzinfo=timezone(timedelta(hours=hours)))

    docs = [EnrichedDocument(id="tz-minus", url="https://example.org/m", title="خبر بتوقيت سالب", body="نص",
                             source="example.org", published=at(-5, 6, 26, 18, 0)),
            EnrichedDocument(id="tz-plus", url="https://example.org/p", title="خبر بتوقيت ايجابي", body="نص",
                             source="example.org", published=at(4, 6, 27, 1, 20))]
    elastic.ensure_index(es_client, alias)
    elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for")
    monkeypatch.setenv("COLUMNS", "200")
    r = runner.invoke(app, ["search", "", "--index", alias, "--sort", "date"])
    assert r.exit_code == 0, r.output
    assert "published (UTC)" in r.output
    assert r.output.index("2018-06-26 23:00") < r.output.index("2018-06-26 21:20")
    assert "2018-06-27" not in r.output and "2018-06-26 18:00" not in r.output
    stored = {h["id"]: h["published"] for h in json.loads(runner.invoke(
        app, ["search", "", "--index", alias, "--json"]).output)["hits"]}
    assert stored["tz-plus"].startswith("2018-06-27T01:20") and stored["tz-plus"].endswith("+04:00")  # as stored


def test_deep_search_counts_the_walks_snapshot_and_gives_story_articles(es_client, alias, monkeypatch):
    """qa7b-5: a --limit past 100 walks a point in time but printed the total of a second search run after
    the walk, so articles indexed meanwhile were counted and not listed; and --json hits always had
    story_articles null where /search gives each story's size."""
    import worker.store.search as store_search

    docs = [d.model_copy(update={"story_id": "story-a" if i < 3 else None})
            for i, d in enumerate(controlled_documents())]
    elastic.ensure_index(es_client, alias)
    elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for")
    api_sizes = {h.id: h.story_articles for h in store_search.search(es_client, "", alias=alias, size=100,
                                                                   stories=True).hits}
    assert sorted(v for v in api_sizes.values() if v) == [3, 3, 3]

    late = [d.model_copy(update={"id": f"late-{d.id}", "story_id": None}) for d in docs[:2]]
    real_search = store_search.search

    def search_then_ingest(*args, **kwargs):  # articles arrive once the walk has opened its snapshot
        res = real_search(*args, **kwargs)
        if kwargs.get("pit"):
            elastic.index_documents(es_client, late, alias=alias, refresh="wait_for")
        return res

    monkeypatch.setattr(store_search, "search", search_then_ingest)
    r = runner.invoke(app, ["search", "", "--index", alias, "--limit", "150", "--sort", "date", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert len(out["hits"]) == len(docs) and out["total"] == len(docs)
    assert {h["id"]: h["story_articles"] for h in out["hits"]} == api_sizes

    monkeypatch.setattr(store_search, "search", real_search)
    r = runner.invoke(app, ["search", "", "--index", alias, "--limit", "20", "--json"])
    out = json.loads(r.output)
    assert out["total"] == len(docs) + len(late)
    assert {h["id"]: h["story_articles"] for h in out["hits"]} == {**api_sizes, **{d.id: None for d in late}}
