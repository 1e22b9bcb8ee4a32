"""The pool's memory safety net is Celery's own setting, derived from NEWSWORKER_WORKER_MAX_MEMORY_PER_CHILD_MB."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from worker.celery_app import create_app
from worker.settings import Settings


def test_the_memory_limit_reaches_celery_in_kib_and_zero_turns_it_off() -> None:
    assert create_app(Settings(worker_max_memory_per_child_mb=1200)).conf.worker_max_memory_per_child == 1200 * 1024
    assert create_app(Settings(worker_max_memory_per_child_mb=0)).conf.worker_max_memory_per_child is None


def test_a_negative_memory_limit_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(worker_max_memory_per_child_mb=-1)
