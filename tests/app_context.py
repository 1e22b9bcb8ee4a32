"""The one application context for a test: the process's settings with the test's own Elasticsearch index
names (``<name>-articles``, ``<name>-alerts``, ``<name>-alert-history``, ``<name>-feeds``), its own Redis key prefix
(``<name>:``), and the shared clients: the test runs on the real services without touching anyone else's
state."""

from __future__ import annotations

from typing import Any

import redis
from elasticsearch import Elasticsearch

from worker.pipeline.context import AppContext
from worker.settings import Settings, get_settings


def test_settings(name: str, base: Settings | None = None, **overrides: Any) -> Settings:
    """``base`` (default: the process's settings, as a test may have patched them) under ``name``'s indexes.
    A copy, so that the test's changes (``ctx.settings = test_settings(...)``) stay in its own context."""
    names = {"es_index": f"{name}-articles", "es_alerts_index": f"{name}-alerts",
             "es_alert_history_index": f"{name}-alert-history", "es_feeds_index": f"{name}-feeds"}
    return (base or get_settings()).model_copy(update={**names, **overrides})


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test pytest should collect


def app_context(name: str, redis_client: redis.Redis, es_client: Elasticsearch | Any, *,
                settings: Settings | None = None, prefix: str | None = None, **overrides: Any) -> AppContext:
    return AppContext.create(test_settings(name, settings, **overrides), redis_client=redis_client,
                             es=es_client, prefix=prefix or f"{name}:")
