"""Bulk retries against a scripted fake node: 429/5xx items are re-sent, 4xx fail at once, outcomes per id.

The fake speaks just enough of ``_bulk`` over HTTP for the real client and ``helpers.streaming_bulk``.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from elasticsearch import Elasticsearch

from worker.store.elastic import index_documents


class FakeBulkNode:
    def __init__(self, flaky: dict[str, list[int]], bad: set[str]):
        self.flaky = {k: list(v) for k, v in flaky.items()}  # id -> statuses to answer before success
        self.bad = bad
        self.attempts: Counter[str] = Counter()
        self.requests = 0
        self.lock = threading.Lock()
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_PUT(self):  # noqa: N802 - http.server API (the client sends PUT /<index>/_bulk)
                length = int(self.headers.get("Content-Length", 0))
                lines = [ln for ln in self.rfile.read(length).decode().split("\n") if ln.strip()]
                items = []
                with node.lock:
                    node.requests += 1
                    for header in lines[0::2]:
                        _id = json.loads(header)["index"]["_id"]
                        node.attempts[_id] += 1
                        if _id in node.bad:
                            items.append(
                                {
                                    "index": {
                                        "_id": _id,
                                        "status": 400,
                                        "error": {"type": "mapper_parsing_exception", "reason": "bad"},
                                    }
                                }
                            )
                        elif node.flaky.get(_id):
                            status = node.flaky[_id].pop(0)
                            items.append(
                                {
                                    "index": {
                                        "_id": _id,
                                        "status": status,
                                        "error": {
                                            "type": "es_rejected_execution_exception",
                                            "reason": "busy",
                                        },
                                    }
                                }
                            )
                        else:
                            items.append({"index": {"_id": _id, "status": 201, "result": "created"}})
                body = json.dumps(
                    {"took": 1, "errors": any(i["index"]["status"] >= 300 for i in items), "items": items}
                )
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _docs(n: int) -> list[dict]:
    return [{"id": f"d{i}", "title": f"عنوان {i}", "body": "نص"} for i in range(n)]


def test_retries_429_and_5xx_then_succeeds():
    with FakeBulkNode(flaky={"d1": [429], "d2": [503, 502], "d3": [429]}, bad=set()) as node:
        es = Elasticsearch(node.url, max_retries=0)
        res = index_documents(es, _docs(5), alias="x", initial_backoff=0.01, max_retries=3)
    assert res.indexed == 5 and not res.failed
    by_id = {o.id: o for o in res.outcomes}
    assert by_id["d2"].attempts == 3 and by_id["d1"].attempts == 2 and by_id["d0"].attempts == 1
    assert node.attempts["d0"] == 1  # successful items are not re-sent


def test_client_errors_fail_fast_and_exhausted_retries_fail():
    with FakeBulkNode(flaky={"d1": [429] * 10}, bad={"d2"}) as node:
        es = Elasticsearch(node.url, max_retries=0)
        res = index_documents(es, _docs(4), alias="x", initial_backoff=0.01, max_retries=2)
    failed = {o.id: o for o in res.failed}
    assert set(failed) == {"d1", "d2"}
    assert failed["d2"].status == 400 and "mapper_parsing_exception" in failed["d2"].error
    assert node.attempts["d2"] == 1
    assert failed["d1"].status == 429 and node.attempts["d1"] == 3
    assert res.indexed == 2


def test_view_errors_and_missing_ids_are_outcomes_not_exceptions():
    def view(doc):
        if doc["id"] == "d1":
            raise ValueError("broken")
        return doc

    with FakeBulkNode(flaky={}, bad=set()) as node:
        es = Elasticsearch(node.url, max_retries=0)
        res = index_documents(es, [*_docs(3), {"title": "no id"}], alias="x", view=view)
    assert res.indexed == 2
    errors = sorted(o.error or "" for o in res.failed)
    assert len(errors) == 2 and any("broken" in e for e in errors) and any("no id" in e for e in errors)
    assert node.attempts["d1"] == 0


def test_duplicate_ids_in_one_batch_are_one_outcome():
    with FakeBulkNode(flaky={}, bad=set()) as node:
        es = Elasticsearch(node.url, max_retries=0)
        docs = _docs(2) + [{"id": "d0", "title": "نسخة ثانية", "body": ""}]
        res = index_documents(es, docs, alias="x")
    assert sorted(o.id for o in res.outcomes) == ["d0", "d1"]
    assert node.attempts["d0"] == 1


@pytest.mark.parametrize("chunk", [1, 2, 500])
def test_chunking_sends_every_document_once(chunk):
    with FakeBulkNode(flaky={}, bad=set()) as node:
        es = Elasticsearch(node.url, max_retries=0)
        res = index_documents(es, _docs(7), alias="x", chunk_size=chunk)
    assert res.indexed == 7 and sum(node.attempts.values()) == 7
    assert node.requests == -(-7 // chunk)


def test_unreachable_node_gives_failed_outcomes_after_retries():
    es = Elasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=2)  # port 9: discard, closed
    res = index_documents(es, _docs(3), alias="x", chunk_size=2, max_retries=1, initial_backoff=0.01)
    assert res.indexed == 0
    assert sorted(o.id for o in res.failed) == ["d0", "d1", "d2"]
    assert all(o.attempts == 2 and "transport" in (o.error or "") for o in res.failed)
