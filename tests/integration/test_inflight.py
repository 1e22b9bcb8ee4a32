"""The in-flight outbox re-sends an article that was handed on but never indexed, and nothing else."""

from __future__ import annotations

import pytest

from tests.conftest import REDIS_URL
from tests.integration.procs import leased_redis_db

pytestmark = pytest.mark.integration


@pytest.fixture
def outbox(redis_client, monkeypatch):
    from worker.settings import get_settings
    from worker.store.clients import reset_clients

    with leased_redis_db(REDIS_URL) as url:
        monkeypatch.setenv("NEWSWORKER_REDIS_URL", url)
        get_settings.cache_clear()
        reset_clients()
        from worker.tasks import inflight

        yield inflight
    get_settings.cache_clear()
    reset_clients()


def test_lost_hand_off_is_resent_once_per_age_and_forgotten_after_indexing(outbox):
    from worker.store.clients import get_redis

    sent: list[dict] = []
    outbox.remember({"id": "a1", "title": "هجوم على سجن", "body": "نص"})
    outbox.remember({"id": "a2", "title": "خبر آخر", "body": "نص"})
    outbox.forget("a2")  # indexed normally
    assert outbox.sweep(sent.append, older_than=3600) == 0  # too young to be called lost
    assert outbox.sweep(sent.append, older_than=0) == 1
    assert [p["id"] for p in sent] == ["a1"] and sent[0]["title"] == "هجوم على سجن"
    assert outbox.sweep(sent.append, older_than=5) == 0  # its clock restarted at the re-send
    get_redis().lpush("extract", "pending-message")
    assert outbox.sweep(sent.append, older_than=-1) == 0  # a backlog is not a loss
    get_redis().delete("extract")
    outbox.forget("a1")
    assert outbox.count() == 0
    assert outbox.sweep(sent.append, older_than=-1) == 0
