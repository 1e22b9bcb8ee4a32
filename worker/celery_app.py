"""The Celery application: one queue per stage, late acks, JSON only.

Stage flow: poll -> fetch -> extract -> index -> alert. Each stage is a thin task in ``worker.tasks``.
Reliability settings follow Celery's task guide: tasks are idempotent (keyed on the document id), acked
after they finish (``acks_late``) and re-queued if the worker process dies (``reject_on_worker_lost``).
The Redis visibility timeout must exceed the longest task, or Redis re-delivers a task that is still
running; fetch has the longest bound (HTTP timeout x retries), well under 30 min.
"""

from __future__ import annotations

import logging
import os
import time

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    worker_init,
    worker_process_init,
)
from kombu import Queue

from worker.settings import get_settings

QUEUES = ("poll", "fetch", "extract", "index", "alert")

_settings = get_settings()

app = Celery("newsworker", broker=_settings.redis_url, backend=_settings.redis_url)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    enable_utc=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_acks_on_failure_or_timeout=True,
    worker_prefetch_multiplier=1,
    worker_max_tasks_per_child=_settings.worker_max_tasks_per_child,
    # Task events cost a Redis publish per task state; Flower turns them on when it attaches
    # (`celery -A worker.celery_app control enable_events`), NEWSWORKER_TASK_EVENTS=1 forces them on.
    worker_send_task_events=os.environ.get("NEWSWORKER_TASK_EVENTS", "") in ("1", "true"),
    task_send_sent_event=os.environ.get("NEWSWORKER_TASK_EVENTS", "") in ("1", "true"),
    task_track_started=False,
    task_ignore_result=True,
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,
    # Publishing (a stage handing on, a retry) rides out a Redis restart of ~2 min instead of failing the
    # task after Celery's default 0.6 s (a failed hand-off was acked and the article lost: tests/chaos).
    task_publish_retry_policy={"max_retries": 60, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 3},
    # NEWSWORKER_VISIBILITY_TIMEOUT: chaos tests lower it to see a SIGKILLed worker's task redelivered soon.
    broker_transport_options={"visibility_timeout": int(os.environ.get("NEWSWORKER_VISIBILITY_TIMEOUT", "1800")),
                              "socket_keepalive": True},
    task_time_limit=600,
    task_soft_time_limit=540,
    task_queues=[Queue(q) for q in QUEUES],
    task_default_queue="extract",
    task_routes={
        "worker.tasks.poll.*": {"queue": "poll"},
        "worker.tasks.fetch.*": {"queue": "fetch"},
        "worker.tasks.extract.*": {"queue": "extract"},
        "worker.tasks.index.*": {"queue": "index"},
        "worker.tasks.alert.*": {"queue": "alert"},
        "worker.tasks.ops.*": {"queue": "poll"},
    },
    imports=(
        "worker.tasks.poll",
        "worker.tasks.fetch",
        "worker.tasks.extract",
        "worker.tasks.index",
        "worker.tasks.alert",
        "worker.tasks.ops",
    ),
    # RedBeat keeps the schedule in Redis and holds a lock, so a second beat cannot double-fire.
    beat_scheduler="redbeat.RedBeatScheduler",
    redbeat_redis_url=_settings.redis_url,
    redbeat_lock_timeout=60,
    beat_max_loop_interval=5,
    beat_schedule={
        # The tick is cheap: it asks the feed registry which feeds are due (each feed has its own adaptive
        # interval) and enqueues one poll task per due feed.
        "poll-due-feeds": {"task": "worker.tasks.poll.schedule_due_feeds", "schedule": _settings.beat_tick_seconds},
        # NEWSWORKER_CANARY_INTERVAL: the liveness test shortens it (with NEWSWORKER_CANARY_MAX_AGE).
        "canary": {"task": "worker.tasks.ops.canary",
                   "schedule": float(os.environ.get("NEWSWORKER_CANARY_INTERVAL", "30"))},
    },
)


@before_task_publish.connect
def _stamp_sent_at(headers: dict | None = None, **_: object) -> None:
    """Record publish time so health checks can report the age of the oldest waiting message."""
    if headers is not None:
        headers.setdefault("sent_at", time.time())


@worker_process_init.connect
def _fresh_clients(**_: object) -> None:
    from worker.store.clients import reset_clients

    reset_clients()
    # Compile alert rules before the first article, not during it: at 10k rules the compile takes seconds,
    # which would land on the first notification's latency. (Per child: the engine holds Redis clients.)
    try:
        from worker.alerts.engine import warm_up

        warm_up()
    except Exception as err:  # noqa: BLE001 - a cold start is slower, not broken
        logging.getLogger(__name__).warning("alert rules warm-up failed: %s", err)


@worker_init.connect
def _warm_chain(**_: object) -> None:
    """Load the NER model and gazetteer once in the parent, so prefork children share the pages."""
    try:
        from worker.extract.pipeline import warm_up

        warm_up()
    except Exception as err:  # noqa: BLE001
        logging.getLogger(__name__).warning("extraction warm-up failed: %s", err)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _json_logs(logger: object = None, **_: object) -> None:
    from worker.ops.logs import install

    install(logger)  # type: ignore[arg-type]
