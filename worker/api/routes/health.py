"""Liveness, readiness, the service state the web pages show, and Prometheus metrics. /health and /ready
stay open (load balancers and orchestrators call them without a key) and say nothing secret: no URLs, no
credentials. /metrics and /status follow the read rule (they name feeds, queues and workers).

/status is what every web page reads every 30 s (shell.js): whether feeds are polled and alerts sent. Its
checks (``worker.ops.health.service_checks``: a worker ping among them) run at most once every
``STATUS_CACHE_SECONDS`` per app, whatever the number of pages open; the others wait for that one run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from worker.api.auth import require_read
from worker.api.models import RATE_LIMITED, READ_ERRORS, LiveOut, ReadyOut, responses
from worker.api.models_ops import ServiceStateOut
from worker.ops import health
from worker.ops.metrics import RedisCollector

router = APIRouter(tags=["health"])

_registry = CollectorRegistry()
_registry.register(RedisCollector())

STATUS_CACHE_SECONDS = 10.0
_cache_created = threading.Lock()


class StateCache:
    """The last service state and when it was taken; one computation at a time (single flight)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: dict[str, Any] | None = None
        self.at = 0.0

    def get(self, compute: Callable[[], dict[str, Any]], max_age: float) -> dict[str, Any]:
        if self.value is not None and time.monotonic() - self.at < max_age:
            return self.value
        with self.lock:
            if self.value is None or time.monotonic() - self.at >= max_age:
                self.value = compute()
                self.at = time.monotonic()
            return self.value


@router.get("/health", response_model=LiveOut, responses=responses(RATE_LIMITED))
async def live() -> dict:
    """The API process is up (no dependency checks: a load balancer must not restart it for Redis). Async: it
    needs no thread of the pool, so it answers even when every thread is busy."""
    return {"ok": True}


@router.get("/ready", response_model=ReadyOut,
            responses=responses(RATE_LIMITED, {503: {"model": ReadyOut, "description": "a dependency is down"}}))
def ready(workers: bool = False) -> JSONResponse:
    """Redis and Elasticsearch reachable (and, with ``?workers=true``, workers consuming and beat alive).
    Elasticsearch gets ``PROBE_SECONDS`` to answer, else it is reported down (``worker.ops.health.check_es``)."""
    body = health.as_json(health.gather(include_workers=workers))
    return JSONResponse(body, status_code=200 if body["ok"] else 503)


@router.get("/status", response_model=ServiceStateOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS))
def service_status(request: Request) -> dict[str, Any]:
    """Whether feeds are polled and alerts sent: Redis, Elasticsearch, workers, beat, canary. Always 200 (a
    report, not a probe: /ready is the probe); at most ``STATUS_CACHE_SECONDS`` old."""
    with _cache_created:  # one cache per app, even when its first two requests come together
        cache = getattr(request.app.state, "service_state", None)
        if cache is None:
            cache = request.app.state.service_state = StateCache()
    return cache.get(lambda: health.service_state(health.service_checks()), STATUS_CACHE_SECONDS)


@router.get("/metrics", dependencies=[Depends(require_read)], response_class=Response,
            responses=responses({200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                                       "description": "Prometheus text format"}}, READ_ERRORS))
def metrics() -> Response:
    return Response(generate_latest(_registry), media_type=CONTENT_TYPE_LATEST)
