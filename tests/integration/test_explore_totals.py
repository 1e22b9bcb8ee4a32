"""``total_articles`` of ``/stories/top`` and ``/entities/top`` counts every article of the window (QA7
qa7b-4): past Elasticsearch's default bound of 10,000 counted hits, and (stories) with or without a story,
as the README's "All time counts every article" and the field's own description say."""

from __future__ import annotations

import pytest
from elasticsearch import helpers
from fastapi.testclient import TestClient

from tests.integration.explore_corpus import explore_alias, explore_documents

pytestmark = pytest.mark.integration

EXTRA = 10_050  # past ES's default track_total_hits bound of 10,000
WITHOUT_STORY = 50  # of them, articles no story holds


@pytest.fixture(scope="module")
def api(es_client):
    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target

    with explore_alias(es_client, "texplore-totals-") as alias:
        # Small raw documents, bulk-written: the count is what is tested, not the chain.
        actions = ({"_index": alias, "_id": f"x-{i}", "_source": {
            "id": f"x-{i}", "url": f"https://example.test/x-{i}", "title": "t", "source": "bulk",
            "published": "2018-01-15T00:00:00Z", **({} if i < WITHOUT_STORY else {"story_id": f"bulk-{i % 7}"})}}
            for i in range(EXTRA))
        ok, errors = helpers.bulk(es_client, actions, refresh="wait_for", chunk_size=2000)
        assert ok == EXTRA and not errors
        app = create_app()
        app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, alias)
        with TestClient(app) as client:
            yield client


def test_top_stories_counts_every_article_past_ten_thousand(api):
    body = api.get("/stories/top", params={"window": "all", "size": 1}).json()
    assert body["total_articles"] == len(explore_documents()) + EXTRA  # with or without a story
    by_articles = api.get("/stories/top", params={"window": "all", "sort": "articles", "size": 1}).json()
    assert by_articles["stories"][0]["articles"] == len(range(WITHOUT_STORY, EXTRA, 7))  # bulk-1, from x-50 on
    assert by_articles["total_articles"] == body["total_articles"]


def test_top_entities_counts_every_article_past_ten_thousand(api):
    body = api.get("/entities/top", params={"window": "all", "size": 1}).json()
    assert body["total_articles"] == len(explore_documents()) + EXTRA
