"""The search API on a fresh alias of the real Elasticsearch, for tests of its HTTP surface."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from worker.api.app import create_app
from worker.api.routes.search import SearchTarget, search_target
from worker.document import EnrichedDocument
from worker.store import elastic
from worker.store.fields import forget


@contextmanager
def search_app(es_client, prefix: str, docs: list[EnrichedDocument]) -> Iterator[tuple[TestClient, str]]:  # noqa: ANN001
    """A client of the API searching a new alias (``prefix`` + a random part) that holds ``docs``; the alias
    and its indices are dropped afterwards."""
    alias = prefix + uuid.uuid4().hex[:8]
    elastic.ensure_index(es_client, alias)
    try:
        assert elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for").indexed == len(docs)
        app = create_app()
        app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, alias)
        with TestClient(app) as client:
            yield client, alias
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)
