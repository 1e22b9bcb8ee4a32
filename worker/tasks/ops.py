"""Operational tasks: the liveness canary."""

from __future__ import annotations

import time

from worker.celery_app import app
from worker.ops.health import CANARY_KEY
from worker.store.clients import get_redis


@app.task(name="worker.tasks.ops.canary", ignore_result=True, expires=60)
def canary() -> None:
    """Stamp the time a worker last consumed a beat-sent message (see worker.ops.health)."""
    get_redis().set(CANARY_KEY, repr(time.time()), ex=3600)


@app.task(name="worker.tasks.ops.sweep_inflight", ignore_result=True, expires=120)
def sweep_inflight() -> int:
    """Re-send articles handed to extraction long ago and never indexed (see worker.tasks.inflight)."""
    from worker.tasks import inflight

    return inflight.sweep(lambda p: app.send_task("worker.tasks.extract.extract_article", args=[p],
                                                  queue="extract"))
