"""The outbox re-sends a record that was handed to a queue but never finished, and nothing else: the
``sweep`` stage on the real Redis."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def ctx(redis_client, unique_name):
    from worker.keys import Keys
    from worker.pipeline.context import AppContext
    from worker.settings import Settings

    c = AppContext(Settings(outbox_max_age=3600), redis_client, None, Keys(f"{unique_name}:"))  # type: ignore[arg-type]
    yield c
    keys = list(redis_client.scan_iter(f"{unique_name}:*", count=1000))
    if keys:
        redis_client.delete(*keys)


def test_lost_hand_off_is_resent_once_per_age_and_forgotten_when_done(ctx, unique_name):
    from worker.pipeline.outbox import Outbox
    from worker.pipeline.periodic import sweep_outbox
    from worker.pipeline.stage import Hop

    outbox = Outbox(ctx.redis, ctx.keys)
    queue = f"{unique_name}-extract"  # stands for the outboxed stages' queues
    sent: list = []

    def sweep(max_age: float) -> int:
        ctx.settings.outbox_max_age = max_age
        return sweep_outbox(Hop(ctx, sent.append), queues=(queue,))

    outbox.remember([("extract", "a1", {"id": "a1", "title": "هجوم على سجن", "body": "نص"})])
    outbox.remember([("extract", "a2", {"id": "a2", "title": "خبر آخر", "body": "نص"})])
    outbox.forget("extract", ["a2"])  # indexed normally
    assert sweep(3600) == 0  # too young to be called lost
    assert sweep(0) == 1
    assert [(e.stage, e.payload["id"]) for e in sent] == [("extract", "a1")]
    assert sent[0].payload["title"] == "هجوم على سجن"
    assert sweep(5) == 0  # its clock restarted at the re-send
    ctx.redis.lpush(queue, "pending-message")
    assert sweep(-1) == 0  # a backlog is not a loss
    ctx.redis.delete(queue)
    outbox.postpone("extract", ["a1"], until=10**10)  # a retry waiting for its countdown
    assert sweep(-1) == 0
    outbox.forget("extract", ["a1"])
    assert outbox.count() == 0
    assert sweep(-1) == 0
