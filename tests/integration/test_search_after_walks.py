"""Every ``search_after`` walk against the real Elasticsearch: undated articles (no ``published``) in the
middle of a walk and at its page boundaries (qa7b-9), and a relevance-sorted export while matching articles
are being indexed (qa7b-12). Each walk must give every matching article exactly once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from worker.archive import exporter
from worker.document import EnrichedDocument
from worker.store import elastic
from worker.store.fields import forget
from worker.store.search import encode_cursor, iter_hits, search

pytestmark = pytest.mark.integration
T0 = datetime(2021, 5, 1, tzinfo=UTC)
DATED, UNDATED = 7, 6


def _doc(i: int, dated: bool, word: str = "مرفأ") -> EnrichedDocument:
    # bodies of different lengths and word counts: relevance scores differ and tie, both
    body = " ".join([word] * (1 + i % 3) + ["خبر"] * (i % 5) + [f"رقم{i}"])
    return EnrichedDocument(id=f"{'d' if dated else 'u'}{i:04d}", url=f"https://example.test/{i}",
                            source="bbc", title=f"عنوان {i}", body=body,
                            published=T0 + timedelta(hours=i) if dated else None)


@pytest.fixture(scope="module")
def alias(es_client):
    name = "twalk-" + uuid.uuid4().hex[:8]
    elastic.ensure_index(es_client, name)
    docs = [_doc(i, True) for i in range(DATED)] + [_doc(100 + i, False) for i in range(UNDATED)]
    assert elastic.index_documents(es_client, docs, alias=name, refresh="wait_for").indexed == len(docs)
    yield name
    elastic.drop_alias_and_indices(es_client, name)
    forget(name)


ALL = {f"d{i:04d}" for i in range(DATED)} | {f"u{100 + i:04d}" for i in range(UNDATED)}


def _once(ids: list[str]) -> None:
    assert len(ids) == len(set(ids)), f"repeated: {sorted(i for i in set(ids) if ids.count(i) > 1)}"
    assert set(ids) == ALL


@pytest.mark.parametrize("sort", ["date", "relevance"])
@pytest.mark.parametrize("page_size", [1, 2, 5])
def test_export_walks_past_undated_articles(es_client, alias, sort, page_size):
    """qa7b-9: a page ending on an undated article sent ``search_after: [null, ...]``, which Elasticsearch
    refuses: the export stopped there (a truncated 200 stream, a CLI traceback)."""
    pages = exporter.export_pages(es_client, alias, exporter.ExportQuery(sort=sort), page_size=page_size)
    ids = [s["id"] for p in pages for s in p]
    _once(ids)
    if sort == "date":  # newest first, the undated last (by id)
        assert ids[-UNDATED:] == sorted(i for i in ALL if i.startswith("u"))


@pytest.mark.parametrize("pit", [False, True])
@pytest.mark.parametrize("sort", ["date", "relevance"])
def test_search_cursor_walks_past_undated_articles(es_client, alias, sort, pit):
    ids: list[str] = []
    res = search(es_client, "مرفأ", alias=alias, size=2, sort=sort, facets=False, pit=pit)
    while True:
        ids += [h.id for h in res.hits]
        if not res.next_cursor:
            break
        res = search(es_client, "مرفأ", alias=alias, size=2, sort=sort, facets=False, cursor=res.next_cursor)
    _once(ids)
    assert [h.id for h in iter_hits(es_client, "", alias=alias, sort=sort, batch=3)] == ids or sort == "relevance"
    _once([h.id for h in iter_hits(es_client, "", alias=alias, sort=sort, batch=3)])


def test_a_cursor_made_before_the_fix_still_continues(es_client, alias):
    """A cursor issued by the old code carries null as an undated article's date: it continues the walk
    from that article instead of a 400."""
    walk = list(iter_hits(es_client, "", alias=alias, sort="date", batch=50))
    first_undated = next(n for n, h in enumerate(walk) if h.id.startswith("u"))
    old = encode_cursor([None, walk[first_undated].id])
    res = search(es_client, "", alias=alias, size=50, sort="date", facets=False, cursor=old)
    assert [h.id for h in res.hits] == [h.id for h in walk[first_undated + 1:]]


def test_api_cli_and_export_walk_past_undated_articles(es_client, alias, monkeypatch):
    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target
    from worker.cli.main import app as cli

    app = create_app()
    app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, alias)
    client = TestClient(app)
    ids: list[str] = []
    params = {"q": "مرفأ", "size": 1, "sort": "date", "facets": "false"}
    while True:
        r = client.get("/search", params=params)
        assert r.status_code == 200, r.text
        ids += [h["id"] for h in r.json()["hits"]]
        if not r.json()["next_cursor"]:
            break
        params["cursor"] = r.json()["next_cursor"]
    _once(ids)

    monkeypatch.setattr(exporter, "PAGE_SIZE", 2)
    r = client.get("/export", params={"format": "jsonl", "sort": "relevance"})
    assert r.status_code == 200
    _once([json.loads(line)["id"] for line in r.text.splitlines()])

    out = CliRunner().invoke(cli, ["export", "", "--index", alias, "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    _once([json.loads(line)["id"] for line in out.stdout.splitlines()])


def test_relevance_export_during_indexing_repeats_nothing(es_client, unique_name):
    """qa7b-12: articles holding the query's words indexed during a relevance-sorted export changed the
    scores of the stored ones (BM25 statistics), and the next page's ``search_after`` started again among
    articles already sent. The walk reads one point in time: exactly the articles there when it began."""
    name = f"{unique_name}-live"
    elastic.ensure_index(es_client, name)
    try:
        before = [_doc(i, True, "ميناء") for i in range(60)]
        elastic.index_documents(es_client, before, alias=name, refresh="wait_for")
        pages = exporter.export_pages(es_client, name, exporter.ExportQuery(q="ميناء", sort="relevance"),
                                      page_size=10)
        ids = [s["id"] for s in next(pages)]
        # many more articles with the word, denser: every stored article's score drops
        more = [EnrichedDocument(id=f"n{i:04d}", url=f"https://example.test/n{i}", source="bbc", title="ميناء",
                                 body="ميناء " * 8, published=T0) for i in range(400)]
        elastic.index_documents(es_client, more, alias=name, refresh="wait_for")
        ids += [s["id"] for p in pages for s in p]
        assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} articles exported twice"
        assert set(ids) == {d.id for d in before}
    finally:
        elastic.drop_alias_and_indices(es_client, name)
        forget(name)


def test_export_goes_on_when_its_point_in_time_is_gone(es_client, alias):
    """A reader that stalls past the point in time's keep-alive: the walk goes on after the last article
    sent, in a new point in time, instead of breaking the stream."""
    pages = exporter.export_pages(es_client, alias, exporter.ExportQuery(sort="date"), page_size=4)
    ids = [s["id"] for s in next(pages)]
    snapshot = pages.gi_frame.f_locals["snapshot"]  # the walk's point in time, expired by hand
    es_client.close_point_in_time(id=snapshot.pit_id)
    ids += [s["id"] for p in pages for s in p]
    _once(ids)
    assert snapshot.pit_id is None  # closed at the end of the walk


class _CountingPits:
    """The real client, counting the points in time it opens (``export`` must not open one past the budget)."""

    def __init__(self, es) -> None:  # noqa: ANN001
        self._es, self.opened = es, 0

    def open_point_in_time(self, **kw):  # noqa: ANN003, ANN201
        self.opened += 1
        return self._es.open_point_in_time(**kw)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._es, name)


def test_anonymous_exports_share_the_point_in_time_budget(es_client, alias, monkeypatch):
    """An export holds a point in time while it streams, and a reader can stall it for minutes: without
    the write key it takes one from /search's budget, and past it walks the live index (still whole)."""
    from worker.api.app import create_app
    from worker.api.limits import PitBudget
    from worker.api.routes.search import SearchTarget, search_target

    counting = _CountingPits(es_client)
    app = create_app()
    app.dependency_overrides[search_target] = lambda: SearchTarget(counting, alias)
    app.state.pit_budget = PitBudget(1)
    client = TestClient(app)
    monkeypatch.setattr(exporter, "PAGE_SIZE", 2)
    for expected_pits in (1, 1):  # the first takes the budget's one, the second walks without
        r = client.get("/export", params={"format": "jsonl", "sort": "date"})
        assert r.status_code == 200
        _once([json.loads(line)["id"] for line in r.text.splitlines()])
        assert counting.opened == expected_pits
