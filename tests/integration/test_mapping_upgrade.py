"""An index made with mapping v2 (prose indexed by the standard analyzer too) upgrades to the current
template through the existing path: ``ensure_index`` reports the conflict and leaves the live index
writable, ``reindex`` copies into the next version with the current mapping and swaps the alias, and every
reader (query-language search, highlights, the stored document) answers as before.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest

from tests.integration.test_search_es import controlled_documents
from worker.store import elastic
from worker.store.fields import forget
from worker.store.search import search

pytestmark = pytest.mark.integration

# Fields v3 keeps in _source only: no query reads them (the query language targets the Python-analysed copies).
SOURCE_ONLY = ("title", "body", "summary")


def _v2_mappings() -> dict[str, Any]:
    """The current template's mappings as v2 had them: prose indexed with the standard analyzer, offsets."""
    mappings = copy.deepcopy(elastic.load_template_body()["mappings"])
    props = mappings["properties"]
    for name in SOURCE_ONLY:
        props[name] = {"type": "text", "analyzer": "standard"}
    props["events"]["properties"]["evidence"] = {"type": "text", "analyzer": "standard"}
    props["quotes"]["properties"]["text"] = {"type": "text", "analyzer": "standard"}
    for name in ("title_ar", "body_ar"):
        props[name] = {"type": "text", "analyzer": "whitespace", "index_options": "offsets"}
    mappings["_meta"] = {"mapping_version": 2}
    return mappings


def _ids(es, alias: str, q: str) -> set[str]:
    return {h.id for h in search(es, q, alias=alias, size=100, facets=False).hits}


def test_current_template_indexes_no_prose_field_twice():
    props = elastic.load_template_body()["mappings"]["properties"]
    for name in SOURCE_ONLY:
        assert props[name].get("index") is False, name
    assert props["events"]["properties"]["evidence"].get("index") is False
    assert props["quotes"]["properties"]["text"].get("index") is False
    assert elastic.load_template_body()["mappings"]["_meta"]["mapping_version"] == 3


def test_a_v2_index_upgrades_through_reindex(es_client, unique_name):
    alias = f"{unique_name}-up"
    old = f"{alias}-v1"
    try:
        es_client.indices.create(index=old, mappings=_v2_mappings(), aliases={alias: {"is_write_index": True}})
        docs = controlled_documents()
        elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for")
        queries = ("سجن", "body:سجن", "title:سجن", 'exact:"سجن غويران"', "entity:قسد", "الحسكة OR بغداد")
        before = {q: _ids(es_client, alias, q) for q in queries}
        assert before["سجن"], "the controlled corpus must match"

        # The re-runnable command sees the conflict, says so, and leaves the live index as it was.
        res = elastic.ensure_index(es_client, alias)
        assert res.index == old and res.mapping_error and not res.created
        more = controlled_documents()[0].model_copy(update={"id": "late-write"})
        assert elastic.index_documents(es_client, [more], alias=alias, refresh="wait_for").indexed == 1

        rx = elastic.reindex(es_client, alias=alias)
        forget(alias)
        assert rx.swapped and not rx.failed and rx.new_index == f"{alias}-v2"
        assert es_client.count(index=alias)["count"] == len(docs) + 1
        live = es_client.indices.get_mapping(index=rx.new_index).body[rx.new_index]["mappings"]
        assert live["_meta"]["mapping_version"] == 3
        for name in SOURCE_ONLY:
            assert live["properties"][name].get("index") is False, name
        assert "index_options" not in live["properties"]["body_ar"]
        assert elastic.ensure_index(es_client, alias).mapping_error is None  # now in line with the template

        after = {q: _ids(es_client, alias, q) for q in queries}
        for q in queries:
            # the late write is the first controlled document again under another id
            expected = before[q] | ({"late-write"} if docs[0].id in before[q] else set())
            assert after[q] == expected, q
        hit = search(es_client, "سجن", alias=alias, size=5, facets=False).hits[0]
        assert "<mark>" in hit.snippet + hit.title_html  # highlights are read from _source, not the index
        src = elastic.get_document(es_client, docs[0].id, alias=alias)
        assert src is not None and src["body"] == docs[0].body and src["title"] == docs[0].title
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


def test_an_index_made_by_another_analysis_is_reported_and_reindexed(es_client, unique_name, caplog):
    """QA round 4 changed the analysis (ة kept apart from the pronoun ه, hamza seats, Persian letters): an index
    made before holds the old keys. ``ensure_index`` says so and keeps the recorded version (a put_mapping of
    the template's _meta must not claim the new analysis); ``reindex`` re-analyses into the current one."""
    from worker.document import EnrichedDocument
    from worker.query.analysis import ANALYSIS_VERSION
    from worker.query.fields import index_view

    alias = f"{unique_name}-an"
    mappings = copy.deepcopy(elastic.load_template_body()["mappings"])
    assert mappings["_meta"]["analysis_version"] == ANALYSIS_VERSION >= 2
    mappings["_meta"] = {"mapping_version": mappings["_meta"]["mapping_version"]}  # made before it was recorded
    doc = EnrichedDocument(id="police-1", url="https://example.org/p1", title="خبر",
                           body="قالت الشرطة إن مسئولا اعتقل")

    def version_1_view(d):  # what analysis 1 stored: ة stripped as a pronoun, ئ unfolded
        view = index_view(d)
        view["body_ar"] = "قال شرط ان مسئول اعتقل"
        return view

    try:
        es_client.indices.create(index=f"{alias}-v1", mappings=mappings, aliases={alias: {"is_write_index": True}})
        elastic.index_documents(es_client, [doc], alias=alias, refresh="wait_for", view=version_1_view)
        assert not _ids(es_client, alias, "الشرطة")  # the stale key: searches miss it

        with caplog.at_level(logging.WARNING, logger=elastic.__name__):
            res = elastic.ensure_index(es_client, alias)
        assert not caplog.records  # said once, by the caller (run's console printed it twice: QA7 qa7r-9)
        assert res.analysis_stale and res.analysis_version == 1 and not res.mapping_error
        assert "newsworker index reindex" in res.analysis_message()
        assert elastic.index_analysis_version(es_client, f"{alias}-v1") == 1  # not overwritten by put_mapping
        assert elastic.stats(es_client, alias)["indices"][f"{alias}-v1"]["analysis_version"] == 1

        rx = elastic.reindex(es_client, alias=alias)
        forget(alias)
        assert rx.swapped and elastic.index_analysis_version(es_client, rx.new_index) == ANALYSIS_VERSION
        assert not elastic.ensure_index(es_client, alias).analysis_stale
        assert _ids(es_client, alias, "الشرطة") == {"police-1"}
        assert _ids(es_client, alias, "مسؤول") == {"police-1"}
        assert not _ids(es_client, alias, "شروط")
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


def test_the_worker_logs_a_stale_analysis_at_its_start_as_a_json_warning(es_client, unique_name, monkeypatch, caplog):
    """QA round 4 re-test, N2: README says the worker logs that the index was made by another analysis; it
    did not (only ``run`` and ``index setup`` said it, on the console), so an operator running the worker
    under systemd or compose never saw it. The worker's ``worker_ready`` now logs it, as a WARNING."""
    import json

    from celery.signals import worker_ready

    from worker import celery_app
    from worker.logs import JsonFormatter
    from worker.settings import get_settings

    alias = f"{unique_name}-wl"
    monkeypatch.setattr(get_settings(), "es_index", alias)
    mappings = copy.deepcopy(elastic.load_template_body()["mappings"])
    mappings["_meta"] = {**mappings["_meta"], "analysis_version": 1}

    def logged() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == celery_app.__name__]

    try:
        with caplog.at_level(logging.INFO, logger=celery_app.__name__):
            worker_ready.send(sender=None)  # no index yet (a first start): nothing to say
            assert logged() == []
            es_client.indices.create(index=f"{alias}-v1", mappings=mappings, aliases={alias: {"is_write_index": True}})
            worker_ready.send(sender=None)
            [record] = logged()
            line = json.loads(JsonFormatter().format(record))
            assert line["level"] == "WARNING" and line["logger"] == "worker.celery_app"
            assert line["msg"].startswith(f"index {alias}-v1 was analysed with search analysis version 1")
            assert "newsworker index reindex" in line["msg"]
            assert elastic.index_analysis_version(es_client, f"{alias}-v1") == 1  # a read: nothing was put

            caplog.clear()
            assert elastic.reindex(es_client, alias=alias).swapped
            forget(alias)
            worker_ready.send(sender=None)
            assert logged() == []

            def away(*_a: object, **_k: object) -> None:
                raise ConnectionError("connection refused")

            monkeypatch.setattr(celery_app, "index_warnings", away)  # Elasticsearch away: the worker still starts
            worker_ready.send(sender=None)
            [record] = logged()
            assert record.levelno == logging.INFO and "not checked: connection refused" in record.getMessage()
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


def test_the_worker_logs_an_older_mapping_at_its_start(es_client, unique_name, monkeypatch, caplog):
    """README: an index made with mapping version 2 keeps working, "the worker logs it": the same start-up
    check as the analysis version (nothing read the mapping version before)."""

    from celery.signals import worker_ready

    from worker import celery_app
    from worker.query.analysis import ANALYSIS_VERSION
    from worker.settings import get_settings

    alias = f"{unique_name}-wm"
    monkeypatch.setattr(get_settings(), "es_index", alias)
    mappings = _v2_mappings()
    mappings["_meta"]["analysis_version"] = ANALYSIS_VERSION
    try:
        es_client.indices.create(index=f"{alias}-v1", mappings=mappings, aliases={alias: {"is_write_index": True}})
        with caplog.at_level(logging.INFO, logger=celery_app.__name__):
            worker_ready.send(sender=None)
        [record] = [r for r in caplog.records if r.name == celery_app.__name__]
        assert record.levelno == logging.WARNING
        assert record.getMessage() == (f"index {alias}-v1 was made with mapping version 2, the template is version "
                                       "3: it keeps working as it is until `newsworker index reindex` moves it to "
                                       "version 3")
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)
