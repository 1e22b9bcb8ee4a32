"""A guard for kombu's Redis transport: a channel closed after its connection was dropped.

When a worker loses Redis, Celery's consumer collects the broken connection (``Connection.collect``), which
closes the connection's channels and then drops the transport (``transport.client = None``). If closing one
channel fails part way (Redis is still down, so re-queueing its unacknowledged messages raises), the rest stay
open and are closed later by the consumer's bootsteps. Each close tries to re-queue its unacknowledged messages
again; building a Redis client for that reads ``transport.client.hostname``, and kombu 5.7.0 raises
``AttributeError: 'NoneType' object has no attribute 'hostname'``. That is not one of the transport's
connection errors, so Celery's ``ignore_errors`` lets it through and the worker stops with "Unrecoverable
error" instead of reconnecting (seen in ``tests/chaos/test_redis_restart.py``).

The guard turns that case into what it is, a connection error (``redis.exceptions.ConnectionError``), which
every caller in Celery and kombu already handles. Nothing is lost by not re-queueing at that moment: the
messages stay in the transport's ``unacked`` hash, and any worker's ``restore_visible`` re-delivers them once
the visibility timeout has passed (``NEWSWORKER_VISIBILITY_TIMEOUT``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

__all__ = ["install", "installed"]

_MARK = "_newsworker_guard"


def _guarded(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def _connparams(self: kombu_redis.Channel, asynchronous: bool = False) -> dict[str, Any]:
        transport = self.connection
        if transport is None or transport.client is None:
            raise RedisConnectionError("the broker connection of this channel was closed")
        return original(self, asynchronous)

    setattr(_connparams, _MARK, True)
    _connparams.__wrapped__ = original  # type: ignore[attr-defined]
    return _connparams


def installed() -> bool:
    return getattr(kombu_redis.Channel._connparams, _MARK, False)


def install() -> None:
    """Wrap ``kombu.transport.redis.Channel._connparams`` once per process (idempotent)."""
    if not installed():
        kombu_redis.Channel._connparams = _guarded(kombu_redis.Channel._connparams)
