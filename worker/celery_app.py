"""The Celery application: its tasks, routes and beat schedule are derived from the stage table
(``worker.pipeline.table``), never written here.

Reliability settings follow Celery's task guide: tasks are idempotent (keyed on the record id), acked after
they finish (``acks_late``) and re-queued if the worker process dies (``reject_on_worker_lost``); the
pipeline runner, not Celery, decides retries and dead letters. The Redis visibility timeout must exceed the
longest task, or Redis re-delivers a task that is still running; fetch has the longest bound (HTTP
timeout x a micro-batch of pages), well under 30 min.
"""

from __future__ import annotations

import logging
import time

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    worker_init,
    worker_process_init,
    worker_ready,
)
from kombu import Queue

from worker import broker_guard
from worker.celery_log import RedirectLogging
from worker.extract.pipeline import warm_up as warm_up_chain
from worker.ingest.article import warm_up as warm_up_page_extraction
from worker.keys import Keys
from worker.logs import capture_warnings
from worker.logs import install as install_json_logs
from worker.pipeline.context import current
from worker.pipeline.table import STAGES, only_deliveries
from worker.settings import Settings, get_settings
from worker.store.clients import probing, reset_clients
from worker.store.elastic import index_warnings
from worker.tasks import register

QUEUES = STAGES.queues

# A running beat renews its RedBeat lock at every tick (at most BEAT_MAX_LOOP_INTERVAL s apart) to the full
# timeout. A beat that is killed keeps the lock until it expires, and the beat that replaces it waits that long
# with nothing scheduled: 30 s (was 60) halves that gap. The cost: a beat frozen for longer (SIGSTOP, swapping)
# loses the lock to a waiting beat; on waking, its next renewal fails before it sends anything, it exits and
# `run` restarts it as the waiting one. `status` reports a lock nobody renews (worker.ops.health.check_beat).
BEAT_LOCK_TIMEOUT = 30
BEAT_MAX_LOOP_INTERVAL = 5


def beat_schedule(settings: Settings) -> dict[str, dict[str, object]]:
    """One beat entry per periodic row of the table."""
    return {s.name: {"task": s.task_name, "schedule": s.every(settings)} for s in STAGES.periodic
            if s.every is not None}


def create_app(settings: Settings) -> Celery:
    # a worker that loses Redis must reconnect, not die on kombu 5.7.0's AttributeError (broker_guard)
    broker_guard.install()
    # RedirectLogging: what a process prints reaches the log a line at a time, not a write() at a time
    # (a traceback Python prints at exit is one ERROR record: worker.celery_log, worker.logs.TracebackJoiner)
    celery = Celery("newsworker", broker=settings.redis_url, backend=settings.redis_url, log=RedirectLogging)
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=settings.worker_max_tasks_per_child,
        # Celery counts KiB; None turns the check off
        worker_max_memory_per_child=settings.worker_max_memory_per_child_mb * 1024 or None,
        # Task events cost a Redis publish per task state; Flower turns them on when it attaches
        # (`celery -A worker.celery_app control enable_events`), NEWSWORKER_TASK_EVENTS=1 forces them on.
        worker_send_task_events=settings.task_events,
        task_send_sent_event=settings.task_events,
        task_track_started=False,
        task_ignore_result=True,
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        # Publishing (a stage handing on, a retry) rides out a Redis restart of ~2 min instead of failing the
        # task after Celery's default 0.6 s (what it still loses, the outbox sweep re-sends: tests/chaos).
        task_publish_retry_policy={"max_retries": 60, "interval_start": 0.2, "interval_step": 0.5,
                                   "interval_max": 3},
        # chaos tests lower the visibility timeout to see a SIGKILLed worker's task redelivered soon
        broker_transport_options={"visibility_timeout": settings.visibility_timeout, "socket_keepalive": True},
        task_time_limit=600,
        task_soft_time_limit=540,
        task_queues=[Queue(q) for q in QUEUES],
        task_default_queue=STAGES["extract"].queue,
        task_routes={s.task_name: {"queue": s.queue} for s in STAGES},
        # RedBeat keeps the schedule in Redis and holds a lock, so a second beat cannot double-fire.
        beat_scheduler="redbeat.RedBeatScheduler",
        redbeat_redis_url=settings.redis_url,
        redbeat_key_prefix=Keys(settings.redis_prefix).redbeat,
        redbeat_lock_timeout=BEAT_LOCK_TIMEOUT,
        # explicit and empty: RedBeat forwards none of the broker's transport options to its client, as it did
        # when it fell back to them, and no longer warns at every beat start that the fallback ends (QA5 qa5b-14)
        redbeat_redis_options={},
        beat_max_loop_interval=BEAT_MAX_LOOP_INTERVAL,
        beat_schedule=beat_schedule(settings),
    )
    register(celery, STAGES, settings)
    return celery


capture_warnings(get_settings().log_format)
app = create_app(get_settings())


@before_task_publish.connect
def _stamp_sent_at(headers: dict | None = None, **_: object) -> None:
    """Record publish time so health checks can report the age of the oldest waiting message."""
    if headers is not None:
        headers.setdefault("sent_at", time.time())


@worker_process_init.connect
def _fresh_clients(**_: object) -> None:
    reset_clients()
    # Compile alert rules before the first article, not during it: at 10k rules the compile takes seconds,
    # which would land on the first notification's latency. (Per child: the engine holds Redis clients.)
    try:
        current().engine.refresh(force=True)
    except Exception as err:  # noqa: BLE001 - a cold start is slower, not broken (the stores may be away)
        logging.getLogger(__name__).warning("alert rules warm-up failed: %s", err)


@worker_init.connect
def _warm_chain(sender: object = None, **_: object) -> None:
    """Load the NER model and gazetteer (and trafilatura's lazily read tables) once in the parent, so prefork
    children share the pages. A chain that cannot load fails the worker's start, loudly. A worker that only
    sends notifications (``-Q deliver``, ``worker.ops.workers``) never extracts: it skips the few hundred MB."""
    if only_deliveries(tuple(consumed_queues(sender))):
        return
    warm_up_chain()
    warm_up_page_extraction()


def consumed_queues(worker: object) -> list[str]:
    """The queues a starting worker (``worker_init``'s sender, after its ``-Q``) consumes; [] if unknown."""
    try:
        return list(worker.app.amqp.queues.consume_from)  # type: ignore[attr-defined]
    except AttributeError:
        return []


@worker_ready.connect
def _warn_stale_index(**_: object) -> None:
    """Log, once at the worker's start (its main process, once its logging is set up), that the index was
    analysed by another search analysis version, or made with an older mapping. ``run`` and ``index setup``
    say it on the console, but an operator who starts the worker with systemd units or compose reads only
    this log (QA round 4 re-test, N2). A read within a few seconds: a slow Elasticsearch must not hold the
    worker's start."""
    log = logging.getLogger(__name__)
    try:
        with probing() as es:
            warnings = index_warnings(es, get_settings().es_index)
    except Exception as err:  # noqa: BLE001 - a check, not a start condition: the stores may be away
        log.info("index analysis and mapping versions not checked: %s", err)
        return
    for message in warnings:
        log.warning("%s", message)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _json_logs(logger: logging.Logger | None = None, **_: object) -> None:
    install_json_logs(logger, get_settings().log_format)
