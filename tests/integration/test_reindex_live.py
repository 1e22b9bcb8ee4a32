"""``reindex`` while indexing keeps running: every acknowledged write ends up in the new index.

A writer thread adds new articles and overwrites existing ones through the alias for the whole copy (which
is slowed down so that it cannot finish before the writer has done something); afterwards every write the
writer saw acknowledged must be readable through the alias, at its last version.
"""

from __future__ import annotations

import threading
import time

import pytest

from worker.document import EnrichedDocument
from worker.store import elastic
from worker.store.fields import forget

pytestmark = pytest.mark.integration

N_START = 1500


def _doc(doc_id: str, title: str) -> EnrichedDocument:
    return EnrichedDocument(id=doc_id, url=f"https://example.test/{doc_id}", title=title, body=f"{title} في بغداد")


def test_reindex_carries_writes_made_while_it_copies(es_client, unique_name, monkeypatch):
    alias = f"{unique_name}-live"
    written: dict[str, str] = {}  # id -> last acknowledged title
    stop = threading.Event()
    errors: list[str] = []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            batch = [_doc(f"new-{i}", f"خبر جديد {i}"), _doc(f"old-{(i * 7) % N_START}", f"تحديث {i}")]
            res = elastic.index_documents(es_client, batch, alias=alias, max_retries=8, initial_backoff=0.05)
            for outcome, doc in zip(res.outcomes, batch, strict=True):
                if outcome.ok:
                    written[doc.id] = doc.title
                else:
                    errors.append(f"{doc.id}: {outcome.status} {outcome.error}")
            i += 1
            time.sleep(0.005)

    real = elastic._rederive
    monkeypatch.setattr(elastic, "_rederive", lambda src: (time.sleep(0.001), real(src))[1])
    try:
        elastic.ensure_index(es_client, alias)
        start = [_doc(f"old-{i}", f"خبر قديم {i}") for i in range(N_START)]
        elastic.index_documents(es_client, start, alias=alias, refresh="wait_for")
        written.update({d.id: d.title for d in start})
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        time.sleep(0.2)
        res = elastic.reindex(es_client, alias=alias, batch=200)
        time.sleep(0.3)  # writes after the swap go to the new index directly
        stop.set()
        thread.join(timeout=30)
        forget(alias)

        assert res.swapped and not res.failed and res.caught_up > 0, res
        assert not errors, errors[:5]
        assert elastic.alias_indices(es_client, alias) == [f"{alias}-v2"]
        es_client.indices.refresh(index=alias)
        assert es_client.count(index=alias)["count"] == len(written)
        got = {}
        ids = list(written)
        for i in range(0, len(ids), 500):
            resp = es_client.mget(index=alias, ids=ids[i : i + 500], source_includes=["title"])
            got.update({d["_id"]: d["_source"]["title"] for d in resp["docs"] if d.get("found")})
        stale = {k: (v, got.get(k)) for k, v in written.items() if got.get(k) != v}
        assert not stale, list(stale.items())[:5]
        # the old index is write-blocked, not silently accepting writes nobody reads
        blocks = es_client.indices.get_settings(index=f"{alias}-v1").body[f"{alias}-v1"]["settings"]["index"]
        assert blocks.get("blocks", {}).get("write") == "true"
    finally:
        stop.set()
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


def test_a_write_block_is_reported_as_transient(es_client, unique_name):
    alias = f"{unique_name}-blk"
    try:
        res = elastic.ensure_index(es_client, alias)
        es_client.indices.put_settings(index=res.index, settings={"index": {"blocks": {"write": True}}})
        out = elastic.index_documents(es_client, [_doc("a", "خبر")], alias=alias, max_retries=0)
        assert [(o.ok, o.status) for o in out.outcomes] == [(False, 503)]
        assert "cluster_block_exception" in (out.outcomes[0].error or "")
    finally:
        es_client.indices.put_settings(index=f"{alias}-v*", settings={"index": {"blocks": {"write": False}}})
        elastic.drop_alias_and_indices(es_client, alias)
