"""Liveness, readiness and Prometheus metrics. /health and /ready stay open (load balancers and
orchestrators call them without a key) and say nothing secret: no URLs, no credentials. /metrics
follows the read rule (it names feeds and queues)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from worker.api.auth import require_read
from worker.api.models import RATE_LIMITED, READ_ERRORS, LiveOut, ReadyOut, responses
from worker.ops import health
from worker.ops.metrics import RedisCollector

router = APIRouter(tags=["health"])

_registry = CollectorRegistry()
_registry.register(RedisCollector())


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


@router.get("/metrics", dependencies=[Depends(require_read)], response_class=Response,
            responses=responses({200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                                       "description": "Prometheus text format"}}, READ_ERRORS))
def metrics() -> Response:
    return Response(generate_latest(_registry), media_type=CONTENT_TYPE_LATEST)
