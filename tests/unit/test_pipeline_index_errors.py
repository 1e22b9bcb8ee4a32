"""The index stage's ``indexing_errors_total`` counts documents Elasticsearch refused, or that failed after the
last retry (its help text; README's "errors": failed polls, documents refused, dead letters). QA3 ops L7: a
1-minute outage counted every retry of every waiting article (98 "errors" for 30 articles, all indexed
later), and the console's errors rose from 0 to 104."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from worker.document import EnrichedDocument
from worker.pipeline import article
from worker.pipeline.stage import Hop
from worker.store.elastic import BulkResult, DocOutcome


def _run(monkeypatch, outcome: DocOutcome, *, last_attempt: bool) -> tuple[list[dict[str, str]], list[Any]]:  # noqa: ANN001
    counted: list[dict[str, str]] = []
    monkeypatch.setattr(article, "index_documents", lambda *a, **k: BulkResult([outcome]))
    monkeypatch.setattr(article, "inc", lambda name, labels=None, amount=1: counted.append(
        {"name": name, **(labels or {})}) if name == "indexing_errors_total" else None)
    ctx = SimpleNamespace(es=None, settings=SimpleNamespace(es_index="x"))
    hop = Hop(ctx, lambda _: None, attempt=3 if last_attempt else 1, last_attempt=last_attempt)  # type: ignore[arg-type]
    out = article.index(hop, [EnrichedDocument(id="d1", title="t")])
    return counted, out


def test_a_retry_to_come_is_not_counted(monkeypatch) -> None:  # noqa: ANN001
    counted, out = _run(monkeypatch, DocOutcome("d1", ok=False, status=503, error="unavailable", attempts=2),
                        last_attempt=False)
    assert isinstance(out[0], article.StoreUnavailable) and counted == []


def test_the_last_attempt_and_a_refusal_are_counted(monkeypatch) -> None:  # noqa: ANN001
    counted, _ = _run(monkeypatch, DocOutcome("d1", ok=False, status=503, error="unavailable", attempts=2),
                      last_attempt=True)
    assert counted == [{"name": "indexing_errors_total", "kind": "transient"}]
    counted, out = _run(monkeypatch, DocOutcome("d1", ok=False, status=400, error="mapper_parsing", attempts=1),
                        last_attempt=False)
    assert isinstance(out[0], article.StoreRefused)
    assert counted == [{"name": "indexing_errors_total", "kind": "rejected"}]

