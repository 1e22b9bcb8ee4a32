"""Helpers shared by the stage tasks: dead letters and retry policy."""

from __future__ import annotations

import logging
import random
from typing import Any

from worker.ops import metrics

log = logging.getLogger(__name__)


def dead_letter(stage: str, payload: dict[str, Any], err: BaseException | str) -> None:
    """Keep a permanently failed payload with its error, so it can be inspected and replayed."""
    from worker.ingest import deadletter

    deadletter.record(stage, payload, f"{type(err).__name__}: {err}" if isinstance(err, BaseException) else err)
    metrics.inc("dead_letters_total", {"stage": stage})
    if stage in ("extract", "index") and payload.get("id"):
        from worker.tasks import inflight

        inflight.forget(str(payload["id"]))  # kept in the dead letters now; the sweep must not re-send it


def backoff(retries: int, base: float = 2.0, cap: float = 60.0) -> float:
    """Exponential backoff with full jitter (AWS architecture blog's recommendation)."""
    return random.uniform(0, min(cap, base * (2 ** retries)))
