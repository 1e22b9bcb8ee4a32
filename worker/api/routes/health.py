"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from worker.ops import health
from worker.ops.metrics import RedisCollector

router = APIRouter(tags=["health"])

_registry = CollectorRegistry()
_registry.register(RedisCollector())


@router.get("/health")
def live() -> dict:
    """The API process is up (no dependency checks: a load balancer must not restart it for Redis)."""
    return {"ok": True}


@router.get("/ready")
def ready(workers: bool = False) -> JSONResponse:
    """Redis and Elasticsearch reachable (and, with ``?workers=true``, workers consuming and beat alive)."""
    body = health.as_json(health.gather(include_workers=workers))
    return JSONResponse(body, status_code=200 if body["ok"] else 503)


@router.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(_registry), media_type=CONTENT_TYPE_LATEST)
