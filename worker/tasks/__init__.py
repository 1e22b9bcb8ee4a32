"""Celery tasks, generated from the stage table (``worker.pipeline.table``): one task per row, named
``Stage.task_name``, routed to the row's queue. Each task is a thin adapter: it builds a runner on the
process's application context and hands it the message; the runner does everything else.

A queued message is ``[payloads, attempt]``; a periodic row's message is ``[[], attempt]`` (beat sends it
without arguments, so both default).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Celery, Task

from worker.pipeline.context import current
from worker.pipeline.runner import Runner
from worker.pipeline.stage import Stage, StageTable
from worker.settings import Settings


@dataclass(frozen=True)
class CeleryDispatcher:
    app: Celery

    def send(self, stage: Stage, payloads: list[Any], *, attempt: int = 1, countdown: float | None = None,
             queue: str | None = None) -> None:
        self.app.send_task(stage.task_name, args=[payloads, attempt], queue=queue or stage.queue,
                           countdown=countdown or None)


def runner_for(app: Celery, table: StageTable, task: Task | None = None) -> Runner:
    """A runner on this process's context; a retry returns to the queue the message came from."""
    origin = None
    if task is not None and task.request.delivery_info:
        origin = task.request.delivery_info.get("routing_key")
    return Runner(current(), table, CeleryDispatcher(app), origin_queue=origin)


def _task_body(app: Celery, table: StageTable, stage: Stage) -> Callable[..., Any]:
    if stage.periodic:
        def periodic(self: Task, payloads: list[Any] | None = None, attempt: int = 1) -> int:
            return runner_for(app, table, self).tick(stage.name, attempt)

        return periodic

    def run(self: Task, payloads: list[Any], attempt: int = 1) -> None:
        runner_for(app, table, self).handle(stage.name, payloads, attempt, message_id=self.request.id)

    return run


def register(app: Celery, table: StageTable, settings: Settings) -> dict[str, Task]:
    """Register one task per row of ``table`` on ``app``; returns them by stage name."""
    tasks = {}
    for stage in table:
        body = _task_body(app, table, stage)
        body.__name__ = body.__qualname__ = stage.name
        body.__doc__ = stage.fn.__doc__
        # A beat message older than two periods is stale: the next one is on its way.
        options: dict[str, Any] = {"expires": max(60.0, 2 * stage.every(settings))} if stage.every else {}
        tasks[stage.name] = app.task(name=stage.task_name, bind=True, ignore_result=True, **options)(body)
    return tasks
