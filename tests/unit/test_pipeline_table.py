"""The stage table is the one source of tasks, routes and the beat schedule: every periodic row is
scheduled (digests and the outbox sweep were not, issue 14), every scheduled task is registered, and no
module names a task or sends one except the generated adapters."""

from __future__ import annotations

import re
from pathlib import Path

from worker.celery_app import app, beat_schedule
from worker.pipeline.table import STAGES
from worker.settings import Settings

WORKER = Path(__file__).resolve().parents[2] / "worker"


def test_every_periodic_row_is_in_the_beat_schedule() -> None:
    schedule = app.conf.beat_schedule
    settings = Settings()
    for stage in STAGES.periodic:
        assert stage.name in schedule, f"periodic stage {stage.name} is not scheduled"
        assert schedule[stage.name]["task"] == stage.task_name
        assert schedule[stage.name]["schedule"] == stage.every(settings)
    assert {"digests", "sweep", "poll_due", "canary"} <= set(schedule)


def test_every_scheduled_task_is_registered_and_routed() -> None:
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, f"beat sends {entry['task']}, which no worker registers"
    routes = app.conf.task_routes
    declared = {q.name for q in app.conf.task_queues}
    for stage in STAGES:
        assert stage.task_name in app.tasks
        assert routes[stage.task_name]["queue"] == stage.queue
        assert stage.queue in declared


def test_schedule_follows_the_settings() -> None:
    fast = beat_schedule(Settings(digest_tick_seconds=2, outbox_sweep_seconds=3))
    assert fast["digests"]["schedule"] == 2 and fast["sweep"]["schedule"] == 3


def test_rows_hand_on_to_rows_whose_input_is_their_output() -> None:
    for stage in STAGES:
        if stage.next is not None:
            target = STAGES[stage.next]
            assert target.input is stage.output, f"{stage.name} -> {target.name}: {stage.output} vs {target.input}"


def test_no_task_names_or_sends_outside_the_generated_adapters() -> None:
    allowed = {WORKER / "tasks" / "__init__.py"}
    for path in WORKER.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path not in allowed:
            assert "send_task(" not in text and ".delay(" not in text and "apply_async(" not in text, path
        assert not re.search(r"[\"']worker\.tasks\.\w+\.\w+[\"']", text), f"a task name literal in {path}"
