"""A worker that loses Redis reconnects instead of dying (worker/broker_guard.py), against the real Redis.

Celery's consumer collects a broken connection, which drops the transport; a channel it could not close then
is closed later, under ``kombu.common.ignore_errors``, and tries to re-queue its unacknowledged messages.
Without the guard kombu 5.7.0 raises ``AttributeError: 'NoneType' object has no attribute 'hostname'``,
which ``ignore_errors`` lets through: the worker stopped with "Unrecoverable error" in the Redis-restart
chaos test. With it the close is an ordinary connection error, and the message is not lost: it waits in the
``unacked`` hash until a consumer's ``restore_visible`` re-delivers it.
"""

from __future__ import annotations

import time

import kombu
import pytest
from kombu.common import ignore_errors

from tests.conftest import REDIS_URL
from worker import broker_guard

pytestmark = pytest.mark.integration


def _connection(name: str) -> kombu.Connection:
    # the transport's bookkeeping keys under unique names, so parallel tests and a running worker never meet
    return kombu.Connection(REDIS_URL, transport_options={
        "unacked_key": f"{name}:unacked", "unacked_index_key": f"{name}:unacked_index",
        "unacked_mutex_key": f"{name}:unacked_mutex", "visibility_timeout": 1})


def test_channel_closed_after_its_transport_is_a_connection_error_and_loses_nothing(redis_client, unique_name):
    broker_guard.install()
    name = f"test-broker-guard-{unique_name}"
    queue = kombu.Queue(name, routing_key=name)
    conn = _connection(name)
    try:
        with conn.Producer() as producer:
            producer.publish({"id": 1}, routing_key=name, declare=[queue])
        channel = conn.channel()
        received: list[kombu.Message] = []
        consumer = kombu.Consumer(channel, queues=[queue], callbacks=[lambda _body, msg: received.append(msg)])
        consumer.consume()
        conn.drain_events(timeout=5)
        assert len(received) == 1 and redis_client.hlen(f"{name}:unacked") == 1

        # the state Connection.collect() leaves when closing a channel failed part way: transport dropped,
        # this channel still open with a message it never acknowledged
        conn._do_close_transport()
        ignore_errors(conn, channel.close)  # what Celery's Tasks.shutdown does; raised AttributeError before

        assert redis_client.llen(name) == 0
        assert redis_client.hlen(f"{name}:unacked") == 1, "the unacknowledged message must wait, not vanish"
    finally:
        conn.release()

    # a later consumer's visibility sweep re-delivers it
    time.sleep(1.5)
    again = _connection(name)
    try:
        again.default_channel.qos.restore_visible(num=10)
        assert redis_client.llen(name) == 1
        assert redis_client.hlen(f"{name}:unacked") == 0
    finally:
        again.release()
        redis_client.delete(name, f"{name}:unacked", f"{name}:unacked_index", f"{name}:unacked_mutex")


def test_install_is_idempotent():
    broker_guard.install()
    wrapped = kombu.transport.redis.Channel._connparams
    broker_guard.install()
    assert kombu.transport.redis.Channel._connparams is wrapped and broker_guard.installed()
