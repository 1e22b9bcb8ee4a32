"""What a row of the stage table is, and the two shapes of stage function.

A stage function takes a ``Hop`` (the application context, the attempt number, and ``emit`` to hand an
output record to the next stage) and either one input record (``per_record``: poll, fetch, story, match,
deliver) or the whole micro-batch (extract, index). It returns, per input, an outcome label for the metrics
(``None`` is ``ok``) or the exception that input failed with; the runner decides what follows from the
exception's class. A periodic stage takes only the hop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from worker.document import EnrichedDocument
from worker.pipeline.context import AppContext
from worker.pipeline.retry import RetryPolicy
from worker.records import Delivery
from worker.settings import Settings

Result = str | BaseException | None
Emit = Callable[[Any], None]


@dataclass
class Hop:
    ctx: AppContext
    emit: Emit
    attempt: int = 1
    last_attempt: bool = False
    # Run once the outputs are safely on their way (indexed, queued, or dead-lettered): e.g. the fetch
    # stage's "handed" marks, so a message redelivered before then does its work again instead of skipping.
    on_handed: list[Callable[[], None]] = field(default_factory=list)


BatchFn = Callable[[Hop, Sequence[Any]], Sequence[Result]]
PeriodicFn = Callable[[Hop], int]


def per_record(fn: Callable[[Hop, Any], str | None], *, threads: int = 0) -> BatchFn:
    """A batch function from a one-record function; with ``threads``, the records of a batch run
    concurrently (stages that wait on the network: the page fetch)."""

    def run(hop: Hop, records: Sequence[Any]) -> Sequence[Result]:
        if threads and len(records) > 1:
            with ThreadPoolExecutor(min(threads, len(records))) as pool:
                return list(pool.map(lambda r: _one(fn, hop, r), records))
        return [_one(fn, hop, r) for r in records]

    run.__name__ = run.__qualname__ = getattr(fn, "__name__", "stage")
    run.__doc__ = fn.__doc__
    return run


def _one(fn: Callable[[Hop, Any], str | None], hop: Hop, record: Any) -> Result:
    try:
        return fn(hop, record)
    except Exception as err:  # noqa: BLE001 - handed to the runner, which classifies it
        return err


def always(_: Settings) -> bool:
    return True


def never(_: Settings) -> bool:
    return False


@dataclass(frozen=True)
class Stage:
    """One row: the stage, its function, the records in and out, where it runs, how it retries, when."""

    name: str
    fn: BatchFn | PeriodicFn
    input: type | None  # None: a periodic stage (beat sends it, without input)
    output: type | None
    queue: str
    retry: RetryPolicy
    next: str | None = None  # the stage its outputs go to (None: outputs are Entry, each naming its stage)
    every: Callable[[Settings], float] | None = None  # periodic: seconds between beat sends
    batch: int = 1  # records per queued message (a micro-batch)
    inline: Callable[[Settings], bool] = never  # run in the process of the stage that hands on
    outbox: bool = False  # records queued to it are kept in the outbox until it is done with them
    on_dead: Callable[[AppContext, Any, str, str | None], None] | None = None  # record, reason, error code
    article: bool = False  # count its outcomes in articles_total

    @property
    def task_name(self) -> str:
        """The Celery task name, derived: never written anywhere else."""
        return f"newsworker.{self.name}"

    @property
    def periodic(self) -> bool:
        return self.every is not None

    def decode(self, payload: Any) -> Any:
        """A queued message's payload back into this stage's input record."""
        if self.input is str:
            if not isinstance(payload, str):
                raise ValueError(f"{self.name}: expected a string, got {type(payload).__name__}")
            return payload
        if self.input is EnrichedDocument:
            return EnrichedDocument.model_validate(payload)
        return self.input.from_payload(payload)  # type: ignore[union-attr]

    @staticmethod
    def encode(record: Any) -> Any:
        if isinstance(record, str):
            return record
        if isinstance(record, EnrichedDocument):
            return record.model_dump(mode="json")
        return record.as_payload()

    @staticmethod
    def key(record: Any) -> str:
        """The record's idempotency key (outbox entries, logs)."""
        if isinstance(record, str):
            return record
        if isinstance(record, Delivery):
            return f"{record.id}:{record.channel_key}"
        return str(record.id)


class StageTable:
    """The rows by name, in declaration order; checks that every ``next`` names a row."""

    def __init__(self, rows: Sequence[Stage]) -> None:
        self.rows = tuple(rows)
        self.by_name = {s.name: s for s in self.rows}
        if len(self.by_name) != len(self.rows):
            raise ValueError("two stages share a name")
        for s in self.rows:
            if s.next is not None and s.next not in self.by_name:
                raise ValueError(f"stage {s.name!r} hands on to unknown stage {s.next!r}")

    def __getitem__(self, name: str) -> Stage:
        return self.by_name[name]

    def __iter__(self):  # noqa: ANN204
        return iter(self.rows)

    @property
    def periodic(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.rows if s.periodic)

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.queue for s in self.rows))
