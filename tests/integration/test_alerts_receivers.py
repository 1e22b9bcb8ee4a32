"""A receiver's slots on the real Redis (QA5 qa5r2-2): a full receiver refuses the next send, a slot given
back or past its lease is free again, racing workers never take more than the limit, and a send refused
for its receiver is neither made, nor recorded, nor left holding its sending lock."""

from __future__ import annotations

import threading
import time

import pytest

from tests.integration.alert_context import alerts_ctx  # noqa: F401
from tests.integration.alert_receivers import webhook_receiver  # noqa: F401
from tests.integration.test_alerts_delivery_bounds import _webhook_delivery
from worker.alerts.delivery import attempt, raise_for
from worker.alerts.delivery.receivers import ReceiverSlots, receiver_key
from worker.alerts.history import History
from worker.keys import Keys
from worker.pipeline.errors import classify

pytestmark = pytest.mark.integration

RECEIVER = "http://slow.example:8192"


@pytest.fixture
def slots(redis_client, unique_name):
    keys = Keys(f"{unique_name}:")
    yield lambda limit: ReceiverSlots(redis_client, keys, limit)
    redis_client.delete(keys.alert_receiver(RECEIVER), keys.alert_receiver("http://other.example:80"))


def test_a_full_receiver_refuses_and_a_slot_given_back_is_free(slots) -> None:
    s = slots(2)
    first, second = s.acquire(RECEIVER, 60), s.acquire(RECEIVER, 60)
    assert first and second and first.token != second.token
    assert s.acquire(RECEIVER, 60) is None
    assert s.in_flight(RECEIVER) == 2
    assert s.acquire("http://other.example:80", 60) is not None  # another receiver has slots of its own
    s.release(first)
    third = s.acquire(RECEIVER, 60)
    assert third is not None and s.acquire(RECEIVER, 60) is None
    s.release(first)  # twice: gives back nothing more
    assert s.acquire(RECEIVER, 60) is None


def test_a_slot_past_its_lease_is_free_and_the_key_goes(slots, redis_client) -> None:
    s = slots(1)
    held = s.acquire(RECEIVER, 0.4)  # a worker killed mid-send never gives it back
    assert held is not None and s.acquire(RECEIVER, 60) is None
    assert 0 < redis_client.pttl(held.key) <= 400
    time.sleep(0.5)
    assert s.in_flight(RECEIVER) == 0
    again = s.acquire(RECEIVER, 0.3)
    assert again is not None and s.acquire(RECEIVER, 60) is None
    time.sleep(0.4)
    assert not redis_client.exists(again.key)  # a receiver no longer sent to leaves nothing behind


def test_racing_workers_never_hold_more_than_the_limit(slots) -> None:
    s = slots(3)
    taken: list[object] = []
    start = threading.Barrier(24)

    def one() -> None:
        start.wait()
        slot = s.acquire(RECEIVER, 60)
        if slot is not None:
            taken.append(slot)

    threads = [threading.Thread(target=one) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 3 and s.in_flight(RECEIVER) == 3


def test_no_limit_takes_nothing(slots, redis_client) -> None:
    s = slots(0)
    held = [s.acquire(RECEIVER, 60) for _ in range(50)]
    assert all(held) and not redis_client.exists(held[0].key)


def test_a_send_refused_for_its_receiver_is_not_made_and_goes_later_once(alerts_ctx, webhook_receiver) -> None:  # noqa: F811
    hook = _webhook_delivery(alerts_ctx, webhook_receiver.url)
    s = ReceiverSlots(alerts_ctx.redis, alerts_ctx.keys, alerts_ctx.settings.deliver_per_receiver)
    receiver = receiver_key(hook["channel"], alerts_ctx.settings)
    assert receiver == f"http://127.0.0.1:{webhook_receiver.port}"
    others = [s.acquire(receiver, 60) for _ in range(s.limit)]  # other sends to the receiver, in flight
    assert all(others)

    out = attempt(hook, alerts_ctx)
    assert out.status == "receiver_busy" and out.retry_after
    with pytest.raises(Exception) as caught:
        raise_for(out)
    assert classify(caught.value).counts_as_attempt is False
    assert webhook_receiver.requests == []
    rec = History(alerts_ctx).get(hook["id"])
    assert rec["status"] == "pending" and rec["attempts"] == 0  # no attempt was made
    assert not alerts_ctx.redis.exists(alerts_ctx.keys.alert_sending(hook["id"], hook["channel_key"]))

    s.release(others[0])
    assert attempt(hook, alerts_ctx).status == "delivered"
    assert s.in_flight(receiver) == s.limit - 1  # its own slot given back
    assert attempt(hook, alerts_ctx).status == "skipped"
    assert len(webhook_receiver.requests) == 1
