"""How the API waits on Elasticsearch: briefly, and a few requests at a time.

Indexing rides out an outage (the process client's 30 s x 3 retries, ``worker.store.clients.get_es``); a
person waiting on a page should not. QA4 web D1: against a node that accepts connections but never
answers, every read took 2 minutes, and since routes are sync functions run in starlette's thread pool
(40 threads), about 40 open page loads took every thread: /health, /ready, the Redis-only feeds page and
even the static files got no answer.

Every Elasticsearch-bound route (search, facets, articles, exports, stories, entities, alerts) depends on
``es_turn``:

* a deadline: ``api_es_timeout`` seconds from the request's arrival for its turn and all its Elasticsearch
  calls together; each call gets what is left and no retry (``interactive``, ``es_deadline``);
* a turn: at most ``api_es_concurrency`` of these requests run at once. The others wait in the event loop,
  which holds no thread, until a turn frees or their deadline passes (then a 503 with Retry-After). A stalled
  Elasticsearch therefore holds at most that many threads, and everything else keeps answering.

The turn and the deadline end when the route returns, before a streamed export is sent: its later pages are
read with ``api_es_timeout`` a call and no retry, outside the count.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from elasticsearch import Elasticsearch
from fastapi import HTTPException, Request

from worker.settings import get_settings
from worker.store.clients import es_deadline, interactive

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class EsTurns:
    """At most ``limit`` requests on Elasticsearch at once; the rest wait, without a thread, for a while."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sem: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        # one per event loop: a test's second TestClient runs the same app on a new loop
        loop = asyncio.get_running_loop()
        if self._sem is None or self._loop is not loop:
            self._loop, self._sem = loop, asyncio.Semaphore(self.limit)
        return self._sem

    async def take(self, timeout: float) -> asyncio.Semaphore | None:
        """The semaphore to release once a turn is ours; None if none freed within ``timeout`` seconds."""
        sem = self._semaphore()
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can lose a permit acquired as the timeout fires
            async with asyncio.timeout(max(0.0, timeout)):
                await sem.acquire()
        except TimeoutError:
            return None
        return sem


def timeout_detail(method: str) -> str:
    """The 503's message when Elasticsearch did not answer in the request's time."""
    seconds = get_settings().api_es_timeout
    detail = f"Elasticsearch did not answer within {seconds:g} s (NEWSWORKER_API_ES_TIMEOUT)"
    if method.upper() in WRITE_METHODS:
        # the request may have reached it: a write that timed out can still be applied later
        detail += "; the change may have been saved all the same: reload to check before trying again"
    return detail


def timeout_body(method: str) -> dict[str, Any]:
    """The 503's body when Elasticsearch did not answer in time. ``write_unconfirmed`` says in data what the
    message says in words (a write may have been applied all the same), so a client need not match text."""
    return {"detail": timeout_detail(method), "write_unconfirmed": method.upper() in WRITE_METHODS}


async def es_turn(request: Request) -> AsyncIterator[None]:
    """The dependency of every Elasticsearch-bound route (declare it with ``scope="function"``, so that the
    turn and the deadline end when the route returns, not when a streamed body is sent)."""
    settings = get_settings()
    turns: EsTurns = request.app.state.es_turns
    with es_deadline(settings.api_es_timeout) as end:
        turn = await turns.take(end - time.monotonic())
        if turn is None:
            raise HTTPException(
                503, f"Elasticsearch is not answering in time: {turns.limit} requests already wait on it "
                "(NEWSWORKER_API_ES_CONCURRENCY); try again shortly",
                headers={"Retry-After": str(max(1, math.ceil(settings.api_es_timeout)))})
        try:
            yield
        finally:
            turn.release()


def api_es(es: Elasticsearch) -> Elasticsearch:
    """``es`` as the API reads and writes with it: ``api_es_timeout`` a call, no retry (and, inside
    ``es_turn``, the request's deadline)."""
    return interactive(es, get_settings().api_es_timeout)
