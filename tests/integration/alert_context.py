"""An isolated application context on the real Redis + Elasticsearch (unique index names and key prefix), and a
pipeline runner on it that runs every stage in-process (reusable by the end-to-end test)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import pytest

from tests.app_context import app_context
from worker.alerts.engine import Engine
from worker.alerts.notify import process_document
from worker.alerts.store import RuleStore
from worker.pipeline.context import AppContext, current, use
from worker.pipeline.runner import Runner, inline_runner
from worker.pipeline.table import STAGES
from worker.records import Delivery


@pytest.fixture
def alerts_ctx(redis_client, es_client, unique_name, local_receivers) -> Iterator[AppContext]:
    """The test's application context (its own indexes and key prefix, ``tests/app_context.py``), installed
    as the process's (the API and CLI under test use it), with a rule engine that sees every change at once."""
    ctx = app_context(unique_name, redis_client, es_client, alert_story_window_hours=48)
    ctx.engine = Engine(RuleStore(ctx), check_interval=0.0)
    with use(ctx):
        yield ctx
    es_client.indices.delete(index=f"{unique_name}-*", ignore_unavailable=True, allow_no_indices=True)
    keys = list(redis_client.scan_iter(match=f"{unique_name}:*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def pipeline(alerts_ctx) -> Runner:
    """A runner on the test's application context, every message run at once in this process (retries
    without waiting)."""
    return inline_runner(current(), STAGES)


def match_article(runner: Runner, doc: dict[str, Any]) -> dict[str, Any]:
    """What the ``match`` stage does, with its result for the test: match, then deliver every channel."""
    result = process_document(doc, ctx=runner.ctx, engine=runner.ctx.engine)
    runner.submit("deliver", [Delivery.from_payload(d) for d in result.deliveries])
    return asdict(result)


def deliver(runner: Runner, delivery: dict[str, Any]) -> str:
    """Run the ``deliver`` stage on one delivery, retries included; how it ended (``dead``: dead letter)."""
    since = len(runner.dispatcher.outcomes)  # type: ignore[attr-defined]
    first = runner.handle("deliver", [delivery])[0]
    return runner.dispatcher.final("deliver", first, since)  # type: ignore[attr-defined]
