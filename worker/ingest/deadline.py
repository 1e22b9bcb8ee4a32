"""One wall-clock deadline over a whole fetch: connect, TLS, request, response headers, body, every hop.

httpx has no total timeout: its read timeout applies to each socket read, so a server sending one header
line a second never trips it (a fetch hung 385 s on that before the fetcher's own deadline, checked only
between body chunks, got a chance). So every socket operation of the guarded transport is given at most
what is left of the fetch's deadline, set for the calling thread by ``request_deadline``: when it runs
out, the read in progress times out (``httpcore.ReadTimeout`` -> ``httpx.ReadTimeout``) whatever the
server is doing, and the connection is dropped by httpcore.
"""

from __future__ import annotations

import ssl
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore

_deadline: ContextVar[float | None] = ContextVar("fetch_deadline", default=None)


@contextmanager
def request_deadline(deadline: float) -> Iterator[None]:
    """Socket operations in this thread (context) get no more than ``deadline - time.monotonic()``."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline_passed() -> bool:
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() >= deadline


def bounded(timeout: float | None, exc: type[Exception] = httpcore.ReadTimeout) -> float | None:
    """``timeout`` shortened to what is left of the deadline; ``exc`` when nothing is."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise exc("total fetch deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation is bounded by the current fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, bounded(timeout, httpcore.ConnectTimeout))
        return DeadlineStream(inner)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)
