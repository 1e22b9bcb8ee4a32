"""Which Celery workers a deployment runs, and what each consumes: declared once, for ``newsworker worker
--role``, ``newsworker run``, the systemd units and docker-compose.yml.

Two kinds of work share the broker. Polling, fetching, extraction, indexing and matching need the CPU and
the memory of the extraction chain: a prefork pool of a few processes. Sending a notification mostly waits
on someone else's server, up to ``webhook_total_deadline`` a webhook; on those few processes a slow receiver
held ingestion and every other rule's alerts for tens of seconds (QA5 qa5a-1). So deliveries have their
own queues (``worker.pipeline.table.DELIVER_QUEUES``) and their own worker, a thread pool: a waiting send
costs a thread, and the pipeline's processes never wait on a receiver. Nor do the other receivers: one
receiver's sends hold at most ``deliver_per_receiver`` of the threads (``worker.alerts.delivery.receivers``,
QA5 qa5r2-2), the rest wait in the queue without holding one.

* ``all``: every queue, prefork (``newsworker worker`` without ``--role``): one worker does everything, as a
  single small machine wants; a slow receiver then shares its processes with ingestion.
* ``pipeline``: every queue but the deliveries', prefork.
* ``deliver``: the deliveries' queues, ``deliver_concurrency`` threads. One process: Celery's per-child limits
  (``worker_max_tasks_per_child``, ``worker_max_memory_per_child``) apply to prefork children only, and this
  worker needs none: it loads no extraction chain (``worker.celery_app``) and keeps nothing per send.

``pipeline`` and ``deliver`` together consume every queue, which is what ``status`` checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from worker.settings import Settings

Pool = Literal["prefork", "threads"]
ROLES = ("all", "pipeline", "deliver")


@dataclass(frozen=True)
class WorkerRole:
    name: str  # also the Celery node name's prefix (``deliver@host``) and the name of run's child
    queues: tuple[str, ...]
    pool: Pool
    concurrency: int

    @property
    def queue_list(self) -> str:
        return ",".join(self.queues)


def role(name: str, settings: Settings, concurrency: int | None = None) -> WorkerRole:
    """The worker ``name`` (one of ``ROLES``) runs; ``concurrency`` overrides the settings' pool size."""
    # imported here: the stage table pulls in the whole pipeline, which the CLI's other commands do not need
    from worker.pipeline.table import DELIVER_QUEUES, STAGES

    every = STAGES.queues
    if name == "deliver":
        return WorkerRole("deliver", tuple(q for q in every if q in DELIVER_QUEUES), "threads",
                          concurrency or settings.deliver_concurrency)
    if name == "pipeline":
        return WorkerRole("worker", tuple(q for q in every if q not in DELIVER_QUEUES), "prefork",
                          concurrency or settings.worker_concurrency)
    if name == "all":
        return WorkerRole("worker", every, "prefork", concurrency or settings.worker_concurrency)
    raise ValueError(f"unknown worker role {name!r}: one of {', '.join(ROLES)}")


def split(settings: Settings, concurrency: int | None = None) -> tuple[WorkerRole, WorkerRole]:
    """The two workers ``newsworker run`` (and the units, and compose) start; ``concurrency`` sizes the
    pipeline's pool."""
    return role("pipeline", settings, concurrency), role("deliver", settings)
