"""An isolated alert context on the real Redis + Elasticsearch (unique index names and key prefix), wired
into the Celery tasks for the duration of a test (reusable by the end-to-end test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from worker.alerts.context import AlertsContext, set_default_context
from worker.alerts.engine import Engine, reset_engine
from worker.alerts.store import RuleStore


@pytest.fixture
def alerts_ctx(redis_client, es_client, unique_name, local_receivers) -> Iterator[AlertsContext]:
    ctx = AlertsContext(
        rules_index=f"{unique_name}-alerts", history_index=f"{unique_name}-alert-history",
        prefix=f"{unique_name}:alerts", story_window_hours=48, articles_index=f"{unique_name}-articles",
        redis_client=redis_client, es_client=es_client,
    )
    set_default_context(ctx)
    reset_engine(Engine(RuleStore(ctx), check_interval=0.0))
    yield ctx
    set_default_context(None)
    reset_engine(None)
    es_client.indices.delete(index=f"{unique_name}-*", ignore_unavailable=True, allow_no_indices=True)
    keys = list(redis_client.scan_iter(match=f"{unique_name}:*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run ``.delay`` calls in-process (deliveries enqueued by the match step run at once)."""
    from worker.celery_app import app

    old = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = old
